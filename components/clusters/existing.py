"""An existing cluster reached through a kubeconfig: kind, k3d, minikube, or any on-prem cluster."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.clusters import Cluster, ClusterFacts
from components.config import ExistingClusterConfig


class ExistingCluster(Cluster):
    """Adopts a running cluster. Creates nothing in it but the provider; the storage class must exist."""

    def __init__(self, name: str, config: ExistingClusterConfig, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:cluster:Existing", name, None, opts)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=config.kubeconfig,
            context=config.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.facts = ClusterFacts(kind="existing", storage_class=config.storage_class, zones=config.zones)
        self.register_outputs(self.cluster_outputs())
