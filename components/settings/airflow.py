"""Apache Airflow settings."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from components.settings.base import _REGISTRY, BucketName, DnsLabel, Model, Resources, Size, _matches


class AirflowImageConfig(Model):
    """A custom Airflow image (DAGs baked in, extra providers such as apache-kafka)."""

    registry: Annotated[str, _matches(_REGISTRY, "a registry host such as registry.corp:5000")] = Field(
        "docker.io", description="Registry of the image (replaced by imageRegistry when that is set)."
    )
    repository: str = Field(min_length=1, description="Repository, such as corp/airflow-dags.")
    tag: str = Field(min_length=1, description="Pinned tag (latest is rejected).")

    @model_validator(mode="after")
    def _pinned(self) -> AirflowImageConfig:
        if self.tag == "latest":
            raise ValueError("tag 'latest' is not allowed: Orbit pins every image to a version")
        return self


class AirflowComponentConfig(Model):
    """Size of one Airflow component; unset fields keep the chart's production defaults."""

    replicas: int | None = Field(None, ge=1, le=20, description="Pods of this component.")
    resources: Resources | None = Field(None, description="Requests and limits of each pod.")


_GIT_SSH_URL = re.compile(r"^(ssh://[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$")
_GIT_HTTPS_URL = re.compile(r"^https://[^\s/]+/[^\s]+$")


class AirflowGitSyncConfig(Model):
    """DAGs pulled from a Git repository by a git-sync sidecar."""

    repository: str = Field(description="https://host/org/repo.git, git@host:org/repo.git or ssh://...")
    ref: str = Field("main", min_length=1, description="Branch, tag or commit to follow.")
    sub_path: str = Field("dags", description="Directory inside the repository that holds the DAGs.")
    period_seconds: int = Field(60, ge=5, le=3600, description="How often the repository is pulled.")
    auth: Literal["none", "ssh", "token"] = Field("none", description="How git-sync authenticates.")
    credentials_secret: DnsLabel | None = Field(
        None,
        description="Secret in orbit-airflow with keys ssh + known_hosts (auth ssh) or token (auth token); "
        "create it yourself, e.g. with kubectl, so the key never enters the stack file.",
    )

    @model_validator(mode="after")
    def _auth_matches_url(self) -> AirflowGitSyncConfig:
        ssh_url = bool(_GIT_SSH_URL.match(self.repository))
        https_url = bool(_GIT_HTTPS_URL.match(self.repository))
        if not (ssh_url or https_url):
            raise ValueError(
                f"repository {self.repository!r} is not a Git URL; allowed: https://host/org/repo.git, "
                "git@host:org/repo.git or ssh://git@host/org/repo.git"
            )
        if self.auth == "ssh" and not ssh_url:
            raise ValueError(f"auth is 'ssh' but repository {self.repository!r} is not an ssh URL (git@host:org/repo.git or ssh://...)")
        if self.auth in ("none", "token") and not https_url:
            raise ValueError(f"auth is {self.auth!r} but repository {self.repository!r} is not an https:// URL; use auth 'ssh'")
        if self.auth != "none" and not self.credentials_secret:
            raise ValueError(f"auth is {self.auth!r} but credentialsSecret is not set (the Secret holding the key or token)")
        if self.auth == "none" and self.credentials_secret:
            raise ValueError("credentialsSecret is set but auth is 'none'; set auth to 'ssh' or 'token'")
        return self


class AirflowDagsConfig(Model):
    source: Literal["image", "gitSync"] = Field(
        "image", description="image: DAGs baked into airflow.image; gitSync: pulled from a repository."
    )
    git_sync: AirflowGitSyncConfig | None = Field(None, description="Settings when source is gitSync.")

    @model_validator(mode="after")
    def _source_has_settings(self) -> AirflowDagsConfig:
        if self.source == "gitSync" and self.git_sync is None:
            raise ValueError("source is 'gitSync' but the gitSync section (repository, ...) is missing")
        if self.source == "image" and self.git_sync is not None:
            raise ValueError("gitSync is set but source is 'image'; set source to 'gitSync' or remove gitSync")
        return self


class AirflowStoreConfig(Model):
    """A small stateful store Airflow runs itself (in-cluster Postgres, the Valkey broker);
    unset fields keep the chart's defaults."""

    volume_size: Size | None = Field(None, description="Size of its data volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    resources: Resources | None = Field(None, description="Requests and limits of its pod.")


_PUBLIC_URL = re.compile(r"^https?://[^/\s]+$")


class AirflowConfig(Model):
    """Apache Airflow 3: api-server, scheduler, dag-processor, triggerer and workers."""

    enabled: bool = Field(True, description="Install Airflow.")
    executor: Literal["CeleryExecutor", "KubernetesExecutor"] = Field(
        "CeleryExecutor",
        description="CeleryExecutor (default: warm workers start tasks in milliseconds and the scheduler "
        "needs no Kubernetes API rights) or KubernetesExecutor (a pod per task).",
    )
    image: AirflowImageConfig | None = Field(None, description="Custom image; default: the chart's pinned apache/airflow.")
    public_url: str | None = Field(
        None,
        description="Scheme and host users reach Airflow at (no path); Airflow serves under <publicUrl>/airflow. "
        "Default: https://<kong.hostname> when the gateway has one, else http://localhost:8080 (a port-forward).",
    )
    api_server: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The api-server (UI and REST API).")
    scheduler: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The scheduler.")
    dag_processor: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The DAG processor.")
    triggerer: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The triggerer (deferred tasks).")
    workers: AirflowComponentConfig = Field(AirflowComponentConfig(), description="Celery workers.")
    worker_concurrency: int | None = Field(None, ge=1, le=256, description="Task slots per Celery worker.")
    task_resources: Resources | None = Field(None, description="Requests and limits of each task pod (KubernetesExecutor).")
    dags: AirflowDagsConfig = Field(AirflowDagsConfig(), description="Where the DAGs come from.")
    logs_bucket: BucketName = Field("airflow-logs", description="MinIO bucket for remote task logs.")
    admin_email: str = Field("admin@orbit.local", pattern=r"^[^@\s]+@[^@\s]+$", description="E-mail of the generated admin user.")
    database: AirflowStoreConfig = Field(
        AirflowStoreConfig(), description="In-cluster Postgres (used when the cluster offers no managed Postgres)."
    )
    broker: AirflowStoreConfig = Field(AirflowStoreConfig(), description="Valkey broker (CeleryExecutor).")
    pgbouncer_replicas: int | None = Field(None, ge=1, le=10, description="PgBouncer pods in front of the database.")

    @model_validator(mode="after")
    def _consistent(self) -> AirflowConfig:
        if self.public_url is not None and not _PUBLIC_URL.match(self.public_url):
            raise ValueError(
                f"publicUrl {self.public_url!r} must be a scheme and host without a path, such as https://data.corp.example"
            )
        if self.executor == "KubernetesExecutor":
            celery_only = sorted(
                type(self).model_fields[name].alias or name
                for name in ("workers", "worker_concurrency", "broker")
                if name in self.model_fields_set
            )
            if celery_only:
                raise ValueError(
                    f"{', '.join(celery_only)} only apply to executor 'CeleryExecutor' but executor is 'KubernetesExecutor'; "
                    "remove them or use taskResources"
                )
        elif "task_resources" in self.model_fields_set:
            raise ValueError("taskResources only applies to executor 'KubernetesExecutor'; size Celery workers with workers")
        return self
