"""Render-and-assert tests for charts/kong (values -> objects)."""

from __future__ import annotations

import base64

import pytest
import yaml

from components.wiring import GATEWAY_PROXY
from tests.conftest import env_of, find, one, render

REQUIRED = {
    "tls": {"existingSecret": "kong-tls"},
    "upstreamCA": {"existingSecret": "kong-upstream-ca"},
    "consumers": {"existingSecret": "kong-consumers"},
}
ROUTES = [
    {
        "name": "minio-console",
        "path": "/minio-console",
        "auth": "basic-auth",
        "upstream": {"scheme": "https", "host": "minio.orbit-minio.svc.cluster.local", "namespace": "orbit-minio", "port": 9001, "path": "/"},
    },
    {
        "name": "prometheus",
        "path": "/prometheus",
        "auth": "key-auth",
        "upstream": {"scheme": "http", "host": "prometheus.orbit-monitoring.svc.cluster.local", "namespace": "orbit-monitoring", "port": 9090, "path": "/prometheus"},
    },
    {
        "name": "airflow-api",
        "path": "/airflow/api",
        "auth": "jwt",
        "rateLimitPerMinute": 60,
        "requestSizeLimitMb": 4,
        "upstream": {"scheme": "http", "host": "airflow-api.orbit-airflow.svc.cluster.local", "namespace": "orbit-airflow", "port": 8080},
    },
]


def kong(**values):
    return render("kong", {**REQUIRED, "routes": ROUTES, **values}, release="kong", namespace="orbit-gateway")


def declarative(objects) -> dict:
    secret = one(objects, "Secret", "kong-declarative")
    return yaml.safe_load(base64.b64decode(secret["data"]["kong.yaml"]))


def services_by_name(objects) -> dict:
    return {s["name"]: s for s in declarative(objects)["services"]}


def plugins_of(service) -> dict:
    return {p["name"]: p["config"] for p in service["plugins"]}


def proxy_container(objects):
    return one(objects, "Deployment", "kong")["spec"]["template"]["spec"]["containers"][0]


def test_every_route_points_at_its_upstream_endpoint():
    services = services_by_name(kong())
    assert set(services) == {r["name"] for r in ROUTES}
    for route in ROUTES:
        service, upstream = services[route["name"]], route["upstream"]
        assert (service["protocol"], service["host"], service["port"]) == (upstream["scheme"], upstream["host"], upstream["port"])
        assert service["path"] == upstream.get("path", "/")
        [kong_route] = service["routes"]
        assert kong_route["paths"] == [route["path"]] and kong_route["strip_path"] is True


def test_https_upstreams_are_verified_with_the_platform_ca():
    objects = kong()
    services = services_by_name(objects)
    assert services["minio-console"]["tls_verify"] is True
    assert "tls_verify" not in services["prometheus"]
    env = env_of(proxy_container(objects))
    assert env["KONG_NGINX_PROXY_PROXY_SSL_VERIFY"] == "on"
    assert env["KONG_NGINX_PROXY_PROXY_SSL_TRUSTED_CERTIFICATE"] == "/etc/kong/upstream-ca/ca.crt"
    volumes = {v["name"]: v for v in one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert volumes["upstream-ca"]["secret"]["secretName"] == "kong-upstream-ca"


def test_db_less_with_the_declarative_file_assembled_from_secrets():
    objects = kong()
    container = proxy_container(objects)
    env = env_of(container)
    assert env["KONG_DATABASE"] == "off"
    assert env["KONG_DECLARATIVE_CONFIG"] == "/run/kong/kong.yaml"
    script = container["args"][0]
    assert 'cat /etc/kong/declarative/kong.yaml > "$KONG_DECLARATIVE_CONFIG"' in script
    assert 'cat /etc/kong/consumers/consumers.yaml >> "$KONG_DECLARATIVE_CONFIG"' in script
    assert declarative(objects)["_format_version"] == "3.0"
    volumes = {v["name"]: v for v in one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert volumes["declarative"]["secret"]["secretName"] == "kong-declarative"
    assert volumes["consumers"]["secret"]["secretName"] == "kong-consumers"
    assert volumes["runtime-config"]["emptyDir"]["medium"] == "Memory"


def test_declarative_config_is_never_in_a_configmap():
    objects = kong()
    assert declarative(objects)["services"], "the declarative configuration lives in the Secret"
    for obj in objects:
        if obj["kind"] != "Secret":
            text = str(obj)
            assert "_format_version" not in text and "https_redirect_status_code" not in text, obj["metadata"]["name"]
    [configmap] = find(objects, "ConfigMap")
    assert set(configmap["data"]) == {"kong.conf"}


def test_certificate_paths_come_from_kong_conf_not_env():
    objects = kong()
    conf = one(objects, "ConfigMap", "kong-conf")["data"]["kong.conf"]
    assert "ssl_cert = /etc/kong/tls/tls.crt" in conf and "ssl_cert_key = /etc/kong/tls/tls.key" in conf
    container = proxy_container(objects)
    assert not [name for name in env_of(container) if "KEY" in name or "SECRET" in name or "PASSWORD" in name]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/etc/kong/kong.conf"]["subPath"] == "kong.conf"


def test_stale_pid_is_removed_before_start():
    script = proxy_container(kong())["args"][0]
    assert script.index('rm -f "$KONG_PREFIX/pids/nginx.pid"') < script.index("exec /docker-entrypoint.sh kong docker-start")


def test_admin_api_is_loopback_only_and_never_exposed():
    objects = kong()
    container = proxy_container(objects)
    env = env_of(container)
    assert env["KONG_ADMIN_LISTEN"].startswith("127.0.0.1:")
    assert env["KONG_ADMIN_GUI_LISTEN"] == "off"
    admin_ports = {8001, 8444, 8002, 8445}
    assert not {p["containerPort"] for p in container["ports"]} & admin_ports
    for service in find(objects, "Service"):
        ports = {p["port"] for p in service["spec"]["ports"]} | {p["targetPort"] for p in service["spec"]["ports"]}
        assert not ports & (admin_ports | {"admin", "admin-tls"}), service["metadata"]["name"]
        assert "admin" not in service["metadata"]["name"]
    allowed = {p["port"] for rule in one(objects, "NetworkPolicy", "kong-proxy")["spec"]["ingress"] for p in rule["ports"]}
    assert not allowed & admin_ports


def test_http_is_redirected_to_https():
    objects = kong(proxy={"httpsRedirectStatusCode": 301})
    for service in services_by_name(objects).values():
        [route] = service["routes"]
        assert route["protocols"] == ["https"]
        assert route["https_redirect_status_code"] == 301
    assert env_of(proxy_container(objects))["KONG_PORT_MAPS"] == "80:8000, 443:8443"
    ports = {p["name"]: p for p in one(objects, "Service", "kong-proxy")["spec"]["ports"]}
    assert (ports["http"]["port"], ports["https"]["port"]) == (80, 443)


def test_auth_plugin_and_acl_on_every_authenticated_route():
    services = services_by_name(kong())
    for route in ROUTES:
        plugins = plugins_of(services[route["name"]])
        assert route["auth"] in plugins
        assert plugins["acl"]["allow"] == ["routes:all", f"route:{route['name']}"]
    assert plugins_of(services["minio-console"])["basic-auth"]["hide_credentials"] is True
    assert plugins_of(services["prometheus"])["key-auth"]["key_in_query"] is False


def test_anonymous_route_has_no_auth_plugin_and_limits_by_ip():
    routes = [{**ROUTES[2], "name": "public-api", "auth": "none"}]
    plugins = plugins_of(services_by_name(kong(routes=routes))["public-api"])
    assert not {"basic-auth", "key-auth", "jwt", "acl"} & set(plugins)
    assert plugins["rate-limiting"]["limit_by"] == "ip"


def test_rate_limiting_is_local_and_request_size_is_limited():
    services = services_by_name(kong(rateLimitPerMinute=500, requestSizeLimitMb=8))
    for name, service in services.items():
        plugins = plugins_of(service)
        assert plugins["rate-limiting"]["policy"] == "local"
        assert plugins["request-size-limiting"]["size_unit"] == "megabytes"
    assert plugins_of(services["prometheus"])["rate-limiting"]["minute"] == 500
    assert plugins_of(services["airflow-api"])["rate-limiting"]["minute"] == 60
    assert plugins_of(services["airflow-api"])["request-size-limiting"]["allowed_payload_size"] == 4
    assert plugins_of(services["prometheus"])["request-size-limiting"]["allowed_payload_size"] == 8


def test_prometheus_plugin_and_probes_on_the_status_port():
    objects = kong()
    assert [p["name"] for p in declarative(objects)["plugins"]] == ["prometheus"]
    container = proxy_container(objects)
    assert env_of(container)["KONG_STATUS_LISTEN"] == "0.0.0.0:8100"
    assert container["readinessProbe"]["httpGet"] == {"path": "/status/ready", "port": "status"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/status", "port": "status"}
    assert {p["name"]: p["containerPort"] for p in container["ports"]}["status"] == 8100
    status = one(objects, "Service", "kong-status")
    assert [p["port"] for p in status["spec"]["ports"]] == [8100]


def test_read_only_root_with_prefix_and_tmp_on_empty_dirs():
    objects = kong()
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert env_of(container)["KONG_PREFIX"] == "/kong_prefix"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    for path in ("/kong_prefix", "/tmp", "/run/kong"):
        assert "emptyDir" in volumes[mounts[path]]


def test_proxy_pods_carry_the_gateway_peer_labels():
    labels = one(kong(), "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert GATEWAY_PROXY.pod_labels.items() <= labels.items()


def test_network_policy_allows_exactly_the_upstreams_and_scrapers():
    objects = kong(networkPolicy={"metricsFrom": [{"namespace": "orbit-monitoring", "podLabels": {"app.kubernetes.io/name": "prometheus"}}]})
    policy = one(objects, "NetworkPolicy", "kong-proxy")["spec"]
    egress = {(rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], rule["ports"][0]["port"]) for rule in policy["egress"]}
    assert egress == {("orbit-minio", 9001), ("orbit-monitoring", 9090), ("orbit-airflow", 8080)}
    status_rule = next(rule for rule in policy["ingress"] if rule["ports"][0]["port"] == 8100)
    assert status_rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "orbit-monitoring"


def test_hpa_and_pdb_when_autoscaling():
    objects = kong(replicas=2, autoscaling={"enabled": True, "maxReplicas": 5})
    hpa = one(objects, "HorizontalPodAutoscaler", "kong")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert "replicas" not in one(objects, "Deployment")["spec"], "the HPA owns the replica count"
    assert one(objects, "PodDisruptionBudget", "kong")["spec"]["maxUnavailable"] == 1


def test_single_replica_has_no_pdb_and_no_hpa():
    objects = kong(replicas=1)
    assert not find(objects, "PodDisruptionBudget") and not find(objects, "HorizontalPodAutoscaler")
    assert one(objects, "Deployment")["spec"]["replicas"] == 1


def test_load_balancer_service_carries_the_given_annotations():
    annotations = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}
    service = one(kong(proxy={"service": {"type": "LoadBalancer", "annotations": annotations}}), "Service", "kong-proxy")
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["metadata"]["annotations"] == annotations


def test_route_hosts_are_applied_to_every_route():
    services = services_by_name(kong(proxy={"hosts": ["gateway.corp.example"]}))
    assert all(s["routes"][0]["hosts"] == ["gateway.corp.example"] for s in services.values())


def test_config_change_rolls_the_pods():
    def checksum(objects):
        return one(objects, "Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/declarative"]

    assert checksum(kong()) != checksum(kong(rateLimitPerMinute=7))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"routes": [{**ROUTES[1], "auth": "none"}]}, "the prometheus route is never unauthenticated"),
        ({"routes": [{**ROUTES[1], "name": "alertmanager", "auth": "none"}]}, "the alertmanager route is never unauthenticated"),
        ({"routes": [ROUTES[0], ROUTES[0]]}, "is used more than once"),
        ({"consumers": {"existingSecret": ""}}, "consumers.existingSecret is required"),
        ({"upstreamCA": {"existingSecret": ""}}, "upstreamCA.existingSecret is required"),
        ({"tls": {"existingSecret": ""}}, "tls.existingSecret is required"),
        ({"routes": [{**ROUTES[0], "auth": "oidc"}]}, "auth"),
        ({"routes": [{**ROUTES[0], "path": "minio"}]}, "path"),
        ({"proxy": {"httpsRedirectStatusCode": 426}}, "httpsRedirectStatusCode"),
        ({"proxy": {"service": {"type": "ExternalName"}}}, "type"),
        ({"autoscaling": {"enabled": True, "maxReplicas": 1}, "replicas": 3}, "maxReplicas 1 is below replicas 3"),
        ({"image": {"registry": "docker.io", "repository": "library/kong", "tag": "latest"}}, "image/tag"),
        ({"adminService": {"enabled": True}}, "adminService"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception) as raised:
        kong(**values)
    assert message in str(raised.value)
