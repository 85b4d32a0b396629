"""Run the Orbit program for one stack under Pulumi mocks and capture everything it registers.

Each captured resource keeps its type, name, parent, inputs (plain for rendering and policy
checks; with secrets masked for reports) and the options that matter for review: protect,
retainOnDelete and dependsOn. This is what `make render` writes and what the tests assert on.

    python -m tools.plan --stack local            # prints the plan as JSON
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
STACKS_DIR = ROOT / "stacks"
PROJECT = "orbit"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"
MASK = "[secret]"


@dataclass
class CapturedResource:
    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    masked_inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    depends_on: list[str] = field(default_factory=list)
    provider: str | None = None

    def report(self) -> dict[str, Any]:
        """The resources.json entry (see the foundation issue for the format)."""
        return {
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "inputs": self.masked_inputs,
            "options": {
                "protect": self.protect,
                "retainOnDelete": self.retain_on_delete,
                "dependsOn": self.depends_on,
            },
        }


class PlanError(RuntimeError):
    """The program failed under mocks; says how many resources it had registered by then."""


def list_stacks(stacks_dir: Path = STACKS_DIR) -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in stacks_dir.glob("Pulumi.*.yaml"))


def stack_config(stack: str, stacks_dir: Path = STACKS_DIR) -> tuple[dict[str, str], list[str]]:
    """The stack file's config as Pulumi passes it to a program: JSON text for objects.

    Encrypted (`secure:`) values cannot be decrypted offline; they become a fixed placeholder
    marked secret, which is all the offline checks need.
    """
    path = stacks_dir / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text()) or {}
    config, secret_keys = {}, []
    for key, value in (document.get("config") or {}).items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        value, secure = _without_secure(value)
        if secure:
            secret_keys.append(full_key)
        config[full_key] = value if isinstance(value, str) else json.dumps(value)
    return config, secret_keys


def _without_secure(value: Any) -> tuple[Any, bool]:
    """Replace every `secure:` value (also nested ones, as `pulumi config set --secret --path`
    writes them inside structured config) with the placeholder; say whether there was one."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return "offline-placeholder-secret", True
    if isinstance(value, dict):
        pairs = {k: _without_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_without_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _plain(value: Any) -> Any:
    """Protobuf-decoded property value -> plain Python, secrets unwrapped."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return _plain(value.get("value"))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return MASK
        if SIG_KEY in value:  # resource references and the like: keep a readable form
            return {k: _masked(v) for k, v in value.items() if k != SIG_KEY}
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _urn_type(urn: str) -> str:
    """The resource's own type: the last segment of the URN's parent-qualified type."""
    return urn.split("::")[2].split("$")[-1]


def capture(stack: str, stacks_dir: Path = STACKS_DIR) -> list[CapturedResource]:
    """Run __main__.py for `stack` under mocks; return the registered resources in order."""
    import pulumi
    from google.protobuf import json_format
    from pulumi.runtime import mocks as pulumi_mocks
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from tools.mock_outputs import OfflineMocks

    captured: list[CapturedResource] = []

    class CapturingMonitor(pulumi_mocks.MockMonitor):
        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                raw = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
                parent = None if not request.parent or _urn_type(request.parent) == "pulumi:pulumi:Stack" else _urn_name(request.parent)
                captured.append(
                    CapturedResource(
                        type=request.type,
                        name=request.name,
                        urn=response.urn,
                        parent=parent,
                        custom=bool(request.custom),
                        inputs=_plain(raw),
                        masked_inputs=_masked(raw),
                        protect=bool(request.protect),
                        retain_on_delete=bool(request.retainOnDelete),
                        depends_on=sorted({_urn_name(urn) for urn in request.dependencies}),
                        provider=request.provider.split("::")[-1] if request.provider else None,
                    )
                )
            return response

    config, secret_keys = stack_config(stack, stacks_dir)
    pulumi.runtime.set_all_config(config, secret_keys)
    monitor = CapturingMonitor(OfflineMocks())
    pulumi.runtime.set_mocks(OfflineMocks(), project=PROJECT, stack=stack, preview=False, monitor=monitor)
    cwd = os.getcwd()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")))
    except Exception as error:
        raise PlanError(f"{error}\n({len(captured)} resources had been registered)") from error
    finally:
        os.chdir(cwd)
    return captured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--stacks-dir", type=Path, default=STACKS_DIR)
    parser.add_argument("--out", help="write JSON here instead of stdout")
    args = parser.parse_args(argv)
    if args.stack not in list_stacks(args.stacks_dir):
        parser.error(f"no stack {args.stack!r}; stacks: {', '.join(list_stacks(args.stacks_dir))}")
    try:
        resources = capture(args.stack, args.stacks_dir)
    except Exception as error:  # a config error must read as one message, not a traceback
        print(f"orbit: {error}", file=sys.stderr)
        return 1
    payload = json.dumps([asdict(r) for r in resources], indent=1, sort_keys=True)
    if args.out:
        Path(args.out).write_text(payload)
    else:
        print(payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
