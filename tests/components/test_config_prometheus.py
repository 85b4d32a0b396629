"""PrometheusConfig validation: every bad `orbit:prometheus` value fails with a message naming
the key, the value and what is allowed."""

from __future__ import annotations

import pytest

from components.config import ConfigError, parse_stack_config

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {"storageClass": "standard"}}}
SLACK = {"name": "ops", "type": "slack", "secret": "https://hooks.slack.com/services/T/B/X", "slack": {"channel": "#ops"}}
EMAIL = {
    "name": "mail",
    "type": "email",
    "secret": "smtp-password",
    "email": {"to": "oncall@corp.example", "fromAddress": "orbit@corp.example", "smarthost": "smtp.corp.example:587", "username": "orbit"},
}


def parse(prometheus: dict):
    return parse_stack_config({**BASE, "prometheus": prometheus}, source="stacks/Pulumi.test.yaml")


BAD_CASES = [
    ({"retentionTime": "15 days"}, ["orbit:prometheus.retentionTime", "'15 days'", "Prometheus duration"]),
    ({"retentionSize": "40Gi"}, ["orbit:prometheus.retentionSize", "'40Gi'", "MB, GB or TB"]),
    ({"retentionSize": "60GB", "volumeSize": "50Gi"}, ["orbit:prometheus", "retentionSize 60GB does not fit volumeSize 50Gi", "40GB"]),
    ({"volumeSize": "50GB"}, ["orbit:prometheus.volumeSize", "'50GB'", "Mi, Gi or Ti"]),
    ({"scrapeInterval": "often"}, ["orbit:prometheus.scrapeInterval", "'often'"]),
    ({"storageClass": "Fast SSD"}, ["orbit:prometheus.storageClass", "'Fast SSD'", "DNS label"]),
    ({"runbookBaseUrl": "docs/runbooks"}, ["orbit:prometheus.runbookBaseUrl", "https?://"]),
    ({"retention": "15d"}, ["orbit:prometheus", "unknown key(s) retention", "retentionTime"]),
    ({"alertmanager": {"replicas": 0}}, ["orbit:prometheus.alertmanager.replicas", "greater than or equal to 1"]),
    ({"alertmanager": {"replicas": 6}}, ["orbit:prometheus.alertmanager.replicas", "less than or equal to 5"]),
    ({"alertmanager": {"receivers": [{**SLACK, "type": "pagerduty"}]}}, ["orbit:prometheus.alertmanager.receivers.0.type", "'slack', 'webhook' or 'email'"]),
    ({"alertmanager": {"receivers": [{k: v for k, v in SLACK.items() if k != "slack"}]}}, ["receiver 'ops' has type 'slack' but no 'slack' section"]),
    ({"alertmanager": {"receivers": [{**SLACK, "email": EMAIL["email"]}]}}, ["receiver 'ops' has type 'slack' but section(s) email are set"]),
    ({"alertmanager": {"receivers": [{k: v for k, v in SLACK.items() if k != "secret"}]}}, ["orbit:prometheus.alertmanager.receivers.0.secret", "Field required"]),
    ({"alertmanager": {"receivers": [SLACK, SLACK]}}, ["orbit:prometheus.alertmanager", "receiver(s) ops are listed more than once"]),
    ({"alertmanager": {"receivers": [{**SLACK, "slack": {"channel": "ops"}}]}}, ["orbit:prometheus.alertmanager.receivers.0.slack.channel", "'^[#@]'"]),
    ({"alertmanager": {"receivers": [{**SLACK, "severities": ["page"]}]}}, ["orbit:prometheus.alertmanager.receivers.0.severities.0", "'critical' or 'warning'"]),
    ({"alertmanager": {"receivers": [{**SLACK, "severities": []}]}}, ["orbit:prometheus.alertmanager.receivers.0.severities", "at least 1 item"]),
    ({"alertmanager": {"receivers": [{**EMAIL, "email": {**EMAIL["email"], "smarthost": "smtp.corp"}}]}}, ["orbit:prometheus.alertmanager.receivers.0.email.smarthost", "host:port"]),
    ({"alertmanager": {"receivers": [{**EMAIL, "email": {**EMAIL["email"], "to": "oncall"}}]}}, ["orbit:prometheus.alertmanager.receivers.0.email.to", "e-mail address"]),
    ({"nodeExporter": {"port": 80}}, ["orbit:prometheus.nodeExporter.port", "greater than or equal to 1024"]),
    ({"kubeStateMetrics": {"enabled": "maybe"}}, ["orbit:prometheus.kubeStateMetrics.enabled", "valid boolean"]),
    (
        {"resources": {"requests": {"cpu": "1", "memory": "lots"}, "limits": {"cpu": "1", "memory": "1Gi"}}},
        ["orbit:prometheus.resources.requests.memory", "'lots'", "Kubernetes quantity"],
    ),
]


@pytest.mark.parametrize(("prometheus", "fragments"), BAD_CASES, ids=[repr(c[0])[:60] for c in BAD_CASES])
def test_bad_prometheus_config_is_rejected_with_a_clear_message(prometheus, fragments):
    with pytest.raises(ConfigError) as raised:
        parse(prometheus)
    message = str(raised.value)
    assert message.startswith("stacks/Pulumi.test.yaml is invalid:")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_a_receiver_secret_never_appears_in_an_error_message():
    secret = "https://hooks.slack.com/services/T000/B000/VERYSECRET"
    with pytest.raises(ConfigError) as raised:
        parse({"alertmanager": {"receivers": [{**SLACK, "secret": secret, "slack": {"channel": "no-hash"}}]}})
    assert "VERYSECRET" not in str(raised.value)


def test_defaults_are_production_sized():
    config = parse({}).prometheus
    assert config.enabled and config.alertmanager.replicas == 3
    assert config.retention_time == "15d"
    assert config.node_exporter.enabled and config.kube_state_metrics.enabled


def test_retention_size_defaults_to_most_of_the_volume():
    assert parse({"volumeSize": "10Gi"}).prometheus.effective_retention_size == "8192MB"
    assert parse({"volumeSize": "10Gi", "retentionSize": "5GB"}).prometheus.effective_retention_size == "5GB"


def test_valid_receivers_are_typed_and_keep_their_secret_hidden():
    config = parse({"alertmanager": {"receivers": [SLACK, EMAIL, {"name": "hook", "type": "webhook", "secret": "https://hooks.example/x"}]}})
    slack, email, hook = config.prometheus.alertmanager.receivers
    assert slack.slack.channel == "#ops" and email.email.from_address == "orbit@corp.example" and hook.type == "webhook"
    assert "hooks.slack.com" not in repr(slack) and slack.secret.get_secret_value() == SLACK["secret"]
