"""Typed, validated stack configuration.

This is the only module that reads Pulumi config. Everything downstream receives frozen,
typed objects. A bad stack file fails here, before any resource is registered, with one message
per problem naming the key, the bad value and what is allowed.

Stack files use camelCase keys under the `orbit:` namespace; the models below use snake_case
attributes with camelCase aliases, so `orbit:minio.drivesPerServer` is `config.minio.drives_per_server`.
"""

from __future__ import annotations

import base64
import binascii
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
    cpu: Quantity = Field(description="CPU, in cores or millicores (500m).")
    memory: Quantity = Field(description="Memory, with a binary suffix (512Mi, 4Gi).")


class Resources(Model):
    """Container requests and limits. Limits are required: the policy pack rejects a pod without them."""

    requests: ComputeResources = Field(description="What the scheduler reserves for each container.")
    limits: ComputeResources = Field(description="The most each container may use.")


def resources_field(requests: tuple[str, str], limits: tuple[str, str], description: str) -> Any:
    """A `resources` field defaulting to (cpu, memory) requests and limits."""
    return Field(
        Resources(
            requests=ComputeResources(cpu=requests[0], memory=requests[1]),
            limits=ComputeResources(cpu=limits[0], memory=limits[1]),
        ),
        description=description,
    )


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
    """Where the platform runs: the section named by `provider` must be present, and only that one."""

    provider: Literal["existing", "aws", "gcp", "azure"] = Field(
        description="`existing` adopts a running cluster; `aws`, `gcp` and `azure` create EKS, GKE or AKS."
    )
    existing: ExistingClusterConfig | None = Field(None, description="Settings of the `existing` provider.")

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
    """A bucket the provisioning Job creates (existing buckets are kept as they are)."""

    name: BucketName = Field(description="Bucket name.")
    versioning: bool = Field(False, description="Keep every version of every object (needed for point-in-time restores).")


class MinioUserConfig(Model):
    """A MinIO user whose generated secret key lands in a Kubernetes Secret."""

    name: DnsLabel = Field(description="User name (its access key); the secret key is generated.")
    access: Literal["readwrite", "readonly", "writeonly"] = Field("readwrite", description="What the user may do in its buckets.")
    buckets: tuple[BucketName, ...] = Field(min_length=1, description="Buckets the user may access (declared in `buckets`).")


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
    """MinIO, the S3-compatible object store (Airflow logs, Elasticsearch snapshots, platform data)."""

    enabled: bool = Field(True, description="Install MinIO.")
    servers: int = Field(4, ge=1, le=32, description="MinIO server pods (1 = standalone).")
    drives_per_server: int = Field(1, ge=1, le=16, description="Volumes per server pod.")
    volume_size: Size = Field("100Gi", description="Size of each data volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    parity: int | None = Field(
        None, ge=0, le=8, description="Erasure parity (EC:N); default: MinIO's choice for the set size."
    )
    buckets: tuple[BucketConfig, ...] = Field((), description="Buckets to create.")
    users: tuple[MinioUserConfig, ...] = Field((), description="Users to create, each limited to its buckets.")
    resources: Resources = resources_field(("500m", "1Gi"), ("2", "4Gi"), "Requests and limits of each server pod.")

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


# --- trust (custom CA) -----------------------------------------------------------------------

_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.DOTALL)
_DER_SEQUENCE = 0x30  # every X.509 certificate is one DER SEQUENCE


def _pem_certificates(value: str) -> str:
    """one or more PEM CA certificates, one after the other ('#' comment lines allowed, never a private key)"""
    text = value.strip()
    if not text:
        return ""
    if "PRIVATE KEY-----" in text:
        raise ValueError("holds a private key; give only the CA certificate(s), never a key")
    bodies = _PEM_CERTIFICATE.findall(text)
    if not bodies:
        raise ValueError(
            "is not a PEM certificate bundle: expected one or more "
            "'-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----' blocks"
        )
    stray = [line for line in _PEM_CERTIFICATE.sub("", text).splitlines() if line.strip() and not line.startswith("#")]
    if stray:
        raise ValueError(f"has text outside the certificate blocks ({stray[0][:40]!r}); only '#' comment lines may be")
    for number, body in enumerate(bodies, start=1):
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"certificate {number} of the bundle is not valid base64") from None
        if len(der) < 100 or der[0] != _DER_SEQUENCE:
            raise ValueError(f"certificate {number} of the bundle is not a DER-encoded X.509 certificate")
    return text + "\n"


PemCertificates = Annotated[str, AfterValidator(_pem_certificates)]


# --- Airflow ---------------------------------------------------------------------------------


class AirflowImageConfig(Model):
    """A custom Airflow image (DAGs baked in, extra providers such as apache-kafka)."""

    registry: Annotated[str, _matches(_REGISTRY, "a registry host such as registry.corp:5000")] = Field(
        "docker.io", description="Registry of the image (replaced by imageRegistry when that is set)."
    )
    repository: str = Field(min_length=1, description="Repository, such as corp/airflow-dags.")
    tag: str = Field(min_length=1, description="Pinned tag (latest is rejected).")

    @model_validator(mode="after")
    def _pinned(self) -> AirflowImageConfig:
        if self.tag == "latest":
            raise ValueError("tag 'latest' is not allowed: Orbit pins every image to a version")
        return self


class AirflowComponentConfig(Model):
    """Size of one Airflow component; unset fields keep the chart's production defaults."""

    replicas: int | None = Field(None, ge=1, le=20, description="Pods of this component.")
    resources: Resources | None = Field(None, description="Requests and limits of each pod.")


_GIT_SSH_URL = re.compile(r"^(ssh://[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$")
_GIT_HTTPS_URL = re.compile(r"^https://[^\s/]+/[^\s]+$")


class AirflowGitSyncConfig(Model):
    """DAGs pulled from a Git repository by a git-sync sidecar."""

    repository: str = Field(description="https://host/org/repo.git, git@host:org/repo.git or ssh://...")
    ref: str = Field("main", min_length=1, description="Branch, tag or commit to follow.")
    sub_path: str = Field("dags", description="Directory inside the repository that holds the DAGs.")
    period_seconds: int = Field(60, ge=5, le=3600, description="How often the repository is pulled.")
    auth: Literal["none", "ssh", "token"] = Field("none", description="How git-sync authenticates.")
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
    git_sync: AirflowGitSyncConfig | None = Field(None, description="Settings when source is gitSync.")

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

    volume_size: Size | None = Field(None, description="Size of its data volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    resources: Resources | None = Field(None, description="Requests and limits of its pod.")


_PUBLIC_URL = re.compile(r"^https?://[^/\s]+$")


class AirflowConfig(Model):
    """Apache Airflow 3: api-server, scheduler, dag-processor, triggerer and workers."""

    enabled: bool = Field(True, description="Install Airflow.")
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
    api_server: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The api-server (UI and REST API).")
    scheduler: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The scheduler.")
    dag_processor: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The DAG processor.")
    triggerer: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The triggerer (deferred tasks).")
    workers: AirflowComponentConfig = Field(AirflowComponentConfig(), description="Celery workers.")
    worker_concurrency: int | None = Field(None, ge=1, le=256, description="Task slots per Celery worker.")
    task_resources: Resources | None = Field(None, description="Requests and limits of each task pod (KubernetesExecutor).")
    dags: AirflowDagsConfig = Field(AirflowDagsConfig(), description="Where the DAGs come from.")
    logs_bucket: BucketName = Field("airflow-logs", description="MinIO bucket for remote task logs.")
    admin_email: str = Field("admin@orbit.local", pattern=r"^[^@\s]+@[^@\s]+$", description="E-mail of the generated admin user.")
    database: AirflowStoreConfig = Field(
        AirflowStoreConfig(), description="In-cluster Postgres (used when the cluster offers no managed Postgres)."
    )
    broker: AirflowStoreConfig = Field(AirflowStoreConfig(), description="Valkey broker (CeleryExecutor).")
    pgbouncer_replicas: int | None = Field(None, ge=1, le=10, description="PgBouncer pods in front of the database.")

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
    to: EmailAddress = Field(description="Recipient address.")
    from_address: EmailAddress = Field(description="Sender address.")
    smarthost: Annotated[str, _matches(_SMARTHOST, "host:port of an SMTP relay such as smtp.corp:587")] = Field(
        description="SMTP relay (STARTTLS)."
    )
    username: str = Field(min_length=1, description="SMTP user; the password is the receiver's `secret`.")


class AlertReceiverConfig(Model):
    """Where Alertmanager sends notifications. `secret` (a Pulumi secret) is the Slack webhook URL,
    the webhook URL, or the SMTP password; it lands in a Kubernetes Secret mounted as a file."""

    name: DnsLabel = Field(description="Receiver name.")
    type: Literal["slack", "webhook", "email"] = Field(description="How notifications are sent.")
    secret: SecretStr = Field(description="Slack webhook URL, webhook URL or SMTP password (`pulumi config set --secret`).")
    severities: tuple[Literal["critical", "warning"], ...] = Field(
        ("critical", "warning"), min_length=1, description="Alert severities routed to this receiver."
    )
    slack: SlackReceiverConfig | None = Field(None, description="Settings when type is slack.")
    email: EmailReceiverConfig | None = Field(None, description="Settings when type is email.")

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
    receivers: tuple[AlertReceiverConfig, ...] = Field((), description="Notification receivers; none = alerts stay in the UI.")
    resources: Resources = resources_field(("50m", "128Mi"), ("500m", "256Mi"), "Requests and limits of each Alertmanager pod.")

    @model_validator(mode="after")
    def _unique_receivers(self) -> AlertmanagerConfig:
        names = [r.name for r in self.receivers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"receiver(s) {', '.join(duplicates)} are listed more than once")
        return self


class NodeExporterConfig(Model):
    enabled: bool = Field(True, description="Run node-exporter on every node (node metrics).")
    port: int = Field(9100, ge=1024, le=65535, description="Host port (node-exporter uses the host network).")
    resources: Resources = resources_field(("50m", "64Mi"), ("250m", "128Mi"), "Requests and limits of each node-exporter pod.")


class KubeStateMetricsConfig(Model):
    enabled: bool = Field(True, description="Run kube-state-metrics (object state metrics).")
    resources: Resources = resources_field(("50m", "128Mi"), ("500m", "256Mi"), "Requests and limits of the kube-state-metrics pod.")


class PrometheusConfig(Model):
    enabled: bool = Field(True, description="Install Prometheus and Alertmanager.")
    retention_time: Duration = Field("15d", description="How long samples are kept.")
    retention_size: TsdbSize | None = Field(None, description="TSDB size cap; default: 80% of volumeSize.")
    volume_size: Size = Field("50Gi", description="Size of the TSDB volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    scrape_interval: Duration = Field("30s", description="How often every target is scraped.")
    runbook_base_url: str = Field(
        "https://github.com/orbit-platform/orbit/blob/main/docs/runbooks",
        pattern=r"^https?://\S+$",
        description="Base of the runbook_url annotation of every alert (point it at your copy of docs/runbooks).",
    )
    resources: Resources = resources_field(("500m", "2Gi"), ("2", "4Gi"), "Requests and limits of the Prometheus pod.")
    alertmanager: AlertmanagerConfig = Field(AlertmanagerConfig(), description="Alertmanager.")
    node_exporter: NodeExporterConfig = Field(NodeExporterConfig(), description="node-exporter.")
    kube_state_metrics: KubeStateMetricsConfig = Field(KubeStateMetricsConfig(), description="kube-state-metrics.")

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


# --- the whole stack -------------------------------------------------------------------------


class StackConfig(Model):
    """Every `orbit:` key of a stack file."""

    environment: DnsLabel = Field(description="Environment name (local, dev, prod, ...); labels every object.")
    image_registry: Registry | Literal[""] = Field(
        "", description="Private mirror every image is pulled from; empty = the upstream registries."
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


def _shown_input(got: Any) -> str:
    # Long values (certificate bundles) are cut short; anything holding a key is never echoed.
    if isinstance(got, dict):
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
        shown = _shown_input(item.get("input"))
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
    "ExistingClusterConfig",
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
