"""The Airflow component: secrets, wiring to MinIO, Postgres and Kafka, under mocks and as values."""

from __future__ import annotations

import base64
import json
import re
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from components.clusters import ClusterFacts, PostgresDatabase
from components.config import AirflowConfig
from components.context import PlatformContext
from components.services import airflow
from components.wiring import GATEWAY_PROXY, PROMETHEUS_SCRAPER, Credential, KafkaAccess
from tests.conftest import capture_in_subprocess, env_of, find, one, render

SECRET = "kubernetes:core/v1:Secret"


def airflow_plans(stack_plans):
    return [p for p in stack_plans.values() if any(r.type == "orbit:service:Airflow" for r in p.resources)]


def secret_data(plan, name: str) -> dict:
    return plan.named(f"{airflow.NAMESPACE}-{name}", SECRET).inputs["stringData"]


def test_the_local_stack_runs_airflow(stack_plans):
    assert airflow_plans(stack_plans) and stack_plans["local"] in airflow_plans(stack_plans)


# --- secrets ---------------------------------------------------------------------------------


def test_fernet_key_is_32_random_bytes_in_url_safe_base64(stack_plans):
    for plan in airflow_plans(stack_plans):
        random_bytes = plan.named("airflow-fernet-key", "random:index/randomBytes:RandomBytes")
        assert random_bytes.inputs["length"] == 32
        key = secret_data(plan, "airflow-core")["fernet-key"]
        assert len(key) == 44 and re.fullmatch(r"[A-Za-z0-9_-]{43}=", key), key
        assert len(base64.urlsafe_b64decode(key)) == 32


def test_fernet_key_derivation():
    raw = bytes(range(32))
    assert base64.urlsafe_b64decode(airflow.fernet_key(raw.hex())) == raw
    assert "+" not in airflow.fernet_key("fb" * 32) and "/" not in airflow.fernet_key("ff" * 32)
    with pytest.raises(ValueError, match="32 random bytes, got 16"):
        airflow.fernet_key("00" * 16)


def test_secrets_are_generated_once_and_reach_the_chart_by_name_only(stack_plans):
    for plan in airflow_plans(stack_plans):
        core = plan.named("orbit-airflow-airflow-core", SECRET)
        assert core.inputs["metadata"] == {"name": "airflow-core", "namespace": "orbit-airflow", "labels": core.inputs["metadata"]["labels"]}
        assert {"airflow-fernet-key", "airflow-api-secret-key", "airflow-jwt-secret"} <= set(core.depends_on)
        for name in ("airflow-api-secret-key", "airflow-jwt-secret"):
            assert plan.named(name, "random:index/randomPassword:RandomPassword").inputs["length"] >= 48
        chart = plan.chart("airflow")
        values = chart.inputs["values"]
        assert values["secrets"] == {"existingSecret": "airflow-core"}
        assert values["database"]["existingSecret"] == "airflow-database"
        assert values["admin"]["existingSecret"] == "airflow-admin"
        expected = {"orbit-airflow-airflow-core", "orbit-airflow-airflow-database", "orbit-airflow-airflow-admin"}
        if values["executor"] == "CeleryExecutor":
            expected.add("orbit-airflow-airflow-valkey")
        assert expected <= set(chart.depends_on)
        assert secret_data(plan, "airflow-admin")["username"] == "admin"


def test_database_and_broker_urls_point_at_the_services_the_chart_renders(stack_plans):
    for plan in airflow_plans(stack_plans):
        objects = plan.release("airflow").objects
        core = secret_data(plan, "airflow-core")
        database = urlparse(core["sql-alchemy-conn"])
        pgbouncer = one(list(objects), "Service", "airflow-pgbouncer")
        assert database.hostname == f"airflow-pgbouncer.{pgbouncer['metadata']['namespace']}.svc.cluster.local"
        assert database.port in {p["port"] for p in pgbouncer["spec"]["ports"]}
        assert database.password == secret_data(plan, "airflow-database")["password"], "one password for Postgres, PgBouncer and Airflow"
        if plan.chart("airflow").inputs["values"]["executor"] == "CeleryExecutor":
            broker = urlparse(core["celery-broker-url"])
            valkey = one(list(objects), "Service", "airflow-valkey")
            assert broker.hostname == f"airflow-valkey.{valkey['metadata']['namespace']}.svc.cluster.local"
            assert broker.port in {p["port"] for p in valkey["spec"]["ports"]}
            assert broker.password == secret_data(plan, "airflow-valkey")["password"]


# --- MinIO wiring ----------------------------------------------------------------------------


def test_task_logs_go_to_a_minio_bucket_airflow_asked_for(stack_plans):
    for plan in airflow_plans(stack_plans):
        values = plan.chart("airflow").inputs["values"]
        bucket = values["remoteLogging"]["bucket"]
        provisioning = plan.chart("minio").inputs["values"]["provisioning"]
        assert bucket in [b["name"] for b in provisioning["buckets"]]
        user = next(u for u in provisioning["users"] if u["name"] == airflow.LOG_USER)
        assert user["buckets"] == [bucket] and user["access"] == "readwrite"
        logs = secret_data(plan, "airflow-minio-logs")
        minio_user = plan.named(f"orbit-minio-{user['secretName']}", SECRET).inputs["stringData"]
        assert (logs["accessKey"], logs["secretKey"]) == (minio_user["accessKey"], minio_user["secretKey"])
        assert logs["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
        # The endpoint Airflow connects to is the Service the MinIO chart renders.
        endpoint = urlparse(values["remoteLogging"]["endpointUrl"])
        minio_service = one(list(plan.release("minio").objects), "Service", "minio")
        assert endpoint.hostname == f"minio.{minio_service['metadata']['namespace']}.svc.cluster.local"
        assert endpoint.port in {p["port"] for p in minio_service["spec"]["ports"]}
        assert {"namespace": "orbit-minio", "ports": [endpoint.port]} in values["networkPolicy"]["egressTo"]


def test_minio_admits_airflow_pods(stack_plans):
    for plan in airflow_plans(stack_plans):
        server = plan.find("NetworkPolicy", "minio-server", "orbit-minio")
        peers = [p for rule in server["spec"]["ingress"] for p in rule["from"]]
        assert {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "orbit-airflow"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "airflow"}},
        } in peers
        pods = [o for o in plan.release("airflow").objects if o["kind"] in ("Deployment", "Job")]
        assert all(o["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"] == "airflow" for o in pods)


def test_every_airflow_container_sees_the_minio_connection(stack_plans):
    for plan in airflow_plans(stack_plans):
        for obj in plan.release("airflow").objects:
            if obj["kind"] not in ("Deployment", "Job"):
                continue
            spec = obj["spec"]["template"]["spec"]
            for container in spec["containers"] + (spec.get("initContainers") or []):
                if "apache/airflow" in container["image"]:
                    assert "AIRFLOW_CONN_MINIO_LOGS" in env_of(container), obj["metadata"]["name"]


# --- wiring disappears cleanly ---------------------------------------------------------------


LOCAL_CLUSTER = "  orbit:environment: test\n  orbit:cluster:\n    provider: existing\n    existing: { storageClass: standard }\n"


def _plan(tmp_path, body: str):
    (tmp_path / "Pulumi.t.yaml").write_text("config:\n" + LOCAL_CLUSTER + body)
    result = capture_in_subprocess("t", tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_airflow_minio_has_no_airflow_bucket_user_or_peer(tmp_path):
    resources = _plan(tmp_path, "  orbit:minio: { servers: 1 }\n  orbit:airflow: { enabled: false }\n")
    assert not [r for r in resources if r["name"].startswith(("airflow", "orbit-airflow"))]
    minio = next(r for r in resources if r["name"] == "minio" and r["type"].endswith("Chart"))
    assert minio["inputs"]["values"]["provisioning"]["users"] == []
    assert airflow.CLIENT_PEER.values() not in minio["inputs"]["values"]["networkPolicy"]["apiFrom"]


def test_without_minio_airflow_keeps_its_logs_local(tmp_path):
    resources = _plan(tmp_path, "  orbit:minio: { enabled: false }\n")
    chart = next(r for r in resources if r["name"] == "airflow" and r["type"].endswith("Chart"))
    values = chart["inputs"]["values"]
    assert "remoteLogging" not in values and values["networkPolicy"]["egressTo"] == []
    assert not [r for r in resources if r["name"] == "orbit-airflow-airflow-minio-logs"]
    objects = render("airflow", values, release="airflow", namespace="orbit-airflow")
    assert "remote_logging = False" in one(objects, "ConfigMap", "airflow-config")["data"]["airflow.cfg"]


# --- values from wiring (no Pulumi engine needed) --------------------------------------------


def _args(**kwargs) -> airflow.AirflowArgs:
    cluster = SimpleNamespace(facts=ClusterFacts(kind="existing", storage_class="fast"), provider=None, postgres=None)
    context = PlatformContext(cluster=cluster, environment="test", stack="test")
    return airflow.AirflowArgs(config=kwargs.pop("config", AirflowConfig()), context=context, **kwargs)


def _render(values: dict) -> list[dict]:
    return render("airflow", values, release="airflow", namespace="orbit-airflow")


KAFKA_ACCESS = KafkaAccess(
    bootstrap_servers="kafka-0.kafka-hl.orbit-kafka.svc.cluster.local:9094,kafka-1.kafka-hl.orbit-kafka.svc.cluster.local:9094",
    security_protocol="SASL_SSL",
    sasl_mechanism="SCRAM-SHA-512",
    ca_pem="-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
    users={"admin": Credential("admin", "a"), "airflow": Credential("airflow", "b")},
)


def test_kafka_access_becomes_a_connection_and_an_egress_rule():
    values = airflow.chart_values(_args(kafka=KAFKA_ACCESS))
    assert values["kafka"] == {
        "enabled": True,
        "bootstrapServers": KAFKA_ACCESS.bootstrap_servers,
        "securityProtocol": "SASL_SSL",
        "saslMechanism": "SCRAM-SHA-512",
        "existingSecret": airflow.KAFKA_SECRET,
    }
    assert {"namespace": "orbit-kafka", "ports": [9094]} in values["networkPolicy"]["egressTo"]
    worker = one(_render(values), "Deployment", "airflow-worker")
    connection = json.loads(env_of(worker["spec"]["template"]["spec"]["containers"][0])["AIRFLOW_CONN_KAFKA_DEFAULT"])
    assert connection["extra"]["bootstrap.servers"] == KAFKA_ACCESS.bootstrap_servers
    assert airflow.kafka_credential(KAFKA_ACCESS).username == "airflow"


def test_no_kafka_means_no_connection_and_no_egress():
    values = airflow.chart_values(_args())
    assert "kafka" not in values and values["networkPolicy"]["egressTo"] == []
    worker = one(_render(values), "Deployment", "airflow-worker")
    assert "AIRFLOW_CONN_KAFKA_DEFAULT" not in env_of(worker["spec"]["template"]["spec"]["containers"][0])


def test_kafka_without_an_airflow_user_is_refused():
    access = KafkaAccess("k:9092", "SASL_SSL", "SCRAM-SHA-512", "ca", {"admin": Credential("admin", "a")})
    with pytest.raises(ValueError, match="no user 'airflow'.*users: admin"):
        airflow.kafka_credential(access)


def test_managed_postgres_replaces_the_in_cluster_database():
    postgres = PostgresDatabase(host="orbit.x.rds.amazonaws.com", port=5432, database="airflow", username="orbit_airflow", password="p")
    values = airflow.chart_values(_args(postgres=postgres))
    assert values["database"]["external"] == {"host": "orbit.x.rds.amazonaws.com", "port": 5432, "sslmode": "require"}
    assert values["database"]["user"] == "orbit_airflow" and "postgres" not in values
    objects = _render(values)
    assert not find(objects, "StatefulSet", "airflow-postgres")
    assert "host=orbit.x.rds.amazonaws.com" in one(objects, "ConfigMap", "airflow-pgbouncer")["data"]["pgbouncer.ini"]
    assert "orbit_airflow:secret@" in airflow.database_url("orbit_airflow", "secret", "airflow")
    assert airflow.database_url("u", "p@ss/word", "airflow").startswith("postgresql+psycopg2://u:p%40ss%2Fword@")


def test_kubernetes_executor_values_carry_no_celery_settings():
    config = AirflowConfig(executor="KubernetesExecutor", taskResources={"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}})
    values = airflow.chart_values(_args(config=config))
    assert "workers" not in values and "valkey" not in values
    assert values["kubernetesExecutor"]["resources"]["limits"]["cpu"] == "2"
    assert find(_render(values), "Role")


def test_gateway_and_prometheus_peers_reach_the_chart():
    values = airflow.chart_values(_args(gateway_clients=(GATEWAY_PROXY,), metrics_clients=(PROMETHEUS_SCRAPER,)))
    assert values["networkPolicy"]["apiFrom"] == [GATEWAY_PROXY.values()]
    assert values["networkPolicy"]["metricsFrom"] == [PROMETHEUS_SCRAPER.values()]
    assert values["baseUrl"] == "http://localhost:8080/airflow", "no gateway hostname: a port-forward"
    assert airflow.chart_values(_args(public_url="https://data.corp.example"))["baseUrl"] == "https://data.corp.example/airflow"


def test_the_gateway_hostname_becomes_airflows_base_url_and_route(tmp_path):
    resources = _plan(tmp_path, "  orbit:minio: { servers: 1 }\n  orbit:kong: { hostname: data.corp.example }\n")
    chart = next(r for r in resources if r["name"] == "airflow" and r["type"].endswith("Chart"))
    assert chart["inputs"]["values"]["baseUrl"] == "https://data.corp.example/airflow"
    assert chart["inputs"]["values"]["networkPolicy"]["apiFrom"] == [GATEWAY_PROXY.values()]
    kong = next(r for r in resources if r["name"] == "kong" and r["type"].endswith("Chart"))
    (route,) = [r for r in kong["inputs"]["values"]["routes"] if r["name"] == "airflow"]
    assert route["path"] == "/airflow" and route["auth"] == "none", "Airflow authenticates its own requests"


def test_published_route_and_metrics_match_the_rendered_services():
    objects = _render(airflow.chart_values(_args()))
    (route,) = airflow.ROUTES
    assert route.path == "/airflow" and route.endpoint.path == "/airflow"
    api = one(objects, "Service", route.endpoint.service)
    assert route.endpoint.port in {p["port"] for p in api["spec"]["ports"]}
    (metrics,) = airflow.METRICS
    assert metrics.job == "airflow"
    statsd = one(objects, "Service", metrics.endpoint.service)
    assert metrics.endpoint.port in {p["port"] for p in statsd["spec"]["ports"]}
    exporter = one(objects, "Deployment", "airflow-statsd")
    labels = exporter["spec"]["template"]["metadata"]["labels"]
    assert all(labels[k] == v for k, v in metrics.pod_labels.items())


def test_local_stack_is_laptop_sized(stack_plans):
    values = stack_plans["local"].chart("airflow").inputs["values"]
    assert values["executor"] == "CeleryExecutor"
    assert values["scheduler"]["replicas"] == 1.0 and values["apiServer"]["replicas"] == 1.0
    assert values["postgres"]["persistence"] == {"storageClass": "standard", "size": "5Gi"}
    assert "external" not in values["database"], "the local cluster offers no managed Postgres"


def test_prometheus_scrapes_the_statsd_exporter_it_is_admitted_to(stack_plans):
    for plan in airflow_plans(stack_plans):
        if not [r for r in plan.resources if r.type == "orbit:service:Prometheus"]:
            continue
        targets = plan.chart("prometheus").inputs["values"]["scrapeTargets"]
        (target,) = [t for t in targets if t["job"] == "airflow"]
        assert (target["namespace"], target["service"], target["port"], target["path"]) == ("orbit-airflow", "airflow-statsd", 9102, "/metrics")
        exporter = plan.find("Deployment", "airflow-statsd", "orbit-airflow")
        assert all(exporter["spec"]["template"]["metadata"]["labels"][k] == v for k, v in target["podLabels"].items())
        statsd = plan.find("NetworkPolicy", "airflow-statsd-net", "orbit-airflow")["spec"]
        scrapers = [p for rule in statsd["ingress"] for p in rule["from"] if "namespaceSelector" in p]
        assert scrapers and scrapers[0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "orbit-monitoring"
