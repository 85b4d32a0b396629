"""Airflow 3: the platform's workflow scheduler, wired to Postgres, MinIO (task logs) and Kafka.

Every secret Airflow needs is generated here once (pulumi-random) and stored in Kubernetes
Secrets that every component references by name, so the fernet key, JWT secret and API secret
key are identical in the api-server, scheduler, dag-processor, triggerer, workers and task pods.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote

import pulumi
import pulumi_random as random

from components.charts import create_namespace, install_chart
from components.clusters import PostgresDatabase
from components.config import AirflowComponentConfig, AirflowConfig, AirflowStoreConfig, BucketConfig, MinioUserConfig
from components.context import PlatformContext
from components.secrets import generated_password, kubernetes_secret
from components.wiring import (
    AIRFLOW_NAMESPACE,
    KAFKA_NAMESPACE,
    Credential,
    Endpoint,
    KafkaAccess,
    MetricsTarget,
    Peer,
    Route,
    S3Access,
)

NAMESPACE = AIRFLOW_NAMESPACE
RELEASE = "airflow"
ROUTE_PATH = "/airflow"
API_PORT = 8080
PGBOUNCER_PORT = 6543
VALKEY_PORT = 6379
STATSD_METRICS_PORT = 9102
LOG_USER = "airflow"  # the MinIO user Airflow writes its task logs as
KAFKA_USER = "airflow"  # the Kafka SASL user Airflow's connection uses
LOCAL_DATABASE = "airflow"
LOCAL_DATABASE_USER = "airflow"

CORE_SECRET = "airflow-core"
DATABASE_SECRET = "airflow-database"
VALKEY_SECRET = "airflow-valkey"
ADMIN_SECRET = "airflow-admin"
LOGS_SECRET = "airflow-minio-logs"
KAFKA_SECRET = "airflow-kafka"

# Every Airflow pod carries the release's instance label: services Airflow calls (MinIO, Kafka)
# admit this peer.
CLIENT_PEER = Peer(AIRFLOW_NAMESPACE, {"app.kubernetes.io/instance": RELEASE})
STATSD_LABELS = {"app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "statsd"}


# What the component publishes for the platform (gateway routes, Prometheus scrape jobs).
API_ENDPOINT = Endpoint(NAMESPACE, f"{RELEASE}-api-server", API_PORT, path=ROUTE_PATH)
# Airflow authenticates every UI and API request itself (FAB login, then JWT bearer tokens); a
# gateway auth plugin would consume the Authorization header the UI sends its own tokens in.
ROUTES = (Route("airflow", ROUTE_PATH, API_ENDPOINT, auth="none"),)
# Without a gateway hostname: a port-forward to the api-server (docs/install-local.md).
DEFAULT_PUBLIC_URL = f"http://localhost:{API_PORT}"
METRICS = (MetricsTarget("airflow", Endpoint(NAMESPACE, f"{RELEASE}-statsd", STATSD_METRICS_PORT, path="/metrics"), dict(STATSD_LABELS)),)


def service_host(component: str) -> str:
    """The in-cluster DNS name of one of the chart's Services (`<release>-<component>`)."""
    return Endpoint(NAMESPACE, f"{RELEASE}-{component}", 0).host


def fernet_key(random_hex: str) -> str:
    """A Fernet key from 32 random bytes given as hex: URL-safe base64 with padding (44 characters)."""
    raw = bytes.fromhex(random_hex)
    if len(raw) != 32:
        raise ValueError(f"a Fernet key needs 32 random bytes, got {len(raw)}")
    return base64.urlsafe_b64encode(raw).decode()


def database_url(user: str, password: str, database: str) -> str:
    """SQLAlchemy URL of the metadata database, always through PgBouncer."""
    return f"postgresql+psycopg2://{quote(user, safe='')}:{quote(password, safe='')}@{service_host('pgbouncer')}:{PGBOUNCER_PORT}/{database}"


def broker_url(password: str) -> str:
    return f"redis://:{quote(password, safe='')}@{service_host('valkey')}:{VALKEY_PORT}/0"


def kafka_ports(bootstrap_servers: str) -> list[int]:
    return sorted({int(server.rsplit(":", 1)[1]) for server in bootstrap_servers.split(",") if server.strip()})


def kafka_credential(access: KafkaAccess) -> Credential:
    user = access.users.get(KAFKA_USER)
    if user is None:
        raise ValueError(f"Kafka offers no user {KAFKA_USER!r} for Airflow's connection (users: {', '.join(sorted(access.users)) or 'none'})")
    return user


def minio_requests(config: AirflowConfig) -> dict[str, tuple]:
    """What Airflow asks of MinIO (for MinioArgs): its log bucket and a user scoped to it. MinIO
    must also admit CLIENT_PEER to its S3 API."""
    return {
        "extra_buckets": (BucketConfig(name=config.logs_bucket),),
        "extra_users": (MinioUserConfig(name=LOG_USER, access="readwrite", buckets=(config.logs_bucket,)),),
    }


@dataclass(frozen=True)
class AirflowArgs:
    config: AirflowConfig
    context: PlatformContext
    # The cluster's managed Postgres; None runs the chart's in-cluster Postgres.
    postgres: PostgresDatabase | None = None
    # Remote task logs (MinIO); None keeps logs local to the pods.
    logs: S3Access | None = None
    # Kafka access; None renders no Kafka connection.
    kafka: KafkaAccess | None = None
    # Scheme and host users reach Airflow at (the gateway); None = DEFAULT_PUBLIC_URL.
    public_url: str | None = None
    gateway_clients: tuple[Peer, ...] = ()
    metrics_clients: tuple[Peer, ...] = ()


class Airflow(pulumi.ComponentResource):
    def __init__(self, name: str, args: AirflowArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:Airflow", name, None, opts)
        config, context = args.config, args.context
        self.context = context
        self.namespace = create_namespace(self, NAMESPACE, context)
        celery = config.executor == "CeleryExecutor"

        secrets = self._core_secrets(args, celery)
        secrets.append(self._secret(ADMIN_SECRET, {"username": "admin", "password": generated_password(self, "airflow-admin-password")}))
        if args.logs:
            secrets.append(self._secret(LOGS_SECRET, {
                "accessKey": args.logs.credential.username,
                "secretKey": args.logs.credential.password,
                "ca.crt": args.logs.ca_pem,
            }))
        if args.kafka:
            user = kafka_credential(args.kafka)
            secrets.append(self._secret(KAFKA_SECRET, {"username": user.username, "password": user.password, "ca.crt": args.kafka.ca_pem}))

        self.chart = install_chart(
            self,
            "airflow",
            context=context,
            namespace=self.namespace,
            values=chart_values(args),
            release=RELEASE,
            depends_on=secrets,
        )

        self.api = API_ENDPOINT
        self.routes = ROUTES
        self.metrics = METRICS
        self.client_peer = CLIENT_PEER
        self.admin_secret_name = ADMIN_SECRET
        self.register_outputs({"apiEndpoint": self.api.url, "routePath": ROUTE_PATH})

    def _secret(self, name: str, data: dict) -> pulumi.Resource:
        return kubernetes_secret(self, name, context=self.context, namespace=self.namespace, data=data)

    def _core_secrets(self, args: AirflowArgs, celery: bool) -> list[pulumi.Resource]:
        """The Secrets every component shares: generated once, kept in Pulumi state."""
        # Fernet keys are 32 random bytes in URL-safe base64: derive them from raw random bytes
        # rather than trusting a password generator's alphabet.
        fernet_bytes = random.RandomBytes("airflow-fernet-key", length=32, opts=pulumi.ResourceOptions(parent=self))
        if args.postgres:
            user, database, password = args.postgres.username, args.postgres.database, args.postgres.password
        else:
            user, database = LOCAL_DATABASE_USER, LOCAL_DATABASE
            password = generated_password(self, "airflow-database-password")
        secrets = [self._secret(DATABASE_SECRET, {"password": password})]
        core = {
            "fernet-key": fernet_bytes.hex.apply(fernet_key),
            "api-secret-key": generated_password(self, "airflow-api-secret-key", length=48),
            "jwt-secret": generated_password(self, "airflow-jwt-secret", length=64),
            "sql-alchemy-conn": pulumi.Output.from_input(password).apply(lambda p: database_url(user, p, database)),
        }
        if celery:
            valkey_password = generated_password(self, "airflow-valkey-password")
            secrets.append(self._secret(VALKEY_SECRET, {"password": valkey_password}))
            core["celery-broker-url"] = valkey_password.apply(broker_url)
        return [*secrets, self._secret(CORE_SECRET, core)]


def _component(config: AirflowComponentConfig) -> dict:
    return {key: value for key, value in (("replicas", config.replicas), ("resources", _resources(config.resources))) if value is not None}


def _resources(resources) -> dict | None:
    return resources.model_dump() if resources is not None else None


def _store(config: AirflowStoreConfig, default_storage_class: str) -> dict:
    values: dict = {"persistence": {"storageClass": config.storage_class or default_storage_class}}
    if config.volume_size:
        values["persistence"]["size"] = config.volume_size
    if config.resources:
        values["resources"] = config.resources.model_dump()
    return values


def chart_values(args: AirflowArgs) -> dict:
    """The chart's values, computed from typed config and the platform's wiring."""
    config, context = args.config, args.context
    storage_class = context.cluster.facts.storage_class
    celery = config.executor == "CeleryExecutor"
    values: dict = {
        "executor": config.executor,
        "baseUrl": f"{args.public_url or DEFAULT_PUBLIC_URL}{ROUTE_PATH}",
        "secrets": {"existingSecret": CORE_SECRET},
        "admin": {"enabled": True, "existingSecret": ADMIN_SECRET, "email": config.admin_email},
        "apiServer": _component(config.api_server),
        "scheduler": _component(config.scheduler),
        "dagProcessor": _component(config.dag_processor),
        "triggerer": _component(config.triggerer),
        "database": {"existingSecret": DATABASE_SECRET, "name": LOCAL_DATABASE, "user": LOCAL_DATABASE_USER},
        "pgbouncer": {"replicas": config.pgbouncer_replicas} if config.pgbouncer_replicas else {},
        "dags": {"source": config.dags.source},
        "networkPolicy": {
            "apiFrom": [peer.values() for peer in args.gateway_clients],
            "metricsFrom": [peer.values() for peer in args.metrics_clients],
            "egressTo": [],
        },
    }
    if config.image:
        values["image"] = {"registry": config.image.registry, "repository": config.image.repository, "tag": config.image.tag, "digest": ""}
    if celery:
        values["workers"] = _component(config.workers) | (
            {"concurrency": config.worker_concurrency} if config.worker_concurrency else {}
        )
        values["valkey"] = {"existingSecret": VALKEY_SECRET, **_store(config.broker, storage_class)}
    elif config.task_resources:
        values["kubernetesExecutor"] = {"resources": config.task_resources.model_dump()}
    if args.postgres:
        postgres = args.postgres
        values["database"].update(name=postgres.database, user=postgres.username)
        values["database"]["external"] = {"host": postgres.host, "port": postgres.port, "sslmode": postgres.sslmode}
    else:
        values["postgres"] = _store(config.database, storage_class)
    if config.dags.git_sync:
        git = config.dags.git_sync
        values["dags"]["gitSync"] = {
            "repository": git.repository,
            "ref": git.ref,
            "subPath": git.sub_path,
            "period": git.period_seconds,
            "auth": git.auth,
            "existingSecret": git.credentials_secret or "",
        }
    if args.logs:
        values["remoteLogging"] = {
            "enabled": True,
            "bucket": args.logs.bucket,
            "endpointUrl": args.logs.endpoint.url,
            "existingSecret": LOGS_SECRET,
        }
        values["networkPolicy"]["egressTo"].append({"namespace": args.logs.endpoint.namespace, "ports": [args.logs.endpoint.port]})
    if args.kafka:
        values["kafka"] = {
            "enabled": True,
            "bootstrapServers": args.kafka.bootstrap_servers,
            "securityProtocol": args.kafka.security_protocol,
            "saslMechanism": args.kafka.sasl_mechanism,
            "existingSecret": KAFKA_SECRET,
        }
        values["networkPolicy"]["egressTo"].append({"namespace": KAFKA_NAMESPACE, "ports": kafka_ports(args.kafka.bootstrap_servers)})
    return values
