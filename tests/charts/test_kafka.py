"""Render-and-assert tests for charts/kafka (values -> objects)."""

from __future__ import annotations

import json
import re
import subprocess

import kubernetes_validate
import pytest
import yaml

from policy import rules
from tests.conftest import CHARTS_DIR, KUBERNETES_VERSIONS, env_of, find, one, render
from tests.test_checkov import SKIPS, checkov_binary

NAMESPACE = "orbit-kafka"
DOMAIN = f"{NAMESPACE}.svc.cluster.local"
REQUIRED = {
    "clusterId": {"existingSecret": "kafka-cluster-id"},
    "tls": {"existingSecret": "kafka-tls"},
    "auth": {"adminSecret": "kafka-user-admin"},
    "exporter": {"secretName": "kafka-user-kafka-exporter"},
}
AIRFLOW = {"name": "airflow", "secretName": "kafka-user-airflow", "topics": ["airflow.*"], "groups": ["airflow*"]}
# Production shape as the component passes it: numbers arrive as floats.
PRODUCTION = {
    "controller": {"replicas": 3.0},
    "broker": {"replicas": 4.0, "zones": ["zone-a", "zone-b", "zone-c"]},
    "auth": {"adminSecret": "kafka-user-admin", "users": [AIRFLOW]},
    "topics": [
        {"name": "airflow.events", "partitions": 6.0, "retentionMs": 604800000.0, "cleanupPolicy": "compact,delete"},
        {"name": "audit", "replicationFactor": 2.0},
    ],
    "networkPolicy": {
        "clientsFrom": [{"namespace": "orbit-airflow"}],
        "metricsFrom": [{"namespace": "orbit-monitoring", "podLabels": {"app.kubernetes.io/name": "prometheus"}}],
    },
}
LOCAL = {
    "combined": True,
    "broker": {"replicas": 1.0},
    "replication": {"defaultReplicationFactor": 1.0, "minInsyncReplicas": 1.0},
    "topics": [{"name": "airflow.events", "partitions": 1.0}],
}


def kafka(**values):
    merged = {**REQUIRED, **values}
    return render("kafka", merged, release="kafka", namespace=NAMESPACE)


def properties(objects, key: str) -> dict[str, str]:
    text = one(objects, "ConfigMap", "kafka-config")["data"][key]
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def statefulsets(objects, component: str):
    return [s for s in find(objects, "StatefulSet") if s["metadata"]["labels"]["app.kubernetes.io/component"] == component]


def pod(sts):
    return sts["spec"]["template"]["spec"]


def node_env(sts):
    return env_of(pod(sts)["containers"][0])


def labels_match(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# --- quorum and ids ----------------------------------------------------------------------------


@pytest.mark.parametrize("controllers", [1, 3, 5])
def test_voters_match_the_controller_statefulset(controllers):
    objects = kafka(**{**PRODUCTION, "controller": {"replicas": float(controllers)}})
    sts = one(objects, "StatefulSet", "kafka-controller")
    voters = properties(objects, "common.properties")["controller.quorum.voters"].split(",")
    assert sts["spec"]["replicas"] == controllers
    assert node_env(sts)["KAFKA_ID_BASE"] == "0"
    headless = one(objects, "Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    expected = [f"{i}@kafka-controller-{i}.{sts['spec']['serviceName']}.{DOMAIN}:9093" for i in range(controllers)]
    assert voters == expected


def test_combined_mode_voters_are_the_combined_nodes():
    objects = kafka(**LOCAL)
    assert not statefulsets(objects, "controller")
    (sts,) = statefulsets(objects, "broker")
    assert properties(objects, "broker.properties")["process.roles"] == "broker,controller"
    assert properties(objects, "common.properties")["controller.quorum.voters"] == (
        f"0@kafka-broker-0.kafka-broker-hl.{DOMAIN}:9093"
    )
    assert node_env(sts)["KAFKA_ID_BASE"] == "0"
    ports = {p["name"] for p in one(objects, "Service", "kafka-broker-hl")["spec"]["ports"]}
    assert "controller" in ports


def test_node_id_ranges_are_disjoint_between_sets():
    objects = kafka(**{**PRODUCTION, "controller": {"replicas": 5.0}, "broker": {"replicas": 9.0, "zones": ["a", "b", "c"]}})
    ranges = []
    for sts in find(objects, "StatefulSet"):
        base = int(node_env(sts)["KAFKA_ID_BASE"])
        ranges.append(set(range(base, base + sts["spec"]["replicas"])))
    all_ids = [i for r in ranges for i in r]
    assert len(all_ids) == len(set(all_ids)) == 5 + 9


def test_rendering_is_deterministic():
    assert kafka(**PRODUCTION) == kafka(**PRODUCTION)


# --- names ---------------------------------------------------------------------------------


def test_advertised_listeners_resolve_to_the_headless_service_names():
    objects = kafka(**PRODUCTION)
    script = one(objects, "ConfigMap", "kafka-config")["data"]["start.sh"]
    assert f'fqdn="${{HOSTNAME}}.${{KAFKA_HEADLESS}}.{DOMAIN}"' in script
    assert 'advertised.listeners=CLIENT://${fqdn}:9092,INTERNAL://${fqdn}:9094' in script
    for sts in statefulsets(objects, "broker"):
        headless_name = node_env(sts)["KAFKA_HEADLESS"]
        assert headless_name == sts["spec"]["serviceName"]
        headless = one(objects, "Service", headless_name)
        assert headless["spec"]["clusterIP"] == "None"
        assert labels_match(headless["spec"]["selector"], sts["spec"]["template"]["metadata"]["labels"])
        assert {p["port"] for p in headless["spec"]["ports"]} >= {9092, 9094}


def test_provisioning_bootstraps_through_every_broker_pod_name():
    objects = kafka(**PRODUCTION)
    bootstrap = env_of(one(objects, "Job")["spec"]["template"]["spec"]["containers"][0])["KAFKA_BOOTSTRAP"].split(",")
    expected = [
        f"{sts['metadata']['name']}-{i}.kafka-broker-hl.{DOMAIN}:9094"
        for sts in statefulsets(objects, "broker")
        for i in range(sts["spec"]["replicas"])
    ]
    assert sorted(bootstrap) == sorted(expected) and len(bootstrap) == 4


def test_brokers_are_dealt_over_zones_with_rack_and_affinity():
    objects = kafka(**PRODUCTION)
    sets = {s["metadata"]["name"]: s for s in statefulsets(objects, "broker")}
    assert {name: s["spec"]["replicas"] for name, s in sets.items()} == {
        "kafka-broker-zone-a": 2, "kafka-broker-zone-b": 1, "kafka-broker-zone-c": 1
    }
    for zone in ("zone-a", "zone-b", "zone-c"):
        sts = sets[f"kafka-broker-{zone}"]
        assert node_env(sts)["KAFKA_RACK"] == zone
        terms = pod(sts)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        assert terms[0]["matchExpressions"][0] == {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}
    script = one(objects, "ConfigMap", "kafka-config")["data"]["start.sh"]
    assert 'echo "broker.rack=${KAFKA_RACK}"' in script


def test_a_zone_without_brokers_keeps_an_empty_set_so_scaling_down_never_deletes_one():
    objects = kafka(**{**PRODUCTION, "broker": {"replicas": 2.0, "zones": ["zone-a", "zone-b", "zone-c"]},
                       "replication": {"defaultReplicationFactor": 2.0, "minInsyncReplicas": 1.0}, "topics": []})
    sets = {s["metadata"]["name"]: s["spec"]["replicas"] for s in statefulsets(objects, "broker")}
    assert sets == {"kafka-broker-zone-a": 1, "kafka-broker-zone-b": 1, "kafka-broker-zone-c": 0}
    bootstrap = env_of(one(objects, "Job")["spec"]["template"]["spec"]["containers"][0])["KAFKA_BOOTSTRAP"]
    assert "zone-c" not in bootstrap


def test_without_zones_brokers_spread_over_zones_without_rack():
    objects = kafka(broker={"replicas": 3.0})
    (sts,) = statefulsets(objects, "broker")
    assert "KAFKA_RACK" not in node_env(sts)
    keys = {c["topologyKey"]: c["whenUnsatisfiable"] for c in pod(sts)["topologySpreadConstraints"]}
    assert keys == {"kubernetes.io/hostname": "DoNotSchedule", "topology.kubernetes.io/zone": "ScheduleAnyway"}


# --- durability ----------------------------------------------------------------------------


def _replication_factors(objects):
    props = properties(objects, "broker.properties")
    factors = {k: int(v) for k, v in props.items() if k.endswith("replication.factor")}
    script = one(objects, "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    for name, rf in re.findall(r'^ensure_topic "([^"]+)" \d+ (\d+) ', script, flags=re.MULTILINE):
        factors[f"topic {name}"] = int(rf)
    return props, factors


def test_production_durability_settings():
    props, factors = _replication_factors(kafka(**PRODUCTION))
    assert factors == {
        "default.replication.factor": 3,
        "offsets.topic.replication.factor": 3,
        "transaction.state.log.replication.factor": 3,
        "share.coordinator.state.topic.replication.factor": 3,
        "topic airflow.events": 3,
        "topic audit": 2,
    }
    assert props["min.insync.replicas"] == "2" and props["transaction.state.log.min.isr"] == "2"
    assert props["unclean.leader.election.enable"] == "false"
    assert props["auto.create.topics.enable"] == "false"


@pytest.mark.parametrize("values", [PRODUCTION, LOCAL], ids=["production", "local"])
def test_replication_factor_never_exceeds_the_brokers(values):
    objects = kafka(**values)
    brokers = sum(s["spec"]["replicas"] for s in statefulsets(objects, "broker"))
    _, factors = _replication_factors(objects)
    assert factors and all(rf <= brokers for rf in factors.values()), factors


def test_local_single_node_uses_replication_factor_one_consistently():
    props, factors = _replication_factors(kafka(**LOCAL))
    assert set(factors.values()) == {1}
    assert props["min.insync.replicas"] == "1" and props["transaction.state.log.min.isr"] == "1"
    script = one(kafka(**LOCAL), "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    assert '"min.insync.replicas=1,cleanup.policy=[delete]"' in script


def test_topic_with_fewer_replicas_than_the_minimum_isr_stays_writable():
    script = one(kafka(**PRODUCTION), "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    audit = next(line for line in script.splitlines() if line.startswith('ensure_topic "audit"'))
    assert "min.insync.replicas=1" in audit


def test_pdbs_allow_one_node_down_per_role():
    objects = kafka(**PRODUCTION)
    for name, component in (("kafka-broker", "broker"), ("kafka-controller", "controller")):
        pdb = one(objects, "PodDisruptionBudget", name)
        assert pdb["spec"]["maxUnavailable"] == 1
        assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == component
    assert not find(kafka(**LOCAL), "PodDisruptionBudget")


def test_broker_sets_roll_one_after_another():
    objects = kafka(**PRODUCTION)
    order = ["kafka-controller", "kafka-broker-zone-a", "kafka-broker-zone-b", "kafka-broker-zone-c"]
    for previous, name in zip(order, order[1:]):
        annotations = one(objects, "StatefulSet", name)["metadata"]["annotations"]
        assert annotations["config.kubernetes.io/depends-on"] == f"apps/namespaces/{NAMESPACE}/StatefulSet/{previous}"
        assert int(annotations["pulumi.com/timeoutSeconds"]) >= 3600
    assert "config.kubernetes.io/depends-on" not in one(objects, "StatefulSet", "kafka-controller")["metadata"]["annotations"]
    (combined,) = find(kafka(**LOCAL), "StatefulSet")
    assert "config.kubernetes.io/depends-on" not in combined["metadata"]["annotations"]


def test_volumes_are_retained_and_replacement_orphans_pods():
    for sts in find(kafka(**PRODUCTION), "StatefulSet"):
        assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
        assert sts["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] == "orphan"
        assert sts["spec"]["podManagementPolicy"] == "Parallel"


# --- security ------------------------------------------------------------------------------


def test_every_listener_is_tls_and_clients_use_scram():
    objects = kafka(**PRODUCTION)
    common = properties(objects, "common.properties")
    protocols = dict(p.split(":") for p in common["listener.security.protocol.map"].split(","))
    assert protocols == {"CONTROLLER": "SSL", "INTERNAL": "SSL", "CLIENT": "SASL_SSL"}
    assert common["listener.name.controller.ssl.client.auth"] == "required"
    assert common["listener.name.internal.ssl.client.auth"] == "required"
    assert common["ssl.keystore.type"] == common["ssl.truststore.type"] == "PEM"
    assert common["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert common["allow.everyone.if.no.acl.found"] == "false"
    assert common["super.users"] == f"User:kafka.{DOMAIN};User:admin"
    broker = properties(objects, "broker.properties")
    assert broker["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert set(broker["listeners"].split(",")) == {"CLIENT://:9092", "INTERNAL://:9094"}


def test_credentials_are_only_referenced_by_secret_name():
    objects = kafka(**PRODUCTION)
    secret_names = set()
    for obj in objects:
        spec = rules.pod_spec(obj)
        if spec is None:
            continue
        for _, container in rules.all_containers(spec):
            for variable in container.get("env") or []:
                assert "value" in variable and not re.search(r"(?i)password|secret", variable["name"]), variable
                assert not re.search(r"(?i)password", str(variable["value"]))
        secret_names |= {v["secret"]["secretName"] for v in spec.get("volumes") or [] if "secret" in v}
    assert secret_names == {
        "kafka-cluster-id", "kafka-tls", "kafka-user-admin", "kafka-user-kafka-exporter", "kafka-user-airflow"
    }
    assert not find(objects, "Secret"), "the chart must not create Secrets"
    exporter = one(objects, "Deployment", "kafka-exporter")["spec"]["template"]["spec"]["containers"][0]
    assert '--sasl.password="$(cat /run/secrets/kafka-exporter/password)"' in exporter["command"][-1]
    script = one(objects, "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    assert 'pw="$(cat "/run/secrets/kafka-users/$1/password")"' in script


def test_provisioning_creates_users_with_least_privilege_acls():
    objects = kafka(**PRODUCTION)
    script = one(objects, "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    for user in ("admin", "kafka-exporter", "airflow"):
        assert f"scram_user {user}\n" in script
    airflow = [line for line in script.splitlines() if line.startswith("allow airflow ")]
    assert airflow == [
        'allow airflow --operation Read --operation Write --operation Describe --topic "airflow." --resource-pattern-type prefixed',
        'allow airflow --operation Read --operation Describe --group "airflow" --resource-pattern-type prefixed',
    ]
    exporter = [line for line in script.splitlines() if line.startswith("allow kafka-exporter ")]
    assert exporter and all("Read" not in line and "Write" not in line for line in exporter)
    job = one(objects, "Job", "kafka-provisioning")
    assert job["metadata"]["annotations"]["config.kubernetes.io/depends-on"] == ",".join(
        f"apps/namespaces/{NAMESPACE}/StatefulSet/{name}"
        for name in ("kafka-controller", "kafka-broker-zone-a", "kafka-broker-zone-b", "kafka-broker-zone-c")
    )
    assert "checksum/provisioning" in job["spec"]["template"]["metadata"]["annotations"]


def test_topics_are_created_grown_and_reconfigured_idempotently():
    script = one(kafka(**PRODUCTION), "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    assert "--create --if-not-exists" in script
    assert 'ensure_topic "airflow.events" 6 3 "min.insync.replicas=2,cleanup.policy=[compact,delete],retention.ms=604800000"' in script
    assert "--config cleanup.policy=compact,delete --config retention.ms=604800000" in script
    assert '--alter --topic "$name" --partitions "$partitions"' in script
    assert "Kafka cannot remove partitions" in script


def test_changing_topics_reruns_the_job_but_does_not_roll_the_brokers():
    before, after = kafka(**PRODUCTION), kafka(**{**PRODUCTION, "topics": [{"name": "other"}]})
    checksum = lambda objs: one(objs, "Job")["spec"]["template"]["metadata"]["annotations"]["checksum/provisioning"]  # noqa: E731
    assert checksum(before) != checksum(after)
    for sts in find(before, "StatefulSet"):
        assert sts == one(after, "StatefulSet", sts["metadata"]["name"])


def test_pods_are_hardened_with_writable_emptydirs():
    objects = kafka(**PRODUCTION)
    for sts in find(objects, "StatefulSet"):
        spec = pod(sts)
        container = spec["containers"][0]
        assert spec["automountServiceAccountToken"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["runAsUser"] >= 10000
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts["/etc/kafka"]] and volumes[mounts["/etc/kafka"]]["emptyDir"]["medium"] == "Memory"
        assert "emptyDir" in volumes[mounts["/tmp"]]
        assert container["resources"]["limits"]["memory"]


def test_probes_reflect_broker_and_quorum_readiness():
    objects = kafka(**PRODUCTION)
    ready = one(objects, "ConfigMap", "kafka-config")["data"]["ready.sh"]
    assert 'kafka-topics.sh --bootstrap-server "${fqdn}:9094"' in ready
    assert "--describe --under-replicated-partitions" in ready
    assert "describe --status" in ready and "LeaderId" in ready
    for sts in find(objects, "StatefulSet"):
        container = pod(sts)["containers"][0]
        assert container["readinessProbe"]["exec"]["command"] == ["/bin/bash", "/opt/orbit/config/ready.sh"]
        port = 9094 if sts["metadata"]["labels"]["app.kubernetes.io/component"] == "broker" else 9093
        assert container["livenessProbe"]["tcpSocket"]["port"] == port


def test_network_policies_admit_only_clients_scrapers_and_the_mesh():
    objects = kafka(**PRODUCTION)
    broker = one(objects, "NetworkPolicy", "kafka-broker")["spec"]
    by_port: dict[int, list] = {}
    for rule in broker["ingress"]:
        for port in rule["ports"]:
            by_port.setdefault(port["port"], []).extend(rule["from"])
    assert set(by_port) == {9092, 9094}
    external = [p for p in by_port[9092] if "namespaceSelector" in p]
    assert [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in external] == ["orbit-airflow"]
    assert all("namespaceSelector" not in p for p in by_port[9094]), "the mTLS listener is for the release only"
    controller = one(objects, "NetworkPolicy", "kafka-controller")["spec"]
    assert {p["port"] for rule in controller["ingress"] for p in rule["ports"]} == {9093}
    exporter = one(objects, "NetworkPolicy", "kafka-exporter")["spec"]
    assert exporter["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 9308}]
    assert exporter["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "orbit-monitoring"


def test_metrics_on_a_named_port():
    objects = kafka(**PRODUCTION)
    service = one(objects, "Service", "kafka-exporter")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 9308, "targetPort": "metrics", "protocol": "TCP"}]
    container = one(objects, "Deployment", "kafka-exporter")["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["name"] == "metrics"
    assert f"--kafka.server=kafka.{DOMAIN}:9092" in container["command"][-1]


def test_image_registry_override_moves_every_image():
    objects = kafka(**PRODUCTION, **{"global": {"imageRegistry": "mirror.corp:5000/orbit"}})
    images = [c["image"] for o in objects if rules.pod_spec(o) for _, c in rules.all_containers(rules.pod_spec(o))]
    assert len(set(images)) == 2 and all(i.startswith("mirror.corp:5000/orbit/") for i in images)


@pytest.mark.parametrize("values", [PRODUCTION, LOCAL], ids=["production", "local"])
def test_policies_and_strict_schemas_pass(values):
    objects = kafka(**values)
    violations = rules.check(objects, [], rules.PolicyContext(exceptions=rules.load_exceptions()))
    assert not violations, "\n".join(map(str, violations))
    for version in KUBERNETES_VERSIONS:
        for obj in objects:
            kubernetes_validate.validate(obj, version, strict=True)


# --- bad values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"controller": {"replicas": 2}}, "/controller/replicas"),
        ({"combined": True, "broker": {"replicas": 2}, "replication": {"defaultReplicationFactor": 1, "minInsyncReplicas": 1}}, "1, 3 or 5 voters, got 2"),
        ({"replication": {"defaultReplicationFactor": 4, "minInsyncReplicas": 2}}, "defaultReplicationFactor 4 is more than broker.replicas 3"),
        ({"replication": {"defaultReplicationFactor": 3, "minInsyncReplicas": 4}}, "minInsyncReplicas 4 is more than"),
        ({"topics": [{"name": "t", "replicationFactor": 5}]}, "topic t: replicationFactor 5 is more than broker.replicas 3"),
        ({"topics": [{"name": "t", "partitions": 0}]}, "/topics/0/partitions"),
        ({"topics": [{"name": "bad name"}]}, "/topics/0/name"),
        ({"topics": [{"name": "__internal"}]}, "/topics/0/name"),
        ({"topics": [{"name": "t", "cleanupPolicy": "forever"}]}, "/topics/0/cleanupPolicy"),
        ({"broker": {"replicas": 300, "zones": ["a", "b"]}, "replication": {"defaultReplicationFactor": 3, "minInsyncReplicas": 2}}, "at most 99 per set"),
        ({"broker": {"extraConfig": {"ssl.key.password": "x"}}}, "invalid propertyName 'ssl.key.password'"),
        ({"auth": {"adminSecret": "a", "users": [{"name": "admin", "secretName": "s", "topics": ["x"]}]}}, "/auth/users/0/name"),
        ({"auth": {"adminSecret": "a", "users": [{"name": "u", "secretName": "s", "topics": []}]}}, "/auth/users/0/topics"),
        ({"exporter": {"enabled": True, "secretName": ""}}, "exporter.secretName is required"),
        ({"image": {"registry": "docker.io", "repository": "apache/kafka", "tag": "latest"}}, "/image/tag"),
        ({"jvm": {"heapPercent": 95}}, "/jvm/heapPercent"),
        ({"unknownKey": True}, "unknownKey"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception) as raised:
        kafka(**values)
    assert message in str(raised.value)


@pytest.mark.parametrize("missing", ["clusterId", "tls", "auth"])
def test_required_secrets_are_named_in_the_error(missing):
    values = {k: v for k, v in REQUIRED.items() if k != missing}
    with pytest.raises(Exception, match=rf"{missing}\.\w+ is required"):
        render("kafka", values, release="kafka", namespace=NAMESPACE)


# --- the provisioning script, run against stub Kafka tools -------------------------------------

STUB = """#!/bin/bash
echo "$(basename "$0") $*" >> "$STUB_LOG"
if [[ "$*" == *"--describe"* ]]; then
  printf 'Topic: %s\\tTopicId: x\\tPartitionCount: %s\\tReplicationFactor: %s\\tConfigs: \\n' "$STUB_TOPIC" "$STUB_PARTITIONS" "$STUB_RF"
fi
"""


def run_provisioning(tmp_path, partitions: int, rf: int = 3):
    script = one(kafka(**PRODUCTION), "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    root = tmp_path / "root"
    for path in ("opt/kafka/bin", "etc/kafka/tls", "opt/orbit/config"):
        (root / path).mkdir(parents=True)
    for tool in ("kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh"):
        (root / "opt/kafka/bin" / tool).write_text(STUB)
        (root / "opt/kafka/bin" / tool).chmod(0o755)
    (root / "etc/kafka/tls/tls.key").write_text("KEY\n")
    (root / "etc/kafka/tls/tls.crt").write_text("CERT\n")
    for user in ("admin", "kafka-exporter", "airflow"):
        (root / "run/secrets/kafka-users" / user).mkdir(parents=True)
        (root / "run/secrets/kafka-users" / user / "password").write_text(f"pw{user.replace('-', '')}")
    for absolute in ("/opt/kafka", "/etc/kafka", "/opt/orbit", "/run/secrets"):
        script = script.replace(absolute, f"{root}{absolute}")
    log = tmp_path / "calls.log"
    env = {"PATH": "/usr/bin:/bin", "KAFKA_BOOTSTRAP": "b:9094", "STUB_LOG": str(log),
           "STUB_TOPIC": "airflow.events", "STUB_PARTITIONS": str(partitions), "STUB_RF": str(rf)}
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (root / "etc/kafka/keystore.pem").read_text() == "KEY\nCERT\n"
    return log.read_text().splitlines(), result.stderr


def test_provisioning_sets_scram_credentials_from_the_mounted_secrets(tmp_path):
    calls, _ = run_provisioning(tmp_path, partitions=6)
    scram = [c for c in calls if "--entity-type users" in c]
    assert [c.split("--entity-name ")[1].split()[0] for c in scram] == ["admin", "kafka-exporter", "airflow"]
    assert "SCRAM-SHA-512=[iterations=8192,password=pwairflow]" in scram[2]
    assert all("--command-config" in c and "internal-client.properties" in c for c in calls)


def test_provisioning_grows_partitions_but_never_shrinks_them(tmp_path):
    grown, _ = run_provisioning(tmp_path / "grow", partitions=2)
    assert any("--alter --topic airflow.events --partitions 6" in c for c in grown)
    kept, warnings = run_provisioning(tmp_path / "keep", partitions=8)
    assert not any("--alter --topic" in c for c in kept)
    assert "has 8 partitions, config asks for 6" in warnings


def test_provisioning_reapplies_topic_configs_and_warns_on_replication_changes(tmp_path):
    calls, warnings = run_provisioning(tmp_path, partitions=6, rf=1)
    assert any(
        "--entity-type topics --entity-name airflow.events --add-config "
        "min.insync.replicas=2,cleanup.policy=[compact,delete],retention.ms=604800000" in c
        for c in calls
    )
    assert "has replication factor 1, config asks for 3" in warnings


@pytest.mark.slow
def test_checkov_finds_nothing_on_the_production_shape(tmp_path):
    """No production stack file may exist yet; scan the production-shaped render as the stacks are scanned."""
    binary = checkov_binary()
    if binary is None:
        pytest.skip("Checkov is not installed (make checkov-venv)")
    (tmp_path / "kafka.yaml").write_text(yaml.safe_dump_all(kafka(**PRODUCTION), sort_keys=True))
    result = subprocess.run(
        [binary, "-d", str(tmp_path), "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
         "--skip-check", ",".join(s["check"] for s in SKIPS)],
        capture_output=True, text=True, timeout=900,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["passed"] > 0 and report["summary"]["parsing_errors"] == 0
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)


def test_the_readme_standalone_values_render():
    """The values file the README tells people to write for `helm install` is valid as written."""
    readme = (CHARTS_DIR / "kafka" / "README.md").read_text()
    text = readme.split("cat > kafka-values.yaml <<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
    values = yaml.safe_load(text)
    objects = render("kafka", values, release="kafka", namespace="kafka")
    assert [s["metadata"]["name"] for s in statefulsets(objects, "broker")] == [
        "kafka-broker-zone-a", "kafka-broker-zone-b", "kafka-broker-zone-c"
    ]
    assert "scram_user app\n" in one(objects, "ConfigMap", "kafka-provisioning")["data"]["provision.sh"]
    for secret in ("kafka-cluster-id", "kafka-tls", "kafka-user-admin", "kafka-user-kafka-exporter", "kafka-user-app"):
        assert secret in readme, f"the README must tell people to create Secret {secret}"


# --- the node start script, run against stub Kafka tools ------------------------------------------


def run_start(tmp_path, *, hostname: str, sts: str, formatted_id: str | None = None):
    objects = kafka(**PRODUCTION)
    config = one(objects, "ConfigMap", "kafka-config")["data"]
    env = node_env(one(objects, "StatefulSet", sts))
    root = tmp_path / "root"
    for path in ("opt/kafka/bin", "etc/kafka/tls", "opt/orbit/config", "run/secrets/kafka-cluster-id", "var/lib/kafka/data/logs"):
        (root / path).mkdir(parents=True)
    for name, text in config.items():
        (root / "opt/orbit/config" / name).write_text(text)
    (root / "etc/kafka/tls/tls.key").write_text("KEY\n")
    (root / "etc/kafka/tls/tls.crt").write_text("CERT\n")
    (root / "run/secrets/kafka-cluster-id/clusterId").write_text("AAAAAAAAAAAAAAAAAAAAAA")
    if formatted_id:
        (root / "var/lib/kafka/data/logs/meta.properties").write_text(f"version=1\ncluster.id={formatted_id}\nnode.id=100\n")
    for tool in ("kafka-storage.sh", "kafka-server-start.sh"):
        (root / "opt/kafka/bin" / tool).write_text('#!/bin/bash\necho "$(basename "$0") $*" >> "$STUB_LOG"\n')
        (root / "opt/kafka/bin" / tool).chmod(0o755)
    script = config["start.sh"]
    for absolute in ("/opt/kafka", "/etc/kafka", "/opt/orbit", "/run/secrets", "/var/lib/kafka"):
        script = script.replace(absolute, f"{root}{absolute}")
    log = tmp_path / "calls.log"
    result = subprocess.run(
        ["bash", "-c", script],
        env={**env, "PATH": "/usr/bin:/bin", "HOSTNAME": hostname, "STUB_LOG": str(log), "LOG_DIR": str(tmp_path / "logs")},
        capture_output=True, text=True, timeout=60,
    )
    properties_file = root / "etc/kafka/server.properties"
    generated = dict(
        line.split("=", 1) for line in properties_file.read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    return result, generated, log.read_text() if log.exists() else ""


def test_start_script_configures_a_zonal_broker(tmp_path):
    result, props, calls = run_start(tmp_path, hostname="kafka-broker-zone-b-0", sts="kafka-broker-zone-b")
    assert result.returncode == 0, result.stderr
    fqdn = f"kafka-broker-zone-b-0.kafka-broker-hl.{DOMAIN}"
    assert props["node.id"] == "200"
    assert props["advertised.listeners"] == f"CLIENT://{fqdn}:9092,INTERNAL://{fqdn}:9094"
    assert props["broker.rack"] == "zone-b"
    assert props["process.roles"] == "broker"
    assert "--cluster-id AAAAAAAAAAAAAAAAAAAAAA --ignore-formatted" in calls
    assert calls.splitlines()[-1].startswith("kafka-server-start.sh ")


def test_start_script_configures_a_controller(tmp_path):
    result, props, _ = run_start(tmp_path, hostname="kafka-controller-2", sts="kafka-controller")
    assert result.returncode == 0, result.stderr
    assert (props["node.id"], props["process.roles"]) == ("2", "controller")
    assert "advertised.listeners" not in props and "broker.rack" not in props


def test_start_script_refuses_a_volume_of_another_cluster(tmp_path):
    result, _, calls = run_start(
        tmp_path, hostname="kafka-broker-zone-a-0", sts="kafka-broker-zone-a", formatted_id="BBBBBBBBBBBBBBBBBBBBBB"
    )
    assert result.returncode == 1
    assert "belongs to Kafka cluster BBBBBBBBBBBBBBBBBBBBBB" in result.stderr and "orbit:kafka.clusterId" in result.stderr
    assert "kafka-storage.sh" not in calls, "a volume of another cluster is never formatted"
