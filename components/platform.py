"""The platform: composes the services on a cluster and wires them to each other.

All cross-service wiring (who may talk to whom, which buckets and users exist for whom, what
Prometheus scrapes, what Kong routes) is computed here from the services' typed outputs.
"""

from __future__ import annotations

import pulumi

from components.clusters import Cluster
from components.config import StackConfig
from components.context import PlatformContext
from components.services.elk import SNAPSHOT_USER, Elk, ElkArgs, minio_requests
from components.services.log_shipper import SHIPPER_PEER, LogShipper, LogShipperArgs, ShipperOutput
from components.services.minio import Minio, MinioArgs
from components.tls import PlatformCA
from components.wiring import GATEWAY_PROXY, MINIO_NAMESPACE, PROMETHEUS_SCRAPER, Peer


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

        self.minio: Minio | None = None
        if config.minio.enabled:
            self.minio = Minio("minio", MinioArgs(config=config.minio, context=context, ca=self.ca, **minio_requests(config.elk)),
                               opts=pulumi.ResourceOptions(parent=self))

        # --- ELK: Elasticsearch, Kibana, Logstash, and the log shipper feeding them -------------
        self.elk: Elk | None = None
        self.log_shipper: LogShipper | None = None
        if config.elk.enabled:
            direct = config.elk.shipper.target == "elasticsearch"
            snapshots = config.elk.snapshots.enabled and self.minio is not None
            self.elk = Elk(
                "elk",
                ElkArgs(
                    config=config.elk,
                    context=context,
                    ca=self.ca,
                    logstash_clients=() if direct else (SHIPPER_PEER,),
                    elasticsearch_clients=(SHIPPER_PEER,) if direct else (),
                    gateway_clients=(GATEWAY_PROXY,),
                    metrics_clients=(PROMETHEUS_SCRAPER,),
                    snapshot_access=self.minio.s3_access(SNAPSHOT_USER, config.elk.snapshots.bucket) if snapshots else None,
                    snapshot_peer=Peer(MINIO_NAMESPACE, self.minio.server_labels) if snapshots else None,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            output = (
                ShipperOutput(self.elk.elasticsearch, self.elk.elasticsearch_peer, self.ca.cert_pem, self.elk.access.credential, self.elk.log_data_stream)
                if direct
                else ShipperOutput(self.elk.logstash, self.elk.logstash_peer, self.ca.cert_pem)
            )
            self.log_shipper = LogShipper(
                "log-shipper",
                LogShipperArgs(config=config.elk.shipper, context=context, output=output, metrics_clients=(PROMETHEUS_SCRAPER,)),
                opts=pulumi.ResourceOptions(parent=self),
            )
        # --- end ELK ---------------------------------------------------------------------------

        self.endpoints: dict[str, str] = {}
        if self.minio:
            self.endpoints["minioS3"] = self.minio.s3.url
            self.endpoints["minioConsole"] = self.minio.console.url
        if self.elk:
            self.endpoints["kibana"] = self.elk.kibana.url
            self.endpoints["elasticsearch"] = self.elk.elasticsearch.url
        self.register_outputs({"endpoints": self.endpoints, "caCertificate": self.ca.cert_pem})
