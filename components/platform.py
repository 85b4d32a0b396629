"""The platform: composes the services on a cluster and wires them to each other.

All cross-service wiring (who may talk to whom, which buckets and users exist for whom, what
Prometheus scrapes, what Kong routes) is computed here from the services' typed outputs.
"""

from __future__ import annotations

import pulumi

from components.clusters import Cluster
from components.config import StackConfig
from components.context import PlatformContext
from components.services.kong import Kong, KongArgs
from components.services.minio import CONSOLE_PATH, Minio, MinioArgs
from components.tls import PlatformCA
from components.wiring import GATEWAY_PROXY


class Platform(pulumi.ComponentResource):
    def __init__(self, name: str, config: StackConfig, cluster: Cluster, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:platform:Platform", name, None, opts)
        context = PlatformContext(
            cluster=cluster,
            environment=config.environment,
            stack=pulumi.get_stack(),
            image_registry=config.image_registry,
        )
        self.ca = PlatformCA(f"{name}-ca", config.environment, opts=pulumi.ResourceOptions(parent=self))

        # --- gateway clients: services admit the Kong proxy to their routed ports --------------
        gateway_clients = (GATEWAY_PROXY,) if config.kong.enabled else ()
        # --- end gateway clients -------------------------------------------------------------

        self.minio: Minio | None = None
        if config.minio.enabled:
            console_url = f"https://{config.kong.hostname}{CONSOLE_PATH}" if config.kong.enabled and config.kong.hostname else None
            self.minio = Minio("minio", MinioArgs(config=config.minio, context=context, ca=self.ca,
                                                  api_clients=gateway_clients, console_clients=gateway_clients,
                                                  console_url=console_url),
                               opts=pulumi.ResourceOptions(parent=self))

        # --- Kong: one route per UI/API the enabled services publish ------------------------
        self.kong: Kong | None = None
        if config.kong.enabled:
            routes = tuple(route for service in (self.minio,) if service for route in service.routes)
            self.kong = Kong("kong", KongArgs(config=config.kong, context=context, ca=self.ca, routes=routes),
                             opts=pulumi.ResourceOptions(parent=self))
        # --- end Kong -----------------------------------------------------------------------

        self.endpoints: dict[str, str] = {}
        if self.minio:
            self.endpoints["minioS3"] = self.minio.s3.url
            self.endpoints["minioConsole"] = self.minio.console.url
        self.gateway_consumers: pulumi.Output | None = None
        if self.kong:
            self.endpoints["gateway"] = self.kong.proxy.url
            self.endpoints.update({f"gateway:{name}": url for name, url in self.kong.urls.items()})
            self.gateway_consumers = self.kong.credential_outputs()
        self.register_outputs({"endpoints": self.endpoints, "caCertificate": self.ca.cert_pem})
