"""Private registry logins: `orbit:imagePullCredentials` becomes Secret orbit-registry in every
namespace and every pod pulls with it; the credential never appears in values, manifests, reports
or error messages."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from components.config import ConfigError, parse_stack_config
from policy import rules
from policy.rules import pod_spec
from tests.conftest import ROOT, StackPlan, capture_in_subprocess
from tools.plan import CapturedResource
from tools.render import CHART_TYPE

AUTH = base64.b64encode(b"orbit-puller:s3cr3t-pull-password").decode()
CREDENTIALS = {"auths": {"registry.corp.example:5000": {"auth": AUTH}}}
BASE = {"environment": "t", "cluster": {"provider": "existing", "existing": {}}}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"registry.corp": {"auth": AUTH}}, "is not a Docker config.json document"),
        ({"auths": {}}, "is not a Docker config.json document"),
        ({"auths": {"registry.corp": {"auth": "not base64!"}}}, "auths.registry.corp.auth is not base64"),
        ({"auths": {"registry.corp": {"auth": base64.b64encode(b"no-colon").decode()}}}, "does not decode to 'user:password'"),
        ({"auths": {"registry.corp": {"username": "u"}}}, "needs 'auth', or both 'username' and 'password'"),
        ("s3cr3t-pull-password", "is not a Docker config.json document"),
    ],
)
def test_bad_credentials_are_rejected_without_echoing_them(value, fragment):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({**BASE, "imagePullCredentials": value})
    message = str(raised.value)
    assert "orbit:imagePullCredentials" in message and fragment in message
    assert "s3cr3t" not in message and AUTH not in message


def test_credentials_must_cover_the_mirror_host():
    with pytest.raises(ConfigError, match="no login for the imageRegistry host 'mirror.other:443'"):
        parse_stack_config({**BASE, "imageRegistry": "mirror.other:443/orbit", "imagePullCredentials": CREDENTIALS})
    config = parse_stack_config({**BASE, "imageRegistry": "registry.corp.example:5000/orbit", "imagePullCredentials": CREDENTIALS})
    assert config.image_pull_credentials == CREDENTIALS


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> StackPlan:
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())
    stack["config"]["orbit:imageRegistry"] = "registry.corp.example:5000/orbit"
    stack["config"]["orbit:imagePullCredentials"] = CREDENTIALS
    directory = tmp_path_factory.mktemp("stacks")
    (directory / "Pulumi.pull.yaml").write_text(yaml.safe_dump(stack))
    result = capture_in_subprocess("pull", directory)
    assert result.returncode == 0, result.stderr
    return StackPlan("pull", [CapturedResource(**item) for item in json.loads(result.stdout)])


def test_every_namespace_gets_the_pull_secret_and_every_chart_waits_for_it(plan):
    namespaces = {r.inputs["metadata"]["name"] for r in plan.of_type("kubernetes:core/v1:Namespace")}
    secrets = [r for r in plan.of_type("kubernetes:core/v1:Secret") if r.inputs["metadata"]["name"] == "orbit-registry"]
    assert {s.inputs["metadata"]["namespace"] for s in secrets} == namespaces
    for secret in secrets:
        assert secret.inputs["type"] == "kubernetes.io/dockerconfigjson"
        assert json.loads(secret.inputs["stringData"][".dockerconfigjson"]) == CREDENTIALS
        assert secret.masked_inputs["stringData"] == "[secret]"
    for chart in plan.of_type(CHART_TYPE):
        assert chart.inputs["values"]["global"]["imagePullSecrets"] == ["orbit-registry"]
        assert f"{chart.inputs['namespace']}-registry" in chart.depends_on


def test_every_pod_pulls_with_it_and_the_credential_is_nowhere_else(plan):
    pods = [(o, pod_spec(o)) for o in plan.objects if pod_spec(o) is not None]
    assert pods
    for obj, spec in pods:
        assert spec.get("imagePullSecrets") == [{"name": "orbit-registry"}], rules.subject(obj)
    assert AUTH not in json.dumps(plan.objects)
    for resource in plan.resources:
        assert AUTH not in json.dumps(resource.masked_inputs), resource.name
        if resource.type == CHART_TYPE:
            assert AUTH not in json.dumps(resource.inputs)


def test_policies_still_pass(plan):
    context = rules.PolicyContext(image_registry=plan.image_registry, exceptions=rules.load_exceptions())
    assert rules.check(plan.objects, plan.policy_resources(), context) == []
