"""Kong gateway settings."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from components.settings.base import DnsLabel, Model, Resources, _matches, repeated, resources_field

KONG_AUTH_METHODS = ("basic-auth", "key-auth", "jwt")
# Routes into these upstreams expose operational data and silences; they are never anonymous.
KONG_PROTECTED_ROUTES = ("prometheus", "alertmanager")
# The gateway routes each service publishes (the `routes` of components/services/*), so that a
# stack naming a route that will not exist fails before anything is created. A platform test
# checks this table against the routes the services really publish.
PUBLISHED_ROUTES = {
    "minio": ("minio-console", "minio-s3"),
    "airflow": ("airflow",),
    "elk": ("kibana",),
    "prometheus": ("prometheus", "alertmanager"),
}
_ROUTE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$")
Hostname = Annotated[str, _matches(_HOSTNAME, "a lowercase DNS name such as gateway.corp.example")]


def kong_route_is_protected(name: str) -> bool:
    return any(name == p or name.startswith(f"{p}-") for p in KONG_PROTECTED_ROUTES)


class KongRouteConfig(Model):
    """Per-route overrides of what the publishing service asked for."""

    auth: Literal["basic-auth", "key-auth", "jwt", "none"] | None = Field(
        None, description="Auth plugin; none = the upstream authenticates every request itself."
    )
    rate_limit_per_minute: int | None = Field(None, ge=1, le=1_000_000, description="Requests per minute per proxy pod.")
    request_size_limit_mb: int | None = Field(None, ge=1, le=5120, description="Largest request body, in MB.")


class KongConsumerConfig(Model):
    """A gateway client; its credentials are generated once and stored in Secret kong-consumer-<name>."""

    name: DnsLabel = Field(description="Consumer name.")
    credentials: tuple[Literal["basic-auth", "key-auth", "jwt"], ...] = Field(
        KONG_AUTH_METHODS, min_length=1, description="Credential types generated for the consumer."
    )
    routes: tuple[DnsLabel, ...] = Field((), description="Routes this consumer may use; empty = every route.")


class KongServiceConfig(Model):
    type: Literal["LoadBalancer", "ClusterIP", "NodePort"] | None = Field(
        None,
        description="Proxy Service type; default: an internal LoadBalancer on clouds, ClusterIP on an existing cluster.",
    )
    public: bool = Field(False, description="Expose the LoadBalancer publicly (no internal annotations).")
    annotations: dict[str, str] = Field({}, description="Extra Service annotations (e.g. your LB's internal annotation).")
    load_balancer_source_ranges: tuple[str, ...] = Field((), description="CIDRs allowed to reach the LoadBalancer; empty = any.")


class KongTlsConfig(Model):
    existing_secret: DnsLabel | None = Field(
        None, description="Secret in orbit-gateway with tls.crt and tls.key; default: a certificate from the platform CA."
    )


class KongAutoscalingConfig(Model):
    enabled: bool = Field(True, description="Scale the proxy with a HorizontalPodAutoscaler.")
    max_replicas: int = Field(6, ge=1, le=100, description="Most proxy pods.")
    target_cpu_utilization: int = Field(70, ge=10, le=100, description="Average CPU utilisation (%) the HPA aims for.")


class KongConfig(Model):
    enabled: bool = Field(True, description="Install the Kong gateway.")
    replicas: int = Field(2, ge=1, le=100, description="Proxy pods; the HPA's minimum when autoscaling is on.")
    autoscaling: KongAutoscalingConfig = Field(KongAutoscalingConfig(), description="Proxy autoscaling.")
    hostname: Hostname | None = Field(None, description="External DNS name of the gateway (certificate, URLs).")
    service: KongServiceConfig = Field(KongServiceConfig(), description="The proxy Service.")
    tls: KongTlsConfig = Field(KongTlsConfig(), description="The proxy's TLS certificate.")
    routes: dict[str, KongRouteConfig] = Field({}, description="Overrides per route name.")
    consumers: tuple[KongConsumerConfig, ...] = Field(
        (KongConsumerConfig(name="platform-admin"),), description="Gateway clients and their generated credentials."
    )
    rate_limit_per_minute: int = Field(1200, ge=1, le=1_000_000, description="Per proxy pod (policy local).")
    request_size_limit_mb: int = Field(32, ge=1, le=5120, description="Largest request body, in MB.")
    resources: Resources = resources_field(("250m", "512Mi"), ("2", "1Gi"), "Requests and limits of each proxy pod.")

    @model_validator(mode="after")
    def _kong_rules(self) -> KongConfig:
        for name, route in self.routes.items():
            if not _ROUTE_NAME.match(name):
                raise ValueError(f"routes key {name!r} is not a route name (a DNS label)")
            if route.auth == "none" and kong_route_is_protected(name):
                raise ValueError(
                    f"routes.{name}.auth is 'none', but the {name} route is never unauthenticated; "
                    f"allowed: {', '.join(KONG_AUTH_METHODS)}"
                )
        duplicates = repeated([c.name for c in self.consumers])
        if duplicates:
            raise ValueError(f"consumer(s) {', '.join(duplicates)} are listed more than once")
        for consumer in self.consumers:
            if len(set(consumer.credentials)) != len(consumer.credentials):
                raise ValueError(f"consumer {consumer.name!r} lists a credential type more than once")
        if self.autoscaling.enabled and self.autoscaling.max_replicas < self.replicas:
            raise ValueError(
                f"autoscaling.maxReplicas {self.autoscaling.max_replicas} is below replicas {self.replicas}; "
                "allowed: at least replicas"
            )
        if self.service.public and self.service.type not in (None, "LoadBalancer"):
            raise ValueError(f"service.public is true but service.type is {self.service.type!r}; allowed: LoadBalancer")
        return self
