"""Config validation: every bad stack file fails with a message naming key, value and what is allowed."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from components.config import ConfigError, StackConfig, minio_erasure_set_size, parse_stack_config

VALID = {
    "environment": "test",
    "cluster": {"provider": "existing", "existing": {"storageClass": "standard"}},
    "minio": {"servers": 4, "drivesPerServer": 1},
}


def with_change(path: str, value):
    """VALID with `path` (dot-separated; a trailing '-' deletes the key) set to value."""
    raw = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node.setdefault(key, {})
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return raw


DELETE = object()

BAD_CASES = [
    # (path, value, expected fragments of the message)
    ("environment", "Prod_1", ["orbit:environment", "'Prod_1'", "DNS label"]),
    ("environment", DELETE, ["orbit:environment", "Field required"]),
    ("imageRegistry", "https://registry.corp", ["orbit:imageRegistry", "registry host"]),
    ("enviroment", "typo", ["unknown key(s) enviroment", "allowed keys are", "environment"]),
    ("cluster.provider", "openstack", ["orbit:cluster.provider", "'openstack'", "'existing', 'aws', 'gcp' or 'azure'"]),
    ("cluster.existing", DELETE, ["orbit:cluster", "provider is 'existing' but the 'existing' section is missing"]),
    ("cluster.existing.storageClass", "Fast SSD", ["orbit:cluster.existing.storageClass", "'Fast SSD'"]),
    ("cluster.existing.zones", ["us-east-1a", "Bad Zone"], ["orbit:cluster.existing.zones.1", "'Bad Zone'"]),
    ("cluster.existing.kubeconig", "/tmp/x", ["orbit:cluster.existing", "unknown key(s) kubeconig", "kubeconfig"]),
    ("minio.servers", 0, ["orbit:minio.servers", "greater than or equal to 1", "(got 0)"]),
    ("minio.servers", 33, ["orbit:minio.servers", "less than or equal to 32"]),
    ("minio.servers", "three", ["orbit:minio.servers", "valid integer", "'three'"]),
    ("minio.servers", 3, ["orbit:minio", "3 × 1 = 3 drives", "erasure set"]),
    ("minio.drivesPerServer", 0, ["orbit:minio.drivesPerServer", "greater than or equal to 1"]),
    ("minio.drivesPerServer", 17, ["orbit:minio.drivesPerServer", "less than or equal to 16"]),
    ("minio.volumeSize", "100GB", ["orbit:minio.volumeSize", "'100GB'", "Mi, Gi or Ti"]),
    ("minio.parity", 3, ["orbit:minio", "parity 3 is more than half of the erasure set size 4"]),
    ("minio.enabled", "sometimes", ["orbit:minio.enabled", "valid boolean"]),
    ("minio.buckets", [{"name": "Logs"}], ["orbit:minio.buckets.0.name", "'Logs'", "S3 bucket name"]),
    ("minio.buckets", [{"name": "logs"}, {"name": "logs"}], ["orbit:minio", "bucket(s) logs are listed more than once"]),
    ("minio.buckets", [{"name": "logs", "versioned": True}], ["orbit:minio.buckets.0", "unknown key(s) versioned"]),
    (
        "minio.users",
        [{"name": "airflow", "buckets": ["missing"]}],
        ["orbit:minio", "user 'airflow' refers to bucket(s) missing"],
    ),
    ("minio.users", [{"name": "airflow", "buckets": []}], ["orbit:minio.users.0.buckets", "at least 1 item"]),
    (
        "minio.users",
        [{"name": "airflow", "access": "admin", "buckets": ["x"]}],
        ["orbit:minio.users.0.access", "'readwrite', 'readonly' or 'writeonly'"],
    ),
    (
        "minio.resources",
        {"requests": {"cpu": "lots", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        ["orbit:minio.resources.requests.cpu", "'lots'", "Kubernetes quantity"],
    ),
    (
        "minio.resources",
        {"requests": {"cpu": "1", "memory": "1Gi"}},
        ["orbit:minio.resources.limits", "Field required"],
    ),
]


@pytest.mark.parametrize(("path", "value", "fragments"), BAD_CASES, ids=[f"{c[0]}={c[1]!r}"[:60] for c in BAD_CASES])
def test_bad_config_is_rejected_with_a_clear_message(path, value, fragments):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(with_change(path, value), source="stacks/Pulumi.test.yaml")
    message = str(raised.value)
    assert message.startswith("stacks/Pulumi.test.yaml is invalid:")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_there_are_at_least_twenty_bad_config_cases():
    assert len(BAD_CASES) >= 20


def test_every_problem_is_reported_at_once():
    raw = with_change("minio.servers", 0)
    raw["environment"] = "Bad Env"
    message = str(pytest.raises(ConfigError, parse_stack_config, raw).value)
    assert "orbit:environment" in message and "orbit:minio.servers" in message


def test_valid_config_is_typed_and_frozen():
    config = parse_stack_config(VALID)
    assert isinstance(config, StackConfig)
    assert config.minio.servers == 4 and config.minio.drives_per_server == 1
    assert config.cluster.existing.storage_class == "standard"
    with pytest.raises(ValidationError, match="frozen"):
        config.minio.servers = 8  # type: ignore[misc]


def test_structured_values_arrive_as_json_text_like_pulumi_passes_them():
    import json

    raw = {key: (json.dumps(value) if isinstance(value, dict) else value) for key, value in VALID.items()}
    assert parse_stack_config(raw).minio.servers == 4


@pytest.mark.parametrize(
    ("servers", "drives", "expected"),
    [(1, 1, 1), (1, 4, 4), (4, 1, 4), (4, 4, 16), (8, 4, 16), (6, 2, 12), (2, 2, 4), (3, 1, None), (2, 1, None), (17, 1, None)],
)
def test_minio_erasure_set_size(servers, drives, expected):
    assert minio_erasure_set_size(servers, drives) == expected
