"""Kafka: the platform's event log (KRaft on the official apache/kafka image).

The component owns everything secret or random, so the chart never generates any: the cluster
id (created once by pulumi-random, kept in a Secret), the nodes' TLS certificate from the
platform CA, and one SCRAM password per user. The chart receives Secret names only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random

from components.charts import create_namespace, install_chart
from components.config import KafkaConfig, KafkaUserConfig
from components.context import PlatformContext
from components.secrets import generated_password, kubernetes_secret
from components.services.common import merge_by_name
from components.tls import PlatformCA, service_dns_names
from components.wiring import KAFKA_NAMESPACE, Credential, Endpoint, KafkaAccess, MetricsTarget, Peer, Route

NAMESPACE = KAFKA_NAMESPACE
RELEASE = "kafka"
CLIENT_PORT = 9092
EXPORTER_PORT = 9308
SECURITY_PROTOCOL = "SASL_SSL"
SASL_MECHANISM = "SCRAM-SHA-512"
CLUSTER_ID_SECRET = "kafka-cluster-id"
TLS_SECRET = "kafka-tls"
ADMIN_USER = "admin"
EXPORTER_USER = "kafka-exporter"
EXPORTER_LABELS = {"app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "exporter"}
BROKER_LABELS = {"app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "broker"}

# Airflow publishes and consumes under its own prefix; nothing else.
AIRFLOW_USER = KafkaUserConfig(name="airflow", access="readwrite", topics=("airflow.*",), groups=("airflow*",))


@dataclass(frozen=True)
class KafkaArgs:
    config: KafkaConfig
    context: PlatformContext
    ca: PlatformCA
    # Users other services need, computed by the platform; configured users of the same name win.
    extra_users: tuple[KafkaUserConfig, ...] = ()
    # Pods that may open the client listener (SASL_SSL, 9092).
    clients: tuple[Peer, ...] = ()
    # Pods that may scrape the exporter (9308), typically PROMETHEUS_SCRAPER.
    metrics_clients: tuple[Peer, ...] = ()


def user_secret_name(user: str) -> str:
    return f"kafka-user-{user}"


def node_dns_names() -> list[str]:
    """The nodes' certificate: its first name (the CN) is the node principal, a super user."""
    names = service_dns_names(RELEASE, NAMESPACE, headless=f"{RELEASE}-broker-hl")
    return names + [
        f"*.{RELEASE}-controller-hl.{NAMESPACE}.svc.cluster.local",
        f"*.{RELEASE}-controller-hl.{NAMESPACE}.svc",
    ]


class Kafka(pulumi.ComponentResource):
    def __init__(self, name: str, args: KafkaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:Kafka", name, None, opts)
        config, context = args.config, args.context
        namespace = create_namespace(self, NAMESPACE, context)

        # Generated once and kept in Pulumi state: no keepers, nothing it is derived from can
        # change it. A new id on retained volumes would crash-loop every node, so a stack that
        # lost its state (or re-enables Kafka over retained volumes) adopts the volumes' id instead.
        cluster_id = random.RandomId("kafka-cluster-id", byte_length=16, opts=pulumi.ResourceOptions(parent=self))
        cluster_id_secret = kubernetes_secret(
            self,
            CLUSTER_ID_SECRET,
            context=context,
            namespace=namespace,
            data={"clusterId": config.cluster_id or cluster_id.b64_url},
        )
        certificate = args.ca.issue_secret(
            self, TLS_SECRET, dns_names=node_dns_names(), context=context, namespace=namespace, pkcs8_key=True
        )

        users = merge_by_name(config.users, (AIRFLOW_USER, *args.extra_users))
        credentials: dict[str, Credential] = {}
        user_secrets = []
        for user in (ADMIN_USER, EXPORTER_USER, *(u.name for u in users)):
            password = generated_password(self, f"kafka-user-{user}-password")
            user_secrets.append(
                kubernetes_secret(
                    self,
                    user_secret_name(user),
                    context=context,
                    namespace=namespace,
                    data={"username": user, "password": password},
                )
            )
            credentials[user] = Credential(user, password)

        self.chart = install_chart(
            self,
            "kafka",
            context=context,
            namespace=namespace,
            values=chart_values(config, context, users, args),
            release=RELEASE,
            depends_on=[cluster_id_secret, certificate, *user_secrets],
        )

        self.namespace = NAMESPACE
        self.bootstrap = Endpoint(NAMESPACE, RELEASE, CLIENT_PORT, scheme="kafka")
        self.access = KafkaAccess(
            bootstrap_servers=f"{self.bootstrap.host}:{CLIENT_PORT}",
            security_protocol=SECURITY_PROTOCOL,
            sasl_mechanism=SASL_MECHANISM,
            ca_pem=args.ca.cert_pem,
            users=credentials,
        )
        self.user_secrets = {user: user_secret_name(user) for user in credentials}
        self.broker_labels = dict(BROKER_LABELS)
        self.metrics: tuple[MetricsTarget, ...] = (
            MetricsTarget(
                "kafka-exporter",
                Endpoint(NAMESPACE, f"{RELEASE}-exporter", EXPORTER_PORT, path="/metrics"),
                pod_labels=dict(EXPORTER_LABELS),
            ),
        )
        # Kafka speaks its own protocol: nothing for the gateway to publish.
        self.routes: tuple[Route, ...] = ()
        self.register_outputs({"bootstrapServers": self.access.bootstrap_servers, "userSecrets": self.user_secrets})


def chart_values(
    config: KafkaConfig, context: PlatformContext, users: tuple[KafkaUserConfig, ...], args: KafkaArgs
) -> dict[str, object]:
    storage_class = config.storage_class or context.cluster.facts.storage_class
    zones = list(context.cluster.facts.zones) if config.rack_awareness and not config.combined else []
    return {
        "clusterId": {"existingSecret": CLUSTER_ID_SECRET},
        "tls": {"existingSecret": TLS_SECRET},
        "auth": {
            "adminSecret": user_secret_name(ADMIN_USER),
            "users": [
                {
                    "name": user.name,
                    "secretName": user_secret_name(user.name),
                    "access": user.access,
                    "topics": list(user.topics),
                    "groups": list(user.groups),
                }
                for user in users
            ],
        },
        "combined": config.combined,
        "controller": {
            "replicas": config.controllers,
            "persistence": {"size": config.controller_volume_size, "storageClass": storage_class},
            "resources": config.controller_resources.model_dump(),
        },
        "broker": {
            "replicas": config.brokers,
            "zones": zones,
            "persistence": {"size": config.broker_volume_size, "storageClass": storage_class},
            "resources": config.broker_resources.model_dump(),
        },
        "replication": {
            "defaultReplicationFactor": config.replication_factor,
            "minInsyncReplicas": config.min_isr,
            "defaultPartitions": config.default_partitions,
        },
        "topics": [topic.model_dump(by_alias=True, exclude_none=True) for topic in config.topics],
        "exporter": {
            "enabled": True,
            "secretName": user_secret_name(EXPORTER_USER),
            "resources": config.exporter_resources.model_dump(),
        },
        "networkPolicy": {
            "clientsFrom": [peer.values() for peer in args.clients],
            "metricsFrom": [peer.values() for peer in args.metrics_clients],
        },
    }

