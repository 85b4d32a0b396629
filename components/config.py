"""Typed, validated stack configuration.

This is the only module that reads Pulumi config. Everything downstream receives frozen,
typed objects. A bad stack file fails here, before any resource is registered, with one message
per problem naming the key, the bad value and what is allowed.

The models live in components/settings/, one module per area (clusters, minio, kafka, ...);
StackConfig below composes them and holds the rules that span areas. Stack files use camelCase
keys under the `orbit:` namespace; the models use snake_case attributes with camelCase aliases,
so `orbit:minio.drivesPerServer` is `config.minio.drives_per_server`. Every model is re-exported
here, so the rest of the program imports config from this one module.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator

from components.settings.airflow import (
    AirflowComponentConfig,
    AirflowConfig,
    AirflowDagsConfig,
    AirflowGitSyncConfig,
    AirflowStoreConfig,
)
from components.settings.base import ComputeResources, DnsLabel, Model, Quantity, Registry, Resources, repeated
from components.settings.clusters import (
    KUBERNETES_VERSIONS,
    AwsClusterConfig,
    AzureClusterConfig,
    ClusterConfig,
    ExistingClusterConfig,
    GcpClusterConfig,
    NodePoolConfig,
    PostgresConfig,
)
from components.settings.elk import (
    ElasticsearchConfig,
    ElasticsearchNodesConfig,
    ElkConfig,
    ElkSnapshotsConfig,
    KibanaConfig,
    LogShipperConfig,
    LogstashConfig,
    memory_bytes,
)
from components.settings.kafka import KafkaConfig, KafkaTopicConfig, KafkaUserConfig
from components.settings.kong import (
    KONG_AUTH_METHODS,
    PUBLISHED_ROUTES,
    KongConfig,
    KongConsumerConfig,
    KongRouteConfig,
    kong_route_is_protected,
)
from components.settings.minio import BucketConfig, MinioConfig, MinioUserConfig, minio_erasure_set_size
from components.settings.prometheus import AlertReceiverConfig, PrometheusConfig
from components.settings.registry import DockerConfig, registry_host
from components.settings.trust import PemCertificates

PROJECT = "orbit"


class ConfigError(ValueError):
    """A stack file that cannot be deployed. The message lists every problem found."""


# --- the whole stack -------------------------------------------------------------------------


class StackConfig(Model):
    """Every `orbit:` key of a stack file."""

    environment: DnsLabel = Field(description="Environment name (local, dev, prod, ...); labels every object.")
    image_registry: Registry | Literal[""] = Field(
        "", description="Private mirror every image is pulled from; empty = the upstream registries."
    )
    image_pull_credentials: DockerConfig = Field(
        None,
        description=(
            "Docker config.json with the login for a private registry (set it as a Pulumi secret: "
            "`pulumi config set --secret orbit:imagePullCredentials \"$(cat config.json)\"`). Orbit stores it "
            "as Secret orbit-registry in every namespace and every pod pulls with it. Empty = anonymous pulls."
        ),
    )
    trusted_ca_bundle: PemCertificates = Field(
        "",
        description=(
            "PEM CA certificate(s) that every component making outbound TLS calls trusts, together with "
            "Orbit's own CA (a TLS-inspecting proxy's CA, a private registry's or object store's CA). "
            "Empty = the images' own trust stores."
        ),
    )
    cluster: ClusterConfig = Field(description="The Kubernetes cluster to create or adopt.")
    minio: MinioConfig = Field(MinioConfig(servers=1), description="The MinIO object store.")
    airflow: AirflowConfig = Field(AirflowConfig(), description="Apache Airflow.")
    prometheus: PrometheusConfig = Field(PrometheusConfig(), description="Prometheus, Alertmanager and the metrics exporters.")
    kong: KongConfig = Field(KongConfig(), description="The Kong gateway in front of every UI and API.")
    kafka: KafkaConfig = Field(KafkaConfig(), description="The Kafka cluster (KRaft).")
    elk: ElkConfig = Field(ElkConfig(), description="Elasticsearch, Kibana, Logstash and the log shipper.")

    @model_validator(mode="after")
    def _pull_credentials_cover_the_mirror(self) -> StackConfig:
        if self.image_pull_credentials and self.image_registry:
            host = registry_host(self.image_registry)
            known = sorted(self.image_pull_credentials["auths"])
            if host not in known:
                raise ValueError(
                    f"imagePullCredentials has no login for the imageRegistry host {host!r} "
                    f"(it has: {', '.join(known)}); add an auths entry for {host!r}"
                )
        return self

    @model_validator(mode="after")
    def _kong_names_published_routes(self) -> StackConfig:
        if not self.kong.enabled:
            return self
        published = [name for service, names in PUBLISHED_ROUTES.items() if getattr(self, service).enabled for name in names]
        allowed = ", ".join(published) or "none"
        unknown_overrides = sorted(set(self.kong.routes) - set(published))
        if unknown_overrides:
            raise ValueError(
                f"kong.routes overrides {', '.join(unknown_overrides)}, which no enabled service publishes; allowed: {allowed}"
            )
        for consumer in self.kong.consumers:
            unknown = sorted(set(consumer.routes) - set(published))
            if unknown:
                raise ValueError(
                    f"kong consumer {consumer.name!r} names route(s) {', '.join(unknown)}, which no enabled service "
                    f"publishes; allowed: {allowed}"
                )
        return self

    @model_validator(mode="after")
    def _kong_service_fits_cluster(self) -> StackConfig:
        # Orbit knows each cloud's internal-LB annotations, but not what an existing cluster's
        # load balancer (MetalLB, kube-vip, ...) needs: a LoadBalancer there is public unless told.
        service = self.kong.service
        if (self.kong.enabled and self.cluster.provider == "existing" and service.type == "LoadBalancer"
                and not service.public and not service.annotations):
            raise ValueError(
                "kong.service.type is 'LoadBalancer' on an existing cluster, where Orbit cannot make it internal; "
                "set kong.service.annotations to your load balancer's internal annotations, or "
                "kong.service.public: true to accept a public one, or use type ClusterIP or NodePort"
            )
        return self

    @model_validator(mode="after")
    def _elk_snapshots_need_minio(self) -> StackConfig:
        if self.elk.enabled and self.elk.snapshots.enabled and not self.minio.enabled:
            raise ValueError("elk.snapshots.enabled is true but minio.enabled is false; snapshots are stored in MinIO")
        return self


# --- reading ---------------------------------------------------------------------------------


def _decode(value: Any) -> Any:
    # Pulumi hands structured config to the program as JSON text and scalars as plain strings.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


# Keys whose values are credentials: an error about them never repeats the value.
CREDENTIAL_KEYS = frozenset({"imagePullCredentials"})


def _shown_input(got: Any, loc: tuple) -> str:
    # Long values (certificate bundles) are cut short; anything holding a key is never echoed.
    if isinstance(got, dict) or (loc and loc[0] in CREDENTIAL_KEYS):
        return ""
    text = repr(got)
    if "PRIVATE KEY" in text:
        return " (value not shown: it holds a private key)"
    return f" (got {text if len(text) <= 100 else text[:97] + '...'})"


def _format_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ":".join([PROJECT, ".".join(str(part) for part in item["loc"])]) if item["loc"] else PROJECT
        message = item["msg"].removeprefix("Value error, ")
        shown = _shown_input(item.get("input"), item["loc"])
        lines.append(f"  - {key}: {message}{shown}")
    return "\n".join(lines)


def parse_stack_config(raw: dict[str, Any], source: str = "stack config") -> StackConfig:
    """Validate the `orbit:` keys of a stack (keys without the namespace) into a StackConfig."""
    try:
        return StackConfig.model_validate({key: _decode(value) for key, value in raw.items()})
    except ValidationError as error:
        raise ConfigError(f"{source} is invalid:\n{_format_errors(error)}") from None


def read_project_config() -> dict[str, Any]:
    """Every `orbit:` key Pulumi passed to this program, namespace stripped."""
    from pulumi.runtime import config as runtime_config

    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{PROJECT}:"
    return {
        key.removeprefix(prefix): runtime_config.get_config(key)
        for key in sorted(keys)
        if key.startswith(prefix)
    }


def load_stack_config() -> StackConfig:
    """Read and validate the current stack's configuration (the program's single entry point)."""
    import pulumi

    return parse_stack_config(read_project_config(), source=f"stacks/Pulumi.{pulumi.get_stack()}.yaml")


__all__ = [
    "AirflowComponentConfig",
    "AirflowConfig",
    "AirflowDagsConfig",
    "AirflowGitSyncConfig",
    "AirflowStoreConfig",
    "AlertReceiverConfig",
    "AwsClusterConfig",
    "AzureClusterConfig",
    "BucketConfig",
    "ClusterConfig",
    "ComputeResources",
    "ConfigError",
    "DnsLabel",
    "ElasticsearchConfig",
    "ElasticsearchNodesConfig",
    "ElkConfig",
    "ElkSnapshotsConfig",
    "ExistingClusterConfig",
    "GcpClusterConfig",
    "KONG_AUTH_METHODS",
    "KUBERNETES_VERSIONS",
    "KafkaConfig",
    "KafkaTopicConfig",
    "KafkaUserConfig",
    "KibanaConfig",
    "KongConfig",
    "KongConsumerConfig",
    "KongRouteConfig",
    "LogShipperConfig",
    "LogstashConfig",
    "MinioConfig",
    "MinioUserConfig",
    "Model",
    "NodePoolConfig",
    "PROJECT",
    "PemCertificates",
    "PostgresConfig",
    "PrometheusConfig",
    "Quantity",
    "Registry",
    "Resources",
    "SecretStr",
    "StackConfig",
    "kong_route_is_protected",
    "load_stack_config",
    "memory_bytes",
    "minio_erasure_set_size",
    "parse_stack_config",
    "read_project_config",
    "repeated",
]
