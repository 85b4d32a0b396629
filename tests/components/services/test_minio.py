"""The MinIO component under mocks: what it registers and how it wires the chart."""

from __future__ import annotations

from tests.conftest import STACKS


def minio_plans(stack_plans):
    return [p for s, p in stack_plans.items() if any(r.name == "minio" and r.type == "orbit:service:Minio" for r in p.resources)]


def test_root_credentials_are_generated_once_and_passed_by_secret_name(stack_plans):
    for plan in minio_plans(stack_plans):
        password = plan.named("minio-root-password", "random:index/randomPassword:RandomPassword")
        assert password.inputs["length"] >= 32 and password.inputs["special"] is False
        secret = plan.named("orbit-minio-minio-root", "kubernetes:core/v1:Secret")
        assert secret.inputs["metadata"]["name"] == "minio-root"
        assert "minio-root-password" in secret.depends_on
        values = plan.chart("minio").inputs["values"]
        assert values["auth"] == {"existingSecret": "minio-root"}
        assert "orbit-minio-minio-root" in plan.chart("minio").depends_on


def test_tls_certificate_covers_service_and_peer_names(stack_plans):
    for plan in minio_plans(stack_plans):
        request = plan.named("minio-tls-csr", "tls:index/certRequest:CertRequest")
        names = request.inputs["dnsNames"]
        assert "minio.orbit-minio.svc.cluster.local" in names
        assert "*.minio-hl.orbit-minio.svc.cluster.local" in names
        assert plan.named("orbit-minio-minio-tls").inputs["type"] == "kubernetes.io/tls"


def test_namespace_enforces_restricted_and_is_retained(stack_plans):
    for plan in minio_plans(stack_plans):
        namespace = plan.named("orbit-minio", "kubernetes:core/v1:Namespace")
        assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        assert namespace.retain_on_delete


def test_chart_uses_the_cluster_storage_class_and_config_layout(stack_plans):
    for plan in minio_plans(stack_plans):
        values = plan.chart("minio").inputs["values"]
        assert values["persistence"]["storageClass"]
        assert values["servers"] * values["drivesPerServer"] >= 1
        assert values["global"]["commonLabels"]["orbit.dev/stack"] == plan.stack


def test_local_stack_runs_a_single_minio_server(stack_plans):
    assert "local" in STACKS
    values = stack_plans["local"].chart("minio").inputs["values"]
    assert values["servers"] == 1.0  # numbers reach the provider as floats
