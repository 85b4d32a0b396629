"""CrossGuard policy pack entry point: `pulumi preview --policy-pack policy`.

Runs exactly the rules that `make test` runs offline (policy/rules.py, via policy/pack.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy  # noqa: E402

from policy.pack import describe, validate_stack  # noqa: E402

PolicyPack(
    name="orbit",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[StackValidationPolicy(name="orbit-rules", description=describe(), validate=validate_stack)],
)
