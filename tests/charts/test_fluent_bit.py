"""Render-and-assert tests for charts/fluent-bit, the log shipper DaemonSet."""

from __future__ import annotations

import pytest

from tests.conftest import env_of, one, render

BASE = {"output": {"host": "elk-logstash.orbit-logging.svc.cluster.local", "port": 8080, "caSecret": "fluent-bit-ca"}}


def shipper(**values):
    return render("fluent-bit", {**BASE, **values}, release="fluent-bit", namespace="orbit-log-shipper")


def daemonset_pod(objects):
    return one(objects, "DaemonSet", "fluent-bit")["spec"]["template"]["spec"]


def test_tails_every_container_log_with_kubernetes_metadata():
    config = one(shipper(), "ConfigMap", "fluent-bit")["data"]["fluent-bit.conf"]
    assert "Path              /var/log/containers/*.log" in config
    assert "multiline.parser  cri, docker" in config
    assert "DB                /var/lib/fluent-bit/tail.db" in config
    assert "Name                kubernetes" in config and "Labels              On" in config
    assert "Health_Check              On" in config and "HTTP_Port                 2020" in config


def test_host_access_is_limited_to_logs_read_only_and_its_own_state():
    pod = daemonset_pod(shipper())
    host_paths = {v["name"]: v["hostPath"] for v in pod["volumes"] if "hostPath" in v}
    assert host_paths == {"logs": {"path": "/var/log", "type": "Directory"},
                          "state": {"path": "/var/lib/orbit-fluent-bit", "type": "DirectoryOrCreate"}}
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["logs"]["readOnly"] is True
    security = pod["containers"][0]["securityContext"]
    assert security["capabilities"]["drop"] == ["ALL"] and security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True and not security["privileged"]
    assert not pod.get("hostNetwork") and not pod.get("hostPID")


def test_api_access_is_read_only_on_pods_and_namespaces():
    objects = shipper()
    assert daemonset_pod(objects)["automountServiceAccountToken"] is True
    role = one(objects, "ClusterRole")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]}]
    binding = one(objects, "ClusterRoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "fluent-bit", "namespace": "orbit-log-shipper"}]


def test_probes_use_the_health_endpoint_and_metrics_are_on_2020():
    container = daemonset_pod(shipper())["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/v2/health", "port": "metrics"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/v2/health"
    assert container["ports"] == [{"name": "metrics", "containerPort": 2020, "protocol": "TCP"}]


def test_elasticsearch_credentials_come_from_a_secret():
    objects = shipper(output={**BASE["output"], "target": "elasticsearch", "port": 9200, "credentialsSecret": "fluent-bit-elasticsearch"})
    env = env_of(daemonset_pod(objects)["containers"][0])
    assert env["ES_PASSWORD"] == {"secretKeyRef": {"name": "fluent-bit-elasticsearch", "key": "password"}}
    assert "CKV_K8S_35" in one(objects, "DaemonSet")["metadata"]["annotations"]["checkov.io/skip4"]


def test_network_policy_allows_only_the_target_the_api_and_scrapers():
    objects = shipper(networkPolicy={"outputTo": [{"namespace": "orbit-logging", "podLabels": {"app.kubernetes.io/component": "logstash"}}],
                                     "metricsFrom": [{"namespace": "orbit-monitoring"}]})
    policy = one(objects, "NetworkPolicy", "fluent-bit-shipper")["spec"]
    assert policy["egress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert policy["egress"][0]["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "orbit-logging"}
    assert {p["port"] for p in policy["egress"][1]["ports"]} == {443, 6443}
    assert policy["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 2020}]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ({"host": ""}, "output.host is required"),
        ({"caSecret": ""}, "output.caSecret is required"),
        ({"target": "elasticsearch"}, "output.credentialsSecret is required"),
        ({"target": "kafka"}, "target"),
        ({"port": 0}, "port"),
        ({"host": "https://elk-es:9200"}, "host"),
    ],
)
def test_bad_values_are_rejected(output, message):
    with pytest.raises(Exception) as raised:
        shipper(output={**BASE["output"], **output})
    assert message in str(raised.value)


def test_unknown_values_are_rejected():
    with pytest.raises(Exception, match="hostNetwork"):
        shipper(hostNetwork=True)
