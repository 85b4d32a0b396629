"""ELK config validation: every bad `orbit:elk` value fails with the key, the value and what is allowed."""

from __future__ import annotations

import pytest

from components.config import ConfigError, ElkConfig, memory_bytes, parse_stack_config

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {"storageClass": "standard"}}}
SMALL = {"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}

BAD_CASES = [
    ({"enabled": "maybe"}, ["orbit:elk.enabled", "valid boolean"]),
    ({"logRetentionDays": 0}, ["orbit:elk.logRetentionDays", "greater than or equal to 1", "(got 0)"]),
    ({"logRetentionDays": 5000}, ["orbit:elk.logRetentionDays", "less than or equal to 3650"]),
    ({"retention": 7}, ["orbit:elk", "unknown key(s) retention", "logRetentionDays"]),
    ({"elasticsearch": {"masters": {"replicas": 2}}}, ["orbit:elk.elasticsearch", "masters.replicas is 2", "1, 3, 5 or 7"]),
    ({"elasticsearch": {"masters": {"replicas": 3}, "data": {"replicas": 0}}}, ["orbit:elk.elasticsearch", "data.replicas is 0", "dedicated masters need data"]),
    ({"elasticsearch": {"data": {"replicas": -1}}}, ["orbit:elk.elasticsearch.data.replicas", "greater than or equal to 0"]),
    ({"elasticsearch": {"data": {"replicas": 3, "heap": "2GB"}}}, ["orbit:elk.elasticsearch.data.heap", "'2GB'", "JVM heap size"]),
    (
        {"elasticsearch": {"data": {"replicas": 3, "heap": "1g", "resources": SMALL}}},
        ["orbit:elk.elasticsearch.data", "heap 1g is more than half of the memory limit 1Gi"],
    ),
    ({"elasticsearch": {"data": {"replicas": 3, "volumeSize": "1TB"}}}, ["orbit:elk.elasticsearch.data.volumeSize", "'1TB'"]),
    ({"elasticsearch": {"storageClass": "Fast SSD"}}, ["orbit:elk.elasticsearch.storageClass", "'Fast SSD'"]),
    ({"elasticsearch": {"sysctl": True}}, ["orbit:elk.elasticsearch", "unknown key(s) sysctl", "sysctlInitContainer"]),
    ({"elasticsearch": {"bootstrap": "yes please"}}, ["orbit:elk.elasticsearch.bootstrap", "valid boolean"]),
    ({"kibana": {"replicas": 0}}, ["orbit:elk.kibana.replicas", "greater than or equal to 1"]),
    ({"logstash": {"queueMaxSize": "8GiB"}}, ["orbit:elk.logstash.queueMaxSize", "'8GiB'", "1024mb or 8gb"]),
    ({"logstash": {"queueVolumeSize": "5Gi", "queueMaxSize": "8gb"}}, ["orbit:elk.logstash", "queueMaxSize 8gb does not fit in queueVolumeSize 5Gi"]),
    ({"logstash": {"heap": "2g", "resources": SMALL}}, ["orbit:elk.logstash", "heap 2g does not fit in the memory limit 1Gi"]),
    ({"snapshots": {"schedule": "nightly"}}, ["orbit:elk.snapshots.schedule", "'nightly'", "Elasticsearch cron expression"]),
    ({"snapshots": {"bucket": "Snapshots"}}, ["orbit:elk.snapshots.bucket", "'Snapshots'", "S3 bucket name"]),
    ({"snapshots": {"retentionDays": 0}}, ["orbit:elk.snapshots.retentionDays", "greater than or equal to 1"]),
    ({"shipper": {"target": "kafka"}}, ["orbit:elk.shipper.target", "'logstash' or 'elasticsearch'", "'kafka'"]),
    ({"shipper": {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}}, ["orbit:elk.shipper.resources.limits", "Field required"]),
]


@pytest.mark.parametrize(("elk", "fragments"), BAD_CASES, ids=[str(c[0])[:60] for c in BAD_CASES])
def test_bad_elk_config_is_rejected_with_a_clear_message(elk, fragments):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({**BASE, "elk": elk}, source="stacks/Pulumi.test.yaml")
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_snapshots_need_minio():
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({**BASE, "minio": {"enabled": False}, "elk": {"snapshots": {"enabled": True}}})
    assert "elk.snapshots.enabled is true but minio.enabled is false" in str(raised.value)


def test_defaults_are_the_production_layout():
    config = parse_stack_config(BASE).elk
    assert config.enabled and config.elasticsearch.masters.replicas == 3 and config.elasticsearch.data.replicas == 3
    assert config.elasticsearch.bootstrap is True and config.elasticsearch.sysctl_init_container is False
    assert config.shipper.target == "logstash" and config.kibana.replicas == 2 and config.logstash.replicas == 2


def test_single_combined_node_is_valid():
    config = ElkConfig.model_validate({"elasticsearch": {"masters": {"replicas": 1, "heap": "512m", "resources": SMALL}, "data": {"replicas": 0}}})
    assert config.elasticsearch.masters.replicas == 1 and config.elasticsearch.data.replicas == 0


@pytest.mark.parametrize(("quantity", "expected"), [("1Gi", 2**30), ("1536Mi", 1536 * 2**20), ("2G", 2e9), ("512", 512)])
def test_memory_bytes(quantity, expected):
    assert memory_bytes(quantity) == expected
