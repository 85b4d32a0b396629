"""Every policy rule passes on a good object and fails on a crafted bad one."""

from __future__ import annotations

import copy

import pytest

from policy import rules

CONTEXT = rules.PolicyContext()
LABELS = {"app.kubernetes.io/instance": "demo", "app.kubernetes.io/component": "server"}


def good_workload(kind: str = "StatefulSet", replicas: int = 3) -> dict:
    container = {
        "name": "app",
        "image": "registry.example/app/app:1.2.3",
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"}],
    }
    obj = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "demo", "namespace": "ns"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": LABELS},
            "template": {"metadata": {"labels": dict(LABELS)}, "spec": {"containers": [container], "volumes": [{"name": "tmp", "emptyDir": {}}]}},
        },
    }
    if kind == "StatefulSet":
        obj["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": "Retain", "whenScaled": "Retain"}
        obj["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {}}]
    return obj


PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "demo", "namespace": "ns"},
    "spec": {"maxUnavailable": 1, "selector": {"matchLabels": LABELS}},
}
NETPOL = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny", "namespace": "ns"},
    "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "demo"}}, "policyTypes": ["Ingress", "Egress"]},
}


def good_stack() -> list[dict]:
    return [good_workload(), copy.deepcopy(PDB), copy.deepcopy(NETPOL)]


def violations(objects, rule, context=CONTEXT):
    return list(rules.KUBERNETES_RULES[rule](objects, context))


def container(objects):
    return objects[0]["spec"]["template"]["spec"]["containers"][0]


def test_good_stack_passes_every_rule():
    assert rules.check(good_stack(), [], CONTEXT) == []


def mutate_pod_security(case):
    objects = good_stack()
    spec = objects[0]["spec"]["template"]["spec"]
    security = container(objects)["securityContext"]
    {
        "root": lambda: security.update(runAsUser=0),
        "not-nonroot": lambda: security.pop("runAsNonRoot"),
        "escalation": lambda: security.update(allowPrivilegeEscalation=True),
        "privileged": lambda: security.update(privileged=True),
        "caps": lambda: security.update(capabilities={"drop": ["NET_RAW"]}),
        "caps-add": lambda: security.update(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        "seccomp": lambda: security.pop("seccompProfile"),
        "host-network": lambda: spec.update(hostNetwork=True),
        "host-path": lambda: spec["volumes"].append({"name": "host", "hostPath": {"path": "/var/log"}}),
        "host-port": lambda: container(objects).update(ports=[{"containerPort": 80, "hostPort": 80}]),
    }[case]()
    return objects


@pytest.mark.parametrize(
    "case", ["root", "not-nonroot", "escalation", "privileged", "caps", "caps-add", "seccomp", "host-network", "host-path", "host-port"]
)
def test_pod_security_restricted_fails(case):
    assert violations(mutate_pod_security(case), "pod-security-restricted")


def test_pod_security_exception_is_honoured_only_for_the_named_object():
    objects = mutate_pod_security("host-network")
    excepted = rules.PolicyContext(
        exceptions=({"rule": "pod-security-restricted", "kind": "StatefulSet", "namespace": "ns", "name": "demo", "reason": "test"},)
    )
    assert violations(objects, "pod-security-restricted", excepted) == []
    other = rules.PolicyContext(
        exceptions=({"rule": "pod-security-restricted", "kind": "StatefulSet", "namespace": "ns", "name": "other", "reason": "test"},)
    )
    assert violations(objects, "pod-security-restricted", other)


def test_pod_security_pod_level_context_counts():
    objects = good_stack()
    security = container(objects)["securityContext"]
    security.pop("seccompProfile")
    security.pop("runAsNonRoot")
    objects[0]["spec"]["template"]["spec"]["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert violations(objects, "pod-security-restricted") == []


@pytest.mark.parametrize("path", [("requests", "cpu"), ("requests", "memory"), ("limits", "cpu"), ("limits", "memory")])
def test_resources_fail_without_requests_or_limits(path):
    objects = good_stack()
    container(objects)["resources"][path[0]].pop(path[1])
    assert "no " + ".".join(path) in str(violations(objects, "resources"))


@pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe"])
def test_probes_fail_when_missing(probe):
    objects = good_stack()
    container(objects).pop(probe)
    assert violations(objects, "probes")


def test_jobs_need_no_probes():
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "ns"}, "spec": {"template": {"spec": {"containers": [{"name": "x", "image": "a/b:1"}]}}}}
    assert violations([job], "probes") == []


@pytest.mark.parametrize("image", ["registry.example/app/app", "registry.example/app/app:latest", "localhost:5000/app"])
def test_image_pinned_fails_on_untagged_or_latest(image):
    objects = good_stack()
    container(objects)["image"] = image
    assert violations(objects, "image-pinned")


def test_image_pinned_accepts_digest_and_registry_port():
    objects = good_stack()
    container(objects)["image"] = "localhost:5000/app@sha256:" + "a" * 64
    assert violations(objects, "image-pinned") == []


def test_image_registry_fails_when_an_image_escapes_the_mirror():
    objects = good_stack()
    mirror = rules.PolicyContext(image_registry="mirror.corp/orbit")
    container(objects)["image"] = "docker.io/apache/kafka:4.1.0"
    assert violations(objects, "image-registry", mirror)
    container(objects)["image"] = "mirror.corp/orbit/apache/kafka:4.1.0"
    assert violations(objects, "image-registry", mirror) == []


def test_pdb_required_for_replicated_workloads():
    objects = [good_workload(), NETPOL]
    assert violations(objects, "pdb-for-replicated-workloads")
    assert violations([good_workload(replicas=1), NETPOL], "pdb-for-replicated-workloads") == []


def test_pdb_in_another_namespace_does_not_count():
    pdb = copy.deepcopy(PDB)
    pdb["metadata"]["namespace"] = "elsewhere"
    assert violations([good_workload(), pdb], "pdb-for-replicated-workloads")


def test_network_policy_coverage_fails_for_unselected_pods():
    assert violations([good_workload(), PDB], "network-policy-coverage")
    ingress_only = copy.deepcopy(NETPOL)
    ingress_only["spec"]["policyTypes"] = ["Ingress"]
    assert "egress" in str(violations([good_workload(), PDB, ingress_only], "network-policy-coverage"))


@pytest.mark.parametrize(
    "data",
    [
        {"config.yaml": "password: hunter2hunter2"},
        {"key.pem": "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----"},
        {"airflow.cfg": "sql_alchemy_conn = postgresql://airflow:s3cretpassword@db:5432/airflow"},
    ],
)
def test_no_plaintext_secrets_in_configmaps(data):
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": data}
    assert violations([configmap], "no-plaintext-secrets")


@pytest.mark.parametrize(
    "variable",
    [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "API_TOKEN", "value": "abc"}, {"name": "BROKER_URL", "value": "redis://:pw12345@redis:6379/0"}],
)
def test_no_plaintext_secrets_in_env(variable):
    objects = good_stack()
    container(objects)["env"].append(variable)
    assert violations(objects, "no-plaintext-secrets")


def test_secret_references_in_env_are_fine():
    objects = good_stack()
    container(objects)["env"].append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}})
    assert violations(objects, "no-plaintext-secrets") == []


@pytest.mark.parametrize("event", ["whenDeleted", "whenScaled"])
def test_data_volumes_retained_fails_on_delete_policy(event):
    objects = good_stack()
    objects[0]["spec"]["persistentVolumeClaimRetentionPolicy"][event] = "Delete"
    assert violations(objects, "data-volumes-retained")


def test_storage_class_must_retain():
    sc = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}, "provisioner": "x"}
    assert violations([sc], "data-volumes-retained")
    sc["reclaimPolicy"] = "Retain"
    assert violations([sc], "data-volumes-retained") == []


def test_namespaces_must_be_retained_on_delete():
    namespace = rules.Resource("kubernetes:core/v1:Namespace", "ns", {"metadata": {"name": "ns"}}, retain_on_delete=False)
    assert list(rules.RESOURCE_RULES["namespaces-retained"]([namespace]))
    kept = rules.Resource("kubernetes:core/v1:Namespace", "ns", {"metadata": {"name": "ns"}}, retain_on_delete=True)
    assert list(rules.RESOURCE_RULES["namespaces-retained"]([kept])) == []


def test_directly_registered_kubernetes_objects_are_checked_too():
    bad = good_workload()
    bad["spec"]["template"]["spec"]["containers"][0].pop("livenessProbe")
    resource = rules.Resource("kubernetes:apps/v1:StatefulSet", "demo", bad)
    assert any(v.rule == "probes" for v in rules.check([PDB, NETPOL], [resource], CONTEXT))


def test_every_rule_has_a_failing_test_here():
    source = open(__file__).read()
    for name in [*rules.KUBERNETES_RULES, *rules.RESOURCE_RULES]:
        assert f'"{name}"' in source, f"rule {name} has no test in this file"


def test_exceptions_file_entries_all_have_reasons():
    for entry in rules.load_exceptions():
        assert entry["reason"].strip()


def test_yaml_keys_named_secret_on_their_own_line_are_not_credentials():
    template = "volumes:\n  - name: creds\n    secret:\n      secretName: airflow-core\n      defaultMode: 0440\n"
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"pod.yaml": template}}
    assert violations([configmap], "no-plaintext-secrets") == []
