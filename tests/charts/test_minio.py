"""Render-and-assert tests for charts/minio (values -> objects)."""

from __future__ import annotations

import pytest

from tests.conftest import env_of, find, one, render

REQUIRED = {"auth": {"existingSecret": "minio-root"}, "tls": {"enabled": True, "existingSecret": "minio-tls"}}


def minio(**values):
    return render("minio", {**REQUIRED, **values}, release="minio", namespace="orbit-minio")


def test_distributed_layout_lists_every_peer_and_drive():
    objects = minio(servers=4, drivesPerServer=2)
    sts = one(objects, "StatefulSet", "minio")
    container = sts["spec"]["template"]["spec"]["containers"][0]
    assert sts["spec"]["replicas"] == 4
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert "https://minio-{0...3}.minio-hl.orbit-minio.svc.cluster.local/export{0...1}" in container["args"]
    assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["data-0", "data-1"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/export0", "/export1"} <= mounts


def test_standalone_layout_uses_one_local_drive():
    objects = minio(servers=1, drivesPerServer=1)
    container = one(objects, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][-1] == "/export0"
    assert not find(objects, "PodDisruptionBudget"), "a single server needs no PDB"


def test_headless_service_publishes_unready_peers():
    headless = one(minio(), "Service", "minio-hl")
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True


def test_pdb_allows_one_server_down():
    pdb = one(minio(servers=4), "PodDisruptionBudget", "minio")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "server"


def test_volumes_are_retained_and_statefulset_replacement_orphans_pods():
    sts = one(minio(), "StatefulSet")
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert sts["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] == "orphan"


def test_credentials_come_from_files_never_from_env_values():
    sts = one(minio(), "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    env = env_of(pod["containers"][0])
    assert env["MINIO_ROOT_USER_FILE"] == "minio/rootUser"
    assert env["MINIO_ROOT_PASSWORD_FILE"] == "minio/rootPassword"
    assert not any(k in env for k in ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"))
    credentials = next(v for v in pod["volumes"] if v["name"] == "credentials")
    assert credentials["secret"]["secretName"] == "minio-root"


def test_tls_serves_the_api_with_the_given_certificate():
    pod = one(minio(), "StatefulSet")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert "--certs-dir=/etc/minio/certs" in container["args"]
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    certs = next(v for v in pod["volumes"] if v["name"] == "certs")
    assert {i["path"] for i in certs["secret"]["items"]} == {"public.crt", "private.key", "CAs/ca.crt"}


def test_network_policies_deny_by_default_and_allow_listed_peers():
    objects = minio(networkPolicy={"apiFrom": [{"namespace": "orbit-airflow"}], "metricsFrom": [{"namespace": "orbit-monitoring", "podLabels": {"app.kubernetes.io/name": "prometheus"}}]})
    deny = one(objects, "NetworkPolicy", "minio-default-deny")
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny["spec"]
    server = one(objects, "NetworkPolicy", "minio-server")
    sources = [peer for rule in server["spec"]["ingress"] for peer in rule["from"]]
    namespaces = {p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") for p in sources}
    assert {"orbit-airflow", "orbit-monitoring"} <= namespaces


def test_provisioning_job_creates_buckets_and_users_from_secrets():
    objects = minio(
        provisioning={
            "buckets": [{"name": "airflow-logs", "versioning": True}],
            "users": [{"name": "airflow", "access": "readwrite", "buckets": ["airflow-logs"], "secretName": "minio-user-airflow"}],
        }
    )
    script = one(objects, "ConfigMap", "minio-provisioning")["data"]["provision.sh"]
    assert 'mc mb --ignore-existing "orbit/airflow-logs"' in script
    assert 'mc version enable "orbit/airflow-logs"' in script
    job = one(objects, "Job", "minio-provisioning")
    assert job["metadata"]["annotations"]["config.kubernetes.io/depends-on"] == "apps/namespaces/orbit-minio/StatefulSet/minio"
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert volumes["user-airflow"]["secret"]["secretName"] == "minio-user-airflow"
    policy = one(objects, "ConfigMap", "minio-provisioning")["data"]["airflow.json"]
    assert "arn:aws:s3:::airflow-logs/*" in policy


def test_no_helm_hooks_anywhere():
    for obj in minio(provisioning={"buckets": [{"name": "data"}]}):
        assert not any(k.startswith("helm.sh/hook") for k in (obj["metadata"].get("annotations") or {}))


def test_image_registry_override_moves_every_image():
    objects = minio(provisioning={"buckets": [{"name": "data"}]}, **{"global": {"imageRegistry": "mirror.corp:5000/orbit"}})
    images = [c["image"] for o in objects if o["kind"] in ("StatefulSet", "Job") for c in o["spec"]["template"]["spec"]["containers"]]
    assert images and all(i.startswith("mirror.corp:5000/orbit/minio/") for i in images)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"servers": 3}, "cannot form a MinIO erasure set"),
        ({"servers": 2, "drivesPerServer": 1}, "cannot form a MinIO erasure set"),
        ({"servers": 0}, "minimum"),
        ({"persistence": {"size": "100GB"}}, "persistence/size"),
        ({"image": {"registry": "quay.io", "repository": "minio/minio", "tag": "latest"}}, "image/tag"),
        ({"unknownKey": True}, "unknownKey"),
        ({"provisioning": {"users": [{"name": "x", "buckets": ["b"]}]}}, "secretName"),
    ],
)
def test_bad_values_are_rejected(values, message):
    with pytest.raises(Exception) as raised:
        minio(**values)
    assert message in str(raised.value)


def test_auth_secret_is_required():
    with pytest.raises(Exception, match="auth.existingSecret is required"):
        render("minio", {"tls": {"existingSecret": "t"}})
