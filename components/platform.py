"""The platform: composes the services on a cluster and wires them to each other.

All cross-service wiring (who may talk to whom, which buckets and users exist for whom, what
Prometheus scrapes, what Kong routes) is computed here from the services' typed outputs.
"""

from __future__ import annotations

import pulumi

from components.clusters import Cluster
from components.config import StackConfig
from components.context import PlatformContext
from components.services import airflow
from components.services.minio import Minio, MinioArgs
from components.services.prometheus import Prometheus, PrometheusArgs
from components.tls import PlatformCA
from components.wiring import PROMETHEUS_SCRAPER, MetricsTarget


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

        # Services admit the scraper to their metrics ports only when there is one.
        metrics_clients = (PROMETHEUS_SCRAPER,) if config.prometheus.enabled else ()

        # --- airflow: what Airflow asks of MinIO (log bucket, user, network access) ---
        airflow_minio = airflow.minio_requests(config.airflow) if config.airflow.enabled else {}
        # --- end airflow ---

        self.minio: Minio | None = None
        if config.minio.enabled:
            self.minio = Minio("minio", MinioArgs(config=config.minio, context=context, ca=self.ca,
                                                  metrics_clients=metrics_clients, **airflow_minio),
                               opts=pulumi.ResourceOptions(parent=self))

        # --- airflow: metadata database from the cluster, task logs to MinIO; Kafka is wired by
        # passing kafka=<Kafka component>.access once the Kafka component exists ---
        self.airflow: airflow.Airflow | None = None
        if config.airflow.enabled:
            logs = self.minio.s3_access(airflow.LOG_USER, config.airflow.logs_bucket) if self.minio else None
            self.airflow = airflow.Airflow(
                "airflow",
                airflow.AirflowArgs(config=config.airflow, context=context, postgres=cluster.postgres, logs=logs,
                                    metrics_clients=metrics_clients),
                opts=pulumi.ResourceOptions(parent=self),
            )
        # --- end airflow ---

        # --- prometheus: scrapes every metrics target the services above publish ---
        metrics_targets: list[MetricsTarget] = []
        if self.minio:
            metrics_targets.extend(self.minio.metrics)
        if self.airflow:
            metrics_targets.extend(self.airflow.metrics)
        self.prometheus: Prometheus | None = None
        if config.prometheus.enabled:
            self.prometheus = Prometheus(
                "prometheus",
                PrometheusArgs(config=config.prometheus, context=context, ca=self.ca, targets=tuple(metrics_targets)),
                opts=pulumi.ResourceOptions(parent=self),
            )
        # --- end prometheus ---

        self.endpoints: dict[str, str] = {}
        if self.minio:
            self.endpoints["minioS3"] = self.minio.s3.url
            self.endpoints["minioConsole"] = self.minio.console.url
        if self.airflow:
            self.endpoints["airflowApi"] = self.airflow.api.url + self.airflow.api.path
        if self.prometheus:
            self.endpoints["prometheus"] = self.prometheus.server.url
            self.endpoints["alertmanager"] = self.prometheus.alertmanager.url
        self.register_outputs({"endpoints": self.endpoints, "caCertificate": self.ca.cert_pem})
