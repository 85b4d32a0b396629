"""Kong config validation: every bad `orbit:kong` section fails with key, value and what is allowed."""

from __future__ import annotations

import pytest

from components.config import ConfigError, parse_stack_config

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {"storageClass": "standard"}}}


def parse(kong: dict):
    return parse_stack_config({**BASE, "kong": kong})


def test_defaults_are_production_sized():
    kong = parse_stack_config(BASE).kong
    assert kong.enabled and kong.replicas >= 2 and kong.autoscaling.enabled
    assert [c.name for c in kong.consumers] == ["platform-admin"]
    assert set(kong.consumers[0].credentials) == {"basic-auth", "key-auth", "jwt"}


BAD = [
    ({"routes": {"prometheus": {"auth": "none"}}}, ["orbit:kong", "routes.prometheus.auth is 'none'", "never unauthenticated", "basic-auth, key-auth, jwt"]),
    ({"routes": {"alertmanager": {"auth": "none"}}}, ["orbit:kong", "alertmanager route is never unauthenticated"]),
    ({"routes": {"prometheus-api": {"auth": "none"}}}, ["orbit:kong", "prometheus-api route is never unauthenticated"]),
    ({"routes": {"kibana": {"auth": "oidc"}}}, ["orbit:kong.routes.kibana.auth", "'oidc'", "'basic-auth', 'key-auth', 'jwt' or 'none'"]),
    ({"routes": {"Kibana UI": {"auth": "jwt"}}}, ["orbit:kong", "routes key 'Kibana UI' is not a route name"]),
    ({"routes": {"kibana": {"rateLimitPerMinute": 0}}}, ["orbit:kong.routes.kibana.rateLimitPerMinute", "greater than or equal to 1"]),
    ({"routes": {"kibana": {"authentication": "jwt"}}}, ["orbit:kong.routes.kibana", "unknown key(s) authentication", "auth"]),
    ({"consumers": [{"name": "ops"}, {"name": "ops"}]}, ["orbit:kong", "consumer(s) ops are listed more than once"]),
    ({"consumers": [{"name": "ops", "credentials": ["oauth2"]}]}, ["orbit:kong.consumers.0.credentials.0", "'oauth2'"]),
    ({"consumers": [{"name": "ops", "credentials": []}]}, ["orbit:kong.consumers.0.credentials", "at least 1"]),
    ({"consumers": [{"name": "ops", "credentials": ["jwt", "jwt"]}]}, ["orbit:kong", "consumer 'ops' lists a credential type more than once"]),
    ({"consumers": [{"name": "Ops"}]}, ["orbit:kong.consumers.0.name", "'Ops'", "DNS label"]),
    ({"replicas": 0}, ["orbit:kong.replicas", "greater than or equal to 1"]),
    ({"replicas": 4, "autoscaling": {"maxReplicas": 3}}, ["orbit:kong", "autoscaling.maxReplicas 3 is below replicas 4"]),
    ({"service": {"type": "ClusterIP", "public": True}}, ["orbit:kong", "service.public is true but service.type is 'ClusterIP'", "LoadBalancer"]),
    ({"service": {"type": "ExternalName"}}, ["orbit:kong.service.type", "'ExternalName'"]),
    ({"hostname": "Gateway.Corp"}, ["orbit:kong.hostname", "'Gateway.Corp'", "DNS name"]),
    ({"requestSizeLimitMb": 0}, ["orbit:kong.requestSizeLimitMb", "greater than or equal to 1"]),
    ({"tls": {"existingSecret": "My Cert"}}, ["orbit:kong.tls.existingSecret", "'My Cert'"]),
    ({"ratelimit": 5}, ["orbit:kong", "unknown key(s) ratelimit", "rateLimitPerMinute"]),
]


@pytest.mark.parametrize(("kong", "fragments"), BAD)
def test_bad_kong_config_is_rejected_with_a_clear_message(kong, fragments):
    with pytest.raises(ConfigError) as raised:
        parse(kong)
    for fragment in fragments:
        assert fragment in str(raised.value)


def test_existing_cluster_load_balancer_must_say_internal_or_public():
    with pytest.raises(ConfigError) as raised:
        parse({"service": {"type": "LoadBalancer"}})
    message = str(raised.value)
    assert "kong.service.type is 'LoadBalancer' on an existing cluster" in message
    assert "kong.service.annotations" in message and "public: true" in message
    assert parse({"service": {"type": "LoadBalancer", "public": True}}).kong.service.public
    assert parse({"service": {"type": "LoadBalancer", "annotations": {"metallb.universe.tf/address-pool": "lan"}}})


def test_unauthenticated_routes_are_allowed_where_the_upstream_authenticates():
    assert parse({"routes": {"minio-s3": {"auth": "none"}}}).kong.routes["minio-s3"].auth == "none"


# --- routes named in the stack must be published by an enabled service ---------------------


def test_a_consumer_naming_a_route_of_a_disabled_service_is_rejected():
    from components.config import ConfigError, parse_stack_config

    base = {"environment": "t", "cluster": {"provider": "existing", "existing": {}}}
    raw = {**base, "elk": {"enabled": False}, "kong": {"consumers": [{"name": "ops", "routes": ["kibana"]}]}}
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(raw)
    assert "kong consumer 'ops' names route(s) kibana, which no enabled service publishes" in str(raised.value)
    assert "allowed: minio-console, minio-s3, airflow, prometheus, alertmanager" in str(raised.value)
    raw["elk"] = {"enabled": True}
    assert parse_stack_config(raw).kong.consumers[0].routes == ("kibana",)


def test_an_override_for_an_unpublished_route_is_rejected():
    from components.config import ConfigError, parse_stack_config

    base = {"environment": "t", "cluster": {"provider": "existing", "existing": {}}}
    with pytest.raises(ConfigError, match="kong.routes overrides grafana, which no enabled service publishes"):
        parse_stack_config({**base, "kong": {"routes": {"grafana": {"auth": "key-auth"}}}})
