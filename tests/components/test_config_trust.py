"""orbit:trustedCaBundle: PEM CA certificates only, with messages naming the key and the problem."""

from __future__ import annotations

import pytest

from components.config import ConfigError, parse_stack_config
from tests.conftest import ROOT
from tools.plan import stack_config

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {}}}
CERTIFICATE = stack_config("onprem-airgap")[0]["orbit:trustedCaBundle"]


def parse(bundle):
    return parse_stack_config({**BASE, "trustedCaBundle": bundle})


def test_default_is_no_bundle():
    assert parse_stack_config(BASE).trusted_ca_bundle == ""


def test_a_bundle_of_several_certificates_with_comments_is_accepted():
    bundle = f"# Example Corp root\n{CERTIFICATE}\n# the same again, as a second entry\n{CERTIFICATE}"
    parsed = parse(bundle).trusted_ca_bundle
    assert parsed.count("-----BEGIN CERTIFICATE-----") == 2 and parsed.endswith("-----END CERTIFICATE-----\n")


@pytest.mark.parametrize(
    "bundle, fragments",
    [
        ("not a certificate", ["orbit:trustedCaBundle", "is not a PEM certificate bundle", "(got 'not a certificate')"]),
        (CERTIFICATE + "trailing words", ["orbit:trustedCaBundle", "text outside the certificate blocks", "'trailing words'"]),
        (CERTIFICATE.replace("MIIB", "M*IB", 1), ["orbit:trustedCaBundle", "certificate 1 of the bundle is not valid base64"]),
        ("-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----", ["certificate 1 of the bundle is not a DER-encoded X.509"]),
        ("-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----", ["is not a PEM certificate bundle"]),
        (42, ["orbit:trustedCaBundle", "valid string"]),
    ],
)
def test_bad_bundles_are_rejected_with_the_key_and_the_problem(bundle, fragments):
    with pytest.raises(ConfigError) as error:
        parse(bundle)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_a_private_key_is_rejected_and_never_echoed():
    key_body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"
    with pytest.raises(ConfigError) as error:
        parse(f"{CERTIFICATE}-----BEGIN PRIVATE KEY-----\n{key_body}\n-----END PRIVATE KEY-----\n")
    assert "holds a private key" in str(error.value)
    assert key_body not in str(error.value) and "value not shown" in str(error.value)


def test_long_rejected_values_are_cut_short_in_the_message():
    with pytest.raises(ConfigError) as error:
        parse("x" * 500)
    assert "x" * 96 + "..." in str(error.value) and "x" * 150 not in str(error.value)


def test_the_air_gapped_stack_sets_a_valid_bundle():
    text = (ROOT / "stacks" / "Pulumi.onprem-airgap.yaml").read_text()
    assert "orbit:trustedCaBundle" in text
    assert parse(CERTIFICATE).trusted_ca_bundle.startswith("-----BEGIN CERTIFICATE-----")
