"""Written exceptions: globbed names and exceptions tied to an opt-in annotation."""

from __future__ import annotations

from policy import rules


def privileged_statefulset(name: str, annotated: bool) -> dict:
    container = {
        "name": "sysctl",
        "securityContext": {"privileged": True, "runAsUser": 0, "allowPrivilegeEscalation": True, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": False},
    }
    annotations = {"orbit.dev/privileged-sysctl": "true"} if annotated else {}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "orbit-logging", "annotations": annotations},
        "spec": {"template": {"metadata": {"labels": {}}, "spec": {"initContainers": [container], "containers": []}}},
    }


def check(objects):
    context = rules.PolicyContext(exceptions=rules.load_exceptions())
    return list(rules.KUBERNETES_RULES["pod-security-restricted"](objects, context))


def test_opt_in_exception_covers_annotated_objects_matching_the_glob():
    assert check([privileged_statefulset("elk-es-data-zone-a", annotated=True)]) == []


def test_opt_in_exception_does_not_cover_objects_without_the_annotation():
    violations = check([privileged_statefulset("elk-es-data-zone-a", annotated=False)])
    assert any("privileged" in v.message for v in violations)


def test_glob_does_not_cover_other_names():
    assert check([privileged_statefulset("kafka-broker", annotated=True)])


def test_every_exception_has_a_reason_a_reviewer_can_read():
    for entry in rules.load_exceptions():
        assert len(entry["reason"].split()) >= 20, entry
