"""Installing Orbit's own charts. Every service component goes through `install_chart`, so the
chart location, namespace, provider, common labels and image-registry override are set once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s

from components.context import PlatformContext

CHARTS_DIR = Path(__file__).resolve().parent.parent / "charts"

PodSecurityLevel = Literal["restricted", "baseline", "privileged"]


@dataclass(frozen=True)
class Namespace:
    """A namespace Orbit created: its name (known at plan time) and the Pulumi resource."""

    name: str
    resource: k8s.core.v1.Namespace


def create_namespace(
    parent: pulumi.Resource,
    name: str,
    context: PlatformContext,
    pod_security: PodSecurityLevel = "restricted",
) -> Namespace:
    """A namespace with Pod Security admission enforced at `pod_security`.

    Namespaces are retained on delete: deleting one deletes every PersistentVolumeClaim in it,
    which no routine change to the stack may do.
    """
    resource = k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name,
            labels={
                **context.common_labels,
                "app.kubernetes.io/part-of": "orbit",
                "pod-security.kubernetes.io/enforce": pod_security,
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=context.cluster.provider, retain_on_delete=True),
    )
    return Namespace(name, resource)


def install_chart(
    parent: pulumi.Resource,
    chart: str,
    *,
    context: PlatformContext,
    namespace: Namespace,
    values: Mapping[str, Any],
    release: str | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.helm.v4.Chart:
    """Install `charts/<chart>` as a release in `namespace` through the cluster's provider."""
    path = CHARTS_DIR / chart
    if not (path / "Chart.yaml").is_file():
        raise FileNotFoundError(f"no chart at {path}")
    release = release or chart
    return k8s.helm.v4.Chart(
        release,
        name=release,
        chart=str(path),
        namespace=namespace.name,
        values={**values, "global": context.global_values()},
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=context.cluster.provider,
            depends_on=[namespace.resource, *depends_on],
        ),
    )
