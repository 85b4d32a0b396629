"""The Kong component under mocks, and its pure wiring helpers."""

from __future__ import annotations

import json

import pytest
import yaml

from components.config import KongConfig, KongConsumerConfig
from components.services.kong import (
    consumer_groups,
    consumer_problems,
    consumers_revision,
    effective_routes,
    PUBLIC_LB_ANNOTATION,
    proxy_service_values,
)
from components.wiring import GATEWAY_PROXY, Endpoint, Route
from tests.conftest import ROOT, StackPlan, capture_in_subprocess
from tools.plan import CapturedResource
from tools.render import render_releases

PASSWORD = "random:index/randomPassword:RandomPassword"
SECRET = "kubernetes:core/v1:Secret"


def kong_plans(stack_plans):
    return [p for p in stack_plans.values() if any(r.type == "orbit:service:Kong" for r in p.resources)]


def test_every_stack_with_kong_renders_the_gateway(stack_plans):
    assert kong_plans(stack_plans), "no stack installs Kong"


def test_consumer_credentials_are_generated_once_and_reach_the_chart_by_secret_name(stack_plans):
    for plan in kong_plans(stack_plans):
        password = plan.named("kong-consumer-platform-admin-password", PASSWORD)
        assert password.inputs["length"] >= 32 and password.inputs["special"] is False
        secret = plan.named("orbit-gateway-kong-consumer-platform-admin", SECRET)
        assert set(secret.inputs["stringData"]) == {"username", "password", "apiKey", "jwtKey", "jwtSecret"}
        assert secret.masked_inputs["stringData"] == "[secret]"
        values = plan.chart("kong").inputs["values"]
        assert values["consumers"]["existingSecret"] == "kong-consumers"
        assert "orbit-gateway-kong-consumers" in plan.chart("kong").depends_on


def test_consumers_section_holds_the_generated_credentials_and_acl_groups(stack_plans):
    for plan in kong_plans(stack_plans):
        secret = plan.named("orbit-gateway-kong-consumers", SECRET)
        document = yaml.safe_load(secret.inputs["stringData"]["consumers.yaml"])
        [admin] = document["consumers"]
        credentials = plan.named("orbit-gateway-kong-consumer-platform-admin", SECRET).inputs["stringData"]
        assert admin["username"] == "platform-admin"
        assert admin["acls"] == [{"group": "routes:all"}]
        assert admin["basicauth_credentials"] == [{"username": "platform-admin", "password": credentials["password"]}]
        assert admin["keyauth_credentials"] == [{"key": credentials["apiKey"]}]
        assert admin["jwt_secrets"][0]["secret"] == credentials["jwtSecret"]


def _pod_port(plan, namespace, selector, target):
    """The container port a Service's targetPort resolves to in the pods it selects."""
    if isinstance(target, int):
        return target
    for obj in plan.objects:
        spec = (obj.get("spec") or {}).get("template", {})
        labels = spec.get("metadata", {}).get("labels", {})
        if obj["metadata"].get("namespace") == namespace and selector.items() <= labels.items():
            for container in spec["spec"]["containers"]:
                for port in container.get("ports") or []:
                    if port["name"] == target:
                        return port["containerPort"]
    raise AssertionError(f"no pod in {namespace} has port {target}")


def test_every_route_points_at_a_service_and_port_another_chart_renders(stack_plans):
    for plan in kong_plans(stack_plans):
        routes = plan.chart("kong").inputs["values"]["routes"]
        assert routes, f"stack {plan.stack} routes nothing"
        for route in routes:
            upstream = route["upstream"]
            service_name, namespace = upstream["host"].split(".")[:2]
            assert namespace == upstream["namespace"]
            service = plan.find("Service", service_name, namespace)
            ports = {p["port"]: p for p in service["spec"]["ports"]}
            assert int(upstream["port"]) in ports, route["name"]
            # NetworkPolicies match the pod's port: the gateway's egress rule uses the Service
            # port, so the two must be the same number.
            target = ports[int(upstream["port"])].get("targetPort", int(upstream["port"]))
            assert _pod_port(plan, namespace, service["spec"]["selector"], target) == int(upstream["port"]), route["name"]


def test_minio_admits_the_gateway_proxy_to_its_routed_ports(stack_plans):
    for plan in kong_plans(stack_plans):
        if not any(r.name == "minio" and r.type == "orbit:service:Minio" for r in plan.resources):
            continue
        policy = plan.find("NetworkPolicy", "minio-server", "orbit-minio")
        admitted = set()
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                if peer.get("podSelector", {}).get("matchLabels") == GATEWAY_PROXY.pod_labels:
                    admitted.update(p["port"] for p in rule["ports"])
        assert admitted == {9000, 9001}
        paths = {r["name"]: r["path"] for r in plan.chart("kong").inputs["values"]["routes"]}
        assert {"minio-console": "/minio-console", "minio-s3": "/s3"}.items() <= paths.items()


def test_proxy_certificate_and_upstream_ca_are_secrets(stack_plans):
    for plan in kong_plans(stack_plans):
        assert plan.named("orbit-gateway-kong-tls", SECRET).inputs["type"] == "kubernetes.io/tls"
        names = plan.named("kong-tls-csr").inputs["dnsNames"]
        assert "kong-proxy.orbit-gateway.svc.cluster.local" in names and "localhost" in names
        assert "ca.crt" in plan.named("orbit-gateway-kong-upstream-ca", SECRET).inputs["stringData"]
        values = plan.chart("kong").inputs["values"]
        assert values["tls"] == {"existingSecret": "kong-tls"}
        assert values["upstreamCA"] == {"existingSecret": "kong-upstream-ca"}


def test_local_stack_runs_one_proxy_without_autoscaler(stack_plans):
    plan = stack_plans["local"]
    values = plan.chart("kong").inputs["values"]
    assert values["replicas"] == 1.0 and values["autoscaling"]["enabled"] is False
    assert values["proxy"]["service"]["type"] == "ClusterIP"
    kinds = {o["kind"] for o in plan.release("kong").objects}
    assert "HorizontalPodAutoscaler" not in kinds and "PodDisruptionBudget" not in kinds


def test_namespace_is_the_gateway_namespace_and_restricted(stack_plans):
    for plan in kong_plans(stack_plans):
        namespace = plan.named("orbit-gateway", "kubernetes:core/v1:Namespace")
        assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        assert plan.chart("kong").inputs["namespace"] == GATEWAY_PROXY.namespace


def plan_with_kong(tmp_path, name: str, kong: dict | None) -> StackPlan:
    """The local stack with its orbit:kong section replaced (None: Kong's defaults)."""
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())
    stack["config"].pop("orbit:kong")
    if kong is not None:
        stack["config"]["orbit:kong"] = kong
    (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(stack))
    result = capture_in_subprocess(name, tmp_path)
    assert result.returncode == 0, result.stderr
    return StackPlan(name, [CapturedResource(**item) for item in json.loads(result.stdout)])


def test_production_defaults_autoscale_and_keep_a_disruption_budget(tmp_path):
    plan = plan_with_kong(tmp_path, "kongdefaults", None)
    objects = plan.release("kong").objects
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2" and hpa["spec"]["minReplicas"] >= 2
    assert any(o["kind"] == "PodDisruptionBudget" for o in objects)
    values = plan.chart("kong").inputs["values"]
    # An existing cluster has no internal load-balancer annotations: ClusterIP unless configured.
    assert values["proxy"]["service"]["type"] == "ClusterIP"


def test_turning_kong_off_removes_the_gateway_and_its_admissions(tmp_path):
    plan = plan_with_kong(tmp_path, "nokong", {"enabled": False})
    assert not [r for r in plan.resources if "kong" in r.name]
    assert not [r for r in plan.resources if r.name == "orbit-gateway"]
    minio = next(r for r in render_releases(plan.resources) if r.name == "minio")
    policy = next(o for o in minio.objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "minio-server")
    assert "orbit-gateway" not in json.dumps(policy)
    assert not [o for r in render_releases(plan.resources) for o in r.objects if "orbit-gateway" in json.dumps(o)]


# --- pure helpers -----------------------------------------------------------------------------

MONITORING = Endpoint("orbit-monitoring", "prometheus", 9090, path="/prometheus")
CONSOLE = Endpoint("orbit-minio", "minio", 9001, scheme="https")


def kong_config(**fields) -> KongConfig:
    return KongConfig.model_validate(fields)


def test_route_overrides_replace_auth_and_limits():
    [route] = effective_routes((Route("minio-console", "/minio-console", CONSOLE),),
                               kong_config(routes={"minio-console": {"auth": "jwt", "rateLimitPerMinute": 10}}))
    values = route.values()
    assert values["auth"] == "jwt" and values["rateLimitPerMinute"] == 10
    assert values["upstream"] == {"scheme": "https", "host": CONSOLE.host, "namespace": "orbit-minio", "port": 9001, "path": "/"}


@pytest.mark.parametrize("route", [Route("prometheus", "/prometheus", MONITORING, auth="none"),
                                   Route("metrics-ui", "/m", MONITORING, auth="none")])
def test_routes_into_monitoring_are_never_unauthenticated(route):
    with pytest.raises(ValueError, match="is never unauthenticated"):
        effective_routes((route,), kong_config())


def test_duplicate_and_unknown_auth_routes_are_rejected():
    with pytest.raises(ValueError, match="published more than once"):
        effective_routes((Route("a", "/a", CONSOLE), Route("a", "/b", CONSOLE)), kong_config())
    with pytest.raises(ValueError, match="asks for auth 'oidc'"):
        effective_routes((Route("a", "/a", CONSOLE, auth="oidc"),), kong_config())


def test_proxy_service_is_internal_load_balancer_on_clouds_and_cluster_ip_otherwise():
    internal = {"networking.gke.io/load-balancer-type": "Internal"}
    cloud = proxy_service_values(kong_config(), internal)
    assert cloud["type"] == "LoadBalancer" and cloud["annotations"] == internal
    public = proxy_service_values(kong_config(service={"public": True}), internal)
    assert public["type"] == "LoadBalancer" and public["annotations"] == {PUBLIC_LB_ANNOTATION: "true"}
    existing = proxy_service_values(kong_config(), {})
    assert existing["type"] == "ClusterIP"
    metallb = proxy_service_values(kong_config(service={"type": "LoadBalancer", "annotations": {"metallb.universe.tf/address-pool": "internal"}}), {})
    assert metallb["annotations"] == {"metallb.universe.tf/address-pool": "internal"}


def test_an_explicitly_public_proxy_passes_the_open_load_balancer_rule():
    from policy import rules

    assert PUBLIC_LB_ANNOTATION == rules.PUBLIC_LB_ANNOTATION
    values = proxy_service_values(kong_config(service={"public": True, "loadBalancerSourceRanges": ["0.0.0.0/0"]}), {})
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kong-proxy", "namespace": "orbit-gateway",
               "annotations": values["annotations"]}, "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": values["loadBalancerSourceRanges"]}}
    assert list(rules.KUBERNETES_RULES["no-open-load-balancer"]([service], rules.PolicyContext())) == []


def test_consumer_groups_and_revision():
    assert consumer_groups(KongConsumerConfig(name="ops")) == ["routes:all"]
    assert consumer_groups(KongConsumerConfig(name="ops", routes=("prometheus",))) == ["route:prometheus"]
    one = (KongConsumerConfig(name="ops"),)
    assert consumers_revision(one) == consumers_revision(one)
    assert consumers_revision(one) != consumers_revision((KongConsumerConfig(name="ops", credentials=("key-auth",)),))


def test_every_stack_runs_kong_db_less_with_the_admin_api_inside_the_pod(stack_plans):
    for plan in kong_plans(stack_plans):
        objects = plan.release("kong").objects
        deployment = next(o for o in objects if o["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["KONG_DATABASE"] == "off" and env["KONG_ADMIN_LISTEN"].startswith("127.0.0.1:")
        assert {p["containerPort"] for p in container["ports"]} == {8000, 8443, 8100}
        exposed = {p["port"] for o in objects if o["kind"] == "Service" for p in o["spec"]["ports"]}
        assert exposed == {80, 443, 8100}
        configmaps = [o for o in objects if o["kind"] == "ConfigMap"]
        assert [c["metadata"]["name"] for c in configmaps] == ["kong-conf"]
        assert "_format_version" not in str(configmaps) and "consumers" not in str(configmaps)


def test_unusable_routes_and_unknown_consumer_routes_are_reported():
    config = kong_config(consumers=[{"name": "ops", "credentials": ["basic-auth"], "routes": ["minio-console", "kibana"]}])
    routes = effective_routes((Route("minio-console", "/minio-console", CONSOLE),
                               Route("minio-s3", "/s3", CONSOLE, auth="key-auth")), config)
    problems = consumer_problems(routes, config)
    assert problems == [
        "orbit:kong consumer 'ops' names route(s) kibana, which no enabled service publishes",
        "route 'minio-s3' needs key-auth, but no consumer has that credential and access to it",
    ]
    assert consumer_problems(routes, kong_config()) == []
