"""orbit:airflow validation: every bad value fails with the key, the value and what is allowed."""

from __future__ import annotations

import pytest

from components.config import AirflowConfig, ConfigError, parse_stack_config

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {}}, "minio": {"servers": 1}}
GIT_HTTPS = {"repository": "https://github.com/corp/dags.git"}

BAD_CASES = [
    ({"executor": "LocalExecutor"}, ["orbit:airflow.executor", "'CeleryExecutor' or 'KubernetesExecutor'", "'LocalExecutor'"]),
    ({"exectuor": "CeleryExecutor"}, ["orbit:airflow", "unknown key(s) exectuor", "executor"]),
    ({"publicUrl": "https://data.corp/airflow"}, ["orbit:airflow", "publicUrl 'https://data.corp/airflow'", "without a path"]),
    ({"publicUrl": "data.corp"}, ["orbit:airflow", "publicUrl 'data.corp'"]),
    ({"scheduler": {"replicas": 0}}, ["orbit:airflow.scheduler.replicas", "greater than or equal to 1"]),
    ({"apiServer": {"replicas": 21}}, ["orbit:airflow.apiServer.replicas", "less than or equal to 20"]),
    ({"workers": {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}}, ["orbit:airflow.workers.resources.limits", "Field required"]),
    ({"triggerer": {"resources": {"requests": {"cpu": "lots", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}}, ["orbit:airflow.triggerer.resources.requests.cpu", "'lots'"]),
    ({"executor": "KubernetesExecutor", "workers": {"replicas": 3}}, ["orbit:airflow", "workers only apply to executor 'CeleryExecutor'"]),
    ({"executor": "KubernetesExecutor", "broker": {"volumeSize": "1Gi"}, "workerConcurrency": 4}, ["broker, workerConcurrency only apply"]),
    ({"taskResources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}, ["taskResources only applies to executor 'KubernetesExecutor'"]),
    ({"workerConcurrency": 0}, ["orbit:airflow.workerConcurrency", "greater than or equal to 1"]),
    ({"image": {"repository": "corp/airflow", "tag": "latest"}}, ["orbit:airflow.image", "tag 'latest' is not allowed"]),
    ({"image": {"repository": "corp/airflow"}}, ["orbit:airflow.image.tag", "Field required"]),
    ({"image": {"registry": "https://registry.corp", "repository": "a", "tag": "1"}}, ["orbit:airflow.image.registry", "'https://registry.corp'"]),
    ({"dags": {"source": "gitSync"}}, ["orbit:airflow.dags", "source is 'gitSync' but the gitSync section"]),
    ({"dags": {"source": "git"}}, ["orbit:airflow.dags.source", "'image' or 'gitSync'"]),
    ({"dags": {"gitSync": GIT_HTTPS}}, ["orbit:airflow.dags", "gitSync is set but source is 'image'"]),
    ({"dags": {"source": "gitSync", "gitSync": {"repository": "github.com/corp/dags"}}}, ["orbit:airflow.dags.gitSync", "'github.com/corp/dags' is not a Git URL"]),
    ({"dags": {"source": "gitSync", "gitSync": {**GIT_HTTPS, "auth": "ssh", "credentialsSecret": "git"}}}, ["auth is 'ssh' but repository", "is not an ssh URL"]),
    ({"dags": {"source": "gitSync", "gitSync": {"repository": "git@github.com:corp/dags.git"}}}, ["auth is 'none' but repository", "is not an https:// URL"]),
    ({"dags": {"source": "gitSync", "gitSync": {**GIT_HTTPS, "auth": "token"}}}, ["auth is 'token' but credentialsSecret is not set"]),
    ({"dags": {"source": "gitSync", "gitSync": {**GIT_HTTPS, "credentialsSecret": "git"}}}, ["credentialsSecret is set but auth is 'none'"]),
    ({"dags": {"source": "gitSync", "gitSync": {**GIT_HTTPS, "auth": "password"}}}, ["orbit:airflow.dags.gitSync.auth", "'none', 'ssh' or 'token'"]),
    ({"dags": {"source": "gitSync", "gitSync": {**GIT_HTTPS, "periodSeconds": 1}}}, ["orbit:airflow.dags.gitSync.periodSeconds", "greater than or equal to 5"]),
    ({"logsBucket": "Airflow_Logs"}, ["orbit:airflow.logsBucket", "'Airflow_Logs'", "S3 bucket name"]),
    ({"database": {"volumeSize": "5GB"}}, ["orbit:airflow.database.volumeSize", "'5GB'", "Mi, Gi or Ti"]),
    ({"database": {"storageClass": "Fast SSD"}}, ["orbit:airflow.database.storageClass", "'Fast SSD'"]),
    ({"adminEmail": "admin"}, ["orbit:airflow.adminEmail", "'admin'"]),
    ({"pgbouncerReplicas": 0}, ["orbit:airflow.pgbouncerReplicas", "greater than or equal to 1"]),
    ({"enabled": "maybe"}, ["orbit:airflow.enabled", "valid boolean"]),
]


@pytest.mark.parametrize(("airflow", "fragments"), BAD_CASES, ids=[str(c[0])[:70] for c in BAD_CASES])
def test_bad_airflow_config_is_rejected_with_a_clear_message(airflow, fragments):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({**BASE, "airflow": airflow}, source="stacks/Pulumi.test.yaml")
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_defaults_are_production_celery_with_chart_sizing():
    config = parse_stack_config(BASE).airflow
    assert config.enabled and config.executor == "CeleryExecutor"
    assert config.scheduler.replicas is None, "unset: the chart's production default (2) applies"
    assert config.dags.source == "image" and config.logs_bucket == "airflow-logs"


def test_a_full_kubernetes_executor_config_is_typed_and_frozen():
    config = parse_stack_config(
        {
            **BASE,
            "airflow": {
                "executor": "KubernetesExecutor",
                "publicUrl": "https://data.corp.example",
                "scheduler": {"replicas": 3},
                "taskResources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
                "dags": {
                    "source": "gitSync",
                    "gitSync": {"repository": "ssh://git@git.corp:2222/data/dags.git", "auth": "ssh", "credentialsSecret": "airflow-git", "ref": "release"},
                },
                "image": {"registry": "registry.corp:5000", "repository": "data/airflow", "tag": "3.3.2-kafka"},
            },
        }
    ).airflow
    assert config.scheduler.replicas == 3 and config.dags.git_sync.credentials_secret == "airflow-git"
    assert config.image.registry == "registry.corp:5000"
    with pytest.raises(Exception):
        config.executor = "CeleryExecutor"  # type: ignore[misc]


def test_disabled_airflow_needs_nothing_else():
    assert parse_stack_config({**BASE, "airflow": {"enabled": False}}).airflow.enabled is False
    assert AirflowConfig(enabled=False).enabled is False
