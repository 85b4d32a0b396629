"""The Elk and LogShipper components under mocks: what they register and how they wire the charts.

Besides the checked-in stacks, two prod-like stacks are planned here (prod defaults on a cluster
with three zones; the opt-ins: sysctl init container and shipping straight to Elasticsearch), and
the whole offline pipeline (schemas, policies) runs over them too."""

from __future__ import annotations

import json

import kubernetes_validate
import pytest

from components.config import ElasticsearchConfig
from components.services.elk import node_sets
from policy import rules
from tools.mock_outputs import RESOURCE_FAKES
from tests.conftest import KUBERNETES_VERSIONS, StackPlan, capture_in_subprocess, run_under_mocks
from tools.plan import CapturedResource

PROD = """config:
  orbit:environment: prod
  orbit:cluster:
    provider: existing
    existing: {storageClass: fast, zones: [zone-a, zone-b, zone-c]}
  orbit:minio: {servers: 4}
  orbit:kong: {hostname: gateway.corp.example}
"""
OPT_INS = PROD + """  orbit:elk:
    elasticsearch: {sysctlInitContainer: true}
    shipper: {target: elasticsearch}
    snapshots: {enabled: true, retentionDays: 10}
"""


def plan_of(tmp_path_factory, name, text) -> StackPlan:
    directory = tmp_path_factory.mktemp(name)
    (directory / f"Pulumi.{name}.yaml").write_text(text)
    result = capture_in_subprocess(name, directory)
    assert result.returncode == 0, result.stderr
    return StackPlan(name, [CapturedResource(**item) for item in json.loads(result.stdout)])


@pytest.fixture(scope="module")
def prod(tmp_path_factory) -> StackPlan:
    return plan_of(tmp_path_factory, "prod", PROD)


@pytest.fixture(scope="module")
def opt_ins(tmp_path_factory) -> StackPlan:
    return plan_of(tmp_path_factory, "optins", OPT_INS)


def elk_values(plan):
    return plan.chart("elk").inputs["values"]


def test_local_stack_runs_one_combined_elasticsearch_node(stack_plans):
    sets = elk_values(stack_plans["local"])["elasticsearch"]["nodeSets"]
    assert [(s["name"], s["replicas"], s["roles"]) for s in sets] == [("node", 1.0, ["master", "data", "ingest"])]


def test_prod_defaults_have_three_masters_and_data_nodes_one_set_per_zone(prod):
    sets = {s["name"]: s for s in elk_values(prod)["elasticsearch"]["nodeSets"]}
    assert sorted(sets) == ["data-zone-a", "data-zone-b", "data-zone-c", "master-zone-a", "master-zone-b", "master-zone-c"]
    assert sum(s["replicas"] for n, s in sets.items() if n.startswith("master")) == 3
    assert sets["master-zone-b"]["roles"] == ["master"] and sets["master-zone-b"]["zone"] == "zone-b"
    awareness = elk_values(prod)["elasticsearch"]["zoneAwareness"]
    assert awareness == {"enabled": True, "forcedZones": ["zone-a", "zone-b", "zone-c"]}
    assert elk_values(prod)["elasticsearch"]["storageClass"] == "fast"


def test_node_sets_split_replicas_evenly_and_skip_empty_zones():
    config = ElasticsearchConfig.model_validate({"masters": {"replicas": 3, "heap": "1g"}, "data": {"replicas": 2}})
    sets = {s["name"]: s["replicas"] for s in node_sets(config, ("a", "b", "c"))}
    assert sets == {"master-a": 1, "master-b": 1, "master-c": 1, "data-a": 1, "data-b": 1}
    assert [s["zone"] for s in node_sets(config, ())] == ["", ""]


def test_every_password_is_generated_once_and_passed_by_secret_name(stack_plans):
    plan = stack_plans["local"]
    for user in ("elastic", "kibana_system", "orbit-log-writer", "orbit-exporter", "orbit-probe"):
        password = plan.named(f"elk-{user}-password", "random:index/randomPassword:RandomPassword")
        assert password.inputs["length"] >= 32 and password.inputs["special"] is False
    secret = plan.named("orbit-logging-elk-credentials", "kubernetes:core/v1:Secret")
    assert set(secret.inputs["stringData"]) == {"elastic", "kibana_system", "orbit-log-writer", "orbit-exporter", "orbit-probe"}
    assert "elk-elastic-password" in secret.depends_on
    values = elk_values(plan)
    assert values["auth"] == {"existingSecret": "elk-credentials"}
    assert values["kibana"]["encryptionKeysSecret"] == "elk-kibana-keys"
    assert {"orbit-logging-elk-credentials", "orbit-logging-elk-kibana-keys"} <= set(plan.chart("elk").depends_on)


def test_certificates_come_from_the_platform_ca_with_the_right_names(stack_plans):
    plan = stack_plans["local"]
    es_names = plan.named("elk-es-tls-csr", "tls:index/certRequest:CertRequest").inputs["dnsNames"]
    assert {"elk-es.orbit-logging.svc.cluster.local", "*.elk-es-hl.orbit-logging.svc.cluster.local", "localhost"} <= set(es_names)
    assert "elk-logstash.orbit-logging.svc.cluster.local" in plan.named("elk-logstash-tls-csr").inputs["dnsNames"]
    # Logstash reads PKCS#8 keys only; Elasticsearch keeps the default (SEC1) form.
    key = RESOURCE_FAKES["tls:index/privateKey:PrivateKey"]
    assert plan.named("orbit-logging-elk-logstash-tls").inputs["stringData"]["tls.key"] == key("elk-logstash-tls-key", {})["privateKeyPemPkcs8"]
    assert plan.named("orbit-logging-elk-es-tls").inputs["stringData"]["tls.key"] == key("elk-es-tls-key", {})["privateKeyPem"]


def test_kibana_knows_its_public_url_when_the_gateway_has_a_hostname(prod, stack_plans):
    assert elk_values(prod)["kibana"]["publicBaseUrl"] == "https://gateway.corp.example/kibana"
    assert elk_values(stack_plans["local"])["kibana"]["publicBaseUrl"] == ""


def test_retention_and_sizing_come_from_config(stack_plans):
    values = elk_values(stack_plans["local"])
    assert values["logIndex"] == {"name": "orbit-logs", "retentionDays": 3.0}
    assert values["logstash"]["queue"] == {"size": "2Gi", "maxBytes": "1gb"}
    assert values["kibana"]["basePath"] == "/kibana"


def test_namespaces_logging_restricted_shipper_privileged(stack_plans, opt_ins):
    plan = stack_plans["local"]
    label = "pod-security.kubernetes.io/enforce"
    assert plan.named("orbit-logging", "kubernetes:core/v1:Namespace").inputs["metadata"]["labels"][label] == "restricted"
    assert plan.named("orbit-log-shipper", "kubernetes:core/v1:Namespace").inputs["metadata"]["labels"][label] == "privileged"
    assert opt_ins.named("orbit-logging", "kubernetes:core/v1:Namespace").inputs["metadata"]["labels"][label] == "privileged"


def test_shipper_sends_to_logstash_by_default_and_logstash_admits_it(stack_plans):
    plan = stack_plans["local"]
    output = plan.chart("fluent-bit").inputs["values"]["output"]
    assert output["target"] == "logstash" and output["host"] == "elk-logstash.orbit-logging.svc.cluster.local"
    assert output["port"] == 8080.0 and output["caSecret"] == "fluent-bit-ca" and output["credentialsSecret"] == ""
    plan.find("Service", "elk-logstash", "orbit-logging")  # the host names a Service that is rendered
    shipper_peer = {"namespace": "orbit-log-shipper", "podLabels": {"app.kubernetes.io/instance": "fluent-bit", "app.kubernetes.io/component": "shipper"}}
    policy = elk_values(plan)["networkPolicy"]
    assert policy["logstashFrom"] == [shipper_peer] and policy["elasticsearchFrom"] == []
    assert policy["kibanaFrom"][0]["namespace"] == "orbit-gateway"
    assert policy["metricsFrom"][0]["namespace"] == "orbit-monitoring"


def test_shipping_straight_to_elasticsearch_copies_the_writer_credential(opt_ins):
    output = opt_ins.chart("fluent-bit").inputs["values"]["output"]
    assert output["host"] == "elk-es.orbit-logging.svc.cluster.local" and output["port"] == 9200.0
    secret = opt_ins.named("orbit-log-shipper-fluent-bit-elasticsearch", "kubernetes:core/v1:Secret")
    assert secret.inputs["stringData"]["username"] == "orbit-log-writer"
    assert secret.masked_inputs["stringData"] == "[secret]"
    assert elk_values(opt_ins)["networkPolicy"]["elasticsearchFrom"][0]["namespace"] == "orbit-log-shipper"


def test_snapshots_get_a_minio_bucket_user_and_network_path(opt_ins, prod):
    minio = opt_ins.chart("minio").inputs["values"]
    assert {"name": "elasticsearch-snapshots", "versioning": False} in minio["provisioning"]["buckets"]
    user = next(u for u in minio["provisioning"]["users"] if u["name"] == "elasticsearch")
    assert user["buckets"] == ["elasticsearch-snapshots"] and user["access"] == "readwrite"
    assert {"namespace": "orbit-logging", "podLabels": {"app.kubernetes.io/instance": "elk", "app.kubernetes.io/component": "elasticsearch"}} in minio["networkPolicy"]["apiFrom"]
    snapshots = elk_values(opt_ins)["snapshots"]
    assert snapshots["host"] == "minio.orbit-minio.svc.cluster.local" and snapshots["port"] == 9000.0
    assert snapshots["bucket"] == "elasticsearch-snapshots" and snapshots["retentionDays"] == 10.0
    assert snapshots["credentialsSecret"] == "elk-snapshots-s3"
    copied = opt_ins.named("orbit-logging-elk-snapshots-s3", "kubernetes:core/v1:Secret")
    assert copied.inputs["stringData"]["accessKey"] == "elasticsearch" and copied.masked_inputs["stringData"] == "[secret]"
    assert elk_values(opt_ins)["networkPolicy"]["snapshotsTo"][0]["namespace"] == "orbit-minio"
    assert elk_values(prod)["snapshots"] == {"enabled": False}
    assert not [u for u in prod.chart("minio").inputs["values"]["provisioning"]["users"] if u["name"] == "elasticsearch"]


def test_component_publishes_access_metrics_and_routes():
    """The typed contract platform.py wires: built in a subprocess under mocks (Pulumi's runtime is global)."""
    script = """
import types
from components.clusters import ClusterFacts
from components.config import ElkConfig
from components.context import PlatformContext
from components.services.elk import Elk, ElkArgs
from components.tls import PlatformCA
cluster = types.SimpleNamespace(provider=None, facts=ClusterFacts(kind="existing", storage_class="standard"))
context = PlatformContext(cluster=cluster, environment="unit", stack="unit")
from components.config import LogShipperConfig
from components.services.log_shipper import LogShipper, LogShipperArgs, ShipperOutput
ca = PlatformCA("ca", "unit")
elk = Elk("elk", ElkArgs(config=ElkConfig(), context=context, ca=ca))
shipper = LogShipper("shipper", LogShipperArgs(LogShipperConfig(), context, ShipperOutput(elk.logstash, elk.logstash_peer, ca.cert_pem)))
print(json.dumps({
    "metrics": [[m.job, m.endpoint.service, m.endpoint.port, m.endpoint.path] for m in elk.metrics],
    "routes": [[r.name, r.path, r.endpoint.service, r.endpoint.port, r.endpoint.scheme] for r in elk.routes],
    "access": [elk.access.endpoint.url, elk.access.credential.username],
    "shipper": [[m.job, m.endpoint.service, m.endpoint.port, m.endpoint.path] for m in shipper.metrics],
}))
"""
    published = run_under_mocks(script)
    assert published["metrics"] == [["elasticsearch", "elk-es-exporter", 9114, "/metrics"], ["logstash", "elk-logstash-hl", 9198, "/metrics"]]
    assert published["routes"] == [["kibana", "/kibana", "elk-kibana", 5601, "https"]]
    assert published["access"] == ["https://elk-es.orbit-logging.svc.cluster.local:9200", "orbit-log-writer"]
    assert published["shipper"] == [["fluent-bit", "fluent-bit", 2020, "/api/v2/metrics/prometheus"]]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_prod_like_stacks_render_valid_kubernetes(prod, opt_ins, version):
    errors = []
    for plan in (prod, opt_ins):
        for obj in plan.objects:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                errors.append(f"{plan.stack} {rules.subject(obj)}: {error.message}")
    assert not errors, "\n".join(errors)


def test_prod_like_stacks_pass_every_policy(prod, opt_ins):
    for plan in (prod, opt_ins):
        context = rules.PolicyContext(exceptions=rules.load_exceptions())
        violations = rules.check(plan.objects, plan.policy_resources(), context)
        assert not violations, "\n".join(map(str, violations))


def test_sysctl_opt_in_is_covered_only_by_its_conditional_exception(opt_ins):
    statefulsets = [o for o in opt_ins.objects if o["kind"] == "StatefulSet" and o["metadata"]["name"].startswith("elk-es-")]
    assert statefulsets and all(s["metadata"]["annotations"]["orbit.dev/privileged-sysctl"] == "true" for s in statefulsets)
    without_exceptions = list(rules.KUBERNETES_RULES["pod-security-restricted"](statefulsets, rules.PolicyContext()))
    assert any("privileged" in v.message for v in without_exceptions)


@pytest.mark.slow
def test_prod_like_stacks_pass_checkov(prod, opt_ins, tmp_path):
    import subprocess

    import yaml

    from tests.test_checkov import SKIPS, checkov_binary

    binary = checkov_binary()
    if binary is None:
        pytest.skip("Checkov is not installed (make checkov-venv)")
    for plan in (prod, opt_ins):
        directory = tmp_path / plan.stack
        directory.mkdir()
        for release in plan.releases:
            (directory / f"{release.name}.yaml").write_text(yaml.safe_dump_all(release.objects, sort_keys=True))
        result = subprocess.run(
            [binary, "-d", str(directory), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
             "--skip-check", ",".join(s["check"] for s in SKIPS)],
            capture_output=True, text=True, timeout=900,
        )
        reports = json.loads(result.stdout)
        reports = reports if isinstance(reports, list) else [reports]
        failed = [f"{plan.stack} {c['check_id']} {c['resource']}" for r in reports for c in r.get("results", {}).get("failed_checks", [])]
        assert sum(r.get("summary", {}).get("passed", 0) for r in reports) > 0
        assert not failed, "\n".join(failed)
