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


# --- the other charts that make outbound TLS calls: Airflow (git, S3, connections) and
# Alertmanager (Slack, webhooks, SMTP through a corporate proxy) ---


def _trusting(pod_spec: dict, container: dict) -> bool:
    env = env_of(container)
    mounted = any(m["name"] == "orbit-trusted-ca" for m in container.get("volumeMounts") or [])
    volume = any(v["name"] == "orbit-trusted-ca" for v in pod_spec.get("volumes") or [])
    return env.get("SSL_CERT_FILE") == BUNDLE and env.get("GIT_SSL_CAINFO") == BUNDLE and mounted and volume


def test_every_airflow_and_git_sync_container_trusts_the_bundle():
    from tests.charts.test_airflow import GIT_SSH, airflow, airflow_containers

    objects = airflow(GIT_SSH, **{"global": {"trustedCa": TRUST}})
    checked = 0
    for obj in objects:
        if obj["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        spec = obj["spec"]["template"]["spec"]
        for container in (spec.get("initContainers") or []) + spec["containers"]:
            if "apache/airflow" in container["image"] or container["name"] == "git-sync":
                assert _trusting(spec, container), f"{obj['metadata']['name']}/{container['name']}"
                checked += 1
    assert checked >= len(airflow_containers(objects)) and checked > 4
    scheduler = one(objects, "Deployment", "airflow-scheduler")["spec"]["template"]["metadata"]["annotations"]
    assert scheduler["checksum/trusted-ca"] == TRUST["checksum"]


def test_airflow_without_a_bundle_has_no_trust_volume():
    from tests.charts.test_airflow import airflow

    for obj in airflow():
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            assert "orbit-trusted-ca" not in str(obj)


def test_alertmanager_trusts_the_bundle_for_its_receivers():
    objects = render("prometheus", {"global": {"trustedCa": TRUST}}, release="prometheus", namespace="orbit-monitoring")
    sts = one(objects, "StatefulSet", "prometheus-alertmanager")
    spec = sts["spec"]["template"]["spec"]
    assert _trusting(spec, next(c for c in spec["containers"] if c["name"] == "alertmanager"))
    assert sts["spec"]["template"]["metadata"]["annotations"]["checksum/trusted-ca"] == TRUST["checksum"]
