"""CrossGuard policy pack: `pulumi preview --policy-pack policy`.

It runs exactly the rules in rules.py, over the resources Pulumi is about to create, including
every object a helm.v4.Chart renders (the provider registers them as child resources).
"""

from pulumi_policy import EnforcementLevel, PolicyPack, ReportViolation, StackValidationArgs, StackValidationPolicy

import rules


def _context(args: StackValidationArgs) -> rules.PolicyContext:
    registry = ""
    for resource in args.resources:
        if resource.resource_type == "kubernetes:helm.sh/v4:Chart":
            registry = ((resource.props.get("values") or {}).get("global") or {}).get("imageRegistry") or registry
    return rules.PolicyContext(image_registry=registry, exceptions=rules.load_exceptions())


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = [
        rules.Resource(type=r.resource_type, name=r.name, inputs=dict(r.props), protect=bool(r.opts.protect))
        for r in args.resources
    ]
    for violation in rules.check([], resources, _context(args)):
        report_violation(str(violation), None)


PolicyPack(
    name="orbit",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        StackValidationPolicy(
            name="orbit-rules",
            description="Orbit's Kubernetes and cloud rules (policy/rules.py): " + ", ".join(
                [*rules.KUBERNETES_RULES, *rules.RESOURCE_RULES]
            ),
            validate=_validate,
        )
    ],
)
