"""The CrossGuard side of the policy pack: adapts Pulumi's policy arguments to rules.py."""

from __future__ import annotations

from typing import Any

from policy import rules

CHART_TYPE = "kubernetes:helm.sh/v4:Chart"


def context_from(resources: list[Any]) -> rules.PolicyContext:
    """The image registry the stack configured, read back from any chart's global values."""
    registry = ""
    for resource in resources:
        if resource.resource_type == CHART_TYPE:
            registry = ((resource.props.get("values") or {}).get("global") or {}).get("imageRegistry") or registry
    return rules.PolicyContext(image_registry=registry, exceptions=rules.load_exceptions())


def validate_stack(args: Any, report_violation: Any) -> None:
    """StackValidationPolicy callback: every rule over every resource Pulumi is about to manage,
    including the objects each helm.v4.Chart renders (registered as its children)."""
    resources = [
        rules.Resource(type=r.resource_type, name=r.name, inputs=dict(r.props), protect=bool(r.opts.protect))
        for r in args.resources
    ]
    for violation in rules.check([], resources, context_from(args.resources)):
        report_violation(str(violation), None)


def describe() -> str:
    return "Orbit's rules (policy/rules.py): " + ", ".join([*rules.KUBERNETES_RULES, *rules.RESOURCE_RULES])
