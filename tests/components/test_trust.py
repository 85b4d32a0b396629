"""The platform's trusted CA bundle under mocks: a ConfigMap per Orbit namespace holding the
configured bundle plus Orbit's CA, `global.trustedCa` in every chart, and charts ordered after it."""

from __future__ import annotations

import pytest

from components.context import TRUSTED_CA_CONFIGMAP, TRUSTED_CA_KEY
from tests.conftest import STACKS, env_of
from tools.plan import stack_config
from policy.rules import pod_spec
from tools.render import CHART_TYPE

CONFIGMAP_TYPE = "kubernetes:core/v1:ConfigMap"
NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
TRUSTING = [s for s in STACKS if stack_config(s)[0].get("orbit:trustedCaBundle")]
NOT_TRUSTING = [s for s in STACKS if s not in TRUSTING]


def trust_config_maps(plan):
    return [r for r in plan.of_type(CONFIGMAP_TYPE) if r.inputs["metadata"]["name"] == TRUSTED_CA_CONFIGMAP]


def test_the_air_gapped_stack_trusts_a_custom_ca():
    assert "onprem-airgap" in TRUSTING and "local" in NOT_TRUSTING


@pytest.mark.parametrize("stack", TRUSTING)
def test_every_orbit_namespace_gets_the_bundle_with_orbits_own_ca(stack_plans, stack):
    plan = stack_plans[stack]
    configured = stack_config(stack)[0]["orbit:trustedCaBundle"].strip()
    platform_ca = next(r for r in plan.of_type("tls:index/selfSignedCert:SelfSignedCert"))
    maps = {r.inputs["metadata"]["namespace"]: r for r in trust_config_maps(plan)}
    namespaces = {r.inputs["metadata"]["name"] for r in plan.of_type(NAMESPACE_TYPE)}
    assert namespaces and set(maps) == namespaces
    for config_map in maps.values():
        bundle = config_map.inputs["data"][TRUSTED_CA_KEY]
        assert bundle.startswith(configured)
        assert bundle.count("-----BEGIN CERTIFICATE-----") == configured.count("-----BEGIN CERTIFICATE-----") + 1
        assert platform_ca.name in config_map.depends_on, "the bundle must carry Orbit's CA"


@pytest.mark.parametrize("stack", TRUSTING)
def test_every_chart_gets_the_bundle_location_and_waits_for_it(stack_plans, stack):
    plan = stack_plans[stack]
    maps = {r.inputs["metadata"]["namespace"]: r for r in trust_config_maps(plan)}
    for chart in plan.of_type(CHART_TYPE):
        trust = chart.inputs["values"]["global"]["trustedCa"]
        assert trust["configMap"] == TRUSTED_CA_CONFIGMAP and trust["key"] == TRUSTED_CA_KEY and len(trust["checksum"]) == 16
        assert maps[chart.inputs["namespace"]].name in chart.depends_on


@pytest.mark.parametrize("stack", TRUSTING)
def test_minio_provisioning_trusts_the_bundle(stack_plans, stack):
    job = stack_plans[stack].find("Job", "minio-provisioning")
    container = pod_spec(job)["containers"][0]
    assert env_of(container)["SSL_CERT_FILE"] == f"/etc/orbit/trust/{TRUSTED_CA_KEY}"
    assert any(v.get("configMap", {}).get("name") == TRUSTED_CA_CONFIGMAP for v in pod_spec(job)["volumes"])


@pytest.mark.parametrize("stack", NOT_TRUSTING)
def test_without_a_bundle_nothing_is_created_or_mounted(stack_plans, stack):
    plan = stack_plans[stack]
    assert not trust_config_maps(plan)
    for chart in plan.of_type(CHART_TYPE):
        assert chart.inputs["values"]["global"]["trustedCa"]["configMap"] == ""
    for obj in plan.objects:
        spec = pod_spec(obj)
        for container in (spec or {}).get("containers", []):
            assert "SSL_CERT_FILE" not in env_of(container)
