"""Shared fixtures: every stack's captured plan (the program under Pulumi mocks, one subprocess
per stack so that Pulumi's global runtime state never leaks between stacks) and its rendered
charts, computed once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy import rules  # noqa: E402
from tools.plan import CapturedResource, list_stacks  # noqa: E402
from tools.render import CHART_TYPE, Release, render_chart, render_releases  # noqa: E402

STACKS = list_stacks()
CHARTS_DIR = ROOT / "charts"
KUBERNETES_VERSIONS = ("1.31", "1.37")  # oldest and newest supported


@dataclass
class StackPlan:
    stack: str
    resources: list[CapturedResource]

    @cached_property
    def releases(self) -> list[Release]:
        return render_releases(self.resources)

    @property
    def objects(self) -> list[dict[str, Any]]:
        return [obj for release in self.releases for obj in release.objects]

    def of_type(self, pulumi_type: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == pulumi_type]

    def named(self, name: str, pulumi_type: str | None = None) -> CapturedResource:
        found = [r for r in self.resources if r.name == name and (pulumi_type is None or r.type == pulumi_type)]
        assert len(found) == 1, f"expected one resource named {name!r}, found {len(found)}"
        return found[0]

    def chart(self, release: str) -> CapturedResource:
        return self.named(release, CHART_TYPE)

    def release(self, name: str) -> Release:
        return next(r for r in self.releases if r.name == name)

    def find(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        matches = [
            o
            for o in self.objects
            if o["kind"] == kind and o["metadata"]["name"] == name and namespace in (None, o["metadata"].get("namespace"))
        ]
        assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
        return matches[0]

    def policy_resources(self) -> list[rules.Resource]:
        return [rules.Resource(r.type, r.name, r.inputs, r.protect, r.retain_on_delete) for r in self.resources]

    @cached_property
    def image_registry(self) -> str:
        charts = self.of_type(CHART_TYPE)
        return charts[0].inputs["values"]["global"]["imageRegistry"] if charts else ""


def capture_in_subprocess(stack: str, stacks_dir: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tools.plan", "--stack", stack]
    if stacks_dir:
        command += ["--stacks-dir", str(stacks_dir)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _load(stack: str) -> StackPlan:
    result = capture_in_subprocess(stack)
    if result.returncode != 0:
        raise RuntimeError(f"stack {stack} failed under mocks:\n{result.stderr}")
    return StackPlan(stack, [CapturedResource(**item) for item in json.loads(result.stdout)])


@pytest.fixture(scope="session")
def stack_plans() -> dict[str, StackPlan]:
    with ThreadPoolExecutor(max_workers=max(1, min(len(STACKS), os.cpu_count() or 1))) as pool:
        return dict(zip(STACKS, pool.map(_load, STACKS)))


@pytest.fixture(params=STACKS)
def plan(request, stack_plans) -> StackPlan:
    return stack_plans[request.param]


def render(chart: str, values: dict[str, Any] | None = None, release: str | None = None, namespace: str = "orbit-test"):
    """Render one of Orbit's charts with explicit values (chart tests)."""
    return render_chart(str(CHARTS_DIR / chart), values or {}, release or chart, namespace)


def find(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = find(objects, kind, name)
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {[o['metadata']['name'] for o in matches]}"
    return matches[0]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env") or []}


def run_under_mocks(body: str) -> Any:
    """Run `body` in a fresh interpreter with Orbit's offline Pulumi mocks set (Pulumi's runtime is
    process-global), and return the JSON it prints last. For typed outputs that live in Python
    objects (KafkaAccess, routes, metrics) rather than in captured resources."""
    preamble = (
        "import json\nimport pulumi\nfrom tools.mock_outputs import OfflineMocks\n"
        "pulumi.runtime.set_mocks(OfflineMocks(), project='orbit', stack='test', preview=False)\n"
    )
    result = subprocess.run([sys.executable, "-c", preamble + body], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
