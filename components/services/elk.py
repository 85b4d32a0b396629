"""ELK: Elasticsearch (role-separated node sets, TLS, authentication, ILM), Kibana, Logstash and
the Elasticsearch exporter, installed from charts/elk in the logging namespace.

Every password is generated once (pulumi-random) and kept in one Secret, `elk-credentials`, with
one key per user; the chart's setup Job creates the users, roles, lifecycle policy and index
template from it. The log shipper lives in its own component (log_shipper.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.charts import create_namespace, install_chart
from components.config import BucketConfig, ElasticsearchConfig, ElasticsearchNodesConfig, ElkConfig, MinioUserConfig
from components.context import PlatformContext
from components.secrets import generated_password, kubernetes_secret
from components.services.minio import MinioRequests
from components.tls import PlatformCA, service_dns_names
from components.wiring import (
    LOGGING_NAMESPACE,
    Credential,
    ElasticsearchAccess,
    Endpoint,
    MetricsTarget,
    Peer,
    Route,
    S3Access,
)

NAMESPACE = LOGGING_NAMESPACE
RELEASE = "elk"
ELASTICSEARCH_SERVICE = f"{RELEASE}-es"
KIBANA_SERVICE = f"{RELEASE}-kibana"
LOGSTASH_SERVICE = f"{RELEASE}-logstash"
EXPORTER_SERVICE = f"{RELEASE}-es-exporter"
CREDENTIALS_SECRET = "elk-credentials"
KIBANA_KEYS_SECRET = "elk-kibana-keys"
# Users whose passwords the chart reads from CREDENTIALS_SECRET (one key each).
WRITER_USER = "orbit-log-writer"
USERS = ("elastic", "kibana_system", WRITER_USER, "orbit-exporter", "orbit-probe")
LOG_DATA_STREAM = "orbit-logs"
KIBANA_PATH = "/kibana"
SNAPSHOT_USER = "elasticsearch"
SNAPSHOT_SECRET = "elk-snapshots-s3"


def pod_labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": component}


@dataclass(frozen=True)
class ElkArgs:
    config: ElkConfig
    context: PlatformContext
    ca: PlatformCA
    # Peers of Logstash's HTTP input (the log shipper) and of Elasticsearch's HTTP API.
    logstash_clients: tuple[Peer, ...] = ()
    elasticsearch_clients: tuple[Peer, ...] = ()
    gateway_clients: tuple[Peer, ...] = ()
    metrics_clients: tuple[Peer, ...] = ()
    # The snapshot bucket's credential and the pods serving it (MinIO), when snapshots are on.
    snapshot_access: S3Access | None = None
    snapshot_peer: Peer | None = None
    # Where users reach Kibana through the gateway (server.publicBaseUrl), when known.
    kibana_url: str | None = None


def elk_minio_requests(config: ElkConfig) -> MinioRequests:
    """The snapshot bucket and its user, and Elasticsearch's nodes as S3 clients, when snapshots are on."""
    if not (config.enabled and config.snapshots.enabled):
        return MinioRequests()
    bucket = config.snapshots.bucket
    return MinioRequests(
        buckets=(BucketConfig(name=bucket),),
        users=(MinioUserConfig(name=SNAPSHOT_USER, access="readwrite", buckets=(bucket,)),),
        clients=(Peer(NAMESPACE, pod_labels("elasticsearch")),),
    )


def _split(replicas: int, zones: tuple[str, ...]) -> list[tuple[str, int]]:
    """replicas spread over zones as evenly as possible (earlier zones take the remainder)."""
    count = len(zones)
    return [(zone, replicas // count + (1 if i < replicas % count else 0)) for i, zone in enumerate(zones)]


def node_sets(config: ElasticsearchConfig, zones: tuple[str, ...]) -> list[dict[str, object]]:
    """The chart's elasticsearch.nodeSets: masters and data nodes in separate sets (one combined
    set when there are no data nodes), each split into one set per zone when zones are known."""
    groups: list[tuple[str, list[str], ElasticsearchNodesConfig]]
    if config.data.replicas == 0:
        groups = [("node", ["master", "data", "ingest"], config.masters)]
    else:
        groups = [("master", ["master"], config.masters), ("data", ["data", "ingest"], config.data)]
    per_zone = bool(config.zone_awareness and zones)
    sets = []
    for name, roles, nodes in groups:
        placements = _split(nodes.replicas, zones) if per_zone else [("", nodes.replicas)]
        for zone, replicas in placements:
            if replicas == 0:
                continue
            sets.append(
                {
                    "name": f"{name}-{zone}" if zone else name,
                    "replicas": replicas,
                    "roles": roles,
                    "zone": zone,
                    "heap": nodes.heap,
                    "storage": {"size": nodes.volume_size},
                    "resources": nodes.resources.model_dump(),
                }
            )
    return sets


class Elk(pulumi.ComponentResource):
    def __init__(self, name: str, args: ElkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:Elk", name, None, opts)
        config, context = args.config, args.context
        es = config.elasticsearch
        # The sysctl opt-in is a privileged container: the namespace must admit it, and only then.
        namespace = create_namespace(
            self, NAMESPACE, context, pod_security="privileged" if es.sysctl_init_container else "restricted"
        )

        self.passwords = {user: generated_password(self, f"elk-{user}-password") for user in USERS}
        credentials = kubernetes_secret(
            self, CREDENTIALS_SECRET, context=context, namespace=namespace, data=self.passwords
        )
        kibana_keys = kubernetes_secret(
            self,
            KIBANA_KEYS_SECRET,
            context=context,
            namespace=namespace,
            data={key: generated_password(self, f"elk-kibana-{key}", length=48) for key in ("encryptionKey", "savedObjectsKey", "reportingKey")},
        )
        chart_secrets = [
            # localhost: the readiness probe asks the node itself and verifies its certificate.
            args.ca.issue_secret(
                self,
                "elk-es-tls",
                dns_names=[*service_dns_names(ELASTICSEARCH_SERVICE, NAMESPACE, headless=f"{ELASTICSEARCH_SERVICE}-hl"), "localhost"],
                context=context,
                namespace=namespace,
            ),
            args.ca.issue_secret(
                self, "elk-kibana-tls", dns_names=service_dns_names(KIBANA_SERVICE, NAMESPACE), context=context, namespace=namespace
            ),
            args.ca.issue_secret(
                self,
                "elk-logstash-tls",
                dns_names=service_dns_names(LOGSTASH_SERVICE, NAMESPACE),
                context=context,
                namespace=namespace,
                pkcs8_key=True,
            ),
        ]

        snapshots = config.snapshots if config.snapshots.enabled else None
        if snapshots and args.snapshot_access is None:
            raise ValueError("elk.snapshots.enabled needs the snapshot bucket's S3 access (MinIO)")
        if snapshots:
            access = args.snapshot_access
            chart_secrets.append(
                kubernetes_secret(
                    self,
                    SNAPSHOT_SECRET,
                    context=context,
                    namespace=namespace,
                    data={"accessKey": access.credential.username, "secretKey": access.credential.password},
                )
            )

        zones = context.cluster.facts.zones
        sets = node_sets(es, zones)
        aware = len({s["zone"] for s in sets if s["zone"]}) > 1
        values = {
            "auth": {"existingSecret": CREDENTIALS_SECRET},
            "tls": {"elasticsearchSecret": "elk-es-tls", "kibanaSecret": "elk-kibana-tls", "logstashSecret": "elk-logstash-tls"},
            "elasticsearch": {
                "nodeSets": sets,
                "storageClass": es.storage_class or context.cluster.facts.storage_class,
                "bootstrapInitialMasterNodes": es.bootstrap,
                "zoneAwareness": {
                    "enabled": aware,
                    # Forced awareness only when every zone can hold a copy; otherwise replicas
                    # would stay unassigned for good.
                    "forcedZones": list(zones) if aware and es.data.replicas >= len(zones) else [],
                },
                "allowMmap": es.sysctl_init_container,
                "sysctlInitContainer": {"enabled": es.sysctl_init_container},
            },
            "logIndex": {"name": LOG_DATA_STREAM, "retentionDays": config.log_retention_days},
            "kibana": {
                "replicas": config.kibana.replicas,
                "basePath": KIBANA_PATH,
                "publicBaseUrl": args.kibana_url or "",
                "encryptionKeysSecret": KIBANA_KEYS_SECRET,
                "resources": config.kibana.resources.model_dump(),
            },
            "logstash": {
                "replicas": config.logstash.replicas,
                "heap": config.logstash.heap,
                "queue": {"size": config.logstash.queue_volume_size, "maxBytes": config.logstash.queue_max_size},
                "resources": config.logstash.resources.model_dump(),
            },
            "snapshots": {
                "enabled": True,
                "host": args.snapshot_access.endpoint.host,
                "port": args.snapshot_access.endpoint.port,
                "credentialsSecret": SNAPSHOT_SECRET,
                "bucket": args.snapshot_access.bucket,
                "schedule": snapshots.schedule,
                "retentionDays": snapshots.retention_days,
            }
            if snapshots
            else {"enabled": False},
            "networkPolicy": {
                "snapshotsTo": [args.snapshot_peer.values()] if snapshots and args.snapshot_peer else [],
                "elasticsearchFrom": [peer.values() for peer in args.elasticsearch_clients],
                "logstashFrom": [peer.values() for peer in args.logstash_clients],
                "kibanaFrom": [peer.values() for peer in args.gateway_clients],
                "metricsFrom": [peer.values() for peer in args.metrics_clients],
            },
        }
        self.chart = install_chart(
            self,
            "elk",
            context=context,
            namespace=namespace,
            values=values,
            release=RELEASE,
            depends_on=[credentials, kibana_keys, *chart_secrets],
        )

        self.namespace = NAMESPACE
        self.elasticsearch = Endpoint(NAMESPACE, ELASTICSEARCH_SERVICE, 9200, scheme="https")
        self.logstash = Endpoint(NAMESPACE, LOGSTASH_SERVICE, 8080, scheme="https")
        self.kibana = Endpoint(NAMESPACE, KIBANA_SERVICE, 5601, scheme="https", path=KIBANA_PATH)
        self.elasticsearch_peer = Peer(NAMESPACE, pod_labels("elasticsearch"))
        self.logstash_peer = Peer(NAMESPACE, pod_labels("logstash"))
        self.log_data_stream = LOG_DATA_STREAM
        self.access = ElasticsearchAccess(self.elasticsearch, Credential(WRITER_USER, self.passwords[WRITER_USER]), args.ca.cert_pem)
        self.metrics: tuple[MetricsTarget, ...] = (
            MetricsTarget("elasticsearch", Endpoint(NAMESPACE, EXPORTER_SERVICE, 9114, path="/metrics"), pod_labels("exporter")),
            # The headless Service: Prometheus finds every Logstash pod through its DNS records.
            MetricsTarget("logstash", Endpoint(NAMESPACE, f"{LOGSTASH_SERVICE}-hl", 9198, path="/metrics"), pod_labels("logstash")),
        )
        # Kibana serves under /kibana itself (rewriteBasePath): the gateway keeps the path.
        self.routes: tuple[Route, ...] = (Route("kibana", KIBANA_PATH, self.kibana),)
        self.register_outputs({"elasticsearch": self.elasticsearch.url, "kibana": self.kibana.url, "logstash": self.logstash.url})
