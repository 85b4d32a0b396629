"""Render-and-assert tests for charts/cluster-autoscaler (values -> objects)."""

from __future__ import annotations

import pytest

from tests.conftest import find, one, render

NAMESPACE = "orbit-cluster-autoscaler"
ROLE = "arn:aws:iam::123456789012:role/orbit-prod-cluster-autoscaler"
REQUIRED = {"clusterName": "orbit-prod", "awsRegion": "eu-central-1", "roleArn": ROLE}


def autoscaler(**values):
    return render("cluster-autoscaler", {**REQUIRED, **values}, release="cluster-autoscaler", namespace=NAMESPACE)


def pod_spec(objects):
    return one(objects, "Deployment", "cluster-autoscaler")["spec"]["template"]["spec"]


def test_discovers_this_clusters_groups_with_the_requested_flags():
    (container,) = pod_spec(autoscaler())["containers"]
    args = container["args"]
    for flag in (
        "--cloud-provider=aws",
        "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/orbit-prod",
        "--balance-similar-node-groups",
        "--skip-nodes-with-system-pods=false",
        "--expander=least-waste",
        "--leader-elect=true",
        f"--namespace={NAMESPACE}",
    ):
        assert flag in args, flag
    assert {"name": "AWS_REGION", "value": "eu-central-1"} in container["env"]


def test_service_account_carries_the_irsa_role_and_the_pod_mounts_its_token():
    objects = autoscaler()
    account = one(objects, "ServiceAccount", "cluster-autoscaler")
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    spec = pod_spec(objects)
    assert spec["serviceAccountName"] == "cluster-autoscaler"
    assert spec["automountServiceAccountToken"] is True
    deployment = one(objects, "Deployment", "cluster-autoscaler")
    assert deployment["metadata"]["annotations"]["checkov.io/skip1"].startswith("CKV_K8S_38=")


def test_two_replicas_with_a_budget_and_probes_on_the_health_check():
    objects = autoscaler()
    assert one(objects, "Deployment")["spec"]["replicas"] == 2
    assert one(objects, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    (container,) = pod_spec(objects)["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8085, "protocol": "TCP"}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health-check", "port": "http"}
    assert container["resources"]["limits"] and container["resources"]["requests"]
    assert not find(autoscaler(replicas=1), "PodDisruptionBudget"), "one replica needs no budget"


def test_restricted_pod_with_read_only_root():
    spec = pod_spec(autoscaler())
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 65534
    (container,) = spec["containers"]
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]} and context["seccompProfile"] == {"type": "RuntimeDefault"}


def test_image_is_pinned_and_follows_the_mirror():
    (container,) = pod_spec(autoscaler())["containers"]
    assert container["image"] == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5"
    mirrored = autoscaler(
        **{"global": {"imageRegistry": "mirror.corp:5000/orbit", "imagePullSecrets": ["orbit-registry"]}, "image": {"tag": "v1.34.4"}}
    )
    (container,) = pod_spec(mirrored)["containers"]
    assert container["image"] == "mirror.corp:5000/orbit/autoscaling/cluster-autoscaler:v1.34.4"
    assert pod_spec(mirrored)["imagePullSecrets"] == [{"name": "orbit-registry"}]


def test_rbac_reads_no_secrets_and_writes_only_what_scaling_needs():
    objects = autoscaler()
    rules = one(objects, "ClusterRole")["rules"]
    for rule in rules:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"]
        assert "secrets" not in rule["resources"]
    writes = {(res, verb) for rule in rules for res in rule["resources"] for verb in rule["verbs"] if verb not in ("get", "list", "watch")}
    assert writes == {
        ("events", "create"), ("events", "patch"), ("pods/eviction", "create"), ("pods/status", "update"),
        ("nodes", "update"), ("nodes", "patch"),
    }
    role = one(objects, "Role")
    named = {name for rule in role["rules"] for name in rule.get("resourceNames", [])}
    assert named == {"cluster-autoscaler-status", "cluster-autoscaler"}
    binding = one(objects, "ClusterRoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "cluster-autoscaler", "namespace": NAMESPACE}]


def test_network_policy_denies_by_default_and_allows_metrics_and_https_out():
    prometheus = {"namespace": "orbit-monitoring", "podLabels": {"app.kubernetes.io/name": "prometheus"}}
    objects = autoscaler(networkPolicy={"metricsFrom": [prometheus]})
    assert one(objects, "NetworkPolicy", "cluster-autoscaler-default-deny")["spec"]["podSelector"]
    policy = one(objects, "NetworkPolicy", "cluster-autoscaler")["spec"]
    (ingress,) = policy["ingress"]
    assert ingress["ports"] == [{"protocol": "TCP", "port": 8085}]
    assert ingress["from"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "orbit-monitoring"}
    assert policy["egress"] == [{"ports": [{"protocol": "TCP", "port": 443}]}]
    assert "ingress" not in one(autoscaler(), "NetworkPolicy", "cluster-autoscaler")["spec"]


@pytest.mark.parametrize(
    "values, message",
    [
        ({"clusterName": ""}, "clusterName is required"),
        ({"awsRegion": ""}, "awsRegion is required"),
        ({"roleArn": ""}, "roleArn is required"),
        ({"roleArn": "not-an-arn"}, "roleArn"),
        ({"replicas": 0}, "replicas"),
        ({"expander": "cheapest"}, "expander"),
        ({"image": {"tag": "latest"}}, "image"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception, match=message):
        autoscaler(**values)
