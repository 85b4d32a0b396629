"""Prometheus: metrics and alerting for the whole platform.

The scrape jobs come from the platform's wiring: every service publishes MetricsTargets and the
platform hands them all to this component, which renders one job per target (plus the chart's
own jobs). Alert rule groups are rendered by the chart for exactly the jobs it scrapes.

Two charts: charts/prometheus (server, Alertmanager, kube-state-metrics) in the restricted
monitoring namespace, and charts/node-exporter alone in a namespace labelled privileged, because
it needs the host's network, process namespace and root filesystem (the documented exception in
policy/exceptions.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.charts import create_namespace, install_chart
from components.config import AlertReceiverConfig, PrometheusConfig
from components.context import PlatformContext
from components.secrets import kubernetes_secret
from components.tls import PlatformCA
from components.wiring import MONITORING_NAMESPACE, PROMETHEUS_SCRAPER, Endpoint, MetricsTarget, Peer, Route

NAMESPACE = MONITORING_NAMESPACE
NODE_EXPORTER_NAMESPACE = "orbit-node-exporter"
RELEASE = "prometheus"
NODE_EXPORTER_RELEASE = "node-exporter"
# Jobs the chart renders for its own components; a service target may not reuse these names.
OWN_JOBS = ("prometheus", "alertmanager", "kube-state-metrics", "node-exporter", "kubelet")
TARGETS_CA_SECRET = "prometheus-targets-ca"
RECEIVERS_SECRET = "alertmanager-receivers"
# The file each receiver type reads its credential from (see the chart's alertmanager config).
RECEIVER_SECRET_KEY = {"slack": "apiUrl", "webhook": "url", "email": "password"}


# The chart's Services and the path prefixes it serves under (server.routePrefix and
# alertmanager.routePrefix); the gateway forwards these paths unchanged.
SERVER = Endpoint(NAMESPACE, RELEASE, 9090, path="/prometheus")
ALERTMANAGER = Endpoint(NAMESPACE, f"{RELEASE}-alertmanager", 9093, path="/alertmanager")
ROUTES = (Route("prometheus", SERVER.path, SERVER), Route("alertmanager", ALERTMANAGER.path, ALERTMANAGER))


@dataclass(frozen=True)
class PrometheusArgs:
    config: PrometheusConfig
    context: PlatformContext
    ca: PlatformCA
    # Every other service's metrics endpoints, from platform.py.
    targets: tuple[MetricsTarget, ...] = ()
    gateway_clients: tuple[Peer, ...] = ()


def check_targets(targets: tuple[MetricsTarget, ...]) -> None:
    """One job per target, never one of the chart's own job names."""
    jobs = [t.job for t in targets]
    clashes = sorted(set(jobs) & set(OWN_JOBS))
    if clashes:
        raise ValueError(f"metrics target job(s) {', '.join(clashes)} clash with Prometheus' own jobs ({', '.join(OWN_JOBS)})")
    duplicates = sorted({j for j in jobs if jobs.count(j) > 1})
    if duplicates:
        raise ValueError(f"metrics target job(s) {', '.join(duplicates)} are published more than once")


def scrape_target_values(target: MetricsTarget) -> dict[str, object]:
    endpoint = target.endpoint
    return {
        "job": target.job,
        "namespace": endpoint.namespace,
        "service": endpoint.service,
        "port": endpoint.port,
        "scheme": endpoint.scheme,
        "path": endpoint.path if endpoint.path != "/" else "/metrics",
        "podLabels": dict(target.pod_labels),
    }


def receiver_values(receiver: AlertReceiverConfig) -> dict[str, object]:
    values: dict[str, object] = {"name": receiver.name, "type": receiver.type, "severities": list(receiver.severities)}
    if receiver.slack:
        values["slack"] = {"channel": receiver.slack.channel}
    if receiver.email:
        email = receiver.email
        values["email"] = {"to": email.to, "from": email.from_address, "smarthost": email.smarthost, "username": email.username}
    return values


class Prometheus(pulumi.ComponentResource):
    def __init__(self, name: str, args: PrometheusArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:Prometheus", name, None, opts)
        config, context = args.config, args.context
        check_targets(args.targets)
        namespace = create_namespace(self, NAMESPACE, context)

        secrets = []
        https = any(t.endpoint.scheme == "https" for t in args.targets)
        if https:
            secrets.append(
                kubernetes_secret(self, TARGETS_CA_SECRET, context=context, namespace=namespace, data={"ca.crt": args.ca.cert_pem})
            )
        receivers = config.alertmanager.receivers
        if receivers:
            secrets.append(
                kubernetes_secret(
                    self,
                    RECEIVERS_SECRET,
                    context=context,
                    namespace=namespace,
                    data={f"{r.name}-{RECEIVER_SECRET_KEY[r.type]}": r.secret.get_secret_value() for r in receivers},
                )
            )

        values = {
            "server": {
                "retentionTime": config.retention_time,
                "retentionSize": config.effective_retention_size,
                "scrapeInterval": config.scrape_interval,
                "evaluationInterval": config.scrape_interval,
                "externalLabels": {"environment": context.environment},
                "persistence": {
                    "size": config.volume_size,
                    "storageClass": config.storage_class or context.cluster.facts.storage_class,
                },
                "resources": config.resources.model_dump(),
            },
            "scrapeTargets": [scrape_target_values(t) for t in args.targets],
            "targetsCaSecret": TARGETS_CA_SECRET if https else "",
            "rules": {"runbookBaseUrl": config.runbook_base_url},
            "alertmanager": {
                "replicas": config.alertmanager.replicas,
                "receivers": [receiver_values(r) for r in receivers],
                "receiversSecret": RECEIVERS_SECRET if receivers else "",
                "resources": config.alertmanager.resources.model_dump(),
            },
            "kubeStateMetrics": {
                "enabled": config.kube_state_metrics.enabled,
                "resources": config.kube_state_metrics.resources.model_dump(),
            },
            "nodeExporter": {
                "namespace": NODE_EXPORTER_NAMESPACE if config.node_exporter.enabled else "",
                "service": NODE_EXPORTER_RELEASE,
                "port": config.node_exporter.port,
            },
            "networkPolicy": {"uiFrom": [peer.values() for peer in args.gateway_clients]},
        }
        self.chart = install_chart(
            self, "prometheus", context=context, namespace=namespace, values=values, release=RELEASE, depends_on=secrets
        )

        self.node_exporter = None
        if config.node_exporter.enabled:
            # Host namespaces and a hostPath volume are beyond "baseline": only this namespace
            # runs privileged, and only node-exporter runs in it.
            host_namespace = create_namespace(self, NODE_EXPORTER_NAMESPACE, context, pod_security="privileged")
            self.node_exporter = install_chart(
                self,
                "node-exporter",
                context=context,
                namespace=host_namespace,
                release=NODE_EXPORTER_RELEASE,
                values={
                    "port": config.node_exporter.port,
                    "resources": config.node_exporter.resources.model_dump(),
                    "networkPolicy": {"metricsFrom": [PROMETHEUS_SCRAPER.values()]},
                },
            )

        self.namespace = NAMESPACE
        self.server, self.alertmanager = SERVER, ALERTMANAGER
        self.routes = ROUTES
        self.register_outputs({"prometheusEndpoint": self.server.url, "alertmanagerEndpoint": self.alertmanager.url})
