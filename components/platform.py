"""The platform: composes the services on a cluster and wires them to each other.

All cross-service wiring (who may talk to whom, which buckets and users exist for whom, what
Prometheus scrapes, what Kong routes) is computed here from the services' typed outputs.
"""

from __future__ import annotations

import pulumi

from components.clusters import Cluster
from components.config import StackConfig
from components.context import PlatformContext
from components.services.minio import Minio, MinioArgs
from components.tls import PlatformCA


class Platform(pulumi.ComponentResource):
    def __init__(self, name: str, config: StackConfig, cluster: Cluster, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:platform:Platform", name, None, opts)
        self.ca = PlatformCA(f"{name}-ca", config.environment, opts=pulumi.ResourceOptions(parent=self))
        context = PlatformContext(
            cluster=cluster,
            environment=config.environment,
            stack=pulumi.get_stack(),
            image_registry=config.image_registry,
            trusted_ca_bundle=config.trusted_ca_bundle,
            platform_ca_pem=self.ca.cert_pem,
        )

        self.minio: Minio | None = None
        if config.minio.enabled:
            self.minio = Minio("minio", MinioArgs(config=config.minio, context=context, ca=self.ca),
                               opts=pulumi.ResourceOptions(parent=self))

        self.endpoints: dict[str, str] = {}
        if self.minio:
            self.endpoints["minioS3"] = self.minio.s3.url
            self.endpoints["minioConsole"] = self.minio.console.url
        self.register_outputs({"endpoints": self.endpoints, "caCertificate": self.ca.cert_pem})
