"""The live path, for real: `pulumi preview` of the local stack against the current cluster.

Runs only where the Pulumi CLI is installed and a cluster answers (and ORBIT_LIVE=1, so that a
developer's machine never deploys by surprise); skipped with the reason otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.live


def _cluster_reachable() -> str | None:
    try:
        from kubernetes import client, config

        api = config.new_client_from_config()
        client.VersionApi(api).get_code(_request_timeout=5)
        return None
    except Exception as error:
        return f"no reachable cluster ({type(error).__name__})"


def test_pulumi_preview_of_the_local_stack_passes_the_policy_pack():
    if shutil.which("pulumi") is None:
        pytest.skip("the Pulumi CLI is not installed")
    problem = _cluster_reachable()
    if problem:
        pytest.skip(problem)
    if os.environ.get("ORBIT_LIVE") != "1":
        pytest.skip("set ORBIT_LIVE=1 to run live checks against the current cluster")
    env = {**os.environ, "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", "orbit-live-test")}
    result = subprocess.run(["tools/live.sh", "preview", "local"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
