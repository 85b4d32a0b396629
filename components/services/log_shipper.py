"""The log shipper: a Fluent Bit DaemonSet (charts/fluent-bit) in its own namespace.

Reading the nodes' log files needs hostPath volumes, which only a "privileged" namespace admits;
that is the documented exception (policy/exceptions.yaml). As the consumer of ELK's credential
and CA, this component copies them into Secrets in its own namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.charts import create_namespace, install_chart
from components.config import LogShipperConfig
from components.context import PlatformContext
from components.secrets import kubernetes_secret
from components.wiring import LOG_SHIPPER_NAMESPACE, Credential, Endpoint, MetricsTarget, Peer, Route

NAMESPACE = LOG_SHIPPER_NAMESPACE
RELEASE = "fluent-bit"
POD_LABELS = {"app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": "shipper"}
# Who the shipper is, for the NetworkPolicies of what it sends to.
SHIPPER_PEER = Peer(NAMESPACE, dict(POD_LABELS))
CA_SECRET = "fluent-bit-ca"
CREDENTIALS_SECRET = "fluent-bit-elasticsearch"


@dataclass(frozen=True)
class ShipperOutput:
    """Where the logs go: Logstash's HTTP input (no credential) or Elasticsearch (writer user)."""

    endpoint: Endpoint
    peer: Peer
    ca_pem: object  # pulumi.Output[str]
    credential: Credential | None = None
    index: str = "orbit-logs"


@dataclass(frozen=True)
class LogShipperArgs:
    config: LogShipperConfig
    context: PlatformContext
    output: ShipperOutput
    metrics_clients: tuple[Peer, ...] = ()


class LogShipper(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogShipperArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:service:LogShipper", name, None, opts)
        config, context, output = args.config, args.context, args.output
        if (config.target == "elasticsearch") != (output.credential is not None):
            raise ValueError(f"log shipper target {config.target!r} needs a credential exactly when it is elasticsearch")
        namespace = create_namespace(self, NAMESPACE, context, pod_security="privileged")
        secrets = [kubernetes_secret(self, CA_SECRET, context=context, namespace=namespace, data={"ca.crt": output.ca_pem})]
        if output.credential is not None:
            secrets.append(
                kubernetes_secret(
                    self,
                    CREDENTIALS_SECRET,
                    context=context,
                    namespace=namespace,
                    data={"username": output.credential.username, "password": output.credential.password},
                )
            )
        values = {
            "output": {
                "target": config.target,
                "host": output.endpoint.host,
                "port": output.endpoint.port,
                "index": output.index,
                "caSecret": CA_SECRET,
                "credentialsSecret": CREDENTIALS_SECRET if output.credential is not None else "",
            },
            "resources": config.resources.model_dump(),
            "networkPolicy": {
                "outputTo": [output.peer.values()],
                "metricsFrom": [peer.values() for peer in args.metrics_clients],
            },
        }
        self.chart = install_chart(
            self, "fluent-bit", context=context, namespace=namespace, values=values, release=RELEASE, depends_on=secrets
        )
        self.namespace = NAMESPACE
        # A headless Service: Prometheus finds every node's shipper through its DNS records.
        self.metrics: tuple[MetricsTarget, ...] = (
            MetricsTarget("fluent-bit", Endpoint(NAMESPACE, RELEASE, 2020, path="/api/v2/metrics/prometheus"), dict(POD_LABELS)),
        )
        self.routes: tuple[Route, ...] = ()  # nothing to publish through the gateway
        self.register_outputs({"target": output.endpoint.url})
