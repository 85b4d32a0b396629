"""The CI preview matrix: one entry per stack file with the cloud it deploys to.

    python -m tools.ci_matrix        # {"include": [{"stack": "local", "provider": "existing"}, ...]}

The workflow (.github/workflows/ci.yml) runs `pulumi preview` for each entry whose cloud
credentials are configured; stacks are discovered here, so a new stack file needs no CI edit.
Only PyYAML is needed, so the matrix job does not build the whole virtualenv.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

STACKS_DIR = Path(__file__).resolve().parent.parent / "stacks"


def provider_of(stack_file: Path) -> str:
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    cluster = config.get("orbit:cluster") or {}
    return str(cluster.get("provider", "unknown")) if isinstance(cluster, dict) else "unknown"


def matrix(stacks_dir: Path = STACKS_DIR) -> dict[str, list[dict[str, str]]]:
    entries = []
    for path in sorted(stacks_dir.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        entries.append({"stack": stack, "provider": provider_of(path)})
    return {"include": entries}


if __name__ == "__main__":
    json.dump(matrix(), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
