"""Live smoke checks of a deployed stack, with the `kubernetes` Python client.

    python -m tools.verify --stack local [--timeout 600]

1. Every Deployment, StatefulSet and DaemonSet in the orbit-* namespaces is ready (polled until
   --timeout).
2. Each service the stack file enables answers its own health check, reached by a port-forward to
   a ready pod behind the service's Service (port-forwards go through the kubelet into the pod, so
   the platform's default-deny NetworkPolicies do not get in the way):
   MinIO      GET /minio/health/cluster on the S3 port (200 = write quorum)
   Kafka      an ApiVersions request on the client port (allowed before SASL authentication)
   Elasticsearch GET /_cluster/health (status not red; 401 = up with security on, no credentials given)
   Airflow    GET /api/v2/monitor/health on the api-server (metadatabase and scheduler healthy)
   Kong       GET /status/ready on the status port; plain HTTP on the proxy is redirected to
              HTTPS; an authenticated route refuses a request without credentials (401)

Exits 0 when everything passes, 1 when a check fails, 2 when the cluster cannot be reached.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import socket
import ssl
import struct
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from tools.plan import STACKS_DIR, stack_config

NAMESPACE_PREFIX = "orbit-"
# The service sections of the stack file that have a health check, with the namespace each
# service lives in (components/wiring.py) and the port of the Service that check talks to.
SERVICES = {
    "minio": ("orbit-minio", 9000),
    "kafka": ("orbit-kafka", 9092),
    "elasticsearch": ("orbit-logging", 9200),
    "airflow": ("orbit-airflow", 8080),
    "kong": ("orbit-gateway", 8100),
}
# Elasticsearch may be configured under an `elk`/`logging` section by its component.
SECTION_ALIASES = {"elasticsearch": ("elasticsearch", "elk", "logging")}


@dataclass(frozen=True)
class Result:
    check: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.check}: {self.detail}"


# --- which checks apply (pure) ---------------------------------------------------------------


def _enabled(section: Any) -> bool:
    return bool(section is not None and getattr(section, "enabled", True))


def enabled_services(config: Any) -> list[str]:
    """The health-checked services the stack file turns on (absent sections are not deployed)."""
    found = []
    for service in SERVICES:
        sections = [getattr(config, name, None) for name in SECTION_ALIASES.get(service, (service,))]
        if any(section is not None for section in sections) and any(_enabled(s) for s in sections if s is not None):
            found.append(service)
    return found


# --- readiness of workloads (pure: works on API objects or plain dicts) ----------------------


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if obj is None:
            return None
        obj = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return obj


def workload_ready(kind: str, obj: Any) -> tuple[bool, str]:
    """Whether a Deployment/StatefulSet/DaemonSet has rolled out completely, and why not."""
    generation = _get(obj, "metadata", "generation") or 0
    observed = _get(obj, "status", "observed_generation") or _get(obj, "status", "observedGeneration") or 0
    if observed < generation:
        return False, f"controller has not observed generation {generation} yet (at {observed})"

    def status(snake: str, camel: str) -> int:
        value = _get(obj, "status", snake)
        return int(value if value is not None else (_get(obj, "status", camel) or 0))

    if kind == "DaemonSet":
        desired = status("desired_number_scheduled", "desiredNumberScheduled")
        ready = status("number_ready", "numberReady")
        updated = status("updated_number_scheduled", "updatedNumberScheduled")
        if ready < desired or updated < desired:
            return False, f"{ready}/{desired} ready, {updated}/{desired} updated"
        return True, f"{ready}/{desired} ready"
    replicas = _get(obj, "spec", "replicas")
    replicas = 1 if replicas is None else int(replicas)
    ready = status("ready_replicas", "readyReplicas")
    updated = status("updated_replicas", "updatedReplicas")
    if kind == "Deployment":
        available = status("available_replicas", "availableReplicas")
        if available < replicas or updated < replicas:
            return False, f"{available}/{replicas} available, {updated}/{replicas} updated"
        return True, f"{available}/{replicas} available"
    if ready < replicas or updated < replicas:
        return False, f"{ready}/{replicas} ready, {updated}/{replicas} updated"
    return True, f"{ready}/{replicas} ready"


# --- protocol helpers (pure) -----------------------------------------------------------------


def kafka_api_versions_request(correlation_id: int = 1, client_id: str = "orbit-verify") -> bytes:
    """An ApiVersions v0 request: answered by every broker, before any SASL authentication."""
    client = client_id.encode()
    body = struct.pack(">hhih", 18, 0, correlation_id, len(client)) + client
    return struct.pack(">i", len(body)) + body


def kafka_api_versions_ok(response: bytes, correlation_id: int = 1) -> tuple[bool, str]:
    if len(response) < 10:
        return False, f"short response ({len(response)} bytes)"
    _size, correlation, error = struct.unpack(">iih", response[:10])
    if correlation != correlation_id:
        return False, f"correlation id {correlation}, expected {correlation_id}"
    return (error == 0, f"ApiVersions error code {error}")


def airflow_health_ok(body: dict[str, Any]) -> tuple[bool, str]:
    states = {name: (body.get(name) or {}).get("status") for name in ("metadatabase", "scheduler")}
    bad = {k: v for k, v in states.items() if v != "healthy"}
    return (not bad, ", ".join(f"{k} {v}" for k, v in states.items()))


def elasticsearch_health_ok(status: int, body: dict[str, Any]) -> tuple[bool, str]:
    if status == 401:
        return True, "answers, authentication on (cluster status needs credentials)"
    if status != 200:
        return False, f"HTTP {status}"
    return body.get("status") in ("green", "yellow"), f"cluster status {body.get('status')}"


def authenticated_routes(declarative: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(path, host or None) of every route that carries an auth plugin, from Kong's declarative config."""
    found = []
    for service in declarative.get("services") or []:
        plugins = {p.get("name") for p in service.get("plugins") or []}
        if plugins & {"basic-auth", "key-auth", "jwt"}:
            for route in service.get("routes") or []:
                host = (route.get("hosts") or [None])[0]
                found.extend((path, host) for path in route.get("paths") or [])
    return found


# --- talking to the cluster ------------------------------------------------------------------


class Cluster:
    """The few API calls the checks need, and port-forwarded connections to pods."""

    def __init__(self, api_client):
        from kubernetes import client

        self.core = client.CoreV1Api(api_client)
        self.apps = client.AppsV1Api(api_client)

    def orbit_namespaces(self) -> list[str]:
        return sorted(n.metadata.name for n in self.core.list_namespace().items if n.metadata.name.startswith(NAMESPACE_PREFIX))

    def workloads(self, namespace: str) -> Iterator[tuple[str, Any]]:
        for kind, lister in (
            ("Deployment", self.apps.list_namespaced_deployment),
            ("StatefulSet", self.apps.list_namespaced_stateful_set),
            ("DaemonSet", self.apps.list_namespaced_daemon_set),
        ):
            for obj in lister(namespace).items:
                yield kind, obj

    def pod_behind(self, namespace: str, port: int) -> tuple[str, int]:
        """A ready pod behind the Service that exposes `port`, and the container port to reach."""
        for service in self.core.list_namespaced_service(namespace).items:
            selector = service.spec.selector or {}
            for service_port in service.spec.ports or []:
                if service_port.port != port or not selector:
                    continue
                labels = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
                for pod in self.core.list_namespaced_pod(namespace, label_selector=labels).items:
                    if not _pod_ready(pod):
                        continue
                    return pod.metadata.name, _container_port(pod, service_port.target_port or port)
        raise LookupError(f"no ready pod behind a Service on port {port} in {namespace}")

    def connect(self, namespace: str, pod: str, port: int):
        from kubernetes.stream import portforward

        forward = portforward(self.core.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port))
        sock = forward.socket(port)
        raw = getattr(sock, "_socket", sock)  # the kubernetes wrapper hides the real socket
        raw.settimeout(15)
        return forward, raw

    def http(self, namespace: str, port: int, path: str, *, tls: bool | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET `path` from a pod behind the Service on `port`. tls=None: HTTPS, else plain HTTP."""
        if tls is None:
            try:
                return self.http(namespace, port, path, tls=True, headers=headers)
            except ssl.SSLError:
                return self.http(namespace, port, path, tls=False, headers=headers)
        pod, target = self.pod_behind(namespace, port)
        forward, raw = self.connect(namespace, pod, target)
        try:
            if tls:
                raw = _unverified_tls().wrap_socket(raw, server_hostname="localhost")
            connection = http.client.HTTPConnection("localhost", timeout=15)
            connection.sock = raw
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            forward.close()

    def secret_value(self, namespace: str, name: str, key: str) -> str:
        secret = self.core.read_namespaced_secret(name, namespace)
        return base64.b64decode(secret.data[key]).decode()


def _unverified_tls() -> ssl.SSLContext:
    # A health probe through a port-forward: the pod is reached as localhost, which is not the
    # certificate's name, and the point is whether the service answers, not who it is.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _pod_ready(pod) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def _container_port(pod, target) -> int:
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in pod.spec.containers:
        for port in container.ports or []:
            if port.name == target:
                return port.container_port
    raise LookupError(f"pod {pod.metadata.name} has no port named {target}")


# --- the checks ------------------------------------------------------------------------------


def check_workloads(cluster: Cluster, timeout: float, poll: float = 10) -> list[Result]:
    deadline = time.monotonic() + timeout
    while True:
        results = [
            Result(f"{kind} {namespace}/{obj.metadata.name}", *workload_ready(kind, obj))
            for namespace in cluster.orbit_namespaces()
            for kind, obj in cluster.workloads(namespace)
        ]
        if not results:
            return [Result("workloads", False, f"no workloads in {NAMESPACE_PREFIX}* namespaces: is the stack deployed?")]
        if all(r.ok for r in results) or time.monotonic() >= deadline:
            return results
        time.sleep(poll)


def check_minio(cluster: Cluster) -> list[Result]:
    namespace, port = SERVICES["minio"]
    status, _, _ = cluster.http(namespace, port, "/minio/health/cluster")
    return [Result("minio health", status == 200, f"/minio/health/cluster answered {status}")]


def check_kafka(cluster: Cluster) -> list[Result]:
    namespace, port = SERVICES["kafka"]
    pod, target = cluster.pod_behind(namespace, port)
    errors = []
    # Orbit's brokers listen with SASL_SSL; a plaintext listener is tried second.
    for tls in (True, False):
        forward, raw = cluster.connect(namespace, pod, target)
        try:
            sock = _unverified_tls().wrap_socket(raw, server_hostname="localhost") if tls else raw
            sock.sendall(kafka_api_versions_request())
            ok, detail = kafka_api_versions_ok(_read_frame(sock))
            return [Result("kafka broker", ok, f"{pod}:{target} ({'TLS' if tls else 'plaintext'}): {detail}")]
        except (OSError, ssl.SSLError) as error:
            errors.append(f"{'TLS' if tls else 'plaintext'}: {error}")
        finally:
            forward.close()
    return [Result("kafka broker", False, f"{pod}:{target}: {'; '.join(errors)}")]


def _read_frame(sock: socket.socket) -> bytes:
    header = _read_exactly(sock, 4)
    (size,) = struct.unpack(">i", header)
    return header + _read_exactly(sock, min(size, 1 << 20))


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise OSError(f"connection closed after {len(data)} of {count} bytes")
        data += chunk
    return data


def check_elasticsearch(cluster: Cluster) -> list[Result]:
    namespace, port = SERVICES["elasticsearch"]
    status, _, body = cluster.http(namespace, port, "/_cluster/health")
    ok, detail = elasticsearch_health_ok(status, _json(body))
    return [Result("elasticsearch health", ok, detail)]


def check_airflow(cluster: Cluster) -> list[Result]:
    namespace, port = SERVICES["airflow"]
    # The api-server may serve under the gateway prefix (/airflow); try both.
    for path in ("/api/v2/monitor/health", "/airflow/api/v2/monitor/health"):
        status, _, body = cluster.http(namespace, port, path)
        if status == 200:
            return [Result("airflow health", *airflow_health_ok(_json(body)))]
    return [Result("airflow health", False, f"monitor/health answered {status}")]


def check_kong(cluster: Cluster) -> list[Result]:
    namespace, status_port = SERVICES["kong"]
    status, _, _ = cluster.http(namespace, status_port, "/status/ready", tls=False)
    results = [Result("kong ready", status == 200, f"/status/ready answered {status}")]
    try:
        declarative = yaml.safe_load(cluster.secret_value(namespace, "kong-declarative", "kong.yaml"))
    except Exception as error:  # noqa: BLE001 - report, do not crash the other checks
        return results + [Result("kong routes", False, f"cannot read the declarative configuration: {error}")]
    routes = authenticated_routes(declarative)
    if not routes:
        return results + [Result("kong routes", True, "no authenticated routes to probe")]
    path, host = routes[0]
    headers = {"Host": host} if host else {}
    status, answer, _ = cluster.http(namespace, 80, path, tls=False, headers=headers)
    location = answer.get("location", "")
    results.append(Result("kong redirect", status in (301, 302, 307, 308) and location.startswith("https://"),
                          f"http {path} answered {status} {location}".strip()))
    status, _, _ = cluster.http(namespace, 443, path, tls=True, headers=headers)
    results.append(Result("kong auth", status == 401, f"https {path} without credentials answered {status}"))
    return results


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
        return value if isinstance(value, dict) else {}
    except ValueError:
        return {}


HEALTH_CHECKS: dict[str, Callable[[Cluster], list[Result]]] = {
    "minio": check_minio,
    "kafka": check_kafka,
    "elasticsearch": check_elasticsearch,
    "airflow": check_airflow,
    "kong": check_kong,
}


def run_checks(cluster: Cluster, services: Iterable[str], timeout: float) -> list[Result]:
    results = check_workloads(cluster, timeout)
    for service in services:
        try:
            results.extend(HEALTH_CHECKS[service](cluster))
        except Exception as error:  # noqa: BLE001 - one broken service must not hide the others
            results.append(Result(f"{service} health", False, f"{type(error).__name__}: {error}"))
    return results


def load_config(stack: str):
    from components.config import parse_stack_config

    raw, _ = stack_config(stack, STACKS_DIR)
    return parse_stack_config({k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("orbit:")},
                              source=f"stacks/Pulumi.{stack}.yaml")


def api_client_for(config, kubeconfig: str | None, context: str | None):
    from kubernetes import config as kube_config

    existing = getattr(config.cluster, "existing", None)
    if existing is not None:
        kubeconfig = kubeconfig or existing.kubeconfig
        context = context or existing.context
    return kube_config.new_client_from_config(config_file=kubeconfig, context=context)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for workloads to become ready")
    parser.add_argument("--kubeconfig", help="default: the stack's, else $KUBECONFIG or ~/.kube/config")
    parser.add_argument("--context", help="default: the stack's, else the current context")
    args = parser.parse_args(argv)

    from components.config import ConfigError

    try:
        config = load_config(args.stack)
    except (ConfigError, FileNotFoundError) as error:
        print(f"orbit: {error}", file=sys.stderr)
        return 2
    try:
        from kubernetes import client

        api = api_client_for(config, args.kubeconfig, args.context)
        client.VersionApi(api).get_code(_request_timeout=10)
    except Exception as error:  # noqa: BLE001 - any failure means: no cluster to verify
        print(f"orbit: cannot reach the cluster of stack {args.stack}: {error}", file=sys.stderr)
        return 2
    services = enabled_services(config)
    print(f"orbit: verifying stack {args.stack} (services: {', '.join(services) or 'none'})")
    results = run_checks(Cluster(api), services, args.timeout)
    for result in results:
        print(result)
    failed = [r for r in results if not r.ok]
    print(f"orbit: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
