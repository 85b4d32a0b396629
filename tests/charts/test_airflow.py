"""Render-and-assert tests for charts/airflow (values -> objects)."""

from __future__ import annotations

import configparser
import json
import re
import subprocess
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml

from policy import rules
from tests.conftest import env_of, find, one, render

NAMESPACE = "orbit-airflow"
REQUIRED = {
    "secrets": {"existingSecret": "airflow-core"},
    "database": {"existingSecret": "airflow-database"},
    "valkey": {"existingSecret": "airflow-valkey"},
    "admin": {"existingSecret": "airflow-admin"},
}
KUBERNETES = {"executor": "KubernetesExecutor"}
REMOTE_LOGGING = {
    "remoteLogging": {
        "enabled": True,
        "endpointUrl": "https://minio.orbit-minio.svc.cluster.local:9000",
        "existingSecret": "airflow-minio-logs",
    }
}
KAFKA = {
    "kafka": {
        "enabled": True,
        "bootstrapServers": "kafka-0.kafka-hl.orbit-kafka.svc.cluster.local:9094,kafka-1.kafka-hl.orbit-kafka.svc.cluster.local:9094",
        "existingSecret": "airflow-kafka",
    }
}
GIT_SSH = {"dags": {"source": "gitSync", "gitSync": {"repository": "git@github.com:corp/dags.git", "auth": "ssh", "existingSecret": "airflow-git"}}}
CORE_VARIABLES = {
    "AIRFLOW__CORE__FERNET_KEY": "fernet-key",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sql-alchemy-conn",
    "AIRFLOW__API__SECRET_KEY": "api-secret-key",
    "AIRFLOW__API_AUTH__JWT_SECRET": "jwt-secret",
}
AIRFLOW_DEPLOYMENTS = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def airflow(*overlays: dict, **values) -> list[dict]:
    merged = _merge(REQUIRED, *overlays, values)
    return render("airflow", merged, release="airflow", namespace=NAMESPACE)


def _merge(*layers: dict) -> dict:
    result: dict = {}
    for layer in layers:
        for key, value in layer.items():
            result[key] = _merge(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) else value
    return result


def pod(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def airflow_containers(objects: list[dict]) -> list[tuple[str, dict]]:
    """Every container running the Airflow image, including init containers and the task pod template."""
    found = []
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            spec = pod(obj)
            for container in (spec.get("initContainers") or []) + spec["containers"]:
                if "apache/airflow" in container["image"]:
                    found.append((f"{obj['metadata']['name']}/{container['name']}", container))
    for template in find(objects, "ConfigMap", "airflow-pod-template"):
        for container in pod_template(template)["spec"]["containers"]:
            found.append((f"pod-template/{container['name']}", container))
    return found


def pod_template(configmap: dict) -> dict:
    return yaml.safe_load(configmap["data"]["pod_template_file.yaml"])


def airflow_cfg(objects: list[dict]) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(one(objects, "ConfigMap", "airflow-config")["data"]["airflow.cfg"])
    return parser


def service_host(objects: list[dict], name: str) -> str:
    service = one(objects, "Service", name)
    return f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"


def service_ports(objects: list[dict], name: str) -> set[int]:
    return {p["port"] for p in one(objects, "Service", name)["spec"]["ports"]}


def policy(objects: list[dict], component: str) -> dict:
    return one(objects, "NetworkPolicy", f"airflow-{component}-net")["spec"]


def peers_of(rule: dict, key: str) -> list[dict]:
    return [p.get("podSelector", {}).get("matchLabels", {}) for p in rule.get(key, [])]


def components_in(rules_: list[dict], key: str) -> set[str]:
    return {labels.get("app.kubernetes.io/component") for rule in rules_ for labels in peers_of(rule, key)}


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", [{}, KUBERNETES, _merge(KUBERNETES, GIT_SSH), REMOTE_LOGGING | KAFKA])
def test_every_airflow_container_references_the_same_secrets(overlay):
    objects = airflow(overlay)
    containers = airflow_containers(objects)
    assert len(containers) >= 10, [name for name, _ in containers]
    expected = {var: {"secretKeyRef": {"name": "airflow-core", "key": key}} for var, key in CORE_VARIABLES.items()}
    if overlay.get("executor") != "KubernetesExecutor":
        expected["AIRFLOW__CELERY__BROKER_URL"] = {"secretKeyRef": {"name": "airflow-core", "key": "celery-broker-url"}}
    for name, container in containers:
        env = env_of(container)
        for variable, reference in expected.items():
            assert env.get(variable) == reference, f"{name}: {variable} is {env.get(variable)}"
        secret_valued = {e["name"] for e in container["env"] if "value" in e and re.search(r"SECRET|PASSWORD|FERNET|JWT|CONN$", e["name"])}
        assert not secret_valued, f"{name} sets {secret_valued} as literal values"


def test_kubernetes_executor_has_no_broker_secret():
    for name, container in airflow_containers(airflow(KUBERNETES)):
        assert "AIRFLOW__CELERY__BROKER_URL" not in env_of(container), name


def test_no_secret_in_any_configmap_and_config_is_one_file_for_all():
    objects = airflow(REMOTE_LOGGING, KAFKA)
    cfg = one(objects, "ConfigMap", "airflow-config")["data"]["airflow.cfg"]
    assert not re.search(r"(fernet_key|sql_alchemy_conn|secret_key|jwt_secret|broker_url)\s*=", cfg)
    checksums = {name: one(objects, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]["checksum/config"] for name in AIRFLOW_DEPLOYMENTS}
    assert len(set(checksums.values())) == 1, "every component must restart on the same configuration"


# --- executor switch -------------------------------------------------------------------------


def names(objects: list[dict], kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in find(objects, kind)}


def test_celery_executor_renders_workers_and_a_persistent_protected_valkey():
    objects = airflow()
    assert names(objects, "Deployment") == {*AIRFLOW_DEPLOYMENTS, "airflow-worker", "airflow-pgbouncer", "airflow-statsd"}
    assert names(objects, "StatefulSet") == {"airflow-postgres", "airflow-valkey"}
    assert not find(objects, "Role") and not find(objects, "RoleBinding")
    assert not find(objects, "ConfigMap", "airflow-pod-template")
    valkey = one(objects, "StatefulSet", "airflow-valkey")
    assert valkey["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert valkey["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] == "orphan"
    conf = one(objects, "ConfigMap", "airflow-valkey")["data"]["valkey.conf"]
    assert "appendonly yes" in conf and "include /run/valkey/auth.conf" in conf
    container = pod(valkey)["containers"][0]
    assert "requirepass" in container["args"][0] and "/run/secrets/valkey/password" in container["args"][0]
    password = next(v for v in pod(valkey)["volumes"] if v["name"] == "password")
    assert password["secret"]["secretName"] == "airflow-valkey"
    worker = one(objects, "Deployment", "airflow-worker")
    assert "airflow celery worker" in pod(worker)["containers"][0]["args"][-1]
    assert airflow_cfg(objects)["core"]["executor"] == "CeleryExecutor"
    for deployment in find(objects, "Deployment"):
        assert pod(deployment)["automountServiceAccountToken"] is False, deployment["metadata"]["name"]


def test_kubernetes_executor_renders_pod_template_and_rbac_and_no_workers_or_valkey():
    objects = airflow(KUBERNETES)
    assert names(objects, "Deployment") == {*AIRFLOW_DEPLOYMENTS, "airflow-pgbouncer", "airflow-statsd"}
    assert names(objects, "StatefulSet") == {"airflow-postgres"}
    assert not any("valkey" in o["metadata"]["name"] for o in objects)
    role = one(objects, "Role", "airflow-scheduler-pod-launcher")
    assert {r["resources"][0] for r in role["rules"]} == {"pods", "pods/log", "events"}
    assert all("*" not in r["verbs"] and r["apiGroups"] == [""] for r in role["rules"])
    binding = one(objects, "RoleBinding", "airflow-scheduler-pod-launcher")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "airflow-scheduler", "namespace": NAMESPACE}]
    assert one(objects, "ServiceAccount", "airflow-scheduler")["automountServiceAccountToken"] is False
    scheduler = one(objects, "Deployment", "airflow-scheduler")
    assert pod(scheduler)["serviceAccountName"] == "airflow-scheduler"
    assert pod(scheduler)["automountServiceAccountToken"] is True, "the scheduler launches pods through the API"
    assert "CKV_K8S_38" in scheduler["metadata"]["annotations"]["checkov.io/skip2"]
    for name in set(AIRFLOW_DEPLOYMENTS) - {"airflow-scheduler"}:
        assert pod(one(objects, "Deployment", name))["automountServiceAccountToken"] is False, name
    cfg = airflow_cfg(objects)
    assert cfg["core"]["executor"] == "KubernetesExecutor"
    assert cfg["kubernetes_executor"]["namespace"] == NAMESPACE
    mounts = {m["mountPath"] for m in pod(scheduler)["containers"][0]["volumeMounts"]}
    assert cfg["kubernetes_executor"]["pod_template_file"].rsplit("/", 1)[0] in mounts


def test_task_pod_template_is_a_valid_restricted_pod_governed_by_the_worker_policy():
    objects = airflow(KUBERNETES, GIT_SSH, REMOTE_LOGGING)
    template = pod_template(one(objects, "ConfigMap", "airflow-pod-template"))
    for version in ("1.31", "1.37"):
        kubernetes_validate.validate(template, version, strict=True)
    template["metadata"]["namespace"] = NAMESPACE
    # A task pod runs to completion like a Job (no probes); its NetworkPolicy is checked below.
    violations = [v for v in rules.check([template], [], rules.PolicyContext()) if v.rule not in ("network-policy-coverage", "probes")]
    assert not violations, violations
    assert template["spec"]["automountServiceAccountToken"] is False
    assert template["spec"]["containers"][0]["name"] == "base"
    assert template["spec"]["initContainers"][0]["name"] == "git-sync"
    assert env_of(template["spec"]["initContainers"][0])["GITSYNC_ONE_TIME"] == "true"
    worker_policy = policy(objects, "worker")["podSelector"]["matchLabels"]
    assert rules.selector_matches({"matchLabels": worker_policy}, template["metadata"]["labels"])


# --- configuration points at what is rendered ------------------------------------------------


def test_configuration_points_at_the_services_the_chart_renders():
    objects = airflow(baseUrl="https://data.corp.example/airflow")
    cfg = airflow_cfg(objects)
    assert cfg["metrics"]["statsd_host"] == service_host(objects, "airflow-statsd")
    assert int(cfg["metrics"]["statsd_port"]) in service_ports(objects, "airflow-statsd")
    execution = urlparse(cfg["core"]["execution_api_server_url"])
    assert execution.hostname == service_host(objects, "airflow-api-server")
    assert execution.port in service_ports(objects, "airflow-api-server")
    assert execution.path == "/airflow/execution/"
    assert cfg["api"]["base_url"] == "https://data.corp.example/airflow"
    ini = one(objects, "ConfigMap", "airflow-pgbouncer")["data"]["pgbouncer.ini"]
    assert f"airflow = host={service_host(objects, 'airflow-postgres')} port=5432 dbname=airflow" in ini
    assert "listen_port = 6543" in ini and 6543 in service_ports(objects, "airflow-pgbouncer")
    assert "server_tls_sslmode" not in ini


def test_api_server_probes_and_serves_under_the_base_url_path():
    objects = airflow(baseUrl="https://data.corp.example/airflow")
    container = pod(one(objects, "Deployment", "airflow-api-server"))["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/airflow/api/v2/monitor/health"
    root = airflow(baseUrl="http://localhost:8080")
    container = pod(one(root, "Deployment", "airflow-api-server"))["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/v2/monitor/health"
    assert urlparse(airflow_cfg(root)["core"]["execution_api_server_url"]).path == "/execution/"


def test_external_database_replaces_the_in_cluster_postgres():
    objects = airflow(database={"external": {"host": "orbit.abc.eu-west-1.rds.amazonaws.com", "port": 5432}})
    assert not find(objects, "StatefulSet", "airflow-postgres") and not find(objects, "Service", "airflow-postgres")
    ini = one(objects, "ConfigMap", "airflow-pgbouncer")["data"]["pgbouncer.ini"]
    assert "airflow = host=orbit.abc.eu-west-1.rds.amazonaws.com port=5432 dbname=airflow" in ini
    assert "server_tls_sslmode = require" in ini
    egress = policy(objects, "pgbouncer")["egress"]
    assert egress == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 5432}]}]


def test_in_cluster_postgres_is_non_root_retained_and_reads_its_password_from_a_file():
    objects = airflow()
    postgres = one(objects, "StatefulSet", "airflow-postgres")
    assert postgres["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert postgres["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] == "orphan"
    spec = pod(postgres)
    assert spec["securityContext"]["runAsUser"] >= 10000
    container = spec["containers"][0]
    assert container["image"].startswith("docker.io/library/postgres:")
    env = env_of(container)
    assert env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres/password" and "POSTGRES_PASSWORD" not in env
    assert next(v for v in spec["volumes"] if v["name"] == "password")["secret"]["secretName"] == "airflow-database"
    pgbouncer = pod(one(objects, "Deployment", "airflow-pgbouncer"))
    assert next(v for v in pgbouncer["volumes"] if v["name"] == "password")["secret"]["secretName"] == "airflow-database"
    assert "/run/pgbouncer/userlist.txt" in pgbouncer["containers"][0]["args"][0]


# --- migrations and the admin user -----------------------------------------------------------


def test_migrations_are_a_plain_job_every_component_waits_for():
    objects = airflow()
    migrate = one(objects, "Job", "airflow-migrate-database")
    assert "airflow db migrate" in pod(migrate)["containers"][0]["args"][-1]
    kind, target = _depends_on(migrate)
    assert kind == "Deployment" and find(objects, "Deployment", target), "the migration must wait for PgBouncer"
    for deployment in [*AIRFLOW_DEPLOYMENTS, "airflow-worker"]:
        init = pod(one(objects, "Deployment", deployment))["initContainers"]
        assert [c["name"] for c in init] == ["wait-for-migrations"], deployment
        assert "airflow db check-migrations" in init[0]["args"][-1]


def test_admin_user_job_runs_after_the_migrations_with_its_password_from_a_secret():
    objects = airflow(admin={"email": "ops@corp.example"})
    job = one(objects, "Job", "airflow-create-user")
    kind, target = _depends_on(job)
    assert (kind, target) == ("Job", "airflow-migrate-database")
    spec = pod(job)
    script = spec["containers"][0]["args"][-1]
    assert "airflow users create --role Admin" in script and "/run/secrets/admin/password" in script
    assert env_of(spec["containers"][0])["ADMIN_EMAIL"] == "ops@corp.example"
    admin = next(v for v in spec["volumes"] if v["name"] == "admin")
    assert admin["secret"]["secretName"] == "airflow-admin"
    assert not find(airflow(admin={"enabled": False}), "Job", "airflow-create-user")


def _depends_on(obj: dict) -> tuple[str, str]:
    group_ns_kind_name = obj["metadata"]["annotations"]["config.kubernetes.io/depends-on"].split("/")
    assert group_ns_kind_name[1:3] == ["namespaces", NAMESPACE]
    return group_ns_kind_name[3], group_ns_kind_name[4]


@pytest.mark.parametrize("overlay", [{}, KUBERNETES, _merge(KUBERNETES, GIT_SSH, REMOTE_LOGGING, KAFKA)])
def test_no_helm_hooks_anywhere(overlay):
    for obj in airflow(overlay):
        assert not any(k.startswith("helm.sh/hook") for k in (obj["metadata"].get("annotations") or {})), obj["metadata"]["name"]


# --- connections -----------------------------------------------------------------------------


def connection(container: dict, variable: str) -> dict:
    env = container["env"]
    entry = next(e for e in env if e["name"] == variable)
    document = json.loads(entry["value"])
    # Every $(VAR) in the document must be defined earlier from a Secret (Kubernetes expands only those).
    earlier = {e["name"]: e for e in env[: env.index(entry)]}
    for reference in re.findall(r"\$\((\w+)\)", entry["value"]):
        assert "secretKeyRef" in earlier[reference]["valueFrom"], reference
    return document


def test_s3_log_connection_and_remote_logging_render_only_when_enabled():
    objects = airflow(REMOTE_LOGGING)
    cfg = airflow_cfg(objects)
    assert cfg["logging"]["remote_logging"] == "True"
    assert cfg["logging"]["remote_base_log_folder"] == "s3://airflow-logs/logs"
    assert cfg["logging"]["remote_log_conn_id"] == "minio_logs"
    for name, container in airflow_containers(objects):
        document = connection(container, "AIRFLOW_CONN_MINIO_LOGS")
        assert document["conn_type"] == "aws" and document["login"] == "$(ORBIT_S3_ACCESS_KEY)"
        assert document["extra"]["endpoint_url"] == "https://minio.orbit-minio.svc.cluster.local:9000"
        assert document["extra"]["verify"] == "/etc/orbit/s3/ca.crt"
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/etc/orbit/s3"}
    plain = airflow()
    assert airflow_cfg(plain)["logging"]["remote_logging"] == "False"
    for name, container in airflow_containers(plain):
        assert not [v for v in env_of(container) if v.startswith(("AIRFLOW_CONN_", "ORBIT_"))], name


def test_kafka_connection_renders_only_when_given():
    objects = airflow(KAFKA)
    for name, container in airflow_containers(objects):
        document = connection(container, "AIRFLOW_CONN_KAFKA_DEFAULT")
        assert document["conn_type"] == "kafka"
        extra = document["extra"]
        assert extra["bootstrap.servers"] == KAFKA["kafka"]["bootstrapServers"]
        assert extra["security.protocol"] == "SASL_SSL" and extra["sasl.mechanism"] == "SCRAM-SHA-512"
        assert extra["sasl.username"] == "$(ORBIT_KAFKA_USERNAME)" and extra["sasl.password"] == "$(ORBIT_KAFKA_PASSWORD)"
        assert extra["ssl.ca.location"] == "/etc/orbit/kafka/ca.crt"
        assert extra["enable.auto.commit"] == "false", "consumers commit after their work is stored"
        assert env_of(container)["ORBIT_KAFKA_PASSWORD"] == {"secretKeyRef": {"name": "airflow-kafka", "key": "password"}}
    for name, container in airflow_containers(airflow()):
        assert "AIRFLOW_CONN_KAFKA_DEFAULT" not in env_of(container), name
    assert not any(v["name"] == "kafka-ca" for v in pod(one(airflow(), "Deployment", "airflow-worker"))["volumes"])


# --- network policies ------------------------------------------------------------------------


def test_network_policies_allow_exactly_what_airflow_needs():
    egress_to = [{"namespace": "orbit-minio", "ports": [9000]}, {"namespace": "orbit-kafka", "ports": [9094]}]
    objects = airflow(
        networkPolicy={
            "apiFrom": [{"namespace": "orbit-gateway", "podLabels": {"app.kubernetes.io/name": "kong"}}],
            "metricsFrom": [{"namespace": "orbit-monitoring"}],
            "egressTo": egress_to,
        }
    )
    deny = one(objects, "NetworkPolicy", "airflow-default-deny")["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny
    api = policy(objects, "api-server")
    assert components_in(api["ingress"], "from") == {"worker", None}, "workers (execution API) and the gateway only"
    gateway = [p for rule in api["ingress"] for p in rule["from"] if "namespaceSelector" in p]
    assert gateway[0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "orbit-gateway"
    worker = policy(objects, "worker")
    assert {"component": "api-server", "port": 8080} in _egress_pairs(worker)
    assert {"component": "valkey", "port": 6379} in _egress_pairs(worker)
    common = one(objects, "NetworkPolicy", "airflow-components-net")["spec"]
    assert {"component": "pgbouncer", "port": 6543} in _egress_pairs(common)
    assert set(common["podSelector"]["matchExpressions"][0]["values"]) >= {"api-server", "scheduler", "dag-processor", "triggerer", "worker", "migrate-database", "create-user"}
    pgbouncer = policy(objects, "pgbouncer")
    assert pgbouncer["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 6543}]
    assert _egress_pairs(pgbouncer) == [{"component": "postgres", "port": 5432}]
    postgres = policy(objects, "postgres")
    assert components_in(postgres["ingress"], "from") == {"pgbouncer"} and postgres["egress"] == []
    assert components_in(policy(objects, "valkey")["ingress"], "from") == {"scheduler", "worker"}
    statsd = policy(objects, "statsd")
    assert {"protocol": "TCP", "port": 9102} in statsd["ingress"][1]["ports"]
    for component in ("worker", "api-server", "triggerer"):
        namespaces = {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for rule in policy(objects, component)["egress"] for p in rule["to"] if "namespaceSelector" in p}
        assert namespaces == {"orbit-minio", "orbit-kafka"}, component
    assert _egress_pairs(policy(objects, "scheduler")) == [{"component": "valkey", "port": 6379}]
    assert not policy(objects, "dag-processor").get("egress"), "the dag-processor needs only the database and statsd"


def _egress_pairs(spec: dict) -> list[dict]:
    return [
        {"component": p["podSelector"]["matchLabels"].get("app.kubernetes.io/component"), "port": port["port"]}
        for rule in spec.get("egress", [])
        for p in rule["to"]
        if "podSelector" in p
        for port in rule["ports"]
    ]


def test_kubernetes_executor_scheduler_may_reach_the_api_server_only():
    scheduler = policy(airflow(KUBERNETES), "scheduler")
    assert scheduler["egress"] == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}]


# --- DAG delivery ----------------------------------------------------------------------------


def test_git_sync_runs_beside_the_components_that_read_dags():
    objects = airflow(GIT_SSH)
    for name in ("airflow-dag-processor", "airflow-triggerer", "airflow-worker"):
        containers = {c["name"]: c for c in pod(one(objects, "Deployment", name))["containers"]}
        assert "git-sync" in containers, name
        env = env_of(containers["git-sync"])
        assert env["GITSYNC_REPO"] == "git@github.com:corp/dags.git"
        assert env["GITSYNC_SSH_KEY_FILE"] == "/etc/git-secret/ssh"
    for name in ("airflow-api-server", "airflow-scheduler"):
        assert [c["name"] for c in pod(one(objects, "Deployment", name))["containers"]] == [name.removeprefix("airflow-")]
    assert airflow_cfg(objects)["core"]["dags_folder"] == "/opt/airflow/dags/repo/dags"
    credentials = next(v for v in pod(one(objects, "Deployment", "airflow-worker"))["volumes"] if v["name"] == "git-credentials")
    assert credentials["secret"]["secretName"] == "airflow-git"
    assert {i["key"] for i in credentials["secret"]["items"]} == {"ssh", "known_hosts"}


def test_dags_baked_into_the_image_need_no_sidecar():
    objects = airflow(image={"registry": "registry.corp", "repository": "data/airflow", "tag": "2026.11.1"})
    assert airflow_cfg(objects)["core"]["dags_folder"] == "/opt/airflow/dags"
    for name, container in airflow_containers(objects):
        assert container["image"] == "registry.corp/data/airflow:2026.11.1", name
    assert not any(c["name"] == "git-sync" for d in find(objects, "Deployment") for c in pod(d)["containers"])


# --- HA and safety ---------------------------------------------------------------------------


def test_pdbs_and_spread_for_replicated_components():
    objects = airflow()
    for name in (*AIRFLOW_DEPLOYMENTS, "airflow-worker", "airflow-pgbouncer"):
        assert one(objects, "PodDisruptionBudget", name)["spec"]["maxUnavailable"] == 1
        keys = {c["topologyKey"] for c in pod(one(objects, "Deployment", name))["topologySpreadConstraints"]}
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name
    single = airflow(scheduler={"replicas": 1}, apiServer={"replicas": 1})
    assert not find(single, "PodDisruptionBudget", "airflow-scheduler") and not find(single, "PodDisruptionBudget", "airflow-api-server")
    assert one(single, "Deployment", "airflow-scheduler")["spec"]["replicas"] == 1


VALUE_SETS = {
    "celery": {},
    "kubernetes+git-ssh+external-db": _merge(KUBERNETES, GIT_SSH, {"database": {"external": {"host": "db.corp.example"}}}),
    "celery+git-token+wired": _merge(
        {"dags": {"source": "gitSync", "gitSync": {"repository": "https://github.com/corp/dags.git", "auth": "token", "existingSecret": "airflow-git"}}},
        REMOTE_LOGGING,
        KAFKA,
        {"networkPolicy": {"egressTo": [{"namespace": "orbit-minio", "ports": [9000]}]}},
    ),
}


@pytest.mark.parametrize("overlay", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_rendered_objects_pass_the_policies_and_strict_schemas(overlay):
    objects = airflow(overlay)
    violations = rules.check(objects, [], rules.PolicyContext())
    assert not violations, "\n".join(map(str, violations))
    for obj in objects:
        for version in ("1.31", "1.37"):
            kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.slow
def test_checkov_is_clean_for_the_kubernetes_executor_and_git_sync(tmp_path):
    """The stacks exercise Celery; this scans the other executor's objects (Role, pod template)."""
    from tests.test_checkov import SKIPS, checkov_binary

    binary = checkov_binary()
    if binary is None:
        pytest.skip("Checkov is not installed")
    (tmp_path / "airflow.yaml").write_text(yaml.safe_dump_all(airflow(VALUE_SETS["kubernetes+git-ssh+external-db"])))
    result = subprocess.run(
        [binary, "-d", str(tmp_path), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
         "--skip-check", ",".join(s["check"] for s in SKIPS)],
        capture_output=True, text=True, timeout=600,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["passed"] > 0
    assert not report["results"]["failed_checks"], [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]


def test_image_registry_override_moves_every_image():
    objects = airflow(GIT_SSH, **{"global": {"imageRegistry": "mirror.corp:5000/orbit"}})
    images = [c["image"] for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job") for c in pod(o)["containers"] + (pod(o).get("initContainers") or [])]
    assert len(images) > 10 and all(i.startswith("mirror.corp:5000/orbit/") for i in images), images


# --- bad values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"executor": "LocalExecutor"}, "executor"),
        ({"baseUrl": "localhost/airflow"}, "baseUrl"),
        ({"scheduler": {"replicas": 0}}, "minimum"),
        ({"image": {"registry": "docker.io", "repository": "apache/airflow", "tag": "latest"}}, "image/tag"),
        ({"unknownKey": True}, "unknownKey"),
        ({"secrets": {"existingSecret": ""}}, "secrets.existingSecret is required"),
        ({"database": {"existingSecret": ""}}, "database.existingSecret is required"),
        ({"valkey": {"existingSecret": ""}}, "valkey.existingSecret is required with CeleryExecutor"),
        ({"admin": {"existingSecret": ""}}, "admin.existingSecret is required"),
        ({"dags": {"source": "gitSync"}}, "dags.gitSync.repository is required"),
        ({"dags": {"source": "gitSync", "gitSync": {"repository": "https://github.com/corp/dags.git", "auth": "ssh", "existingSecret": "g"}}}, "is an http(s) URL"),
        ({"dags": {"source": "gitSync", "gitSync": {"repository": "git@github.com:corp/dags.git", "auth": "token", "existingSecret": "g"}}}, "is not an https:// URL"),
        ({"dags": {"source": "gitSync", "gitSync": {"repository": "git@github.com:corp/dags.git", "auth": "ssh"}}}, "dags.gitSync.existingSecret is required"),
        ({"remoteLogging": {"enabled": True}}, "remoteLogging.endpointUrl and remoteLogging.existingSecret are required"),
        ({"kafka": {"enabled": True, "existingSecret": "k"}}, "kafka.bootstrapServers and kafka.existingSecret are required"),
        ({"kafka": {"bootstrapServers": "kafka:nine"}}, "bootstrapServers"),
        ({"database": {"external": {"sslmode": "sometimes"}}}, "sslmode"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception) as raised:
        airflow(values)
    assert message in str(raised.value)


def test_kubernetes_executor_needs_no_valkey_secret():
    assert airflow(KUBERNETES, valkey={"existingSecret": ""})
