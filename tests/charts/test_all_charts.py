"""Checks every chart in charts/ must pass: lint, schema, README, naming, shared helpers."""

from __future__ import annotations

import json
import re

import helm_python as helm
import pytest
import yaml

from tests.conftest import CHARTS_DIR

CHARTS = sorted(p.parent.name for p in CHARTS_DIR.glob("*/Chart.yaml"))
APPLICATION_CHARTS = [c for c in CHARTS if c != "orbit-common"]


@pytest.mark.parametrize("chart", CHARTS)
def test_helm_lint_is_clean(chart):
    # A chart whose values have no usable defaults (names only its installer knows) ships them in
    # ci/lint-values.yaml, the chart-testing convention.
    lint_values = CHARTS_DIR / chart / "ci" / "lint-values.yaml"
    values = yaml.safe_load(lint_values.read_text()) if lint_values.is_file() else None
    report = helm.lint(str(CHARTS_DIR / chart), values, strict=True, kube_version="v1.31.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report.get("errors", [])
    # Lint with default values cannot satisfy required Secret names; those fail with our own message.
    problems = [p for p in problems if "existingSecret is required" not in str(p)]
    assert not problems, problems


@pytest.mark.parametrize("chart", APPLICATION_CHARTS)
def test_chart_has_schema_readme_and_library_dependency(chart):
    path = CHARTS_DIR / chart
    schema = json.loads((path / "values.schema.json").read_text())
    assert schema.get("additionalProperties") is False, "unknown top-level values must be rejected"
    readme = (path / "README.md").read_text()
    assert "| Key |" in readme or "| key |" in readme, "README needs a table of values"
    assert (path / "charts" / "orbit-common").resolve() == (CHARTS_DIR / "orbit-common").resolve()


@pytest.mark.parametrize("chart", APPLICATION_CHARTS)
def test_templates_are_named_component_kind(chart):
    for template in (CHARTS_DIR / chart / "templates").iterdir():
        if template.name.startswith("_") or template.suffix == ".txt":
            continue
        assert re.match(rf"^{chart}-[a-z0-9-]+\.yaml$", template.name) or re.match(r"^[a-z0-9]+-[a-z0-9-]+\.yaml$", template.name), template.name


@pytest.mark.parametrize("chart", APPLICATION_CHARTS)
def test_every_readme_value_table_row_names_a_real_value(chart):
    path = CHARTS_DIR / chart
    values = helm.Chart.load(str(path)).values
    for key in re.findall(r"^\| `([^`]+)` \|", (path / "README.md").read_text(), flags=re.MULTILINE):
        node = values
        for part in key.split("."):
            assert isinstance(node, dict) and part in node, f"README documents {key}, which is not in values.yaml"
            node = node[part]
