"""What every service component receives besides its own config: the cluster and platform-wide settings."""

from __future__ import annotations

from dataclasses import dataclass

from components.clusters import Cluster


@dataclass(frozen=True)
class PlatformContext:
    cluster: Cluster
    environment: str
    stack: str
    image_registry: str = ""

    @property
    def common_labels(self) -> dict[str, str]:
        return {"orbit.dev/environment": self.environment, "orbit.dev/stack": self.stack}

    def global_values(self) -> dict[str, object]:
        """The `global` block every Orbit chart understands (see charts/orbit-common)."""
        return {"imageRegistry": self.image_registry, "commonLabels": self.common_labels}
