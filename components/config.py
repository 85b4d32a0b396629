"""Typed, validated stack configuration.

This is the only module that reads Pulumi config. Everything downstream receives frozen,
typed objects. A bad stack file fails here, before any resource is registered, with one message
per problem naming the key, the bad value and what is allowed.

Stack files use camelCase keys under the `orbit:` namespace; the models below use snake_case
attributes with camelCase aliases, so `orbit:minio.drivesPerServer` is `config.minio.drives_per_server`.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

PROJECT = "orbit"


class ConfigError(ValueError):
    """A stack file that cannot be deployed. The message lists every problem found."""


class Model(BaseModel):
    """Base for every config model: frozen, camelCase keys, unknown keys rejected with a hint."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        # pydantic's own message ("Extra inputs are not permitted") does not say what *is*
        # allowed; a typo in a stack file deserves the list of valid keys.
        if isinstance(data, dict):
            allowed = {field.alias or name for name, field in cls.model_fields.items()}
            unknown = sorted(k for k in data if k not in allowed and k not in cls.model_fields)
            if unknown:
                raise ValueError(
                    f"unknown key(s) {', '.join(unknown)}; allowed keys are: {', '.join(sorted(allowed))}"
                )
        return data


# --- reusable constrained types -------------------------------------------------------------

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|M|G|T|P)?$")
_SIZE = re.compile(r"^[1-9][0-9]*(Mi|Gi|Ti)$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _matches(pattern: re.Pattern[str], allowed: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not {allowed}")
        return value

    return AfterValidator(check)


Quantity = Annotated[str, _matches(_QUANTITY, "a Kubernetes quantity such as 500m, 2 or 4Gi")]
Size = Annotated[str, _matches(_SIZE, "a volume size in Mi, Gi or Ti such as 50Gi")]
DnsLabel = Annotated[
    str, _matches(_DNS_LABEL, "a DNS label (lowercase letters, digits and '-', at most 63 characters)")
]
Registry = Annotated[
    str, _matches(_REGISTRY, "a registry host with optional port and path, such as registry.corp:5000/mirror")
]
BucketName = Annotated[
    str, _matches(_BUCKET, "an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')")
]


class ComputeResources(Model):
    cpu: Quantity
    memory: Quantity


class Resources(Model):
    """Container requests and limits. Limits are required: the policy pack rejects a pod without them."""

    requests: ComputeResources
    limits: ComputeResources


# --- cluster ---------------------------------------------------------------------------------


class ExistingClusterConfig(Model):
    """An already running cluster reached through a kubeconfig (kind, k3d, minikube, on-prem, ...)."""

    kubeconfig: str | None = Field(
        None, description="Path to the kubeconfig file; default: $KUBECONFIG or ~/.kube/config."
    )
    context: str | None = Field(None, description="kubeconfig context; default: the current context.")
    storage_class: DnsLabel = Field(
        "standard", description="StorageClass for data volumes (must exist; reclaimPolicy Retain recommended)."
    )
    zones: tuple[DnsLabel, ...] = Field(
        (), description="Zones the nodes are spread over (topology.kubernetes.io/zone values); empty = unknown."
    )


class ClusterConfig(Model):
    provider: Literal["existing", "aws", "gcp", "azure"]
    existing: ExistingClusterConfig | None = None

    @model_validator(mode="after")
    def _section_matches_provider(self) -> ClusterConfig:
        sections = {"existing": self.existing}
        chosen = sections.get(self.provider)
        if self.provider in sections and chosen is None:
            raise ValueError(
                f"provider is {self.provider!r} but the {self.provider!r} section is missing"
            )
        stray = sorted(name for name, value in sections.items() if value is not None and name != self.provider)
        if stray:
            raise ValueError(
                f"provider is {self.provider!r} but section(s) {', '.join(stray)} are set; remove them"
            )
        return self


# --- MinIO -----------------------------------------------------------------------------------


class BucketConfig(Model):
    name: BucketName
    versioning: bool = False


class MinioUserConfig(Model):
    """A MinIO user whose generated secret key lands in a Kubernetes Secret."""

    name: DnsLabel
    access: Literal["readwrite", "readonly", "writeonly"] = "readwrite"
    buckets: tuple[BucketName, ...] = Field(min_length=1)


MINIO_MAX_DRIVES_PER_SET = 16
MINIO_MIN_DISTRIBUTED_DRIVES = 4


def minio_erasure_set_size(servers: int, drives_per_server: int) -> int | None:
    """The erasure set size MinIO would choose, or None when the layout cannot form one.

    One server with one drive runs without erasure coding (set size 1). Otherwise the drives are
    split into equal sets of 2 to 16 drives (4 to 16 once there is more than one server, so that
    losing a server keeps write quorum); MinIO picks the largest size that divides the total.
    """
    total = servers * drives_per_server
    if total == 1:
        return 1
    smallest = 2 if servers == 1 else MINIO_MIN_DISTRIBUTED_DRIVES
    return next((s for s in range(MINIO_MAX_DRIVES_PER_SET, smallest - 1, -1) if total % s == 0), None)


class MinioConfig(Model):
    enabled: bool = True
    servers: int = Field(4, ge=1, le=32, description="MinIO server pods (1 = standalone).")
    drives_per_server: int = Field(1, ge=1, le=16, description="Volumes per server pod.")
    volume_size: Size = "100Gi"
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    parity: int | None = Field(
        None, ge=0, le=8, description="Erasure parity (EC:N); default: MinIO's choice for the set size."
    )
    buckets: tuple[BucketConfig, ...] = ()
    users: tuple[MinioUserConfig, ...] = ()
    resources: Resources = Resources(
        requests=ComputeResources(cpu="500m", memory="1Gi"),
        limits=ComputeResources(cpu="2", memory="4Gi"),
    )

    @model_validator(mode="after")
    def _erasure_layout(self) -> MinioConfig:
        set_size = minio_erasure_set_size(self.servers, self.drives_per_server)
        total = self.servers * self.drives_per_server
        if set_size is None:
            raise ValueError(
                f"servers × drivesPerServer = {self.servers} × {self.drives_per_server} = {total} drives "
                f"cannot form a MinIO erasure set: with more than one server the total must be at least "
                f"{MINIO_MIN_DISTRIBUTED_DRIVES} and divisible into equal sets of "
                f"{MINIO_MIN_DISTRIBUTED_DRIVES} to {MINIO_MAX_DRIVES_PER_SET} drives (for example 4 × 1 or 4 × 4)"
            )
        if self.parity is not None and set_size > 1 and self.parity > set_size // 2:
            raise ValueError(
                f"parity {self.parity} is more than half of the erasure set size {set_size}; "
                f"allowed: 0 to {set_size // 2}"
            )
        names = [b.name for b in self.buckets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"bucket(s) {', '.join(duplicates)} are listed more than once")
        user_names = [u.name for u in self.users]
        duplicate_users = sorted({n for n in user_names if user_names.count(n) > 1})
        if duplicate_users:
            raise ValueError(f"user(s) {', '.join(duplicate_users)} are listed more than once")
        for user in self.users:
            missing = sorted(set(user.buckets) - set(names))
            if missing:
                raise ValueError(
                    f"user {user.name!r} refers to bucket(s) {', '.join(missing)} that are not in buckets "
                    f"(declared: {', '.join(names) or 'none'})"
                )
        return self


# --- Kafka -----------------------------------------------------------------------------------

_KAFKA_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_KAFKA_CLUSTER_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_KAFKA_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,249}\*?$|^\*$")
KAFKA_CONTROLLER_COUNTS = (1, 3, 5)
KAFKA_MAX_BROKERS_PER_ZONE = 99  # node ids: broker set i uses 100*(i+1) + ordinal
KAFKA_RESERVED_USERS = ("admin", "kafka-exporter")
KAFKA_CLEANUP_POLICIES = ("delete", "compact", "compact,delete")


def _kafka_topic_name(value: str) -> str:
    if not _KAFKA_TOPIC.match(value) or value in (".", ".."):
        raise ValueError(
            f"{value!r} is not a legal Kafka topic name (1-249 characters of letters, digits, '.', '_' and '-'; "
            f"not '.' or '..')"
        )
    if value.startswith("__"):
        raise ValueError(f"{value!r} starts with '__', which Kafka reserves for internal topics")
    return value


def _kafka_pattern(value: str) -> str:
    if not _KAFKA_PATTERN.match(value):
        raise ValueError(
            f"{value!r} is not a topic or group pattern (a legal name, optionally ending in '*' for a prefix, or '*')"
        )
    return value


KafkaTopicName = Annotated[str, AfterValidator(_kafka_topic_name)]
KafkaPattern = Annotated[str, AfterValidator(_kafka_pattern)]


class KafkaTopicConfig(Model):
    """A topic the platform creates and keeps in shape (partitions only grow; configs are reapplied)."""

    name: KafkaTopicName
    partitions: int = Field(3, ge=1, le=10000)
    replication_factor: int | None = Field(None, ge=1, description="Default: the cluster's default replication factor.")
    retention_ms: int | None = Field(None, ge=-1, description="retention.ms; -1 keeps data forever; default: Kafka's 7 days.")
    cleanup_policy: Literal["delete", "compact", "compact,delete"] = "delete"


class KafkaUserConfig(Model):
    """A SCRAM-SHA-512 user; ACLs allow exactly the listed topics and consumer groups ('x*' = prefix)."""

    name: DnsLabel
    access: Literal["read", "write", "readwrite"] = "readwrite"
    topics: tuple[KafkaPattern, ...] = Field(min_length=1)
    groups: tuple[KafkaPattern, ...] = ()


class KafkaConfig(Model):
    """Kafka in KRaft mode. Defaults are production: a dedicated quorum of 3 controllers, 3 brokers,
    replication factor 3 with min.insync.replicas 2 (both derived from brokers unless set)."""

    enabled: bool = True
    cluster_id: Annotated[str, _matches(_KAFKA_CLUSTER_ID, "a Kafka cluster id (22 base64url characters)")] | None = Field(
        None,
        description="Recovery only: adopt the cluster.id found in the volumes' meta.properties; default: generated once.",
    )
    combined: bool = Field(
        False, description="One process per node runs broker and controller (laptops, dev); brokers must equal controllers."
    )
    controllers: int = Field(3, description="KRaft controller quorum size: 1, 3 or 5.")
    brokers: int = Field(3, ge=1, le=KAFKA_MAX_BROKERS_PER_ZONE)
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    broker_volume_size: Size = "100Gi"
    controller_volume_size: Size = "10Gi"
    default_replication_factor: int | None = Field(None, ge=1, description="Default: min(3, brokers).")
    min_insync_replicas: int | None = Field(None, ge=1, description="Default: replication factor - 1 (at least 1).")
    default_partitions: int = Field(3, ge=1, le=10000)
    rack_awareness: bool = Field(
        True, description="One broker StatefulSet per cluster zone with broker.rack set to the zone."
    )
    topics: tuple[KafkaTopicConfig, ...] = ()
    users: tuple[KafkaUserConfig, ...] = ()
    broker_resources: Resources = Resources(
        requests=ComputeResources(cpu="1", memory="4Gi"),
        limits=ComputeResources(cpu="4", memory="8Gi"),
    )
    controller_resources: Resources = Resources(
        requests=ComputeResources(cpu="250m", memory="1Gi"),
        limits=ComputeResources(cpu="1", memory="2Gi"),
    )
    exporter_resources: Resources = Resources(
        requests=ComputeResources(cpu="50m", memory="64Mi"),
        limits=ComputeResources(cpu="500m", memory="256Mi"),
    )

    @property
    def replication_factor(self) -> int:
        return self.default_replication_factor or min(3, self.brokers)

    @property
    def min_isr(self) -> int:
        return self.min_insync_replicas or max(1, self.replication_factor - 1)

    @model_validator(mode="after")
    def _cluster_shape(self) -> KafkaConfig:
        if self.controllers not in KAFKA_CONTROLLER_COUNTS:
            raise ValueError(
                f"controllers is {self.controllers}; allowed: 1, 3 or 5 (an odd KRaft quorum: 3 survives one "
                f"controller down, 5 survives two)"
            )
        if self.combined and self.brokers != self.controllers:
            raise ValueError(
                f"combined mode runs every node as broker and controller, so brokers ({self.brokers}) must equal "
                f"controllers ({self.controllers})"
            )
        rf = self.replication_factor
        if rf > self.brokers:
            raise ValueError(
                f"defaultReplicationFactor {rf} is more than the {self.brokers} broker(s); allowed: 1 to {self.brokers}"
            )
        if self.min_isr > rf:
            raise ValueError(
                f"minInsyncReplicas {self.min_isr} is more than the replication factor {rf}; allowed: 1 to {rf}"
            )
        self._check_topics()
        self._check_users()
        return self

    def _check_topics(self) -> None:
        names = [t.name for t in self.topics]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"topic(s) {', '.join(duplicates)} are listed more than once")
        # Kafka refuses topics whose names differ only by '.' versus '_' (their metric names collide).
        seen: dict[str, str] = {}
        for name in names:
            other = seen.setdefault(name.replace(".", "_"), name)
            if other != name:
                raise ValueError(f"topics {other!r} and {name!r} collide: Kafka treats '.' and '_' alike in names")
        for topic in self.topics:
            rf = topic.replication_factor or self.replication_factor
            if rf > self.brokers:
                raise ValueError(
                    f"topic {topic.name!r} has replicationFactor {rf}, more than the {self.brokers} broker(s); "
                    f"allowed: 1 to {self.brokers}"
                )

    def _check_users(self) -> None:
        names = [u.name for u in self.users]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"user(s) {', '.join(duplicates)} are listed more than once")
        reserved = sorted(set(names) & set(KAFKA_RESERVED_USERS))
        if reserved:
            raise ValueError(
                f"user(s) {', '.join(reserved)} are managed by Orbit (reserved: {', '.join(KAFKA_RESERVED_USERS)}); "
                f"choose another name"
            )
# --- Prometheus ------------------------------------------------------------------------------

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_TSDB_SIZE = re.compile(r"^[1-9][0-9]*(MB|GB|TB)$")
_SMARTHOST = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

Duration = Annotated[str, _matches(_DURATION, "a Prometheus duration such as 30s, 15d or 1h30m")]
TsdbSize = Annotated[str, _matches(_TSDB_SIZE, "a Prometheus size in MB, GB or TB such as 40GB")]
EmailAddress = Annotated[str, _matches(_EMAIL, "an e-mail address")]
_BYTES = {"Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "MB": 2**20, "GB": 2**30, "TB": 2**40}


def _bytes(size: str) -> int:
    """Prometheus' MB/GB/TB are powers of 1024, like Kubernetes' Mi/Gi/Ti."""
    number, unit = re.match(r"^([0-9]+)(\D+)$", size).groups()
    return int(number) * _BYTES[unit]


class SlackReceiverConfig(Model):
    channel: str = Field(min_length=2, pattern=r"^[#@]", description="Channel (#name) or user (@name).")


class EmailReceiverConfig(Model):
    to: EmailAddress
    from_address: EmailAddress
    smarthost: Annotated[str, _matches(_SMARTHOST, "host:port of an SMTP relay such as smtp.corp:587")]
    username: str = Field(min_length=1)


class AlertReceiverConfig(Model):
    """Where Alertmanager sends notifications. `secret` (a Pulumi secret) is the Slack webhook URL,
    the webhook URL, or the SMTP password; it lands in a Kubernetes Secret mounted as a file."""

    name: DnsLabel
    type: Literal["slack", "webhook", "email"]
    secret: SecretStr
    severities: tuple[Literal["critical", "warning"], ...] = Field(("critical", "warning"), min_length=1)
    slack: SlackReceiverConfig | None = None
    email: EmailReceiverConfig | None = None

    @model_validator(mode="after")
    def _section_matches_type(self) -> AlertReceiverConfig:
        sections = {"slack": self.slack, "email": self.email}
        if self.type in sections and sections[self.type] is None:
            raise ValueError(f"receiver {self.name!r} has type {self.type!r} but no {self.type!r} section")
        stray = sorted(n for n, v in sections.items() if v is not None and n != self.type)
        if stray:
            raise ValueError(f"receiver {self.name!r} has type {self.type!r} but section(s) {', '.join(stray)} are set; remove them")
        return self


class AlertmanagerConfig(Model):
    replicas: int = Field(3, ge=1, le=5, description="Replicas peered over port 9094 (1 disables clustering).")
    receivers: tuple[AlertReceiverConfig, ...] = ()
    resources: Resources = Resources(
        requests=ComputeResources(cpu="50m", memory="128Mi"),
        limits=ComputeResources(cpu="500m", memory="256Mi"),
    )

    @model_validator(mode="after")
    def _unique_receivers(self) -> AlertmanagerConfig:
        names = [r.name for r in self.receivers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"receiver(s) {', '.join(duplicates)} are listed more than once")
        return self


class NodeExporterConfig(Model):
    enabled: bool = True
    port: int = Field(9100, ge=1024, le=65535, description="Host port (node-exporter uses the host network).")
    resources: Resources = Resources(
        requests=ComputeResources(cpu="50m", memory="64Mi"),
        limits=ComputeResources(cpu="250m", memory="128Mi"),
    )


class KubeStateMetricsConfig(Model):
    enabled: bool = True
    resources: Resources = Resources(
        requests=ComputeResources(cpu="50m", memory="128Mi"),
        limits=ComputeResources(cpu="500m", memory="256Mi"),
    )


class PrometheusConfig(Model):
    enabled: bool = True
    retention_time: Duration = "15d"
    retention_size: TsdbSize | None = Field(None, description="TSDB size cap; default: 80% of volumeSize.")
    volume_size: Size = "50Gi"
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    scrape_interval: Duration = "30s"
    runbook_base_url: str = Field(
        "https://github.com/orbit-platform/orbit/blob/main/docs/runbooks", pattern=r"^https?://\S+$"
    )
    resources: Resources = Resources(
        requests=ComputeResources(cpu="500m", memory="2Gi"),
        limits=ComputeResources(cpu="2", memory="4Gi"),
    )
    alertmanager: AlertmanagerConfig = AlertmanagerConfig()
    node_exporter: NodeExporterConfig = NodeExporterConfig()
    kube_state_metrics: KubeStateMetricsConfig = KubeStateMetricsConfig()

    @model_validator(mode="after")
    def _retention_fits_the_volume(self) -> PrometheusConfig:
        if self.retention_size is not None and _bytes(self.retention_size) >= _bytes(self.volume_size):
            raise ValueError(
                f"retentionSize {self.retention_size} does not fit volumeSize {self.volume_size}; "
                f"allowed: less than the volume (leave room for the write-ahead log), for example "
                f"{_bytes(self.volume_size) * 8 // 10 // 2**30}GB"
            )
        return self

    @property
    def effective_retention_size(self) -> str:
        """The explicit cap, or 80% of the volume so that Prometheus deletes old blocks before the
        write-ahead log runs out of space."""
        return self.retention_size or f"{max(1, _bytes(self.volume_size) * 8 // 10 // 2**20)}MB"

# --- Kong ----------------------------------------------------------------------------------

KONG_AUTH_METHODS = ("basic-auth", "key-auth", "jwt")
# Routes into these upstreams expose operational data and silences; they are never anonymous.
KONG_PROTECTED_ROUTES = ("prometheus", "alertmanager")
_ROUTE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$")
Hostname = Annotated[str, _matches(_HOSTNAME, "a lowercase DNS name such as gateway.corp.example")]


def repeated(names: list[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    return sorted({n for n in names if names.count(n) > 1})


def kong_route_is_protected(name: str) -> bool:
    return any(name == p or name.startswith(f"{p}-") for p in KONG_PROTECTED_ROUTES)


class KongRouteConfig(Model):
    """Per-route overrides of what the publishing service asked for."""

    auth: Literal["basic-auth", "key-auth", "jwt", "none"] | None = Field(
        None, description="Auth plugin; none = the upstream authenticates every request itself."
    )
    rate_limit_per_minute: int | None = Field(None, ge=1, le=1_000_000)
    request_size_limit_mb: int | None = Field(None, ge=1, le=5120)


class KongConsumerConfig(Model):
    """A gateway client; its credentials are generated once and stored in Secret kong-consumer-<name>."""

    name: DnsLabel
    credentials: tuple[Literal["basic-auth", "key-auth", "jwt"], ...] = Field(KONG_AUTH_METHODS, min_length=1)
    routes: tuple[DnsLabel, ...] = Field((), description="Routes this consumer may use; empty = every route.")


class KongServiceConfig(Model):
    type: Literal["LoadBalancer", "ClusterIP", "NodePort"] | None = Field(
        None,
        description="Proxy Service type; default: an internal LoadBalancer on clouds, ClusterIP on an existing cluster.",
    )
    public: bool = Field(False, description="Expose the LoadBalancer publicly (no internal annotations).")
    annotations: dict[str, str] = Field({}, description="Extra Service annotations (e.g. your LB's internal annotation).")
    load_balancer_source_ranges: tuple[str, ...] = ()


class KongTlsConfig(Model):
    existing_secret: DnsLabel | None = Field(
        None, description="Secret in orbit-gateway with tls.crt and tls.key; default: a certificate from the platform CA."
    )


class KongAutoscalingConfig(Model):
    enabled: bool = True
    max_replicas: int = Field(6, ge=1, le=100)
    target_cpu_utilization: int = Field(70, ge=10, le=100)


class KongConfig(Model):
    enabled: bool = True
    replicas: int = Field(2, ge=1, le=100, description="Proxy pods; the HPA's minimum when autoscaling is on.")
    autoscaling: KongAutoscalingConfig = KongAutoscalingConfig()
    hostname: Hostname | None = Field(None, description="External DNS name of the gateway (certificate, URLs).")
    service: KongServiceConfig = KongServiceConfig()
    tls: KongTlsConfig = KongTlsConfig()
    routes: dict[str, KongRouteConfig] = Field({}, description="Overrides per route name.")
    consumers: tuple[KongConsumerConfig, ...] = (KongConsumerConfig(name="platform-admin"),)
    rate_limit_per_minute: int = Field(1200, ge=1, le=1_000_000, description="Per proxy pod (policy local).")
    request_size_limit_mb: int = Field(32, ge=1, le=5120)
    resources: Resources = Resources(
        requests=ComputeResources(cpu="250m", memory="512Mi"),
        limits=ComputeResources(cpu="2", memory="1Gi"),
    )

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


# --- the whole stack -------------------------------------------------------------------------


class StackConfig(Model):
    environment: DnsLabel
    image_registry: Registry | Literal[""] = Field(
        "", description="Private mirror every image is pulled from; empty = the upstream registries."
    )
    cluster: ClusterConfig
    minio: MinioConfig = MinioConfig(servers=1)
    kafka: KafkaConfig = KafkaConfig()
    prometheus: PrometheusConfig = PrometheusConfig()
    kong: KongConfig = KongConfig()

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


# --- reading ---------------------------------------------------------------------------------


def _decode(value: Any) -> Any:
    # Pulumi hands structured config to the program as JSON text and scalars as plain strings.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _format_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ":".join([PROJECT, ".".join(str(part) for part in item["loc"])]) if item["loc"] else PROJECT
        message = item["msg"].removeprefix("Value error, ")
        got = item.get("input")
        shown = "" if isinstance(got, dict) else f" (got {got!r})"
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
    "BucketConfig",
    "ClusterConfig",
    "ComputeResources",
    "ConfigError",
    "ExistingClusterConfig",
    "KafkaConfig",
    "KafkaTopicConfig",
    "KafkaUserConfig",
    "KongConfig",
    "KongConsumerConfig",
    "KongRouteConfig",
    "MinioConfig",
    "MinioUserConfig",
    "PrometheusConfig",
    "Resources",
    "SecretStr",
    "StackConfig",
    "load_stack_config",
    "minio_erasure_set_size",
    "parse_stack_config",
]
