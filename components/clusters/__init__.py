"""The Cluster interface: what the platform needs from a Kubernetes cluster, identical on every cloud.

A cluster component knows nothing about the services; the services know nothing about clouds.
Each implementation (existing, aws, gcp, azure) is a ComponentResource that fills in exactly
these attributes, so `components/platform.py` never branches on the cloud.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class PostgresDatabase:
    """A managed PostgreSQL server offered by the cloud (Airflow's metadata database).

    `password` is a secret Output; the platform puts it into a Kubernetes Secret, never into values.
    """

    host: pulumi.Input[str]
    port: int
    database: str
    username: str
    password: pulumi.Output[str]
    sslmode: str = "require"


@dataclass(frozen=True)
class ClusterFacts:
    """Plain facts about a cluster that services use to compute their values."""

    kind: str  # existing | aws | gcp | azure
    storage_class: str
    zones: tuple[str, ...] = ()
    # Annotations that make a Service of type LoadBalancer internal on this cluster.
    internal_load_balancer_annotations: dict[str, str] = field(default_factory=dict)


class Cluster(pulumi.ComponentResource):
    """Base class of every cluster component.

    Subclasses set, before calling `register_outputs`:
      provider     a Kubernetes provider for this cluster (every chart is installed through it)
      facts        ClusterFacts (cloud kind, default StorageClass, zones, LB annotations)
      oidc_issuer  the workload-identity OIDC issuer URL, or None when the cluster has none
      postgres     a managed PostgresDatabase, or None (services then run their own)
    """

    provider: k8s.Provider
    facts: ClusterFacts
    oidc_issuer: pulumi.Output[str] | None = None
    postgres: PostgresDatabase | None = None

    def cluster_outputs(self) -> dict[str, object]:
        return {
            "kind": self.facts.kind,
            "storageClass": self.facts.storage_class,
            "zones": list(self.facts.zones),
            "oidcIssuer": self.oidc_issuer,
        }


def create_cluster(
    name: str,
    config: "ClusterConfig",  # noqa: F821 (imported lazily)
    environment: str = "",
    image_registry: str = "",
    image_pull_credentials: dict | None = None,
) -> Cluster:
    """Build the cluster component the stack asks for. Cloud SDKs are imported only when used, so
    a stack on one cloud never loads (or needs) another cloud's SDK. `image_registry` and
    `image_pull_credentials` reach the charts a cluster installs itself (EKS: the Cluster
    Autoscaler), so a private mirror serves them like every other image."""
    if config.provider == "existing":
        from components.clusters.existing import ExistingCluster

        return ExistingCluster(name, config.existing)
    if config.provider == "aws":
        from components.clusters.aws import AwsCluster

        return AwsCluster(name, config.aws, environment, image_registry, image_pull_credentials)
    if config.provider == "gcp":
        from components.clusters.gcp import GcpCluster

        return GcpCluster(name, config.gcp, environment)
    if config.provider == "azure":
        from components.clusters.azure import AzureCluster

        return AzureCluster(name, config.azure, environment)
    raise ValueError(f"unknown cluster provider {config.provider!r}")
