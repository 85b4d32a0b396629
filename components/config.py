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


# --- Airflow ---------------------------------------------------------------------------------


class AirflowImageConfig(Model):
    """A custom Airflow image (DAGs baked in, extra providers such as apache-kafka)."""

    registry: Annotated[str, _matches(_REGISTRY, "a registry host such as registry.corp:5000")] = "docker.io"
    repository: str = Field(min_length=1)
    tag: str = Field(min_length=1)

    @model_validator(mode="after")
    def _pinned(self) -> AirflowImageConfig:
        if self.tag == "latest":
            raise ValueError("tag 'latest' is not allowed: Orbit pins every image to a version")
        return self


class AirflowComponentConfig(Model):
    """Size of one Airflow component; unset fields keep the chart's production defaults."""

    replicas: int | None = Field(None, ge=1, le=20)
    resources: Resources | None = None


_GIT_SSH_URL = re.compile(r"^(ssh://[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$")
_GIT_HTTPS_URL = re.compile(r"^https://[^\s/]+/[^\s]+$")


class AirflowGitSyncConfig(Model):
    """DAGs pulled from a Git repository by a git-sync sidecar."""

    repository: str = Field(description="https://host/org/repo.git, git@host:org/repo.git or ssh://...")
    ref: str = Field("main", min_length=1)
    sub_path: str = Field("dags", description="Directory inside the repository that holds the DAGs.")
    period_seconds: int = Field(60, ge=5, le=3600)
    auth: Literal["none", "ssh", "token"] = "none"
    credentials_secret: DnsLabel | None = Field(
        None,
        description="Secret in orbit-airflow with keys ssh + known_hosts (auth ssh) or token (auth token); "
        "create it yourself, e.g. with kubectl, so the key never enters the stack file.",
    )

    @model_validator(mode="after")
    def _auth_matches_url(self) -> AirflowGitSyncConfig:
        ssh_url = bool(_GIT_SSH_URL.match(self.repository))
        https_url = bool(_GIT_HTTPS_URL.match(self.repository))
        if not (ssh_url or https_url):
            raise ValueError(
                f"repository {self.repository!r} is not a Git URL; allowed: https://host/org/repo.git, "
                "git@host:org/repo.git or ssh://git@host/org/repo.git"
            )
        if self.auth == "ssh" and not ssh_url:
            raise ValueError(f"auth is 'ssh' but repository {self.repository!r} is not an ssh URL (git@host:org/repo.git or ssh://...)")
        if self.auth in ("none", "token") and not https_url:
            raise ValueError(f"auth is {self.auth!r} but repository {self.repository!r} is not an https:// URL; use auth 'ssh'")
        if self.auth != "none" and not self.credentials_secret:
            raise ValueError(f"auth is {self.auth!r} but credentialsSecret is not set (the Secret holding the key or token)")
        if self.auth == "none" and self.credentials_secret:
            raise ValueError("credentialsSecret is set but auth is 'none'; set auth to 'ssh' or 'token'")
        return self


class AirflowDagsConfig(Model):
    source: Literal["image", "gitSync"] = Field(
        "image", description="image: DAGs baked into airflow.image; gitSync: pulled from a repository."
    )
    git_sync: AirflowGitSyncConfig | None = None

    @model_validator(mode="after")
    def _source_has_settings(self) -> AirflowDagsConfig:
        if self.source == "gitSync" and self.git_sync is None:
            raise ValueError("source is 'gitSync' but the gitSync section (repository, ...) is missing")
        if self.source == "image" and self.git_sync is not None:
            raise ValueError("gitSync is set but source is 'image'; set source to 'gitSync' or remove gitSync")
        return self


class AirflowStoreConfig(Model):
    """A small stateful store Airflow runs itself (in-cluster Postgres, the Valkey broker);
    unset fields keep the chart's defaults."""

    volume_size: Size | None = None
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    resources: Resources | None = None


_PUBLIC_URL = re.compile(r"^https?://[^/\s]+$")


class AirflowConfig(Model):
    enabled: bool = True
    executor: Literal["CeleryExecutor", "KubernetesExecutor"] = Field(
        "CeleryExecutor",
        description="CeleryExecutor (default: warm workers start tasks in milliseconds and the scheduler "
        "needs no Kubernetes API rights) or KubernetesExecutor (a pod per task).",
    )
    image: AirflowImageConfig | None = Field(None, description="Custom image; default: the chart's pinned apache/airflow.")
    public_url: str | None = Field(
        None,
        description="Scheme and host users reach Airflow at (no path); Airflow serves under <publicUrl>/airflow. "
        "Default: https://<kong.hostname> when the gateway has one, else http://localhost:8080 (a port-forward).",
    )
    api_server: AirflowComponentConfig = AirflowComponentConfig()
    scheduler: AirflowComponentConfig = AirflowComponentConfig()
    dag_processor: AirflowComponentConfig = AirflowComponentConfig()
    triggerer: AirflowComponentConfig = AirflowComponentConfig()
    workers: AirflowComponentConfig = AirflowComponentConfig()
    worker_concurrency: int | None = Field(None, ge=1, le=256, description="Task slots per Celery worker.")
    task_resources: Resources | None = Field(None, description="Requests and limits of each task pod (KubernetesExecutor).")
    dags: AirflowDagsConfig = AirflowDagsConfig()
    logs_bucket: BucketName = Field("airflow-logs", description="MinIO bucket for remote task logs.")
    admin_email: str = Field("admin@orbit.local", pattern=r"^[^@\s]+@[^@\s]+$")
    database: AirflowStoreConfig = Field(
        AirflowStoreConfig(), description="In-cluster Postgres (used when the cluster offers no managed Postgres)."
    )
    broker: AirflowStoreConfig = Field(AirflowStoreConfig(), description="Valkey broker (CeleryExecutor).")
    pgbouncer_replicas: int | None = Field(None, ge=1, le=10)

    @model_validator(mode="after")
    def _consistent(self) -> AirflowConfig:
        if self.public_url is not None and not _PUBLIC_URL.match(self.public_url):
            raise ValueError(
                f"publicUrl {self.public_url!r} must be a scheme and host without a path, such as https://data.corp.example"
            )
        if self.executor == "KubernetesExecutor":
            celery_only = sorted(
                type(self).model_fields[name].alias or name
                for name in ("workers", "worker_concurrency", "broker")
                if name in self.model_fields_set
            )
            if celery_only:
                raise ValueError(
                    f"{', '.join(celery_only)} only apply to executor 'CeleryExecutor' but executor is 'KubernetesExecutor'; "
                    "remove them or use taskResources"
                )
        elif "task_resources" in self.model_fields_set:
            raise ValueError("taskResources only applies to executor 'KubernetesExecutor'; size Celery workers with workers")
        return self


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


# --- ELK -------------------------------------------------------------------------------------

_HEAP = re.compile(r"^[1-9][0-9]*[mg]$")
Heap = Annotated[str, _matches(_HEAP, "a JVM heap size such as 512m or 2g")]
_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def memory_bytes(quantity: str) -> float:
    """Bytes in a memory quantity (units as Kubernetes accepts them; `m` is not used for memory)."""
    number, unit = re.match(r"^([0-9.]+)([A-Za-z]*)$", quantity).groups()
    return float(number) * _MEMORY_UNITS.get(unit, 1)


def heap_bytes(heap: str) -> int:
    return int(heap[:-1]) * (2**20 if heap.endswith("m") else 2**30)


class ElasticsearchNodesConfig(Model):
    """One group of Elasticsearch nodes with the same roles (one StatefulSet per zone or one in all)."""

    replicas: int = Field(ge=0, le=50)
    volume_size: Size = "50Gi"
    heap: Heap = Field("2g", description="JVM heap (-Xms/-Xmx); at most half the memory limit.")
    resources: Resources = Resources(
        requests=ComputeResources(cpu="1", memory="4Gi"),
        limits=ComputeResources(cpu="2", memory="4Gi"),
    )

    @model_validator(mode="after")
    def _heap_fits(self) -> ElasticsearchNodesConfig:
        limit = memory_bytes(self.resources.limits.memory)
        if heap_bytes(self.heap) * 2 > limit:
            raise ValueError(
                f"heap {self.heap} is more than half of the memory limit {self.resources.limits.memory}; "
                f"Elasticsearch needs the other half for the file system cache and off-heap memory"
            )
        return self


class ElasticsearchConfig(Model):
    masters: ElasticsearchNodesConfig = ElasticsearchNodesConfig(
        replicas=3,
        volume_size="10Gi",
        heap="1g",
        resources=Resources(requests=ComputeResources(cpu="500m", memory="2Gi"), limits=ComputeResources(cpu="1", memory="2Gi")),
    )
    data: ElasticsearchNodesConfig = ElasticsearchNodesConfig(replicas=3, volume_size="200Gi")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    bootstrap: bool = Field(
        True,
        description="Set cluster.initial_master_nodes: true for the first `pulumi up` of a new cluster, "
        "then false for good (docs/operations/elk.md).",
    )
    zone_awareness: bool = Field(
        True, description="One StatefulSet per zone and shard allocation awareness when the cluster reports zones."
    )
    sysctl_init_container: bool = Field(
        False,
        description="Opt-in: a privileged init container raises vm.max_map_count so that mmap can be used; "
        "it makes the logging namespace privileged. Default: node.store.allow_mmap false.",
    )

    @model_validator(mode="after")
    def _quorum(self) -> ElasticsearchConfig:
        if self.masters.replicas not in (1, 3, 5, 7):
            raise ValueError(
                f"masters.replicas is {self.masters.replicas}; master-eligible nodes must be 1, 3, 5 or 7 "
                f"(an odd number keeps a voting quorum)"
            )
        if self.masters.replicas > 1 and self.data.replicas == 0:
            raise ValueError(
                f"masters.replicas is {self.masters.replicas} but data.replicas is 0; dedicated masters need data "
                f"nodes (use masters.replicas 1 with data.replicas 0 for a single combined node)"
            )
        return self


class KibanaConfig(Model):
    replicas: int = Field(2, ge=1, le=10)
    resources: Resources = Resources(
        requests=ComputeResources(cpu="250m", memory="1Gi"),
        limits=ComputeResources(cpu="1", memory="2Gi"),
    )


class LogstashConfig(Model):
    replicas: int = Field(2, ge=1, le=20)
    heap: Heap = "1g"
    queue_volume_size: Size = Field("20Gi", description="Retained volume holding the persistent queue.")
    queue_max_size: Annotated[str, _matches(re.compile(r"^[1-9][0-9]*(mb|gb)$"), "a size such as 1024mb or 8gb")] = Field(
        "8gb", description="queue.max_bytes; must fit in queueVolumeSize."
    )
    resources: Resources = Resources(
        requests=ComputeResources(cpu="500m", memory="2Gi"),
        limits=ComputeResources(cpu="2", memory="2Gi"),
    )

    @model_validator(mode="after")
    def _fits(self) -> LogstashConfig:
        queue = int(self.queue_max_size[:-2]) * (2**20 if self.queue_max_size.endswith("mb") else 2**30)
        if queue >= memory_bytes(self.queue_volume_size):
            raise ValueError(
                f"queueMaxSize {self.queue_max_size} does not fit in queueVolumeSize {self.queue_volume_size}"
            )
        if heap_bytes(self.heap) >= memory_bytes(self.resources.limits.memory):
            raise ValueError(f"heap {self.heap} does not fit in the memory limit {self.resources.limits.memory}")
        return self


class LogShipperConfig(Model):
    target: Literal["logstash", "elasticsearch"] = Field(
        "logstash", description="Where Fluent Bit sends: Logstash's pipeline (default) or Elasticsearch directly."
    )
    resources: Resources = Resources(
        requests=ComputeResources(cpu="100m", memory="128Mi"),
        limits=ComputeResources(cpu="500m", memory="512Mi"),
    )


class ElkSnapshotsConfig(Model):
    """Nightly snapshots of every index to a MinIO bucket (the platform creates bucket and user)."""

    enabled: bool = False
    bucket: BucketName = "elasticsearch-snapshots"
    schedule: Annotated[
        str, _matches(re.compile(r"^\S+( \S+){5,6}$"), "an Elasticsearch cron expression such as '0 30 1 * * ?'")
    ] = Field("0 30 1 * * ?", description="When the snapshot lifecycle policy runs (Elasticsearch cron, UTC).")
    retention_days: int = Field(30, ge=1, le=3650, description="Snapshots older than this are deleted (at least 5 kept).")


class ElkConfig(Model):
    enabled: bool = True
    log_retention_days: int = Field(14, ge=1, le=3650, description="Days the ILM policy keeps log indices.")
    elasticsearch: ElasticsearchConfig = ElasticsearchConfig()
    kibana: KibanaConfig = KibanaConfig()
    logstash: LogstashConfig = LogstashConfig()
    shipper: LogShipperConfig = LogShipperConfig()
    snapshots: ElkSnapshotsConfig = ElkSnapshotsConfig()


# --- the whole stack -------------------------------------------------------------------------


class StackConfig(Model):
    environment: DnsLabel
    image_registry: Registry | Literal[""] = Field(
        "", description="Private mirror every image is pulled from; empty = the upstream registries."
    )
    cluster: ClusterConfig
    minio: MinioConfig = MinioConfig(servers=1)
    airflow: AirflowConfig = AirflowConfig()
    prometheus: PrometheusConfig = PrometheusConfig()
    kong: KongConfig = KongConfig()
    elk: ElkConfig = ElkConfig()

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
    "AirflowConfig",
    "AirflowDagsConfig",
    "AirflowGitSyncConfig",
    "BucketConfig",
    "ClusterConfig",
    "ComputeResources",
    "ConfigError",
    "ElasticsearchConfig",
    "ElasticsearchNodesConfig",
    "ElkConfig",
    "ElkSnapshotsConfig",
    "ExistingClusterConfig",
    "KibanaConfig",
    "LogShipperConfig",
    "LogstashConfig",
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
