"""orbit-common's trust helpers (_trust.tpl) as the MinIO provisioning Job uses them."""

from __future__ import annotations

from tests.conftest import env_of, one, render

REQUIRED = {"auth": {"existingSecret": "minio-root"}, "tls": {"existingSecret": "minio-tls"}}
TRUST = {"configMap": "orbit-trusted-ca", "key": "ca-bundle.crt", "checksum": "0123456789abcdef"}
BUNDLE = "/etc/orbit/trust/ca-bundle.crt"
TRUST_VARIABLES = {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE", "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS"}


def provisioning_pod(global_values=None):
    values = {**REQUIRED, "provisioning": {"buckets": [{"name": "data"}]}, "global": global_values or {}}
    return one(render("minio", values), "Job")["spec"]["template"]


def test_without_a_bundle_nothing_is_added():
    pod = provisioning_pod()
    container = pod["spec"]["containers"][0]
    assert not TRUST_VARIABLES & set(env_of(container))
    assert "orbit-trusted-ca" not in [v["name"] for v in pod["spec"]["volumes"]]
    assert "/etc/orbit/trust" not in [m["mountPath"] for m in container["volumeMounts"]]
    assert "checksum/trusted-ca" not in pod["metadata"]["annotations"]


def test_with_a_bundle_the_job_mounts_it_and_points_every_tls_client_at_it():
    pod = provisioning_pod({"trustedCa": TRUST})
    container = pod["spec"]["containers"][0]
    env = env_of(container)
    assert {name: env[name] for name in TRUST_VARIABLES} == dict.fromkeys(TRUST_VARIABLES, BUNDLE)
    assert env["MINIO_URL"].startswith("https://")  # the chart's own variables stay
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "orbit-trusted-ca")
    assert volume["configMap"] == {"name": "orbit-trusted-ca", "items": [{"key": "ca-bundle.crt", "path": "ca-bundle.crt"}]}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "orbit-trusted-ca")
    assert mount == {"name": "orbit-trusted-ca", "mountPath": "/etc/orbit/trust", "readOnly": True}
    assert pod["metadata"]["annotations"]["checksum/trusted-ca"] == "0123456789abcdef"


def test_a_custom_key_names_the_file():
    pod = provisioning_pod({"trustedCa": {**TRUST, "key": "corp.pem"}})
    assert env_of(pod["spec"]["containers"][0])["SSL_CERT_FILE"] == "/etc/orbit/trust/corp.pem"


def test_a_changed_bundle_changes_the_pod_template():
    first = provisioning_pod({"trustedCa": TRUST})
    second = provisioning_pod({"trustedCa": {**TRUST, "checksum": "fedcba9876543210"}})
    assert first["metadata"]["annotations"] != second["metadata"]["annotations"]


def test_the_server_statefulset_is_untouched():
    plain = one(render("minio", REQUIRED), "StatefulSet")
    trusting = one(render("minio", {**REQUIRED, "global": {"trustedCa": TRUST}}), "StatefulSet")
    assert plain["spec"]["template"] == trusting["spec"]["template"]
