"""Generated credentials: created once by pulumi-random, kept in Pulumi state, stored in
Kubernetes Secrets and handed to charts by Secret name. Charts never generate secrets, so a
preview never churns them and every component of a service sees the same value."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.charts import Namespace
from components.context import PlatformContext


def generated_password(parent: pulumi.Resource, name: str, length: int = 32) -> pulumi.Output[str]:
    """A stable random password (letters and digits only, safe in URLs and config files)."""
    password = random.RandomPassword(
        name,
        length=length,
        special=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return password.result


def kubernetes_secret(
    parent: pulumi.Resource,
    name: str,
    *,
    context: PlatformContext,
    namespace: Namespace,
    data: Mapping[str, pulumi.Input[str]],
    secret_type: str = "Opaque",
) -> k8s.core.v1.Secret:
    """A Secret named exactly `name` in `namespace`, its values marked secret in Pulumi state."""
    return k8s.core.v1.Secret(
        f"{namespace.name}-{name}",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name,
            namespace=namespace.name,
            labels={**context.common_labels, "app.kubernetes.io/part-of": "orbit"},
        ),
        type=secret_type,
        string_data={key: pulumi.Output.secret(value) for key, value in data.items()},
        opts=pulumi.ResourceOptions(parent=parent, provider=context.cluster.provider, depends_on=[namespace.resource]),
    )
