"""Typed facts that services publish about themselves, so that platform.py wires them together
(network policies, scrape jobs, gateway routes, connections) without repeating host names."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Peer:
    """Pods in another namespace that may open connections to a service."""

    namespace: str
    pod_labels: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, object]:
        return {"namespace": self.namespace, "podLabels": dict(self.pod_labels)} if self.pod_labels else {
            "namespace": self.namespace
        }


@dataclass(frozen=True)
class Endpoint:
    """An in-cluster network endpoint rendered by one of Orbit's charts."""

    namespace: str
    service: str
    port: int
    scheme: str = "http"
    path: str = "/"

    @property
    def host(self) -> str:
        return f"{self.service}.{self.namespace}.svc.cluster.local"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class MetricsTarget:
    """A Prometheus scrape target: one job per target."""

    job: str
    endpoint: Endpoint
    pod_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Credential:
    """A username and its generated password (a secret Output). Consumers copy it into a Secret
    in their own namespace with components.secrets.kubernetes_secret; it never enters values."""

    username: str
    password: object = field(repr=False)  # pulumi.Output[str], marked secret


@dataclass(frozen=True)
class Route:
    """A UI or API that the gateway (Kong) publishes.

    `auth` names the Kong auth plugin the route requires; every route has one."""

    name: str
    path: str
    endpoint: Endpoint
    auth: str = "basic-auth"


@dataclass(frozen=True)
class KafkaAccess:
    """How a client reaches Kafka: bootstrap servers over SASL_SSL with the platform CA."""

    bootstrap_servers: str
    security_protocol: str
    sasl_mechanism: str
    ca_pem: object  # pulumi.Output[str]
    users: dict[str, Credential]


@dataclass(frozen=True)
class S3Access:
    """An S3-compatible endpoint with one user's credential scoped to one bucket."""

    endpoint: Endpoint
    bucket: str
    credential: Credential
    ca_pem: object  # pulumi.Output[str]


@dataclass(frozen=True)
class ElasticsearchAccess:
    endpoint: Endpoint
    credential: Credential
    ca_pem: object  # pulumi.Output[str]


# Namespaces and pod identities of the platform's services. They are contracts between charts:
# the chart that renders the pods uses these labels, the charts that admit them use these peers.
MINIO_NAMESPACE = "orbit-minio"
KAFKA_NAMESPACE = "orbit-kafka"
AIRFLOW_NAMESPACE = "orbit-airflow"
GATEWAY_NAMESPACE = "orbit-gateway"
MONITORING_NAMESPACE = "orbit-monitoring"
LOGGING_NAMESPACE = "orbit-logging"

PROMETHEUS_SCRAPER = Peer(MONITORING_NAMESPACE, {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "server"})
GATEWAY_PROXY = Peer(GATEWAY_NAMESPACE, {"app.kubernetes.io/name": "kong", "app.kubernetes.io/component": "proxy"})

# The log shipper reads the nodes' log directories (hostPath), which no "restricted" or
# "baseline" namespace admits: it gets a namespace of its own, labelled "privileged".
LOG_SHIPPER_NAMESPACE = "orbit-log-shipper"
