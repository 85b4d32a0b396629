"""Shared checks for the cloud cluster tests: the captured Kubernetes provider, tags, and running a
stack written into a temporary directory (the customer's-own-network variants)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import ROOT, StackPlan, capture_in_subprocess
from tools.plan import CapturedResource

TAG_KEYS = {"project": "orbit", "environment": "prod"}


def exec_user(plan: StackPlan) -> dict:
    """The only user of the cluster provider's kubeconfig, asserted to authenticate by exec."""
    provider = plan.named("cluster-k8s", "pulumi:providers:kubernetes")
    assert provider.masked_inputs["kubeconfig"] == "[secret]", "the kubeconfig must be a secret"
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    (user,) = kubeconfig["users"]
    assert set(user["user"]) == {"exec"}, f"kubeconfig user carries static credentials: {sorted(user['user'])}"
    assert kubeconfig["clusters"][0]["cluster"]["server"].startswith("https://")
    assert kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]
    return user["user"]["exec"]


def assert_tagged(plan: StackPlan, prefix: str, key: str = "tags") -> int:
    """Every `prefix` resource that takes tags/labels carries project, stack and environment."""
    tagged = 0
    for resource in plan.resources:
        if resource.type.startswith(prefix) and key in resource.inputs:
            tags = resource.inputs[key]
            assert {k: tags.get(k) for k in TAG_KEYS} == TAG_KEYS, f"{resource.name} tags: {tags}"
            assert tags.get("stack") == plan.stack, f"{resource.name} lacks the stack tag"
            tagged += 1
    return tagged


def storage_class(plan: StackPlan, name: str) -> dict:
    sc = plan.named(name, "kubernetes:storage.k8s.io/v1:StorageClass").inputs
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert sc["reclaimPolicy"] == "Retain"
    assert sc["volumeBindingMode"] == "WaitForFirstConsumer"
    assert sc["allowVolumeExpansion"] is True
    # The platform's services use it: MinIO's volumes are provisioned from this class.
    assert plan.chart("minio").inputs["values"]["persistence"]["storageClass"] == name
    return sc


def stack_with_network(source: str, network: dict, tmp_path: Path, **changes) -> StackPlan:
    """Run stacks/Pulumi.<source>.yaml with its cluster network replaced by `network` (and other
    keys of the cluster section by `changes`)."""
    document = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{source}.yaml").read_text())
    cluster = document["config"]["orbit:cluster"]
    cluster[cluster["provider"]].update(network=network, **changes)
    name = f"{source}-own-network"
    (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document))
    result = capture_in_subprocess(name, tmp_path)
    assert result.returncode == 0, result.stderr
    return StackPlan(name, [CapturedResource(**item) for item in json.loads(result.stdout)])


def protected(plan: StackPlan, *types: str) -> list[CapturedResource]:
    found = [r for r in plan.resources if r.type in types]
    assert found, f"no resource of {types}"
    for resource in found:
        assert resource.protect, f"{resource.type} {resource.name} is not protected"
    return found


def load_balancer_annotations(plan: StackPlan) -> dict:
    """The annotations of the platform's LoadBalancer Service (Kong's proxy): they come from the
    cluster's facts.internal_load_balancer_annotations."""
    (service,) = [o for o in plan.objects if o["kind"] == "Service" and o["spec"].get("type") == "LoadBalancer"]
    return service["metadata"].get("annotations") or {}
