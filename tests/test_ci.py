"""The GitHub Actions workflow: it parses, calls only real make targets and tools, posts the
offline diff, and previews each stack only with federated (keyless) cloud credentials."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, STACKS
from tools.ci_matrix import matrix

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CI = ROOT / ".github" / "workflows" / "ci.yml"
STATIC_KEY_MARKERS = (
    "aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "credentials_json", "GOOGLE_CREDENTIALS", "creds:", "client-secret", "ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET",
)


def load(path):
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as the boolean True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(document):
    return [(name, step) for name, job in document["jobs"].items() for step in job.get("steps", [])]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))


@pytest.fixture(scope="module")
def ci():
    return load(CI)


def test_workflows_parse_and_run_on_pull_requests(ci):
    assert WORKFLOWS, "no workflow in .github/workflows"
    for path in WORKFLOWS:
        assert load(path)["jobs"], f"{path.name} has no jobs"
    assert "pull_request" in ci["on"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_make_target_and_tool_module_called_exists(path):
    targets = makefile_targets()
    scripts = [step.get("run", "") for _, step in steps(load(path))]
    called = {m for script in scripts for m in re.findall(r"\bmake\s+([a-z][a-z0-9-]*)", script)}
    assert called, "the workflow calls no make target"
    assert called <= targets, f"unknown make target(s): {sorted(called - targets)}"
    for module in {m for script in scripts for m in re.findall(r"python -m (tools\.[a-z_]+)", script)}:
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), f"{module} does not exist"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_and_no_static_cloud_keys_are_used(path):
    text = path.read_text()
    for _, step in steps(load(path)):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", step["uses"]), step["uses"]
    for marker in STATIC_KEY_MARKERS:
        assert marker not in text, f"{path.name} uses a static credential ({marker})"


def test_make_test_runs_on_every_pull_request(ci):
    job = ci["jobs"]["test"]
    assert "if" not in job
    assert any(re.search(r"\bmake test\b", step.get("run", "")) for step in job["steps"])


def test_manifest_diff_renders_every_stack_against_the_base_and_posts_it(ci):
    job = ci["jobs"]["manifest-diff"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "the base revision must be in the clone"
    run = next(s for s in job["steps"] if "make diff" in s.get("run", ""))
    assert "github.event.pull_request.base.sha" in run["env"]["BASE_SHA"]
    assert "--all-stacks" in run["run"] and "--out build/diff/comment.md" in run["run"]
    post = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script@"))
    assert "build/diff/comment.md" in post["with"]["script"]
    from tools.diff import COMMENT_MARKER

    assert COMMENT_MARKER in post["with"]["script"], "the comment is found again (and updated) by the diff's marker"
    assert job["permissions"]["pull-requests"] == "write"


def test_preview_matrix_comes_from_the_stack_files(ci):
    job = ci["jobs"]["preview"]
    assert job["needs"] == "stacks"
    assert "needs.stacks.outputs.matrix" in job["strategy"]["matrix"]
    listing = subprocess.run([sys.executable, "-m", "tools.ci_matrix"], cwd=ROOT, capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "python -m tools.ci_matrix" in ci["jobs"]["stacks"]["steps"][-1]["run"]
    entries = matrix()["include"]
    assert [e["stack"] for e in entries] == STACKS
    assert all(e["provider"] in ("existing", "aws", "gcp", "azure") for e in entries), entries


def test_preview_runs_only_with_configured_credentials_and_federated_logins(ci):
    job = ci["jobs"]["preview"]
    assert job["permissions"]["id-token"] == "write"
    by_name = {step.get("name", step.get("uses")): step for step in job["steps"]}
    gate = by_name["Are this stack's credentials configured?"]
    assert gate["id"] == "creds"
    for step in job["steps"][1:]:
        assert "steps.creds.outputs.configured == 'yes'" in step.get("if", ""), f"step {step.get('name')} is not gated"
    preview = by_name["pulumi preview --diff --policy-pack policy"]
    assert re.search(r"\bmake preview STACK=", preview["run"])
    assert "--policy-pack policy --diff" in (ROOT / "tools" / "live.sh").read_text()
    logins = {
        "aws": ("aws-actions/configure-aws-credentials@", "role-to-assume"),
        "gcp": ("google-github-actions/auth@", "workload_identity_provider"),
        "azure": ("azure/login@", "client-id"),
    }
    for provider, (action, federated_input) in logins.items():
        step = next(s for s in job["steps"] if s.get("uses", "").startswith(action))
        assert f"matrix.provider == '{provider}'" in step["if"]
        assert federated_input in step["with"]
    for variable in ("AWS_ROLE_ARN", "GCP_WORKLOAD_IDENTITY_PROVIDER", "AZURE_CLIENT_ID", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        assert variable in gate["run"], f"the gate ignores {variable}"


def test_secrets_the_workflow_reads_are_documented():
    documented = (ROOT / "docs" / "ci.md").read_text()
    for name in sorted(set(re.findall(r"secrets\.([A-Z_]+)", CI.read_text())) | set(re.findall(r"vars\.([A-Z_]+)", CI.read_text()))):
        assert f"`{name}`" in documented, f"docs/ci.md does not explain {name}"
