"""Kong: the platform's API gateway, in front of every UI and API (DB-less, declarative).

The chart renders the routing part of the declarative configuration from the routes this
component passes in (one Kong service + route per `Route`). The consumers and their credentials
are generated here (pulumi-random), written into Secret `kong-consumers` as the declarative
`consumers:` section, and joined with the routes at start, so that no credential ever enters the
chart's values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import yaml

from components.charts import create_namespace, install_chart
from components.config import KONG_AUTH_METHODS, KongConfig, KongConsumerConfig, kong_route_is_protected, repeated
from components.context import PlatformContext
from components.secrets import generated_password, kubernetes_secret
from components.tls import PlatformCA, service_dns_names
from components.wiring import GATEWAY_NAMESPACE, GATEWAY_PROXY, MONITORING_NAMESPACE, Endpoint, MetricsTarget, Peer, Route

NAMESPACE = GATEWAY_NAMESPACE
RELEASE = "kong"
PROXY_SERVICE = f"{RELEASE}-proxy"
STATUS_SERVICE = f"{RELEASE}-status"
CONSUMERS_SECRET = "kong-consumers"
UPSTREAM_CA_SECRET = "kong-upstream-ca"
GENERATED_TLS_SECRET = "kong-tls"
ALL_ROUTES_GROUP = "routes:all"
# Known before the component exists, so that Prometheus (which Kong routes to) can scrape Kong.
METRICS = (
    MetricsTarget("kong", Endpoint(NAMESPACE, STATUS_SERVICE, 8100, path="/metrics"), pod_labels=dict(GATEWAY_PROXY.pod_labels)),
)


@dataclass(frozen=True)
class KongArgs:
    config: KongConfig
    context: PlatformContext
    ca: PlatformCA
    routes: tuple[Route, ...] = ()
    metrics_clients: tuple[Peer, ...] = ()


@dataclass(frozen=True)
class ConsumerCredentials:
    """One consumer's generated credentials (secret Outputs) and the Secret that holds them."""

    name: str
    secret_name: str
    values: Mapping[str, pulumi.Output[str]] = field(repr=False)


@dataclass(frozen=True)
class EffectiveRoute:
    """A Route after the stack's overrides: what the chart renders."""

    route: Route
    auth: str
    rate_limit_per_minute: int | None
    request_size_limit_mb: int | None

    def values(self) -> dict[str, object]:
        endpoint = self.route.endpoint
        values: dict[str, object] = {
            "name": self.route.name,
            "path": self.route.path,
            "auth": self.auth,
            "upstream": {
                "scheme": endpoint.scheme,
                "host": endpoint.host,
                "namespace": endpoint.namespace,
                "port": endpoint.port,
                "path": endpoint.path,
            },
        }
        if self.rate_limit_per_minute:
            values["rateLimitPerMinute"] = self.rate_limit_per_minute
        if self.request_size_limit_mb:
            values["requestSizeLimitMb"] = self.request_size_limit_mb
        return values


def effective_routes(routes: tuple[Route, ...], config: KongConfig) -> tuple[EffectiveRoute, ...]:
    """Apply the stack's per-route overrides; refuse anything that would leave a protected route open."""
    names = [r.name for r in routes]
    duplicates = repeated(names)
    if duplicates:
        raise ValueError(f"gateway routes {', '.join(duplicates)} are published more than once")
    unknown = sorted(set(config.routes) - set(names))
    if unknown:
        pulumi.log.warn(
            f"orbit:kong.routes names {', '.join(unknown)}, which no enabled service publishes "
            f"(published: {', '.join(names) or 'none'}); the override is ignored"
        )
    result = []
    for route in routes:
        override = config.routes.get(route.name)
        auth = (override.auth if override and override.auth else route.auth)
        if auth not in (*KONG_AUTH_METHODS, "none"):
            raise ValueError(f"route {route.name!r} asks for auth {auth!r}; allowed: {', '.join(KONG_AUTH_METHODS)} or none")
        protected = kong_route_is_protected(route.name) or route.endpoint.namespace == MONITORING_NAMESPACE
        if auth == "none" and protected:
            raise ValueError(
                f"route {route.name!r} ({route.path}) leads into {route.endpoint.namespace} and is never unauthenticated; "
                f"allowed: {', '.join(KONG_AUTH_METHODS)}"
            )
        result.append(
            EffectiveRoute(
                route,
                auth,
                override.rate_limit_per_minute if override else None,
                override.request_size_limit_mb if override else None,
            )
        )
    return tuple(result)


def consumer_problems(routes: tuple[EffectiveRoute, ...], config: KongConfig) -> list[str]:
    """Configurations that deploy but leave a route unusable or name a route that does not exist."""
    problems = []
    published = {r.route.name for r in routes}
    for consumer in config.consumers:
        unknown = sorted(set(consumer.routes) - published)
        if unknown:
            problems.append(f"orbit:kong consumer {consumer.name!r} names route(s) {', '.join(unknown)}, which no enabled service publishes")
    for route in routes:
        if route.auth == "none":
            continue
        users = [c.name for c in config.consumers
                 if route.auth in c.credentials and (not c.routes or route.route.name in c.routes)]
        if not users:
            problems.append(f"route {route.route.name!r} needs {route.auth}, but no consumer has that credential and access to it")
    return problems


def consumer_groups(consumer: KongConsumerConfig) -> list[str]:
    """ACL groups: every route's ACL admits `routes:all` and `route:<its name>`."""
    return [f"route:{name}" for name in consumer.routes] if consumer.routes else [ALL_ROUTES_GROUP]


def consumers_document(consumers: list[dict[str, object]]) -> str:
    """The declarative `consumers:` section (credentials included), appended to the routes at start."""
    return yaml.safe_dump({"consumers": consumers}, sort_keys=True, default_flow_style=False)


class Kong(pulumi.ComponentResource):
    def __init__(self, name: str, args: KongArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:Kong", name, None, opts)
        config, context = args.config, args.context
        facts = context.cluster.facts
        namespace = create_namespace(self, NAMESPACE, context)
        routes = effective_routes(args.routes, config)
        for problem in consumer_problems(routes, config):
            pulumi.log.warn(problem, self)

        # --- TLS: the certificate the proxy serves, and the CA its https upstreams must present.
        dependencies: list[pulumi.Resource] = []
        tls_secret = config.tls.existing_secret
        if tls_secret is None:
            tls_secret = GENERATED_TLS_SECRET
            # localhost: the development certificate also serves `kubectl port-forward svc/kong-proxy`.
            dns_names = ([config.hostname] if config.hostname else []) + service_dns_names(PROXY_SERVICE, NAMESPACE) + ["localhost"]
            dependencies.append(
                args.ca.issue_secret(self, GENERATED_TLS_SECRET, dns_names=dns_names, context=context, namespace=namespace)
            )
        dependencies.append(
            kubernetes_secret(self, UPSTREAM_CA_SECRET, context=context, namespace=namespace, data={"ca.crt": args.ca.cert_pem})
        )

        # --- consumers: credentials generated once, one Secret per consumer, one declarative section.
        self.consumers: dict[str, ConsumerCredentials] = {}
        declarative: list[pulumi.Output] = []
        for consumer in config.consumers:
            credentials = self._generate_credentials(consumer)
            secret_name = f"kong-consumer-{consumer.name}"
            dependencies.append(
                kubernetes_secret(self, secret_name, context=context, namespace=namespace, data=credentials)
            )
            self.consumers[consumer.name] = ConsumerCredentials(consumer.name, secret_name, credentials)
            declarative.append(_consumer_entry(consumer, credentials))
        consumers_yaml = pulumi.Output.all(*declarative).apply(lambda entries: consumers_document(list(entries)))
        dependencies.append(
            kubernetes_secret(self, CONSUMERS_SECRET, context=context, namespace=namespace, data={"consumers.yaml": consumers_yaml})
        )

        values = {
            "replicas": config.replicas,
            "autoscaling": {
                "enabled": config.autoscaling.enabled,
                "maxReplicas": config.autoscaling.max_replicas,
                "targetCPUUtilizationPercentage": config.autoscaling.target_cpu_utilization,
            },
            "resources": config.resources.model_dump(),
            "proxy": {
                "service": proxy_service_values(config, facts.internal_load_balancer_annotations),
                # Routes answer to any Host: the hostname names the certificate and the URLs, and a
                # port-forward or an in-cluster client must keep working.
                "hosts": [],
            },
            "tls": {"existingSecret": tls_secret},
            "upstreamCA": {"existingSecret": UPSTREAM_CA_SECRET},
            "consumers": {"existingSecret": CONSUMERS_SECRET, "revision": consumers_revision(config.consumers)},
            "routes": [route.values() for route in routes],
            "rateLimitPerMinute": config.rate_limit_per_minute,
            "requestSizeLimitMb": config.request_size_limit_mb,
            "networkPolicy": {"metricsFrom": [peer.values() for peer in args.metrics_clients]},
        }
        self.chart = install_chart(
            self, "kong", context=context, namespace=namespace, values=values, release=RELEASE, depends_on=dependencies
        )

        self.namespace = NAMESPACE
        self.proxy = Endpoint(NAMESPACE, PROXY_SERVICE, 443, scheme="https")
        self.proxy_labels = dict(GATEWAY_PROXY.pod_labels)
        self.metrics = METRICS
        base = f"https://{config.hostname}" if config.hostname else f"https://{self.proxy.host}"
        self.urls: dict[str, str] = {r.route.name: f"{base}{r.route.path}" for r in routes}
        self.register_outputs({"proxyEndpoint": self.proxy.url, "urls": self.urls})

    def _generate_credentials(self, consumer: KongConsumerConfig) -> dict[str, pulumi.Output[str] | str]:
        prefix = f"kong-consumer-{consumer.name}"
        credentials: dict[str, pulumi.Output[str] | str] = {}
        if "basic-auth" in consumer.credentials:
            credentials["username"] = consumer.name
            credentials["password"] = generated_password(self, f"{prefix}-password")
        if "key-auth" in consumer.credentials:
            credentials["apiKey"] = generated_password(self, f"{prefix}-api-key", length=40)
        if "jwt" in consumer.credentials:
            credentials["jwtKey"] = consumer.name
            credentials["jwtSecret"] = generated_password(self, f"{prefix}-jwt-secret", length=48)
        return credentials

    def credential_outputs(self) -> pulumi.Output:
        """Every consumer's credentials, one secret Output for the stack outputs."""
        return pulumi.Output.secret(
            {name: {**dict(c.values), "secretName": c.secret_name} for name, c in self.consumers.items()}
        )


def _consumer_entry(consumer: KongConsumerConfig, credentials: Mapping[str, pulumi.Output[str] | str]) -> pulumi.Output:
    keys = sorted(credentials)
    return pulumi.Output.all(*(credentials[k] for k in keys)).apply(
        lambda resolved: _consumer_section(consumer, dict(zip(keys, resolved)))
    )


def _consumer_section(consumer: KongConsumerConfig, credentials: Mapping[str, str]) -> dict[str, object]:
    entry: dict[str, object] = {
        "username": consumer.name,
        "acls": [{"group": group} for group in consumer_groups(consumer)],
    }
    if "password" in credentials:
        entry["basicauth_credentials"] = [{"username": credentials["username"], "password": credentials["password"]}]
    if "apiKey" in credentials:
        entry["keyauth_credentials"] = [{"key": credentials["apiKey"]}]
    if "jwtSecret" in credentials:
        entry["jwt_secrets"] = [{"key": credentials["jwtKey"], "secret": credentials["jwtSecret"], "algorithm": "HS256"}]
    return entry


def consumers_revision(consumers: tuple[KongConsumerConfig, ...]) -> str:
    """Changes with the consumer list (never with a secret), so that pods reload on a change."""
    shape = [c.model_dump(mode="json") for c in consumers]
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


# Marks a load balancer that config explicitly made public; the policy pack's
# no-open-load-balancer rule accepts an internet-facing Service only with it.
PUBLIC_LB_ANNOTATION = "orbit.dev/public-load-balancer"


def proxy_service_values(config: KongConfig, internal_annotations: Mapping[str, str]) -> dict[str, object]:
    """Internal LoadBalancer where the cluster says how; ClusterIP otherwise; public only when asked."""
    service = config.service
    service_type = service.type or ("LoadBalancer" if internal_annotations or service.public else "ClusterIP")
    annotations: dict[str, str] = {}
    if service_type == "LoadBalancer" and not service.public:
        annotations.update(internal_annotations)
    if service_type == "LoadBalancer" and service.public:
        annotations[PUBLIC_LB_ANNOTATION] = "true"
    annotations.update(service.annotations)
    return {
        "type": service_type,
        "annotations": annotations,
        "loadBalancerSourceRanges": list(service.load_balancer_source_ranges),
    }
