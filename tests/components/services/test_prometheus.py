"""The Prometheus component under mocks: what it registers, how the platform wires every metrics
target into it, and promtool on the configuration rendered for every stack."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components.services.prometheus import NODE_EXPORTER_NAMESPACE, ROUTES, check_targets, scrape_target_values
from components.wiring import MONITORING_NAMESPACE, PROMETHEUS_SCRAPER, Endpoint, MetricsTarget
from policy.rules import load_exceptions
from tests.conftest import ROOT, STACKS, StackPlan, capture_in_subprocess
from tests.promtool import check_rendered
from tools.plan import CapturedResource


def prometheus_plans(stack_plans) -> list[StackPlan]:
    plans = [p for p in stack_plans.values() if any(r.type == "orbit:service:Prometheus" for r in p.resources)]
    assert plans, "no stack enables Prometheus"
    return plans


def rendered_config(plan: StackPlan) -> dict:
    return yaml.safe_load(plan.find("ConfigMap", "prometheus-config", MONITORING_NAMESPACE)["data"]["prometheus.yaml"])


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_configuration_and_rules_pass_promtool(stack, stack_plans, tmp_path):
    plan = stack_plans[stack]
    if not any(r.type == "orbit:service:Prometheus" for r in plan.resources):
        pytest.skip(f"stack {stack} does not enable Prometheus")
    config = plan.find("ConfigMap", "prometheus-config", MONITORING_NAMESPACE)["data"]["prometheus.yaml"]
    rules = plan.find("ConfigMap", "prometheus-rules", MONITORING_NAMESPACE)["data"]
    check_rendered(config, rules, tmp_path)


def test_every_published_metrics_target_has_a_scrape_job(stack_plans):
    for plan in prometheus_plans(stack_plans):
        targets = plan.chart("prometheus").inputs["values"]["scrapeTargets"]
        jobs = {job["job_name"]: job for job in rendered_config(plan)["scrape_configs"]}
        for target in targets:
            job = jobs[target["job"]]
            host = f"{target['service']}.{target['namespace']}.svc.cluster.local"
            assert job["dns_sd_configs"][0]["names"] == [host] and job["scheme"] == target["scheme"]
        if any(r.type == "orbit:service:Minio" for r in plan.resources):
            minio = next(t for t in targets if t["job"] == "minio")
            assert minio["scheme"] == "https" and minio["path"] == "/minio/v2/metrics/cluster"
            assert jobs["minio"]["tls_config"]["server_name"] == "minio.orbit-minio.svc.cluster.local"


def test_minio_admits_the_scraper_and_the_scraper_may_reach_minio(stack_plans):
    for plan in prometheus_plans(stack_plans):
        if not any(r.type == "orbit:service:Minio" for r in plan.resources):
            continue
        assert plan.chart("minio").inputs["values"]["networkPolicy"]["metricsFrom"] == [PROMETHEUS_SCRAPER.values()]
        minio = plan.find("NetworkPolicy", "minio-server", "orbit-minio")["spec"]
        admitted = [
            peer for rule in minio["ingress"] for peer in rule["from"]
            if peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == MONITORING_NAMESPACE
        ]
        assert admitted and admitted[0]["podSelector"]["matchLabels"] == PROMETHEUS_SCRAPER.pod_labels
        server = plan.find("NetworkPolicy", "prometheus-server", MONITORING_NAMESPACE)["spec"]
        assert any(
            peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == "orbit-minio"
            and rule["ports"] == [{"protocol": "TCP", "port": 9000}]
            for rule in server["egress"] for peer in rule["to"]
        )
        labels = plan.find("StatefulSet", "prometheus", MONITORING_NAMESPACE)["spec"]["template"]["metadata"]["labels"]
        assert PROMETHEUS_SCRAPER.pod_labels.items() <= labels.items()


def test_https_targets_are_trusted_through_the_platform_ca(stack_plans):
    for plan in prometheus_plans(stack_plans):
        values = plan.chart("prometheus").inputs["values"]
        if not any(t["scheme"] == "https" for t in values["scrapeTargets"]):
            continue
        assert values["targetsCaSecret"] == "prometheus-targets-ca"
        secret = plan.named("orbit-monitoring-prometheus-targets-ca", "kubernetes:core/v1:Secret")
        assert set(secret.inputs["stringData"]) == {"ca.crt"}
        assert "orbit-monitoring-prometheus-targets-ca" in plan.chart("prometheus").depends_on


def test_namespaces_restricted_except_node_exporters_written_exception(stack_plans):
    exceptions = [e for e in load_exceptions() if e["rule"] == "pod-security-restricted"]
    for plan in prometheus_plans(stack_plans):
        monitoring = plan.named(MONITORING_NAMESPACE, "kubernetes:core/v1:Namespace")
        assert monitoring.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        host = plan.named(NODE_EXPORTER_NAMESPACE, "kubernetes:core/v1:Namespace")
        assert host.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
        assert monitoring.retain_on_delete and host.retain_on_delete
        daemonset = plan.find("DaemonSet", "node-exporter", NODE_EXPORTER_NAMESPACE)
        assert any(e["namespace"] == NODE_EXPORTER_NAMESPACE and e["name"] == daemonset["metadata"]["name"] for e in exceptions)
        # Only node-exporter lives in the privileged namespace.
        pods = [o for o in plan.objects if o["metadata"].get("namespace") == NODE_EXPORTER_NAMESPACE and o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job")]
        assert [o["metadata"]["name"] for o in pods] == ["node-exporter"]
        # Every pod-security exception points at a namespace Orbit does not label restricted.
        for entry in exceptions:
            namespace = plan.named(entry["namespace"], "kubernetes:core/v1:Namespace")
            assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] != "restricted"


def test_node_exporter_is_scraped_where_it_runs(stack_plans):
    for plan in prometheus_plans(stack_plans):
        values = plan.chart("prometheus").inputs["values"]["nodeExporter"]
        service = plan.find("Service", values["service"], NODE_EXPORTER_NAMESPACE)
        assert values["namespace"] == NODE_EXPORTER_NAMESPACE and service["spec"]["clusterIP"] == "None"
        assert service["spec"]["ports"][0]["port"] == values["port"]
        jobs = {job["job_name"]: job for job in rendered_config(plan)["scrape_configs"]}
        assert jobs["node-exporter"]["dns_sd_configs"][0]["names"] == [f"{values['service']}.{NODE_EXPORTER_NAMESPACE}.svc.cluster.local"]


def test_local_stack_runs_one_alertmanager_with_laptop_retention(stack_plans):
    values = stack_plans["local"].chart("prometheus").inputs["values"]
    assert values["alertmanager"]["replicas"] == 1.0  # numbers reach the provider as floats
    assert values["server"]["retentionTime"] == "3d" and values["server"]["persistence"]["size"] == "10Gi"
    sts = stack_plans["local"].find("StatefulSet", "prometheus-alertmanager", MONITORING_NAMESPACE)
    assert not any(a.startswith("--cluster.peer=") for a in sts["spec"]["template"]["spec"]["containers"][0]["args"])


def test_routes_point_at_the_rendered_services_and_prefixes(stack_plans):
    for plan in prometheus_plans(stack_plans):
        for route in ROUTES:
            service = plan.find("Service", route.endpoint.service, route.endpoint.namespace)
            assert route.endpoint.port in [p["port"] for p in service["spec"]["ports"]]
            assert route.path == route.endpoint.path and route.auth
        prefixes = {r.name: r.path for r in ROUTES}
        server_args = plan.find("StatefulSet", "prometheus", MONITORING_NAMESPACE)["spec"]["template"]["spec"]["containers"][0]["args"]
        assert f"--web.route-prefix={prefixes['prometheus']}" in server_args
        am_args = plan.find("StatefulSet", "prometheus-alertmanager", MONITORING_NAMESPACE)["spec"]["template"]["spec"]["containers"][0]["args"]
        assert f"--web.route-prefix={prefixes['alertmanager']}" in am_args


def test_receivers_credentials_become_a_secret_mounted_as_files(tmp_path):
    local = (ROOT / "stacks" / "Pulumi.local.yaml").read_text()
    document = yaml.safe_load(local)
    document["config"]["orbit:prometheus"]["alertmanager"]["receivers"] = [
        {"name": "ops", "type": "slack", "slack": {"channel": "#ops"}, "secret": {"secure": "AAABAHsecret"}},
        {"name": "hook", "type": "webhook", "secret": "https://hooks.example/plain"},
    ]
    (tmp_path / "Pulumi.receivers.yaml").write_text(yaml.safe_dump(document))
    result = capture_in_subprocess("receivers", tmp_path)
    assert result.returncode == 0, result.stderr
    plan = StackPlan("receivers", [CapturedResource(**item) for item in json.loads(result.stdout)])
    secret = plan.named("orbit-monitoring-alertmanager-receivers", "kubernetes:core/v1:Secret")
    assert set(secret.inputs["stringData"]) == {"ops-apiUrl", "hook-url"}
    assert secret.masked_inputs["stringData"] == "[secret]"
    chart = plan.chart("prometheus")
    assert chart.inputs["values"]["alertmanager"]["receiversSecret"] == "alertmanager-receivers"
    assert "hooks.example" not in json.dumps(chart.inputs) and "orbit-monitoring-alertmanager-receivers" in chart.depends_on
    config = yaml.safe_load(plan.find("ConfigMap", "prometheus-alertmanager", MONITORING_NAMESPACE)["data"]["alertmanager.yaml"])
    assert [r["name"] for r in config["receivers"]] == ["null", "ops", "hook"]


def target(job: str, scheme: str = "http") -> MetricsTarget:
    return MetricsTarget(job, Endpoint("orbit-x", "svc", 9000, scheme=scheme, path="/m"), {"app.kubernetes.io/name": "x"})


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ((target("kong"), target("kong")), "metrics target job(s) kong are published more than once"),
        ((target("prometheus"),), "metrics target job(s) prometheus clash with Prometheus' own jobs"),
        ((target("kubelet"), target("minio")), "kubelet clash"),
    ],
)
def test_bad_targets_are_rejected_before_anything_is_registered(targets, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_targets(targets)


def test_target_values_carry_everything_the_chart_needs():
    values = scrape_target_values(target("minio", "https"))
    assert values == {"job": "minio", "namespace": "orbit-x", "service": "svc", "port": 9000, "scheme": "https", "path": "/m",
                      "podLabels": {"app.kubernetes.io/name": "x"}}
    root = scrape_target_values(MetricsTarget("kong", Endpoint("orbit-gateway", "kong", 8100)))
    assert root["path"] == "/metrics", "an endpoint's default path '/' means the conventional /metrics"
