"""tools/verify.py: which checks apply, readiness evaluation, protocol helpers; plus the live run."""

from __future__ import annotations

import os
import socket
import struct
import threading
from types import SimpleNamespace

import pytest
from kubernetes.client import (
    V1DaemonSet,
    V1DaemonSetSpec,
    V1DaemonSetStatus,
    V1Deployment,
    V1DeploymentSpec,
    V1DeploymentStatus,
    V1ObjectMeta,
    V1StatefulSet,
    V1StatefulSetSpec,
    V1StatefulSetStatus,
)

from components.config import parse_stack_config
from tools import verify

BASE = {"environment": "test", "cluster": {"provider": "existing", "existing": {}}}


def deployment(replicas, available, updated, generation=2, observed=2):
    return V1Deployment(
        metadata=V1ObjectMeta(name="d", generation=generation),
        spec=V1DeploymentSpec(replicas=replicas, selector={}, template={}),
        status=V1DeploymentStatus(available_replicas=available, updated_replicas=updated, observed_generation=observed),
    )


def statefulset(replicas, ready, updated):
    return V1StatefulSet(
        metadata=V1ObjectMeta(name="s", generation=1),
        spec=V1StatefulSetSpec(replicas=replicas, selector={}, template={}, service_name="s"),
        status=V1StatefulSetStatus(replicas=replicas, ready_replicas=ready, updated_replicas=updated, observed_generation=1),
    )


def daemonset(desired, ready, updated):
    return V1DaemonSet(
        metadata=V1ObjectMeta(name="ds", generation=1),
        spec=V1DaemonSetSpec(selector={}, template={}),
        status=V1DaemonSetStatus(desired_number_scheduled=desired, number_ready=ready, updated_number_scheduled=updated,
                                 current_number_scheduled=desired, number_misscheduled=0, observed_generation=1),
    )


@pytest.mark.parametrize(
    ("kind", "obj", "ready", "fragment"),
    [
        ("Deployment", deployment(2, 2, 2), True, "2/2 available"),
        ("Deployment", deployment(2, 1, 2), False, "1/2 available"),
        ("Deployment", deployment(2, 2, 1), False, "1/2 updated"),
        ("Deployment", deployment(2, 2, 2, generation=3, observed=2), False, "has not observed generation 3"),
        ("Deployment", deployment(0, None, None), True, "0/0"),
        ("StatefulSet", statefulset(3, 3, 3), True, "3/3 ready"),
        ("StatefulSet", statefulset(3, 2, 3), False, "2/3 ready"),
        ("StatefulSet", statefulset(1, None, None), False, "0/1 ready"),
        ("DaemonSet", daemonset(4, 4, 4), True, "4/4 ready"),
        ("DaemonSet", daemonset(4, 4, 3), False, "3/4 updated"),
    ],
)
def test_workload_readiness_on_api_objects(kind, obj, ready, fragment):
    ok, detail = verify.workload_ready(kind, obj)
    assert ok is ready and fragment in detail


def test_workload_readiness_on_plain_dicts():
    obj = {"metadata": {"generation": 1}, "spec": {"replicas": 2}, "status": {"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2}}
    assert verify.workload_ready("StatefulSet", obj) == (True, "2/2 ready")


def test_only_enabled_services_are_checked():
    assert verify.enabled_services(parse_stack_config(BASE)) == ["minio", "airflow", "kong"]
    off = parse_stack_config({**BASE, "minio": {"enabled": False}, "airflow": {"enabled": False}, "kong": {"enabled": False}})
    assert verify.enabled_services(off) == []


def test_services_from_other_sections_are_picked_up_by_name():
    config = SimpleNamespace(minio=SimpleNamespace(enabled=False), kafka=SimpleNamespace(enabled=True),
                             elk=SimpleNamespace(enabled=True), airflow=SimpleNamespace(enabled=False), kong=None)
    assert verify.enabled_services(config) == ["kafka", "elasticsearch"]


def test_kafka_api_versions_round_trip():
    request = verify.kafka_api_versions_request(correlation_id=7, client_id="x")
    (size,) = struct.unpack(">i", request[:4])
    assert size == len(request) - 4
    assert struct.unpack(">hhi", request[4:12]) == (18, 0, 7)
    assert verify.kafka_api_versions_ok(struct.pack(">iih", 6, 7, 0), 7) == (True, "ApiVersions error code 0")
    assert verify.kafka_api_versions_ok(struct.pack(">iih", 6, 7, 35), 7)[0] is False
    assert verify.kafka_api_versions_ok(struct.pack(">iih", 6, 8, 0), 7)[0] is False
    assert verify.kafka_api_versions_ok(b"\x00", 7)[0] is False


def test_airflow_and_elasticsearch_health_evaluation():
    healthy = {"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy"}}
    assert verify.airflow_health_ok(healthy)[0] is True
    assert verify.airflow_health_ok({**healthy, "scheduler": {"status": "unhealthy"}}) == (False, "metadatabase healthy, scheduler unhealthy")
    assert verify.elasticsearch_health_ok(200, {"status": "yellow"})[0] is True
    assert verify.elasticsearch_health_ok(200, {"status": "red"})[0] is False
    assert verify.elasticsearch_health_ok(401, {})[0] is True
    assert verify.elasticsearch_health_ok(503, {})[0] is False


def test_authenticated_route_paths_come_from_the_declarative_config():
    declarative = {"services": [
        {"plugins": [{"name": "basic-auth"}, {"name": "acl"}], "routes": [{"paths": ["/minio-console"]}]},
        {"plugins": [{"name": "rate-limiting"}], "routes": [{"paths": ["/public"]}]},
        {"plugins": [{"name": "jwt"}], "routes": [{"paths": ["/airflow/api"], "hosts": ["gw.corp.example"]}]},
    ]}
    assert verify.authenticated_routes(declarative) == [("/minio-console", None), ("/airflow/api", "gw.corp.example")]


class FakeCluster:
    def __init__(self, workloads):
        self._workloads = workloads

    def orbit_namespaces(self):
        return sorted(self._workloads)

    def workloads(self, namespace):
        return iter(self._workloads[namespace])


def test_check_workloads_reports_every_workload_and_fails_on_an_empty_cluster():
    cluster = FakeCluster({"orbit-minio": [("StatefulSet", statefulset(1, 1, 1))], "orbit-gateway": [("Deployment", deployment(1, 0, 1))]})
    results = verify.check_workloads(cluster, timeout=0)
    assert [(r.check, r.ok) for r in results] == [("Deployment orbit-gateway/d", False), ("StatefulSet orbit-minio/s", True)]
    empty = verify.check_workloads(FakeCluster({}), timeout=0)
    assert len(empty) == 1 and not empty[0].ok and "is the stack deployed" in empty[0].detail


def test_one_failing_service_check_does_not_hide_the_others(monkeypatch):
    monkeypatch.setattr(verify, "check_workloads", lambda cluster, timeout: [])
    monkeypatch.setitem(verify.HEALTH_CHECKS, "minio", lambda cluster: (_ for _ in ()).throw(LookupError("no pod")))
    monkeypatch.setitem(verify.HEALTH_CHECKS, "kong", lambda cluster: [verify.Result("kong ready", True, "200")])
    results = verify.run_checks(object(), ["minio", "kong"], timeout=0)
    assert [(r.check, r.ok) for r in results] == [("minio health", False), ("kong ready", True)]
    assert "LookupError: no pod" in results[0].detail


@pytest.mark.live
def test_verify_the_local_stack_against_the_current_cluster():
    from tests.test_live import _cluster_reachable

    problem = _cluster_reachable()
    if problem:
        pytest.skip(problem)
    if os.environ.get("ORBIT_LIVE") != "1":
        pytest.skip("set ORBIT_LIVE=1 to run live checks against the current cluster")
    assert verify.main(["--stack", "local", "--timeout", "900"]) == 0


# --- the port-forwarded HTTP client, against in-process servers ------------------------------

class FakeForward:
    def close(self):
        pass


def plain_http_server(sock: socket.socket, status: str, body: bytes = b"{}") -> None:
    def serve():
        try:
            sock.recv(65536)
            sock.sendall(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        finally:
            sock.close()

    threading.Thread(target=serve, daemon=True).start()


def cluster_with(servers):
    """A verify.Cluster whose port-forwards lead to the given server functions, one per connection."""
    cluster = verify.Cluster.__new__(verify.Cluster)
    cluster.pod_behind = lambda namespace, port: ("pod-0", port)
    queue = list(servers)

    def connect(namespace, pod, port):
        ours, theirs = socket.socketpair()
        ours.settimeout(5)
        queue.pop(0)(theirs)
        return FakeForward(), ours

    cluster.connect = connect
    return cluster


def test_http_falls_back_to_plain_when_the_service_does_not_speak_tls():
    cluster = cluster_with([lambda s: plain_http_server(s, "400 Bad Request"),
                            lambda s: plain_http_server(s, "200 OK", b'{"status": "green"}')])
    status, _, body = cluster.http("orbit-logging", 9200, "/_cluster/health")
    assert status == 200 and b"green" in body


def test_kong_check_reports_ready_redirect_and_auth(monkeypatch):
    declarative = "services:\n- plugins: [{name: key-auth}]\n  routes: [{paths: [/prometheus]}]\n"
    cluster = cluster_with([
        lambda s: plain_http_server(s, "200 OK"),
        lambda s: plain_http_server(s, "308 Permanent Redirect\r\nLocation: https://localhost/prometheus"),
    ])
    calls = []
    real_http = cluster.http

    def http(namespace, port, path, *, tls=None, headers=None):
        calls.append((port, path, tls))
        if tls:
            return 401, {}, b""
        return real_http(namespace, port, path, tls=tls, headers=headers)

    cluster.http = http
    cluster.secret_value = lambda namespace, name, key: declarative
    results = verify.check_kong(cluster)
    assert [(r.check, r.ok) for r in results] == [("kong ready", True), ("kong redirect", True), ("kong auth", True)]
    assert calls == [(8100, "/status/ready", False), (80, "/prometheus", False), (443, "/prometheus", True)]


def test_pod_behind_picks_a_ready_pod_and_resolves_named_ports():
    ns = SimpleNamespace
    service = ns(spec=ns(selector={"app": "kong"}, ports=[ns(port=443, target_port="proxy-https")]))
    unready = ns(metadata=ns(name="kong-a"), status=ns(conditions=[ns(type="Ready", status="False")]), spec=ns(containers=[]))
    ready = ns(metadata=ns(name="kong-b"), status=ns(conditions=[ns(type="Ready", status="True")]),
               spec=ns(containers=[ns(ports=[ns(name="proxy-https", container_port=8443)])]))
    cluster = verify.Cluster.__new__(verify.Cluster)
    cluster.core = ns(
        list_namespaced_service=lambda namespace: ns(items=[service]),
        list_namespaced_pod=lambda namespace, label_selector: ns(items=[unready, ready]) if label_selector == "app=kong" else ns(items=[]),
    )
    assert cluster.pod_behind("orbit-gateway", 443) == ("kong-b", 8443)
    with pytest.raises(LookupError, match="no ready pod behind a Service on port 9092"):
        cluster.pod_behind("orbit-gateway", 9092)
