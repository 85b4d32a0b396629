"""MinIO: the platform's S3-compatible object store (Airflow logs, Elasticsearch snapshots, data)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.charts import create_namespace, install_chart
from components.config import BucketConfig, MinioConfig, MinioUserConfig
from components.context import PlatformContext
from components.secrets import generated_password, kubernetes_secret
from components.services.common import merge_by_name
from components.tls import PlatformCA, service_dns_names
from components.wiring import MINIO_NAMESPACE, Credential, Endpoint, MetricsTarget, Peer, Route, S3Access

NAMESPACE = MINIO_NAMESPACE
RELEASE = "minio"
ROOT_USER = "orbit-root"
CONSOLE_PATH = "/minio-console"
S3_PATH = "/s3"
SERVER_LABELS = {"app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "server"}


@dataclass(frozen=True)
class MinioRequests:
    """What another service needs from MinIO: buckets, users scoped to them, and the pods that
    MinIO must admit to its S3 API. Requests from several services add up with `+`."""

    buckets: tuple[BucketConfig, ...] = ()
    users: tuple[MinioUserConfig, ...] = ()
    clients: tuple[Peer, ...] = ()

    def __add__(self, other: MinioRequests) -> MinioRequests:
        return MinioRequests(self.buckets + other.buckets, self.users + other.users, self.clients + other.clients)


@dataclass(frozen=True)
class MinioArgs:
    config: MinioConfig
    context: PlatformContext
    ca: PlatformCA
    # Buckets and users other services need, computed by the platform (e.g. Airflow's log bucket).
    extra_buckets: tuple[BucketConfig, ...] = ()
    extra_users: tuple[MinioUserConfig, ...] = ()
    api_clients: tuple[Peer, ...] = ()
    console_clients: tuple[Peer, ...] = ()
    metrics_clients: tuple[Peer, ...] = ()
    # The console's external URL when it is served behind the gateway under a path prefix.
    console_url: str | None = None


@dataclass(frozen=True)
class MinioUserCredentials:
    """Where a MinIO user's keys live: Secret `secret_name` with keys accessKey and secretKey."""

    name: str
    access_key: str
    secret_key: pulumi.Output[str] = field(repr=False)
    secret_name: str


class Minio(pulumi.ComponentResource):
    def __init__(self, name: str, args: MinioArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:Minio", name, None, opts)
        config, context = args.config, args.context
        namespace = create_namespace(self, NAMESPACE, context)

        root = kubernetes_secret(
            self,
            "minio-root",
            context=context,
            namespace=namespace,
            data={"rootUser": ROOT_USER, "rootPassword": generated_password(self, "minio-root-password")},
        )
        certificate = args.ca.issue_secret(
            self,
            "minio-tls",
            dns_names=service_dns_names(RELEASE, NAMESPACE, headless=f"{RELEASE}-hl"),
            context=context,
            namespace=namespace,
        )

        buckets = merge_by_name(config.buckets, args.extra_buckets)
        users = merge_by_name(config.users, args.extra_users)
        self.users: dict[str, MinioUserCredentials] = {}
        user_secrets = []
        for user in users:
            secret_name = f"minio-user-{user.name}"
            secret_key = generated_password(self, f"minio-user-{user.name}-secret-key", length=40)
            user_secrets.append(
                kubernetes_secret(
                    self,
                    secret_name,
                    context=context,
                    namespace=namespace,
                    data={"accessKey": user.name, "secretKey": secret_key},
                )
            )
            self.users[user.name] = MinioUserCredentials(user.name, user.name, secret_key, secret_name)

        values = {
            "servers": config.servers,
            "drivesPerServer": config.drives_per_server,
            "parity": config.parity or 0,
            "persistence": {
                "size": config.volume_size,
                "storageClass": config.storage_class or context.cluster.facts.storage_class,
            },
            "auth": {"existingSecret": "minio-root"},
            "tls": {"enabled": True, "existingSecret": "minio-tls"},
            "resources": config.resources.model_dump(),
            "extraEnv": [{"name": "MINIO_BROWSER_REDIRECT_URL", "value": args.console_url}] if args.console_url else [],
            "networkPolicy": {
                "apiFrom": [peer.values() for peer in args.api_clients],
                "consoleFrom": [peer.values() for peer in args.console_clients],
                "metricsFrom": [peer.values() for peer in args.metrics_clients],
            },
            "provisioning": {
                "enabled": bool(buckets or users),
                "buckets": [bucket.model_dump() for bucket in buckets],
                "users": [
                    {
                        "name": user.name,
                        "access": user.access,
                        "buckets": list(user.buckets),
                        "secretName": self.users[user.name].secret_name,
                    }
                    for user in users
                ],
            },
        }
        self.chart = install_chart(
            self,
            "minio",
            context=context,
            namespace=namespace,
            values=values,
            release=RELEASE,
            depends_on=[root, certificate, *user_secrets],
        )

        self.namespace = NAMESPACE
        self.s3 = Endpoint(NAMESPACE, RELEASE, 9000, scheme="https")
        self.console = Endpoint(NAMESPACE, RELEASE, 9001, scheme="https")
        self.root_secret_name = "minio-root"
        self.server_labels = dict(SERVER_LABELS)
        self.metrics = (
                MetricsTarget(
                "minio",
                Endpoint(NAMESPACE, f"{RELEASE}", 9000, scheme="https", path="/minio/v2/metrics/cluster"),
                pod_labels=dict(SERVER_LABELS),
            ),
        )
        self.ca_pem = args.ca.cert_pem
        # The S3 API authenticates every request itself (SigV4), but the gateway still asks for a key.
        self.routes = (
            Route("minio-console", CONSOLE_PATH, self.console, auth="basic-auth"),
            Route("minio-s3", S3_PATH, self.s3, auth="key-auth"),
        )
        self.register_outputs({"s3Endpoint": self.s3.url, "consoleEndpoint": self.console.url})

    def s3_access(self, user: str, bucket: str) -> S3Access:
        """What a client needs to use `bucket` as `user` (the user must be provisioned here)."""
        credentials = self.users[user]
        return S3Access(self.s3, bucket, Credential(credentials.access_key, credentials.secret_key), self.ca_pem)

