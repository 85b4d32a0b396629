"""The Kafka component under mocks: what it registers and how it wires the chart.

Besides the stack files in stacks/, a production-shaped stack (existing cluster over three
zones, Kafka defaults) is captured from a temporary stacks directory, so that the production
defaults are exercised even before the cloud stacks exist.
"""

from __future__ import annotations

import json

import pytest

from components.config import parse_stack_config
from tests.conftest import STACKS, StackPlan, capture_in_subprocess, run_under_mocks
from tools.mock_outputs import RESOURCE_FAKES
from tools.plan import CapturedResource, stack_config
from tools.render import render_releases

RANDOM_ID = "random:index/randomId:RandomId"
SECRET = "kubernetes:core/v1:Secret"
ZONES = ["zone-a", "zone-b", "zone-c"]
PRODUCTION_STACK = f"""
config:
  orbit:environment: prod
  orbit:cluster:
    provider: existing
    existing:
      storageClass: fast
      zones: {json.dumps(ZONES)}
  orbit:kafka:
    topics:
      - name: airflow.events
        partitions: 6
      - name: audit
        replicationFactor: 2
        cleanupPolicy: compact
    users:
      - name: reporting
        access: read
        topics: ["airflow.events"]
        groups: ["reporting"]
"""


def _capture(stack: str, stacks_dir) -> StackPlan:
    result = capture_in_subprocess(stack, stacks_dir)
    assert result.returncode == 0, result.stderr
    return StackPlan(stack, [CapturedResource(**item) for item in json.loads(result.stdout)])


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> StackPlan:
    directory = tmp_path_factory.mktemp("stacks")
    (directory / "Pulumi.prod.yaml").write_text(PRODUCTION_STACK)
    return _capture("prod", directory)


@pytest.fixture(scope="module")
def production_again(tmp_path_factory) -> StackPlan:
    directory = tmp_path_factory.mktemp("stacks-again")
    (directory / "Pulumi.prod.yaml").write_text(PRODUCTION_STACK)
    return _capture("prod", directory)


def kafka_plans(stack_plans, production):
    plans = [p for p in stack_plans.values() if any(r.type == "orbit:service:Kafka" for r in p.resources)]
    return [*plans, production]


def test_every_stack_installs_kafka_unless_disabled(stack_plans):
    for stack in STACKS:
        raw, _ = stack_config(stack)
        config = parse_stack_config({k.removeprefix("orbit:"): v for k, v in raw.items() if k.startswith("orbit:")})
        installed = any(r.type == "orbit:service:Kafka" for r in stack_plans[stack].resources)
        assert installed == config.kafka.enabled, stack
    assert any(r.type == "orbit:service:Kafka" for r in stack_plans["local"].resources)


def test_cluster_id_is_a_random_id_kept_in_a_secret(stack_plans, production):
    for plan in kafka_plans(stack_plans, production):
        cluster_id = plan.named("kafka-cluster-id", RANDOM_ID)
        # 16 random bytes = a UUID's worth, rendered base64url (Kafka's cluster id format); no
        # keepers, so nothing that changes later can regenerate it.
        assert cluster_id.inputs == {"byteLength": 16.0}
        secret = plan.named("orbit-kafka-kafka-cluster-id", SECRET)
        assert secret.inputs["metadata"]["name"] == "kafka-cluster-id"
        assert secret.masked_inputs["stringData"] == "[secret]"
        assert "kafka-cluster-id" in secret.depends_on
        assert plan.chart("kafka").inputs["values"]["clusterId"] == {"existingSecret": "kafka-cluster-id"}
        assert "orbit-kafka-kafka-cluster-id" in plan.chart("kafka").depends_on


def test_cluster_id_is_stable_across_two_runs(production, production_again):
    first = production.named("orbit-kafka-kafka-cluster-id", SECRET).inputs["stringData"]["clusterId"]
    second = production_again.named("orbit-kafka-kafka-cluster-id", SECRET).inputs["stringData"]["clusterId"]
    assert first == second and len(first) == 22
    assert production.chart("kafka").inputs == production_again.chart("kafka").inputs


def test_every_user_has_a_generated_password_in_its_own_secret(stack_plans, production):
    for plan in kafka_plans(stack_plans, production):
        expected = {"admin", "kafka-exporter", "airflow"} | ({"reporting"} if plan is production else set())
        for user in expected:
            secret = plan.named(f"orbit-kafka-kafka-user-{user}", SECRET)
            assert secret.inputs["metadata"]["name"] == f"kafka-user-{user}"
            assert secret.inputs["stringData"]["username"] == user
            assert secret.masked_inputs["stringData"] == "[secret]"
            assert f"kafka-user-{user}-password" in secret.depends_on
            assert f"orbit-kafka-kafka-user-{user}" in plan.chart("kafka").depends_on
        values = plan.chart("kafka").inputs["values"]
        assert values["auth"]["adminSecret"] == "kafka-user-admin"
        assert values["exporter"]["secretName"] == "kafka-user-kafka-exporter"
        users = {u["name"]: u for u in values["auth"]["users"]}
        assert set(users) == expected - {"admin", "kafka-exporter"}
        assert users["airflow"] == {
            "name": "airflow", "secretName": "kafka-user-airflow", "access": "readwrite",
            "topics": ["airflow.*"], "groups": ["airflow*"],
        }


def test_tls_certificate_is_pkcs8_and_covers_bootstrap_and_pod_names(stack_plans, production):
    for plan in kafka_plans(stack_plans, production):
        names = plan.named("kafka-tls-csr", "tls:index/certRequest:CertRequest").inputs["dnsNames"]
        assert names[0] == "kafka.orbit-kafka.svc.cluster.local", "the CN is the node principal (super user)"
        assert "*.kafka-broker-hl.orbit-kafka.svc.cluster.local" in names
        assert "*.kafka-controller-hl.orbit-kafka.svc.cluster.local" in names
        secret = plan.named("orbit-kafka-kafka-tls", SECRET)
        assert secret.inputs["type"] == "kubernetes.io/tls"
        # Java's PEM keystore reads PKCS#8 only: the Secret holds the key's PKCS#8 output.
        key_outputs = RESOURCE_FAKES["tls:index/privateKey:PrivateKey"]("kafka-tls-key", {})
        assert secret.inputs["stringData"]["tls.key"] == key_outputs["privateKeyPemPkcs8"]
        assert secret.inputs["stringData"]["tls.key"] != key_outputs["privateKeyPem"]


def test_production_values_are_a_dedicated_quorum_over_zones(production):
    values = production.chart("kafka").inputs["values"]
    assert values["combined"] is False
    assert values["controller"]["replicas"] == 3.0
    assert values["broker"]["replicas"] == 3.0 and values["broker"]["zones"] == ZONES
    assert values["replication"] == {"defaultReplicationFactor": 3.0, "minInsyncReplicas": 2.0, "defaultPartitions": 3.0}
    assert values["broker"]["persistence"]["storageClass"] == "fast"
    assert values["topics"] == [
        {"name": "airflow.events", "partitions": 6.0, "cleanupPolicy": "delete"},
        {"name": "audit", "partitions": 3.0, "replicationFactor": 2.0, "cleanupPolicy": "compact"},
    ]
    assert values["networkPolicy"]["clientsFrom"] == [
        {"namespace": "orbit-airflow", "podLabels": {"app.kubernetes.io/instance": "airflow"}}
    ]
    assert values["networkPolicy"]["metricsFrom"][0]["namespace"] == "orbit-monitoring"


def test_production_renders_three_controllers_and_one_broker_per_zone(production):
    (release,) = [r for r in render_releases(production.resources) if r.name == "kafka"]
    sets = {o["metadata"]["name"]: o["spec"]["replicas"] for o in release.objects if o["kind"] == "StatefulSet"}
    assert sets == {"kafka-controller": 3, "kafka-broker-zone-a": 1, "kafka-broker-zone-b": 1, "kafka-broker-zone-c": 1}


def test_local_stack_runs_one_combined_node_with_replication_one(stack_plans):
    values = stack_plans["local"].chart("kafka").inputs["values"]
    assert values["combined"] is True
    assert values["broker"]["replicas"] == 1.0 and values["broker"]["zones"] == []
    assert values["replication"]["defaultReplicationFactor"] == 1.0
    assert values["replication"]["minInsyncReplicas"] == 1.0


def test_namespace_enforces_restricted_and_is_retained(stack_plans, production):
    for plan in kafka_plans(stack_plans, production):
        namespace = plan.named("orbit-kafka", "kubernetes:core/v1:Namespace")
        assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        assert namespace.retain_on_delete


# The typed outputs (KafkaAccess, metrics) live in Python objects, not in captured resources: build
# the component under mocks in a fresh interpreter and print them.
OUTPUTS_SCRIPT = """
from components.clusters.existing import ExistingCluster
from components.config import parse_stack_config
from components.context import PlatformContext
from components.services.kafka import Kafka, KafkaArgs
from components.tls import PlatformCA

@pulumi.runtime.test
def outputs():
    config = parse_stack_config({"environment": "test", "cluster": {"provider": "existing", "existing": {}}})
    cluster = ExistingCluster("cluster", config.cluster.existing)
    context = PlatformContext(cluster=cluster, environment="test", stack="test")
    kafka = Kafka("kafka", KafkaArgs(config=config.kafka, context=context, ca=PlatformCA("ca", "test")))
    access = kafka.access
    users = sorted(access.users)
    def show(resolved):
        ca, *passwords = resolved
        print(json.dumps({
            "bootstrap": access.bootstrap_servers, "protocol": access.security_protocol,
            "mechanism": access.sasl_mechanism, "ca": ca,
            "users": {u: {"username": access.users[u].username, "password": p} for u, p in zip(users, passwords)},
            "secrets": kafka.user_secrets,
            "metrics": [[m.job, m.endpoint.url + m.endpoint.path, m.pod_labels] for m in kafka.metrics],
        }))
    return pulumi.Output.all(access.ca_pem, *[access.users[u].password for u in users]).apply(show)

outputs()
"""


def test_access_and_metrics_outputs_for_the_platform():
    outputs = run_under_mocks(OUTPUTS_SCRIPT)
    assert outputs["bootstrap"] == "kafka.orbit-kafka.svc.cluster.local:9092"
    assert (outputs["protocol"], outputs["mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    assert outputs["ca"].startswith("-----BEGIN CERTIFICATE-----")
    assert set(outputs["users"]) == {"admin", "airflow", "kafka-exporter"}
    for user, credential in outputs["users"].items():
        assert credential["username"] == user
        expected = RESOURCE_FAKES["random:index/randomPassword:RandomPassword"](f"kafka-user-{user}-password", {"length": 32})
        assert credential["password"] == expected["result"], "the Credential carries the generated password"
        assert outputs["secrets"][user] == f"kafka-user-{user}"
    assert outputs["metrics"] == [
        ["kafka-exporter", "http://kafka-exporter.orbit-kafka.svc.cluster.local:9308/metrics",
         {"app.kubernetes.io/instance": "kafka", "app.kubernetes.io/component": "exporter"}],
    ]


def test_a_recovered_stack_adopts_the_volumes_cluster_id(tmp_path):
    adopted = "MkU3OEVBNTcwNTJENDM2Qk"
    (tmp_path / "Pulumi.recover.yaml").write_text(
        "config:\n  orbit:environment: recover\n  orbit:cluster:\n    provider: existing\n    existing: {}\n"
        f"  orbit:kafka:\n    clusterId: {adopted}\n"
    )
    plan = _capture("recover", tmp_path)
    assert plan.named("orbit-kafka-kafka-cluster-id", SECRET).inputs["stringData"]["clusterId"] == adopted


def test_prometheus_scrapes_the_exporter_and_alerts_on_partitions(stack_plans):
    plan = stack_plans["local"]
    if not any(r.type == "orbit:service:Prometheus" for r in plan.resources):
        pytest.skip("the local stack runs no Prometheus")
    targets = plan.chart("prometheus").inputs["values"]["scrapeTargets"]
    assert any(t["job"] == "kafka-exporter" and t["namespace"] == "orbit-kafka" for t in targets)
    assert plan.chart("kafka").inputs["values"]["networkPolicy"]["metricsFrom"][0]["namespace"] == "orbit-monitoring"
    rules = next(o for o in plan.release("prometheus").objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "prometheus-rules")
    exporter_rules = rules["data"]["kafka-exporter.yaml"]
    for alert in ("KafkaUnderReplicatedPartitions", "KafkaOfflinePartitions", "KafkaConsumerGroupLagGrowing"):
        assert f"alert: {alert}" in exporter_rules
