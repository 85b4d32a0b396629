"""Run Prometheus' own checker, promtool, on a rendered Prometheus configuration and its rules.

The files the configuration names (rule files, the CA bundle, the service-account token) are
re-rooted under a temporary directory exactly where the pod would mount them, so that promtool
checks the configuration in full — rule files included — not just its syntax.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

PROMTOOL = os.environ.get("ORBIT_PROMTOOL") or shutil.which("promtool") or "/usr/bin/promtool"
RULES_DIR = "/etc/prometheus/rules"


def promtool() -> str:
    """The promtool binary, or a skip (a failure under CI, where it must be installed)."""
    if Path(PROMTOOL).is_file():
        return PROMTOOL
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("promtool is not installed; CI installs Debian's `prometheus` package for it")
    pytest.skip("promtool is not installed (apt-get install prometheus); CI runs this check")


def _referenced_files(node: Any) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_file") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_referenced_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_referenced_files(item))
    return found


def check_rendered(config_text: str, rules: dict[str, str], workdir: Path) -> None:
    """promtool check config (with the rules it loads) and check rules; assert both pass."""
    binary = promtool()
    root = workdir / "root"
    config = yaml.safe_load(config_text)
    for path in _referenced_files(config):
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("placeholder\n")
    rules_dir = root / RULES_DIR.lstrip("/")
    rules_dir.mkdir(parents=True, exist_ok=True)
    for name, text in rules.items():
        (rules_dir / name).write_text(text)
    assert config["rule_files"] == [f"{RULES_DIR}/*.yaml"], config["rule_files"]
    rerooted = config_text.replace("/etc/prometheus/", f"{root}/etc/prometheus/").replace(
        "/var/run/secrets/", f"{root}/var/run/secrets/"
    )
    (workdir / "prometheus.yaml").write_text(rerooted)
    result = subprocess.run([binary, "check", "config", str(workdir / "prometheus.yaml")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"promtool check config failed:\n{result.stdout}\n{result.stderr}"
    assert f"SUCCESS: {len(rules)} rule files found" in result.stdout, result.stdout
    files = sorted(str(p) for p in rules_dir.glob("*.yaml"))
    result = subprocess.run([binary, "check", "rules", *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"promtool check rules failed:\n{result.stdout}\n{result.stderr}"
