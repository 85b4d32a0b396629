"""`make render`: the reviewable report, its exact format, and its determinism."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, STACKS


def run_render(stack: str, out) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("stack", STACKS)
def test_render_writes_the_documented_format_and_is_byte_identical_twice(stack, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    run_render(stack, first)
    run_render(stack, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), f"{relative} differs between renders"

    resources = json.loads((first / "resources.json").read_text())
    for entry in resources:
        assert set(entry) == {"type", "name", "parent", "custom", "inputs", "options"}
        assert set(entry["options"]) == {"protect", "retainOnDelete", "dependsOn"}
        assert isinstance(entry["options"]["dependsOn"], list)
    charts = [e for e in resources if e["type"] == "kubernetes:helm.sh/v4:Chart"]
    assert all(not e["inputs"]["chart"].startswith("/") for e in charts), "chart paths must be repo-relative"
    assert "mock-" not in (first / "resources.json").read_text(), "a generated secret leaked into the report"

    manifests = sorted((first / "manifests").glob("*.yaml"))
    assert {m.stem for m in manifests} == {e["inputs"]["name"] for e in charts}
    for manifest in manifests:
        for obj in yaml.safe_load_all(manifest.read_text()):
            if obj["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass"):
                assert obj["metadata"].get("namespace"), f"{manifest.name}: {obj['kind']} {obj['metadata']['name']} has no namespace"

    images = (first / "images.txt").read_text().splitlines()
    assert images == sorted(set(images)) and images


def test_images_only_prints_the_image_list():
    result = subprocess.run(
        [sys.executable, "-m", "tools.render", "--stack", "local", "--images-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("quay.io/minio/minio:") for line in result.stdout.splitlines())
