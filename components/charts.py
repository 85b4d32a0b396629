"""Installing Orbit's own charts. Every service component goes through `install_chart`, so the
chart location, namespace, provider, common labels and image-registry override are set once."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s

from components.context import REGISTRY_PULL_SECRET, TRUSTED_CA_CONFIGMAP, TRUSTED_CA_KEY, PlatformContext

CHARTS_DIR = Path(__file__).resolve().parent.parent / "charts"

PodSecurityLevel = Literal["restricted", "baseline", "privileged"]


@dataclass(frozen=True)
class Namespace:
    """A namespace Orbit created: its name (known at plan time) and the Pulumi resource."""

    name: str
    resource: k8s.core.v1.Namespace
    # ConfigMap orbit-trusted-ca, present when the stack configures a trusted CA bundle.
    trusted_ca: k8s.core.v1.ConfigMap | None = None
    # Secret orbit-registry, present when the stack configures registry credentials.
    pull_secret: k8s.core.v1.Secret | None = None

    @property
    def prerequisites(self) -> list[pulumi.Resource]:
        """What must exist before anything is installed in the namespace."""
        return [r for r in (self.resource, self.trusted_ca, self.pull_secret) if r is not None]


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
    return Namespace(
        name,
        resource,
        trusted_ca_config_map(parent, name, resource, context),
        registry_pull_secret(parent, name, resource, context),
    )


def registry_pull_secret(
    parent: pulumi.Resource, namespace: str, namespace_resource: pulumi.Resource, context: PlatformContext
) -> k8s.core.v1.Secret | None:
    """Secret `orbit-registry` in `namespace`, the login every pod there pulls its images with."""
    if not context.image_pull_credentials:
        return None
    return k8s.core.v1.Secret(
        f"{namespace}-registry",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=REGISTRY_PULL_SECRET,
            namespace=namespace,
            labels={**context.common_labels, "app.kubernetes.io/part-of": "orbit"},
        ),
        type="kubernetes.io/dockerconfigjson",
        string_data={".dockerconfigjson": pulumi.Output.secret(json.dumps(context.image_pull_credentials, sort_keys=True))},
        opts=pulumi.ResourceOptions(parent=parent, provider=context.cluster.provider, depends_on=[namespace_resource]),
    )


def trusted_ca_config_map(
    parent: pulumi.Resource, namespace: str, namespace_resource: pulumi.Resource, context: PlatformContext
) -> k8s.core.v1.ConfigMap | None:
    """ConfigMap `orbit-trusted-ca` in `namespace`: the configured CA bundle plus Orbit's own CA.

    Both are needed in one file: SSL_CERT_FILE and REQUESTS_CA_BUNDLE replace a client's trust
    store, and the same clients also call Orbit's services, whose certificates Orbit's CA signs.
    Charts mount it with the orbit-common trust helpers (charts/orbit-common/templates/_trust.tpl).
    """
    if not context.trusts_custom_ca:
        return None
    bundle = pulumi.Output.from_input(context.platform_ca_pem or "").apply(
        lambda platform_ca: context.trusted_ca_bundle + (f"# Orbit platform CA\n{platform_ca}" if platform_ca else "")
    )
    return k8s.core.v1.ConfigMap(
        f"{namespace}-trusted-ca",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=TRUSTED_CA_CONFIGMAP,
            namespace=namespace,
            labels={**context.common_labels, "app.kubernetes.io/part-of": "orbit"},
        ),
        data={TRUSTED_CA_KEY: bundle},
        opts=pulumi.ResourceOptions(parent=parent, provider=context.cluster.provider, depends_on=[namespace_resource]),
    )


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
            depends_on=[*namespace.prerequisites, *depends_on],
        ),
    )
