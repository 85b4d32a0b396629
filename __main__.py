"""Orbit: provision (or adopt) a Kubernetes cluster and install the data platform on it."""

import pulumi

from components.clusters import create_cluster
from components.config import load_stack_config
from components.platform import Platform

config = load_stack_config()
cluster = create_cluster(
    "cluster",
    config.cluster,
    environment=config.environment,
    image_registry=config.image_registry,
    image_pull_credentials=config.image_pull_credentials,
)
platform = Platform("orbit", config, cluster)

pulumi.export("cluster", cluster.cluster_outputs())
pulumi.export("endpoints", platform.endpoints)
pulumi.export("caCertificate", platform.ca.cert_pem)
if platform.gateway_consumers is not None:
    # Secret outputs: `pulumi stack output gatewayConsumers --show-secrets`.
    pulumi.export("gatewayConsumers", platform.gateway_consumers)
