"""The CrossGuard pack runs the same rules over Pulumi's view of the resources."""

from __future__ import annotations

from types import SimpleNamespace

from policy import pack, rules
from tests.policy.test_rules import NETPOL, PDB, good_workload


def policy_resource(resource_type, name, props, protect=False):
    return SimpleNamespace(resource_type=resource_type, name=name, props=props, opts=SimpleNamespace(protect=protect))


def run(resources):
    reported = []
    pack.validate_stack(SimpleNamespace(resources=resources), lambda message, urn: reported.append(message))
    return reported


def test_pack_reports_nothing_for_good_chart_children():
    resources = [
        policy_resource("kubernetes:apps/v1:StatefulSet", "demo", good_workload()),
        policy_resource("kubernetes:policy/v1:PodDisruptionBudget", "demo", PDB),
        policy_resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "deny", NETPOL),
    ]
    assert run(resources) == []


def test_pack_reports_rule_violations_with_rule_names():
    bad = good_workload()
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"] = 0
    reported = run([policy_resource("kubernetes:apps/v1:StatefulSet", "demo", bad)])
    assert any(m.startswith("[pod-security-restricted]") for m in reported)
    assert any(m.startswith("[pdb-for-replicated-workloads]") for m in reported)
    assert any(m.startswith("[network-policy-coverage]") for m in reported)


def test_pack_reads_the_image_registry_from_chart_values():
    chart = policy_resource("kubernetes:helm.sh/v4:Chart", "minio", {"values": {"global": {"imageRegistry": "mirror.corp/orbit"}}})
    workload = policy_resource("kubernetes:apps/v1:StatefulSet", "demo", good_workload())
    context = pack.context_from([chart, workload])
    assert context.image_registry == "mirror.corp/orbit"
    assert any(m.startswith("[image-registry]") for m in run([chart, workload]))


def test_pack_describes_every_rule():
    for name in [*rules.KUBERNETES_RULES, *rules.RESOURCE_RULES]:
        assert name in pack.describe()
