"""What every service component receives besides its own config: the cluster and platform-wide settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from components.clusters import Cluster

# The ConfigMap the platform creates in every Orbit namespace when a trusted CA bundle is
# configured (see components/charts.py), and the key holding the PEM bundle.
TRUSTED_CA_CONFIGMAP = "orbit-trusted-ca"
TRUSTED_CA_KEY = "ca-bundle.crt"
# The pull Secret the platform creates in every Orbit namespace when registry credentials are set.
REGISTRY_PULL_SECRET = "orbit-registry"


@dataclass(frozen=True)
class PlatformContext:
    cluster: Cluster
    environment: str
    stack: str
    image_registry: str = ""
    # PEM CA certificates from `orbit:trustedCaBundle` ("" = none) and Orbit's own CA
    # (a pulumi Output): together they are the bundle that outbound TLS clients trust.
    trusted_ca_bundle: str = ""
    platform_ca_pem: Any = None
    # Docker config.json for the private registry (a credential: only ever stored in a Secret).
    image_pull_credentials: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def common_labels(self) -> dict[str, str]:
        return {"orbit.dev/environment": self.environment, "orbit.dev/stack": self.stack}

    @property
    def trusts_custom_ca(self) -> bool:
        return bool(self.trusted_ca_bundle)

    def trusted_ca_values(self) -> dict[str, str]:
        """`global.trustedCa`: where the bundle is, and a checksum that rolls pods when it changes."""
        if not self.trusts_custom_ca:
            return {"configMap": "", "key": TRUSTED_CA_KEY, "checksum": ""}
        checksum = hashlib.sha256(self.trusted_ca_bundle.encode()).hexdigest()[:16]
        return {"configMap": TRUSTED_CA_CONFIGMAP, "key": TRUSTED_CA_KEY, "checksum": checksum}

    def global_values(self) -> dict[str, object]:
        """The `global` block every Orbit chart understands (see charts/orbit-common)."""
        return {
            "imageRegistry": self.image_registry,
            "commonLabels": self.common_labels,
            "trustedCa": self.trusted_ca_values(),
            "imagePullSecrets": [REGISTRY_PULL_SECRET] if self.image_pull_credentials else [],
        }
