"""Render-and-assert tests for charts/prometheus and charts/node-exporter (values -> objects)."""

from __future__ import annotations

import re

import pytest
import yaml

from components.wiring import PROMETHEUS_SCRAPER
from tests.conftest import ROOT, find, one, render

RUNBOOKS = ROOT / "docs" / "runbooks"
RULE_FILES = sorted((ROOT / "charts" / "prometheus" / "files" / "rules").glob("*.yaml"))
# Control-plane jobs that managed clusters (EKS, GKE, AKS) do not expose: never scraped, never alerted on.
CONTROL_PLANE = ("apiserver", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "etcd", "kube-proxy", "coredns")

MINIO = {
    "job": "minio", "namespace": "orbit-minio", "service": "minio", "port": 9000, "scheme": "https",
    "path": "/minio/v2/metrics/cluster", "podLabels": {"app.kubernetes.io/instance": "minio", "app.kubernetes.io/component": "server"},
}
KONG = {"job": "kong", "namespace": "orbit-gateway", "service": "kong-status", "port": 8100}
# One target for every job name in the platform's contract, so every rule group renders.
EVERY_SERVICE = [
    MINIO, KONG,
    {"job": "kafka", "namespace": "orbit-kafka", "service": "kafka-hl", "port": 9404},
    {"job": "kafka-exporter", "namespace": "orbit-kafka", "service": "kafka-exporter", "port": 9308},
    {"job": "airflow", "namespace": "orbit-airflow", "service": "airflow-statsd", "port": 9102},
    {"job": "elasticsearch", "namespace": "orbit-logging", "service": "elasticsearch-exporter", "port": 9114},
    {"job": "logstash", "namespace": "orbit-logging", "service": "logstash-exporter", "port": 9198},
    {"job": "fluent-bit", "namespace": "orbit-logging", "service": "fluent-bit", "port": 2020, "path": "/api/v2/metrics/prometheus"},
]
FULL = {"scrapeTargets": EVERY_SERVICE, "targetsCaSecret": "prometheus-targets-ca", "nodeExporter": {"namespace": "orbit-node-exporter"}}


def prometheus(**values):
    return render("prometheus", values, release="prometheus", namespace="orbit-monitoring")


def config_of(objects) -> dict:
    return yaml.safe_load(one(objects, "ConfigMap", "prometheus-config")["data"]["prometheus.yaml"])


def rules_of(objects) -> dict[str, dict]:
    return {name: yaml.safe_load(text) for name, text in one(objects, "ConfigMap", "prometheus-rules")["data"].items()}


def alert_rules(objects):
    return [rule for file in rules_of(objects).values() for group in file["groups"] for rule in group["rules"]]


def jobs_of(config: dict) -> list[str]:
    return [job["job_name"] for job in config["scrape_configs"]]


def pod_of(objects, kind, name):
    return one(objects, kind, name)["spec"]["template"]["spec"]


def container(pod, name):
    return next(c for c in pod["containers"] if c["name"] == name)


# --- scrape configuration ----------------------------------------------------------------------


def test_every_target_gets_exactly_one_scrape_job_discovered_through_dns():
    config = config_of(prometheus(**FULL))
    jobs = jobs_of(config)
    assert len(jobs) == len(set(jobs))
    for target in EVERY_SERVICE:
        job = next(j for j in config["scrape_configs"] if j["job_name"] == target["job"])
        host = f"{target['service']}.{target['namespace']}.svc.cluster.local"
        assert job["dns_sd_configs"] == [{"names": [host], "type": "A", "port": target["port"]}]
        assert job["metrics_path"] == target.get("path", "/metrics")


def test_https_targets_are_verified_against_the_platform_ca_with_the_service_name():
    job = next(j for j in config_of(prometheus(**FULL))["scrape_configs"] if j["job_name"] == "minio")
    assert job["scheme"] == "https"
    assert job["tls_config"] == {"ca_file": "/etc/prometheus/targets-ca/ca.crt", "server_name": "minio.orbit-minio.svc.cluster.local"}
    assert "insecure_skip_verify" not in job["tls_config"]
    kong = next(j for j in config_of(prometheus(**FULL))["scrape_configs"] if j["job_name"] == "kong")
    assert kong["scheme"] == "http" and "tls_config" not in kong


def test_own_jobs_are_scraped_and_node_jobs_only_with_a_node_exporter():
    assert jobs_of(config_of(prometheus())) == ["prometheus", "alertmanager", "kube-state-metrics"]
    jobs = jobs_of(config_of(prometheus(nodeExporter={"namespace": "orbit-node-exporter"})))
    assert {"node-exporter", "kubelet"} <= set(jobs)
    assert "kubelet" not in jobs_of(config_of(prometheus(nodeExporter={"namespace": "x"}, kubelet={"enabled": False})))


def test_node_and_kubelet_jobs_find_the_nodes_through_node_exporters_headless_service():
    config = config_of(prometheus(nodeExporter={"namespace": "orbit-node-exporter", "port": 9200}))
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    names = ["node-exporter.orbit-node-exporter.svc.cluster.local"]
    assert jobs["node-exporter"]["dns_sd_configs"] == [{"names": names, "type": "A", "port": 9200}]
    assert jobs["kubelet"]["dns_sd_configs"] == [{"names": names, "type": "A", "port": 10250}]
    assert jobs["kubelet"]["authorization"]["credentials_file"].endswith("/serviceaccount/token")


def test_no_control_plane_component_is_scraped():
    config = config_of(prometheus(**FULL))
    assert not set(jobs_of(config)) & set(CONTROL_PLANE)
    assert "kubernetes_sd_configs" not in str(config), "Debian's promtool cannot check Kubernetes service discovery"


def test_alerts_go_to_every_alertmanager_replica_under_its_prefix():
    config = config_of(prometheus(alertmanager={"replicas": 3}))
    (alertmanagers,) = config["alerting"]["alertmanagers"]
    assert alertmanagers["path_prefix"] == "/alertmanager"
    assert alertmanagers["static_configs"][0]["targets"] == [
        f"prometheus-alertmanager-{i}.prometheus-alertmanager-hl.orbit-monitoring.svc.cluster.local:9093" for i in range(3)
    ]


# --- alert rules --------------------------------------------------------------------------------


def test_rule_groups_are_rendered_only_for_scraped_jobs():
    base = set(rules_of(prometheus()))
    assert base == {"targets.yaml", "prometheus.yaml", "alertmanager.yaml", "kube-state-metrics.yaml"}
    assert "kafka.yaml" in rules_of(prometheus(scrapeTargets=[{"job": "kafka", "namespace": "k", "service": "k", "port": 1}]))
    everything = set(rules_of(prometheus(**FULL)))
    assert {path.name for path in RULE_FILES} | {"targets.yaml"} == everything


def test_every_alert_refers_only_to_jobs_that_are_scraped():
    objects = prometheus(**FULL)
    jobs = set(jobs_of(config_of(objects)))
    for rule in alert_rules(objects):
        referenced = set()
        for operator, value in re.findall(r'job\s*(=~|=)\s*"([^"]*)"', rule["expr"]):
            referenced.update(value.split("|") if operator == "=~" else [value])
        assert referenced, f"{rule['alert']} does not say which job it watches"
        assert referenced <= jobs, f"{rule['alert']} refers to unscraped job(s) {sorted(referenced - jobs)}"


def test_target_down_watches_exactly_the_scraped_jobs():
    objects = prometheus(scrapeTargets=[KONG])
    (rule,) = [r for r in alert_rules(objects) if r["alert"] == "TargetDown"]
    watched = set(re.search(r'job=~"([^"]*)"', rule["expr"]).group(1).split("|"))
    assert watched == set(jobs_of(config_of(objects)))


def test_every_alert_has_a_summary_a_severity_and_an_existing_runbook_section():
    rules = alert_rules(prometheus(**FULL, rules={"runbookBaseUrl": "https://example.org/runbooks/"}))
    assert len(rules) >= 25
    for rule in rules:
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning")
        url = rule["annotations"]["runbook_url"]
        match = re.fullmatch(r"https://example\.org/runbooks/([a-z-]+\.md)#([a-z0-9-]+)", url)
        assert match, url
        page = RUNBOOKS / match.group(1)
        assert page.is_file(), f"{rule['alert']}: no runbook {page}"
        anchors = {h.strip().lower() for h in re.findall(r"^## (.+)$", page.read_text(), flags=re.MULTILINE)}
        assert match.group(2) == rule["alert"].lower() and match.group(2) in anchors, f"{rule['alert']}: no section in {page.name}"


def test_the_required_alerts_exist():
    names = {r["alert"] for r in alert_rules(prometheus(**FULL))}
    assert {
        "KafkaUnderReplicatedPartitions", "KafkaOfflinePartitions", "AirflowSchedulerHeartbeatMissing",
        "ElasticsearchClusterRed", "ElasticsearchClusterYellow", "ElasticsearchDiskHighWatermark",
        "MinioDriveOffline", "MinioWriteQuorumLost", "KongHighErrorRate", "KubePodCrashLooping",
        "KubePersistentVolumeFillingUp", "TargetDown", "PrometheusConfigReloadFailed", "AlertmanagerClusterMembersMismatch",
    } <= names


def test_thresholds_come_from_values():
    rules = {r["alert"]: r for r in alert_rules(prometheus(**FULL, rules={"volumeFullRatio": 0.9, "kong5xxRatio": 0.02}))}
    assert rules["KubePersistentVolumeFillingUp"]["expr"].strip().endswith("> 0.9")
    assert rules["KongHighErrorRate"]["expr"].strip().endswith("> 0.02")


# --- server ---------------------------------------------------------------------------------------


def test_server_pods_carry_exactly_the_scraper_identity_other_charts_admit():
    labels = one(prometheus(), "StatefulSet", "prometheus")["spec"]["template"]["metadata"]["labels"]
    assert PROMETHEUS_SCRAPER.pod_labels.items() <= labels.items()


def test_server_keeps_data_on_a_retained_volume_with_retention_from_values():
    sts = one(prometheus(server={"retentionTime": "7d", "retentionSize": "40GB", "persistence": {"size": "50Gi", "storageClass": "fast"}}), "StatefulSet", "prometheus")
    args = container(sts["spec"]["template"]["spec"], "prometheus")["args"]
    assert "--storage.tsdb.retention.time=7d" in args and "--storage.tsdb.retention.size=40GB" in args
    assert sts["spec"]["replicas"] == 1
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert sts["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] == "orphan"
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi" and claim["spec"]["storageClassName"] == "fast"


def test_server_serves_under_its_prefix_and_probes_it():
    pod = pod_of(prometheus(), "StatefulSet", "prometheus")
    main = container(pod, "prometheus")
    assert "--web.route-prefix=/prometheus" in main["args"]
    assert "--web.external-url=http://prometheus.orbit-monitoring.svc.cluster.local:9090/prometheus" in main["args"]
    assert main["readinessProbe"]["httpGet"]["path"] == "/prometheus/-/ready"
    assert main["livenessProbe"]["httpGet"]["path"] == "/prometheus/-/healthy"


def test_configuration_is_reloaded_by_signal_without_the_lifecycle_api():
    pod = pod_of(prometheus(), "StatefulSet", "prometheus")
    assert pod["shareProcessNamespace"] is True
    assert not any("--web.enable-lifecycle" in a for a in container(pod, "prometheus")["args"])
    reloader = container(pod, "config-reloader")
    assert "--reload-method=signal" in reloader["args"]
    assert "--runtimeinfo-url=http://127.0.0.1:9090/prometheus/api/v1/status/runtimeinfo" in reloader["args"]
    assert {m["mountPath"] for m in reloader["volumeMounts"]} == {"/etc/prometheus/config", "/etc/prometheus/rules"}


def test_the_api_token_reaches_only_the_prometheus_container_and_only_for_the_kubelet_job():
    pod = pod_of(prometheus(nodeExporter={"namespace": "orbit-node-exporter"}), "StatefulSet", "prometheus")
    assert pod["automountServiceAccountToken"] is False
    mounts = {c["name"]: {m["name"] for m in c["volumeMounts"]} for c in pod["containers"]}
    assert "api-token" in mounts["prometheus"] and "api-token" not in mounts["config-reloader"]
    without = pod_of(prometheus(), "StatefulSet", "prometheus")
    assert not any(v["name"] == "api-token" for v in without["volumes"])
    assert not find(prometheus(), "ClusterRole", "orbit-monitoring-prometheus")


def test_server_cluster_role_only_reads_kubelet_metrics():
    role = one(prometheus(nodeExporter={"namespace": "orbit-node-exporter"}), "ClusterRole", "orbit-monitoring-prometheus")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]}]


def test_kube_state_metrics_never_reads_secrets_or_configmaps():
    objects = prometheus()
    role = one(objects, "ClusterRole", "orbit-monitoring-prometheus-kube-state-metrics")
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert not resources & {"secrets", "configmaps"}
    assert all(rule["verbs"] == ["list", "watch"] for rule in role["rules"])
    args = container(pod_of(objects, "Deployment", "prometheus-kube-state-metrics"), "kube-state-metrics")["args"]
    assert "--resources=" + ",".join(sorted(resources)) in args


# --- Alertmanager -----------------------------------------------------------------------------------


@pytest.mark.parametrize("replicas", [1, 2, 3, 5])
def test_alertmanager_peers_match_replicas(replicas):
    objects = prometheus(alertmanager={"replicas": replicas})
    sts = one(objects, "StatefulSet", "prometheus-alertmanager")
    assert sts["spec"]["replicas"] == replicas
    args = container(sts["spec"]["template"]["spec"], "alertmanager")["args"]
    peers = [a.removeprefix("--cluster.peer=") for a in args if a.startswith("--cluster.peer=")]
    if replicas == 1:
        assert peers == [] and "--cluster.listen-address=" in args
        assert not find(objects, "PodDisruptionBudget")
    else:
        assert peers == [f"prometheus-alertmanager-{i}.prometheus-alertmanager-hl.orbit-monitoring.svc.cluster.local:9094" for i in range(replicas)]
        assert "--cluster.listen-address=0.0.0.0:9094" in args
        assert one(objects, "PodDisruptionBudget", "prometheus-alertmanager")["spec"]["maxUnavailable"] == 1


def test_receivers_read_credentials_from_mounted_secret_files():
    receivers = [
        {"name": "ops", "type": "slack", "slack": {"channel": "#ops"}},
        {"name": "hook", "type": "webhook", "severities": ["critical"]},
        {"name": "mail", "type": "email", "email": {"to": "a@corp.example", "from": "b@corp.example", "smarthost": "smtp.corp.example:587", "username": "orbit"}},
    ]
    objects = prometheus(alertmanager={"receivers": receivers, "receiversSecret": "alertmanager-receivers"})
    config = yaml.safe_load(one(objects, "ConfigMap", "prometheus-alertmanager")["data"]["alertmanager.yaml"])
    by_name = {r["name"]: r for r in config["receivers"]}
    assert by_name["ops"]["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/receivers/ops-apiUrl"
    assert by_name["hook"]["webhook_configs"][0]["url_file"] == "/etc/alertmanager/receivers/hook-url"
    assert by_name["mail"]["email_configs"][0]["auth_password_file"] == "/etc/alertmanager/receivers/mail-password"
    routes = {r["receiver"]: r for r in config["route"]["routes"]}
    assert routes["hook"]["matchers"] == ['severity=~"critical"'] and routes["ops"]["continue"] is True
    pod = pod_of(objects, "StatefulSet", "prometheus-alertmanager")
    assert next(v for v in pod["volumes"] if v["name"] == "receivers")["secret"]["secretName"] == "alertmanager-receivers"
    policy = one(objects, "NetworkPolicy", "prometheus-alertmanager")
    assert any(p.get("ipBlock") for rule in policy["spec"]["egress"] for p in rule["to"]), "receivers need egress"


# --- network policies -----------------------------------------------------------------------------


def test_prometheus_may_reach_each_target_and_the_gateway_may_reach_the_uis():
    gateway = {"namespace": "orbit-gateway", "podLabels": {"app.kubernetes.io/name": "kong"}}
    objects = prometheus(**FULL, networkPolicy={"uiFrom": [gateway]})
    assert one(objects, "NetworkPolicy", "prometheus-default-deny")["spec"]["policyTypes"] == ["Ingress", "Egress"]
    server = one(objects, "NetworkPolicy", "prometheus-server")["spec"]
    destinations = {
        (peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], port["port"])
        for rule in server["egress"] for peer in rule["to"] if "namespaceSelector" in peer for port in rule["ports"]
    }
    assert {(t["namespace"], t["port"]) for t in EVERY_SERVICE} <= destinations
    minio = next(r for r in server["egress"] if r["to"][0].get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "orbit-minio")
    assert minio["to"][0]["podSelector"]["matchLabels"] == MINIO["podLabels"]
    sources = [peer for rule in server["ingress"] for peer in rule["from"]]
    assert sources[0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "orbit-gateway"
    alertmanager = one(objects, "NetworkPolicy", "prometheus-alertmanager")["spec"]
    assert any(p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "orbit-gateway"
               for rule in alertmanager["ingress"] for p in rule["from"])


# --- bad values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scrapeTargets": [MINIO]}, "targetsCaSecret is required when a scrape target uses https"),
        ({"scrapeTargets": [KONG, KONG]}, 'job "kong" is listed more than once'),
        ({"scrapeTargets": [{**KONG, "job": "prometheus"}]}, "job \"prometheus\" is one of this chart's own jobs"),
        ({"alertmanager": {"receivers": [{"name": "ops", "type": "webhook"}]}}, "alertmanager.receiversSecret is required"),
        ({"alertmanager": {"receiversSecret": "s", "receivers": [{"name": "null", "type": "webhook"}]}}, 'name "null" is reserved'),
        ({"kubeStateMetrics": {"collectors": ["secrets"]}}, '"secrets" is not supported'),
        ({"alertmanager": {"replicas": 0}}, "replicas"),
        ({"server": {"retentionTime": "fifteen days"}}, "retentionTime"),
        ({"scrapeTargets": [{**KONG, "scheme": "ftp"}]}, "scheme"),
        ({"alertmanager": {"receiversSecret": "s", "receivers": [{"name": "p", "type": "pagerduty"}]}}, "type"),
        ({"images": {"prometheus": {"registry": "quay.io", "repository": "prometheus/prometheus", "tag": "latest"}}}, "tag"),
        ({"retention": "15d"}, "retention"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception) as raised:
        prometheus(**values)
    assert message in str(raised.value)


# --- node-exporter chart ------------------------------------------------------------------------------


def node_exporter(**values):
    return render("node-exporter", values, release="node-exporter", namespace="orbit-node-exporter")


def test_node_exporter_shares_the_host_read_only_and_nothing_more():
    objects = node_exporter(port=9200, networkPolicy={"metricsFrom": [PROMETHEUS_SCRAPER.values()]})
    daemonset = one(objects, "DaemonSet", "node-exporter")
    pod = daemonset["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True and pod["hostPID"] is True and not pod.get("hostIPC")
    (main,) = pod["containers"]
    assert main["securityContext"]["runAsNonRoot"] is True and main["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert main["securityContext"]["readOnlyRootFilesystem"] is True and main["securityContext"]["allowPrivilegeEscalation"] is False
    (mount,) = main["volumeMounts"]
    assert mount["readOnly"] is True and mount["mountPath"] == "/host/root"
    assert "--web.listen-address=:9200" in main["args"] and not any(p.get("hostPort") for p in main["ports"])
    assert pod["automountServiceAccountToken"] is False
    assert {"checkov.io/skip1", "checkov.io/skip2"} <= daemonset["metadata"]["annotations"].keys()
    service = one(objects, "Service", "node-exporter")
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["ports"][0]["port"] == 9200
    policy = one(objects, "NetworkPolicy", "node-exporter-exporter")["spec"]
    (rule,) = policy["ingress"]
    assert rule["from"][0]["podSelector"]["matchLabels"] == PROMETHEUS_SCRAPER.pod_labels and rule["ports"][0]["port"] == 9200


def test_node_exporter_rejects_a_privileged_port():
    with pytest.raises(Exception, match="port"):
        node_exporter(port=80)


# --- promtool -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [{}, FULL, {**FULL, "alertmanager": {"enabled": False}, "kubelet": {"enabled": False}}], ids=["defaults", "every-service", "minimal"])
def test_rendered_configuration_and_rules_pass_promtool(values, tmp_path):
    from tests.promtool import check_rendered

    objects = prometheus(**values)
    check_rendered(one(objects, "ConfigMap", "prometheus-config")["data"]["prometheus.yaml"],
                   one(objects, "ConfigMap", "prometheus-rules")["data"], tmp_path)


def test_alertmanager_gets_an_absolute_external_url():
    args = container(pod_of(prometheus(), "StatefulSet", "prometheus-alertmanager"), "alertmanager")["args"]
    assert "--web.external-url=http://prometheus-alertmanager.orbit-monitoring.svc.cluster.local:9093/alertmanager" in args
    custom = prometheus(alertmanager={"externalUrl": "https://orbit.corp.example/alertmanager"})
    args = container(pod_of(custom, "StatefulSet", "prometheus-alertmanager"), "alertmanager")["args"]
    assert "--web.external-url=https://orbit.corp.example/alertmanager" in args and "--web.route-prefix=/alertmanager" in args


# --- a production-sized render, held to the same checks as every stack ----------------------------------


PRODUCTION = {
    **FULL,
    "alertmanager": {
        "replicas": 3,
        "receiversSecret": "alertmanager-receivers",
        "receivers": [{"name": "ops", "type": "slack", "slack": {"channel": "#ops"}}],
    },
    "networkPolicy": {"uiFrom": [{"namespace": "orbit-gateway", "podLabels": {"app.kubernetes.io/name": "kong"}}]},
}


@pytest.mark.parametrize("version", ["1.31", "1.37"])
def test_production_render_is_valid_kubernetes_and_passes_the_policies(version):
    import kubernetes_validate

    from policy import rules

    objects = prometheus(**PRODUCTION) + node_exporter(networkPolicy={"metricsFrom": [PROMETHEUS_SCRAPER.values()]})
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)
    violations = rules.check(objects, [], rules.PolicyContext(exceptions=rules.load_exceptions()))
    # node-exporter's host access is excepted by namespace; rendered here in orbit-node-exporter too.
    assert not violations, "\n".join(map(str, violations))
