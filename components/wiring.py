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
