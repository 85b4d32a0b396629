"""Air-gapped installs: with `imageRegistry` set every image comes from that registry (and
`make images` lists exactly those), and no render, on any stack, reaches the internet: no
remote chart repositories, no package installs, no downloads, no external URLs in what
containers and their scripts run. The scanner itself is shown catching each case."""

from __future__ import annotations

import subprocess
import sys

import pytest

from policy import rules
from tests.conftest import ROOT, STACKS
from tools import airgap
from tools.plan import CapturedResource, stack_config
from tools.render import images


def registry_of(stack: str) -> str:
    return stack_config(stack)[0].get("orbit:imageRegistry", "")


AIRGAP_STACKS = [s for s in STACKS if registry_of(s)]


def everything(plan) -> list[dict]:
    """Rendered objects plus the Kubernetes objects the program registers directly."""
    return plan.objects + rules.kubernetes_objects_of(plan.policy_resources())


def test_there_is_an_air_gapped_example_stack():
    assert "onprem-airgap" in AIRGAP_STACKS
    assert registry_of("onprem-airgap") == "registry.corp.example:5000/orbit"


@pytest.mark.parametrize("stack", AIRGAP_STACKS)
def test_every_rendered_image_comes_from_the_configured_registry(stack_plans, stack):
    plan = stack_plans[stack]
    listed = images(everything(plan))
    assert listed, f"stack {stack} renders no image"
    assert not airgap.image_findings(listed, registry_of(stack)), airgap.image_findings(listed, registry_of(stack))


@pytest.mark.parametrize("stack", AIRGAP_STACKS)
def test_make_images_lists_the_mirrored_images(stack_plans, stack):
    result = subprocess.run([sys.executable, "-m", "tools.render", "--stack", stack, "--images-only"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split()
    assert listed == images(stack_plans[stack].objects)
    assert all(image.startswith(registry_of(stack) + "/") for image in listed)


def test_no_chart_dependency_comes_from_a_repository():
    assert not airgap.chart_dependency_findings(), airgap.chart_dependency_findings()


def test_charts_and_manifests_are_installed_from_local_paths(plan):
    findings = airgap.resource_findings(plan.resources)
    assert not findings, "\n".join(map(str, findings))


def test_nothing_rendered_downloads_from_the_internet(plan):
    findings = airgap.object_findings(everything(plan))
    assert not findings, "\n".join(map(str, findings))


# --- the scanner catches what it must, and allows what is cluster-local ----------------------


def pod(kind="Job", init=None, **container):
    spec = {"containers": [{"name": "main", "image": "x/y:1", **container}]}
    if init:
        spec["initContainers"] = [{"name": "fetch", "image": "x/y:1", **init}]
    template = {"template": {"spec": spec}}
    body = {"Pod": {"spec": spec}, "CronJob": {"spec": {"jobTemplate": {"spec": template}}}}.get(kind, {"spec": template})
    return {"kind": kind, "metadata": {"name": "demo", "namespace": "orbit-test"}, **body}


@pytest.mark.parametrize(
    "obj, expected",
    [
        (pod(command=["sh", "-c", "curl -fsSL https://example.com/tool.tgz | tar xz"]), "names external URL https://example.com"),
        (pod(args=["pip install requests"]), "installs packages ('pip install')"),
        (pod(command=["sh", "-c", "apt-get update && apt-get install -y jq"]), "installs packages ('apt-get update')"),
        (pod(init={"command": ["wget", "-O", "/work/x", "http://downloads.example.org/x"]}), "initContainer fetch names external URL"),
        (pod(env=[{"name": "PLUGIN_SOURCE", "value": "https://plugins.example.net/p.zip"}]), "external URL https://plugins.example.net"),
        (pod(kind="CronJob", args=["helm repo add x https://charts.example.io"]), "installs packages ('helm repo add')"),
        (pod(kind="Pod", command=["git clone https://github.com/example/dags"]), "installs packages ('git clone')"),
        (
            {"kind": "ConfigMap", "metadata": {"name": "s", "namespace": "n"},
             "data": {"init.sh": "#!/bin/sh\nset -e\nwget -q https://example.com/jq -O /tmp/jq\n"}},
            "script init.sh names external URL https://example.com",
        ),
    ],
)
def test_scanner_flags_downloads(obj, expected):
    findings = [str(f) for f in airgap.object_findings([obj])]
    assert any(expected in f for f in findings), findings


@pytest.mark.parametrize(
    "obj",
    [
        pod(command=["sh", "-c", "curl -fsS https://minio.orbit-minio.svc.cluster.local:9000/minio/health/ready"]),
        pod(env=[{"name": "ES_URL", "value": "https://elasticsearch.orbit-logging.svc:9200"}]),
        pod(args=["server", "https://minio-{0...3}.minio-hl.orbit-minio.svc.cluster.local/export{0...3}"]),
        pod(command=["wget", "-qO-", "http://localhost:9600/"]),
        pod(env=[{"name": "UPSTREAM", "value": "http://$(POD_NAME).kafka-hl:9092"}]),
        pod(env=[{"name": "KAFKA_BROKER", "value": "http://kafka:9092"}]),
        pod(env=[{"name": "SERVER_PUBLICBASEURL", "value": "https://orbit.example.com/kibana"}]),
        pod(args=["--web.external-url=https://orbit.example.com/prometheus"]),
        {"kind": "ConfigMap", "metadata": {"name": "s", "namespace": "n"},
         "data": {"run.sh": "#!/bin/sh\n# docs: https://example.com/manual\nexec app\n"}},
        {"kind": "ConfigMap", "metadata": {"name": "rules", "namespace": "n"},
         "data": {"alerts.yaml": "runbook_url: https://runbooks.example.com/a"}},
    ],
)
def test_scanner_allows_cluster_local_and_advertised_urls(obj):
    assert not airgap.object_findings([obj]), airgap.object_findings([obj])


def test_scanner_flags_remote_chart_dependencies(tmp_path):
    chart = tmp_path / "demo"
    chart.mkdir()
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: demo\nversion: 0.1.0\ndependencies:\n"
        "  - {name: orbit-common, version: 0.1.0, repository: file://../orbit-common}\n"
        "  - {name: redis, version: 1.0.0, repository: https://charts.example.com}\n"
    )
    findings = airgap.chart_dependency_findings(tmp_path)
    assert [str(f) for f in findings] == ["charts/demo: dependency redis comes from https://charts.example.com, not a file:// path"]


def test_scanner_flags_remote_charts_and_manifest_urls():
    def captured(type_, inputs):
        return CapturedResource(type_, "x", "urn", None, True, inputs, inputs)

    findings = airgap.resource_findings([
        captured("kubernetes:helm.sh/v4:Chart", {"chart": "oci://registry.example.com/charts/x"}),
        captured("kubernetes:helm.sh/v4:Chart", {"chart": "x", "repositoryOpts": {"repo": "https://charts.example.com"}}),
        captured("kubernetes:yaml/v2:ConfigFile", {"file": "https://raw.example.com/crds.yaml"}),
        captured("kubernetes:helm.sh/v4:Chart", {"chart": "/src/orbit/charts/minio"}),
    ])
    assert len(findings) == 3 and all(f.subject.endswith(" x") for f in findings)


def test_image_registry_check_catches_an_escaped_image():
    findings = airgap.image_findings(["registry.corp:5000/orbit/a:1", "quay.io/b:2"], "registry.corp:5000/orbit")
    assert [f.subject for f in findings] == ["quay.io/b:2"]


@pytest.mark.parametrize("stack", AIRGAP_STACKS)
def test_mirror_list_pairs_each_upstream_image_with_its_mirror(stack_plans, stack):
    pairs = airgap.mirror_pairs(stack)
    assert [target for _, target in pairs] == images(stack_plans[stack].objects)
    for source, target in pairs:
        assert not source.startswith(registry_of(stack))
        assert target == f"{registry_of(stack)}/{source.split('/', 1)[1]}"


def test_mirror_list_needs_a_registry():
    stack = next((s for s in STACKS if not registry_of(s)), None)
    if stack is None:
        pytest.skip("every stack sets imageRegistry")
    with pytest.raises(ValueError, match="sets no orbit:imageRegistry"):
        airgap.mirror_pairs(stack)


def test_makefile_has_the_mirroring_targets():
    makefile = (ROOT / "Makefile").read_text()
    assert "\nimages: venv\n\t@$(BIN)/python -m tools.render --stack $(STACK) --images-only\n" in makefile
    assert "\nmirror-list: venv\n\t@$(BIN)/python -m tools.airgap --stack $(STACK) --mirror-list\n" in makefile
