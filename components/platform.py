"""The platform: composes the services on a cluster and wires them to each other.

All cross-service wiring (who may talk to whom, which buckets and users exist for whom, what
Prometheus scrapes, what Kong routes) is computed here from the services' typed outputs. A
service that is switched off simply contributes nothing: no peers, routes, targets or connections.
"""

from __future__ import annotations

import pulumi

from components.clusters import Cluster
from components.config import StackConfig
from components.context import PlatformContext
from components.services import airflow
from components.services import kong as kong_service
from components.services.elk import KIBANA_PATH, SNAPSHOT_USER, Elk, ElkArgs, elk_minio_requests
from components.services.kafka import Kafka, KafkaArgs
from components.services.kong import Kong, KongArgs
from components.services.log_shipper import SHIPPER_PEER, LogShipper, LogShipperArgs, ShipperOutput
from components.services.minio import CONSOLE_PATH, Minio, MinioArgs
from components.services.prometheus import Prometheus, PrometheusArgs
from components.tls import PlatformCA
from components.wiring import GATEWAY_PROXY, MINIO_NAMESPACE, PROMETHEUS_SCRAPER, Peer


class Platform(pulumi.ComponentResource):
    def __init__(self, name: str, config: StackConfig, cluster: Cluster, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:platform:Platform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The CA comes first: its certificate joins the trusted CA bundle in the context.
        self.ca = PlatformCA(f"{name}-ca", config.environment, opts=child)
        context = PlatformContext(
            cluster=cluster,
            environment=config.environment,
            stack=pulumi.get_stack(),
            image_registry=config.image_registry,
            trusted_ca_bundle=config.trusted_ca_bundle,
            image_pull_credentials=config.image_pull_credentials,
            platform_ca_pem=self.ca.cert_pem,
        )

        # Services admit the scraper and the gateway only when those exist.
        metrics_clients = (PROMETHEUS_SCRAPER,) if config.prometheus.enabled else ()
        gateway_clients = (GATEWAY_PROXY,) if config.kong.enabled else ()

        self.minio: Minio | None = None
        if config.minio.enabled:
            # Buckets, users and S3 access other services need, each keeping its own names.
            requests = airflow.minio_requests(config.airflow) + elk_minio_requests(config.elk)
            console_url = f"https://{config.kong.hostname}{CONSOLE_PATH}" if config.kong.enabled and config.kong.hostname else None
            self.minio = Minio(
                "minio",
                MinioArgs(
                    config=config.minio,
                    context=context,
                    ca=self.ca,
                    extra_buckets=requests.buckets,
                    extra_users=requests.users,
                    api_clients=gateway_clients + requests.clients,
                    console_clients=gateway_clients,
                    metrics_clients=metrics_clients,
                    console_url=console_url,
                ),
                opts=child,
            )

        # --- kafka: Airflow is its client on the platform; Prometheus scrapes the exporter ---
        self.kafka: Kafka | None = None
        if config.kafka.enabled:
            self.kafka = Kafka(
                "kafka",
                KafkaArgs(
                    config=config.kafka,
                    context=context,
                    ca=self.ca,
                    clients=(airflow.CLIENT_PEER,) if config.airflow.enabled else (),
                    metrics_clients=metrics_clients,
                ),
                opts=child,
            )

        # --- airflow: metadata database from the cluster, task logs to MinIO, UI behind the
        # gateway, a connection to Kafka ---
        self.airflow: airflow.Airflow | None = None
        if config.airflow.enabled:
            gateway_url = f"https://{config.kong.hostname}" if config.kong.enabled and config.kong.hostname else None
            self.airflow = airflow.Airflow(
                "airflow",
                airflow.AirflowArgs(
                    config=config.airflow,
                    context=context,
                    postgres=cluster.postgres,
                    logs=self.minio.s3_access(airflow.LOG_USER, config.airflow.logs_bucket) if self.minio else None,
                    public_url=config.airflow.public_url or gateway_url,
                    kafka=self.kafka.access if self.kafka else None,
                    gateway_clients=gateway_clients,
                    metrics_clients=metrics_clients,
                ),
                opts=child,
            )
        # --- end airflow ---

        services = [service for service in (self.minio, self.kafka, self.airflow) if service is not None]

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
                    gateway_clients=gateway_clients,
                    metrics_clients=metrics_clients,
                    snapshot_access=self.minio.s3_access(SNAPSHOT_USER, config.elk.snapshots.bucket) if snapshots else None,
                    snapshot_peer=Peer(MINIO_NAMESPACE, self.minio.server_labels) if snapshots else None,
                    kibana_url=f"https://{config.kong.hostname}{KIBANA_PATH}" if config.kong.enabled and config.kong.hostname else None,
                ),
                opts=child,
            )
            output = (
                ShipperOutput(self.elk.elasticsearch, self.elk.elasticsearch_peer, self.ca.cert_pem, self.elk.access.credential, self.elk.log_data_stream)
                if direct
                else ShipperOutput(self.elk.logstash, self.elk.logstash_peer, self.ca.cert_pem)
            )
            self.log_shipper = LogShipper(
                "log-shipper",
                LogShipperArgs(config=config.elk.shipper, context=context, output=output, metrics_clients=metrics_clients),
                opts=child,
            )
            services += [self.elk, self.log_shipper]
        # --- end ELK ---------------------------------------------------------------------------

        self.prometheus: Prometheus | None = None
        if config.prometheus.enabled:
            targets = [target for service in services for target in service.metrics]
            if config.kong.enabled:
                targets.extend(kong_service.METRICS)
            self.prometheus = Prometheus(
                "prometheus",
                PrometheusArgs(
                    config=config.prometheus,
                    context=context,
                    ca=self.ca,
                    targets=tuple(targets),
                    gateway_clients=gateway_clients,
                ),
                opts=child,
            )
            services.append(self.prometheus)

        self.kong: Kong | None = None
        if config.kong.enabled:
            routes = tuple(route for service in services for route in service.routes)
            self.kong = Kong(
                "kong",
                KongArgs(config=config.kong, context=context, ca=self.ca, routes=routes, metrics_clients=metrics_clients),
                opts=child,
            )

        self.endpoints: dict[str, str] = {}
        if self.minio:
            self.endpoints["minioS3"] = self.minio.s3.url
            self.endpoints["minioConsole"] = self.minio.console.url
        if self.kafka:
            self.endpoints["kafkaBootstrap"] = self.kafka.access.bootstrap_servers
        if self.airflow:
            self.endpoints["airflowApi"] = self.airflow.api.url + self.airflow.api.path
        if self.elk:
            self.endpoints["kibana"] = self.elk.kibana.url
            self.endpoints["elasticsearch"] = self.elk.elasticsearch.url
        if self.prometheus:
            self.endpoints["prometheus"] = self.prometheus.server.url
            self.endpoints["alertmanager"] = self.prometheus.alertmanager.url
        self.gateway_consumers: pulumi.Output | None = None
        if self.kong:
            self.endpoints["gateway"] = self.kong.proxy.url
            self.endpoints.update({f"gateway:{route}": url for route, url in self.kong.urls.items()})
            self.gateway_consumers = self.kong.credential_outputs()
        self.register_outputs({"endpoints": self.endpoints, "caCertificate": self.ca.cert_pem})
