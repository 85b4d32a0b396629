"""Kafka config validation: every bad `orbit:kafka` section fails with key, value and what is allowed."""

from __future__ import annotations

import pytest

from components.config import ConfigError, KafkaConfig, parse_stack_config

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {}}}


def stack(**kafka):
    return parse_stack_config({**BASE, "kafka": kafka})


BAD_CASES = [
    # (kafka section, expected fragments of the message)
    ({"controllers": 2}, ["orbit:kafka", "controllers is 2", "allowed: 1, 3 or 5"]),
    ({"controllers": 4, "brokers": 4}, ["controllers is 4", "allowed: 1, 3 or 5"]),
    ({"brokers": 0}, ["orbit:kafka.brokers", "greater than or equal to 1", "(got 0)"]),
    ({"brokers": 100}, ["orbit:kafka.brokers", "less than or equal to 99"]),
    ({"combined": True, "controllers": 1, "brokers": 3}, ["combined mode", "brokers (3) must equal controllers (1)"]),
    ({"brokers": 3, "defaultReplicationFactor": 4}, ["defaultReplicationFactor 4 is more than the 3 broker(s)", "allowed: 1 to 3"]),
    ({"brokers": 3, "minInsyncReplicas": 4}, ["minInsyncReplicas 4 is more than the replication factor 3", "allowed: 1 to 3"]),
    (
        {"topics": [{"name": "events", "replicationFactor": 5}]},
        ["topic 'events' has replicationFactor 5, more than the 3 broker(s)", "allowed: 1 to 3"],
    ),
    ({"topics": [{"name": "events", "partitions": 0}]}, ["orbit:kafka.topics.0.partitions", "greater than or equal to 1"]),
    ({"topics": [{"name": "bad name"}]}, ["orbit:kafka.topics.0.name", "'bad name' is not a legal Kafka topic name"]),
    ({"topics": [{"name": "x" * 250}]}, ["orbit:kafka.topics.0.name", "not a legal Kafka topic name", "1-249"]),
    ({"topics": [{"name": ".."}]}, ["orbit:kafka.topics.0.name", "not '.' or '..'"]),
    ({"topics": [{"name": "__consumer_offsets"}]}, ["orbit:kafka.topics.0.name", "reserves for internal topics"]),
    ({"topics": [{"name": "a"}, {"name": "a"}]}, ["orbit:kafka", "topic(s) a are listed more than once"]),
    ({"topics": [{"name": "a.b"}, {"name": "a_b"}]}, ["topics 'a.b' and 'a_b' collide"]),
    ({"topics": [{"name": "a", "cleanupPolicy": "forever"}]}, ["orbit:kafka.topics.0.cleanupPolicy", "'delete', 'compact' or 'compact,delete'"]),
    ({"topics": [{"name": "a", "retentionMs": -2}]}, ["orbit:kafka.topics.0.retentionMs", "greater than or equal to -1"]),
    ({"topics": [{"name": "a", "partitons": 3}]}, ["orbit:kafka.topics.0", "unknown key(s) partitons", "partitions"]),
    ({"users": [{"name": "admin", "topics": ["x"]}]}, ["user(s) admin are managed by Orbit", "reserved: admin, kafka-exporter"]),
    ({"users": [{"name": "app", "topics": ["x"]}, {"name": "app", "topics": ["y"]}]}, ["user(s) app are listed more than once"]),
    ({"users": [{"name": "app", "topics": []}]}, ["orbit:kafka.users.0.topics", "at least 1 item"]),
    ({"users": [{"name": "app", "topics": ["a b"]}]}, ["orbit:kafka.users.0.topics.0", "'a b' is not a topic or group pattern"]),
    ({"users": [{"name": "App", "topics": ["x"]}]}, ["orbit:kafka.users.0.name", "'App'", "DNS label"]),
    ({"users": [{"name": "app", "topics": ["x"], "access": "admin"}]}, ["orbit:kafka.users.0.access", "'read', 'write' or 'readwrite'"]),
    ({"brokerVolumeSize": "1TB"}, ["orbit:kafka.brokerVolumeSize", "'1TB'", "Mi, Gi or Ti"]),
    ({"clusterId": "not-a-cluster-id"}, ["orbit:kafka.clusterId", "'not-a-cluster-id'", "22 base64url characters"]),
    ({"replicas": 3}, ["orbit:kafka", "unknown key(s) replicas", "brokers", "controllers"]),
]


@pytest.mark.parametrize(("kafka", "fragments"), BAD_CASES)
def test_bad_kafka_config_is_rejected_with_a_clear_message(kafka, fragments):
    with pytest.raises(ConfigError) as raised:
        stack(**kafka)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_two_brokers_default_to_replication_two_and_min_isr_one():
    config = stack(brokers=2).kafka
    assert (config.replication_factor, config.min_isr) == (2, 1)


def test_production_defaults_are_a_dedicated_quorum_of_three_and_three_brokers():
    config = KafkaConfig()
    assert config.enabled and not config.combined
    assert (config.controllers, config.brokers, config.replication_factor, config.min_isr) == (3, 3, 3, 2)


def test_single_node_uses_replication_factor_one():
    config = stack(combined=True, controllers=1, brokers=1).kafka
    assert (config.replication_factor, config.min_isr) == (1, 1)


def test_topic_patterns_accept_literal_prefix_and_wildcard():
    config = stack(users=[{"name": "app", "topics": ["app.events", "app.*", "*"], "groups": ["app*"]}]).kafka
    assert config.users[0].topics == ("app.events", "app.*", "*")
