"""What the three cloud clusters share and that needs no cloud SDK: tags, the exec-based kubeconfig,
the default StorageClass, the generated database password and the extra outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.clusters import Cluster
from components.config import PROJECT
from components.secrets import generated_password

DATABASE_NAME = "airflow"
DATABASE_ADMIN = "orbit_admin"


def cloud_tags(environment: str) -> dict[str, str]:
    """Tags/labels on every cloud resource. Keys and values are valid on all three clouds
    (GCP labels allow only lowercase letters, digits, '-' and '_'; Azure tags forbid '/')."""
    return {"project": PROJECT, "stack": pulumi.get_stack(), "environment": environment, "managed-by": "pulumi"}


def cluster_name(environment: str) -> str:
    return f"{PROJECT}-{environment}"


def exec_kubeconfig(
    name: str,
    server: pulumi.Input[str],
    ca_data: pulumi.Input[str],
    command: str,
    args: Sequence[pulumi.Input[str]],
    env: Mapping[str, str] | None = None,
) -> pulumi.Output[str]:
    """A kubeconfig whose only credential is an exec plugin (the cloud CLI fetches a short-lived
    token on every call), returned as a secret Output: it still names the cluster's endpoint."""

    def build(values: list) -> str:
        endpoint, ca, *resolved_args = values
        user: dict[str, object] = {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": command,
            "args": list(resolved_args),
            "interactiveMode": "Never",
            "provideClusterInfo": False,
        }
        if env:
            user["env"] = [{"name": key, "value": value} for key, value in env.items()]
        server_url = endpoint if str(endpoint).startswith("https://") else f"https://{endpoint}"
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": {"server": server_url, "certificate-authority-data": ca}}],
                "users": [{"name": name, "user": {"exec": user}}],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
            },
            indent=2,
        )

    return pulumi.Output.secret(pulumi.Output.all(server, ca_data, *args).apply(build))


def default_storage_class(
    parent: pulumi.Resource,
    provider: k8s.Provider,
    name: str,
    provisioner: str,
    parameters: Mapping[str, pulumi.Input[str]],
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.storage.v1.StorageClass:
    """The cluster's default StorageClass: encrypted (parameters), bound in the pod's zone, kept
    when its claim is deleted, expandable in place."""
    return k8s.storage.v1.StorageClass(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name,
            annotations={"storageclass.kubernetes.io/is-default-class": "true"},
            labels={"app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi"},
        ),
        provisioner=provisioner,
        parameters=dict(parameters),
        reclaim_policy="Retain",
        volume_binding_mode="WaitForFirstConsumer",
        allow_volume_expansion=True,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on)),
    )


def database_password(parent: pulumi.Resource, name: str) -> pulumi.Output[str]:
    """The database administrator password: generated once, a secret in Pulumi state."""
    return pulumi.Output.secret(generated_password(parent, f"{name}-postgres-password", length=32))


def per_zone(count: int, zones: int) -> int:
    """Nodes per zone for clouds that size pools per zone (at least one, rounded up)."""
    return max(1, -(-count // zones))


def pool_labels(pool: str) -> dict[str, str]:
    return {"orbit.dev/pool": pool}


class CloudCluster(Cluster):
    """A cluster Orbit creates on a cloud: names, tags and the cloud provider its children use, and
    the secret kubeconfig among the published outputs."""

    kubeconfig: pulumi.Output[str]

    def __init__(self, kind: str, name: str, config, environment: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"orbit:cluster:{kind}", name, None, opts)
        self._name, self._config = name, config
        self._tags = cloud_tags(environment)
        self._cluster_name = cluster_name(environment)
        # An explicit cloud provider (region/project pinned from the stack file), or None for the default.
        self._cloud_provider: pulumi.ProviderResource | None = None

    def _opts(self, **kwargs) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self._cloud_provider, **kwargs)

    def cluster_outputs(self) -> dict[str, object]:
        outputs = {**super().cluster_outputs(), "kubeconfig": self.kubeconfig}
        if self.postgres is not None:
            outputs["postgresHost"] = self.postgres.host
        return outputs

