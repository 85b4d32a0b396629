"""The whole offline pipeline for every stack file: program under mocks -> charts rendered by a
real Helm engine -> strict Kubernetes schema validation -> policy rules."""

from __future__ import annotations

import kubernetes_validate
import pytest

from policy import rules
from tests.conftest import KUBERNETES_VERSIONS, STACKS, capture_in_subprocess
from tools.render import CHART_TYPE, images


def test_there_is_a_stack_file_per_example_environment():
    assert "local" in STACKS


def test_program_registers_charts_and_namespaces(plan):
    assert plan.of_type(CHART_TYPE), f"stack {plan.stack} installs no chart"
    for chart in plan.of_type(CHART_TYPE):
        assert chart.inputs["chart"].startswith("/") and chart.inputs["chart"].endswith(chart.inputs["name"])
        assert chart.inputs["namespace"].startswith("orbit-")


def test_every_child_resource_has_a_parent(plan):
    roots = {r.name for r in plan.resources if r.parent is None}
    # Only the top-level components are parented to the stack itself.
    assert roots <= {"cluster", "orbit"}, f"unparented resources: {sorted(roots - {'cluster', 'orbit'})}"


def test_every_chart_renders_objects(plan):
    for release in plan.releases:
        assert release.objects, f"release {release.name} rendered nothing"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_rendered_objects_are_valid_kubernetes(plan, version):
    errors = []
    direct = rules.kubernetes_objects_of(plan.policy_resources())
    for obj in plan.objects + direct:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{rules.subject(obj)}: {error.message} at {list(error.path)}")
    assert not errors, "\n".join(errors)


def test_policies_pass(plan):
    context = rules.PolicyContext(image_registry=plan.image_registry, exceptions=rules.load_exceptions())
    violations = rules.check(plan.objects, plan.policy_resources(), context)
    assert not violations, "\n".join(map(str, violations))


def test_every_image_is_pinned_and_listed(plan):
    listed = images(plan.objects)
    assert listed
    for image in listed:
        assert not image.endswith(":latest") and (":" in image.rsplit("/", 1)[-1] or "@" in image)


def test_no_helm_hooks_are_rendered(plan):
    for obj in plan.objects:
        hooks = [a for a in (obj["metadata"].get("annotations") or {}) if a.startswith("helm.sh/hook")]
        assert not hooks, f"{rules.subject(obj)} uses Helm hooks, which Pulumi drops"


def test_charts_receive_no_secret_values(plan):
    """Secrets reach charts by Secret name only: no chart input is a secret."""
    for chart in plan.of_type(CHART_TYPE):
        assert "[secret]" not in str(chart.masked_inputs), f"chart {chart.name} got a secret value"


def test_generated_secrets_are_stored_as_kubernetes_secrets_and_masked(plan):
    for secret in plan.of_type("kubernetes:core/v1:Secret"):
        assert secret.masked_inputs["stringData"] == "[secret]"


def test_bad_stack_file_fails_before_any_resource_is_registered(tmp_path):
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  orbit:environment: broken\n  orbit:cluster:\n    provider: existing\n    existing: {}\n"
        "  orbit:minio:\n    servers: 3\n"
    )
    result = capture_in_subprocess("broken", tmp_path)
    assert result.returncode == 1
    assert "stacks/Pulumi.broken.yaml is invalid" in result.stderr
    assert "orbit:minio: 3 × 1 = 3 drives" in result.stderr.replace("servers × drivesPerServer = ", "")
    assert "(0 resources had been registered)" in result.stderr
    assert "Traceback" not in result.stderr
