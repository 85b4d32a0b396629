"""Shared command line of the documentation generators (tools/config_reference.py,
tools/architecture.py): write the generated file, or with --check fail when the checked-in copy
differs, showing how."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path


def generator_main(description: str, generate: Callable[[], str], default_out: Path, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the checked-in file is stale")
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True), str(args.out), "generated")
            sys.stdout.writelines(list(diff)[:200])
            print(f"{args.out} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0
