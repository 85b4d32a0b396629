"""The offline rendered-manifest diff between two revisions, for reviewers.

    python -m tools.diff --base origin/main --stack local          # make diff BASE=origin/main STACK=local
    python -m tools.diff --base origin/main --all-stacks --out diff.md
    python -m tools.diff --before build/a --after build/b          # two existing `make render` outputs

The base revision is checked out with `git worktree add` into a temporary directory and rendered
there by its own `tools.render` (with this interpreter); the head is the working tree. Both
renders are compared per object: resources.json entries by type and name, rendered manifests by
kind, namespace and name. The Markdown output has one section per added, changed or removed
object, with a compact unified diff of its YAML. Changes that would replace or delete a
data-bearing object are flagged as data risks (see `tools/diff_risks.py`); with
`--fail-on-data-risk` the command exits with status 3 when there is one.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.diff_risks import RISK, Flag, flags_for
from tools.plan import MASK, ROOT, list_stacks

EXIT_DATA_RISK = 3
MAX_DIFF_LINES = 150
# GitHub rejects comments over 65,536 characters; leave room for the other stacks' headers.
MAX_MARKDOWN_CHARS = 60_000
PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)


# --- loading a render ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One comparable thing: a Pulumi resource (resources.json) or a rendered Kubernetes object."""

    key: str
    title: str
    body: dict[str, Any]
    origin: str  # "resource" or the release whose manifest rendered it


@dataclass
class Render:
    """A `make render` output directory, or nothing when the stack does not exist at that revision."""

    entries: dict[str, Entry] = field(default_factory=dict)
    exists: bool = True


def _mask(value: Any, secret: bool = False) -> Any:
    """Defence in depth: the render already masks Pulumi secrets; Secret payloads and private
    keys that reach a manifest any other way are masked here before anything is printed."""
    if isinstance(value, dict):
        return {k: _mask(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secret) for v in value]
    if secret:
        return MASK
    if isinstance(value, str):
        return PRIVATE_KEY_BLOCK.sub(MASK, value)
    return value


def _mask_object(obj: dict[str, Any]) -> dict[str, Any]:
    masked = _mask(obj)
    if obj.get("kind") == "Secret":
        for payload in ("data", "stringData"):
            if isinstance(masked.get(payload), dict):
                masked[payload] = _mask(masked[payload], secret=True)
    return masked


def object_key(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    location = f"{namespace}/{metadata.get('name')}" if namespace else str(metadata.get("name"))
    return f"{obj.get('kind')} {location}"


def load_render(directory: Path | None) -> Render:
    if directory is None:
        return Render(exists=False)
    render = Render()
    resources = json.loads((directory / "resources.json").read_text())
    for entry in resources:
        key = f"{entry['type']} {entry['name']}"
        if key in render.entries:  # same type and name under two parents: keep both apart
            key = f"{key} (parent {entry.get('parent')})"
        render.entries[f"resource:{key}"] = Entry(key, f"`{entry['type']}` **{entry['name']}**", _mask(entry), "resource")
    for manifest in sorted((directory / "manifests").glob("*.yaml")):
        for obj in yaml.safe_load_all(manifest.read_text()):
            if obj:
                key = object_key(obj)
                kind, _, location = key.partition(" ")
                render.entries[f"object:{key}"] = Entry(key, f"`{kind}` **{location}**", _mask_object(obj), manifest.stem)
    return render


# --- comparing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    status: str  # added | changed | removed
    before: Entry | None
    after: Entry | None
    flags: tuple[Flag, ...]

    @property
    def entry(self) -> Entry:
        return self.after or self.before  # type: ignore[return-value]

    @property
    def at_risk(self) -> bool:
        return any(flag.severity == RISK for flag in self.flags)


def _yaml(body: dict[str, Any] | None) -> list[str]:
    if body is None:
        return []
    return yaml.safe_dump(body, sort_keys=True, default_flow_style=False, width=1000).splitlines()


def unified_diff(change: Change, base_label: str, head_label: str) -> list[str]:
    before = _yaml(change.before.body if change.before else None)
    after = _yaml(change.after.body if change.after else None)
    return list(difflib.unified_diff(before, after, f"{base_label}", f"{head_label}", n=3, lineterm=""))


def compare(before: Render, after: Render) -> list[Change]:
    changes = []
    for key in sorted(set(before.entries) | set(after.entries)):
        old, new = before.entries.get(key), after.entries.get(key)
        if old and new and old.body == new.body:
            continue
        status = "added" if old is None else "removed" if new is None else "changed"
        flags = flags_for(status, old.body if old else None, new.body if new else None, is_resource=key.startswith("resource:"))
        changes.append(Change(status, old, new, tuple(flags)))
    return changes


# --- Markdown --------------------------------------------------------------------------------

STATUS_ORDER = {"removed": 0, "changed": 1, "added": 2}


def _fenced(lines: list[str], language: str) -> list[str]:
    text = "\n".join(lines)
    fence = "````" if "```" in text else "```"
    return [f"{fence}{language}", text, fence]


def _section(change: Change, base_label: str, head_label: str) -> list[str]:
    entry = change.entry
    marker = "⚠️ " if change.at_risk else ""
    origin = "" if entry.origin == "resource" else f" (release `{entry.origin}`)"
    lines = [f"#### {marker}{change.status}: {entry.title}{origin}", ""]
    for flag in change.flags:
        lines.append(f"- {'⚠️ **DATA RISK**' if flag.severity == RISK else '🔎 **review**'}: {flag.reason}")
    if change.flags:
        lines.append("")
    diff = unified_diff(change, f"{base_label}", f"{head_label}")
    shown = diff[:MAX_DIFF_LINES]
    if len(diff) > len(shown):
        shown.append(f"... {len(diff) - len(shown)} more lines (run `make diff` locally for the rest)")
    summary = "YAML" if change.status != "changed" else "diff"
    lines += [f"<details><summary>{summary} ({len(diff)} lines)</summary>", "", *_fenced(shown, "diff"), "", "</details>", ""]
    return lines


def to_markdown(
    stack: str,
    before: Render,
    after: Render,
    changes: list[Change],
    base_label: str,
    head_label: str,
    max_chars: int | None = None,
) -> str:
    counts = {status: sum(1 for c in changes if c.status == status) for status in STATUS_ORDER}
    risks = [c for c in changes if c.at_risk]
    reviews = [c for c in changes if c.flags and not c.at_risk]
    lines = [f"<!-- orbit-diff:{stack} -->", f"### Stack `{stack}`: `{base_label}` → `{head_label}`", ""]
    if not before.exists:
        lines += [f"Stack `{stack}` does not exist at `{base_label}`: everything below is new.", ""]
    if not after.exists:
        lines += [f"Stack `{stack}` no longer exists at `{head_label}`: everything below would be destroyed.", ""]
    if not changes:
        return "\n".join(lines + ["No changes to rendered resources or manifests.", ""])
    summary = f"**{counts['changed']} changed · {counts['added']} added · {counts['removed']} removed**"
    summary += f" — ⚠️ **{len(risks)} data risk(s)**" if risks else " — no data risk"
    lines += [summary, ""]
    if risks:
        lines += ["> [!CAUTION]", "> **These changes would replace or delete a data-bearing object:**"]
        lines += [f"> - {c.status} {c.entry.title}: {f.reason}" for c in risks for f in c.flags if f.severity == RISK]
        lines.append("")
    if reviews:
        lines += ["> [!WARNING]", "> **Review before merging:**"]
        lines += [f"> - {c.status} {c.entry.title}: {f.reason}" for c in reviews for f in c.flags]
        lines.append("")
    ordered = sorted(changes, key=lambda c: (not c.at_risk, STATUS_ORDER[c.status], c.entry.key))
    budget = (max_chars or MAX_MARKDOWN_CHARS) - len("\n".join(lines))
    for index, change in enumerate(ordered):
        section = "\n".join(_section(change, base_label, head_label))
        if len(section) > budget:
            rest = ordered[index:]
            lines += [f"… {len(rest)} more object(s) not shown (size limit): "
                      + ", ".join(f"{c.status} {c.entry.title}" for c in rest[:40]), ""]
            break
        lines.append(section)
        budget -= len(section) + 1
    return "\n".join(lines)


# --- rendering revisions ---------------------------------------------------------------------


class DiffError(RuntimeError):
    pass


def _run_render(checkout: Path, stack: str, out: Path) -> Path | None:
    """Render `stack` as the checkout at `checkout` would, or None when it has no such stack."""
    if not (checkout / "stacks" / f"Pulumi.{stack}.yaml").is_file():
        return None
    if not (checkout / "tools" / "render.py").is_file():
        raise DiffError(f"{checkout} has no tools/render.py: that revision predates `make render`")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "tools.render", "--stack", stack, "--out", str(out)],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=900,
    )
    if result.returncode != 0:
        raise DiffError(f"rendering stack {stack} in {checkout} failed:\n{result.stderr.strip()}")
    return out


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise DiffError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def stacks_at(ref: str) -> list[str]:
    names = _git("ls-tree", "--name-only", f"{ref}:stacks").splitlines()
    return sorted(n.removeprefix("Pulumi.").removesuffix(".yaml") for n in names if re.fullmatch(r"Pulumi\..+\.yaml", n))


def render_both(base: str, stacks: Iterable[str], workdir: Path) -> dict[str, tuple[Path | None, Path | None]]:
    """{stack: (base render, head render)}; the base revision lives in a temporary worktree."""
    _git("rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    checkout = workdir / "base-checkout"
    _git("worktree", "add", "--detach", "--quiet", str(checkout), base)
    try:
        return {
            stack: (
                _run_render(checkout, stack, workdir / "base" / stack),
                _run_render(ROOT, stack, workdir / "head" / stack),
            )
            for stack in stacks
        }
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=ROOT, capture_output=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


def diff_stack(
    stack: str, before_dir: Path | None, after_dir: Path | None, base_label: str, head_label: str, max_chars: int | None = None
) -> tuple[str, bool]:
    before, after = load_render(before_dir), load_render(after_dir)
    changes = compare(before, after)
    return to_markdown(stack, before, after, changes, base_label, head_label, max_chars), any(c.at_risk for c in changes)


COMMENT_MARKER = "<!-- orbit-manifest-diff -->"


def report(sections: list[str], any_risk: bool) -> str:
    """The whole Markdown document (what CI posts as one pull-request comment, found again by its marker)."""
    verdict = "⚠️ **Data at risk: read the CAUTION notes below.**" if any_risk else "No change puts data at risk."
    header = [COMMENT_MARKER, "## Orbit rendered-manifest diff", "",
              f"{verdict} Rendered offline by `make diff` (no credentials); secrets are masked.", ""]
    return "\n".join(header + sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="git revision to compare the working tree against")
    parser.add_argument("--stack", action="append", default=[], help="stack to diff (repeatable)")
    parser.add_argument("--all-stacks", action="store_true",
                        help="every stack present at the base or in the working tree (overrides --stack)")
    parser.add_argument("--before", type=Path, help="an existing render directory (instead of --base)")
    parser.add_argument("--after", type=Path, help="an existing render directory (instead of the working tree)")
    parser.add_argument("--title", default="render", help="stack name shown with --before/--after")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    parser.add_argument("--fail-on-data-risk", action="store_true", help=f"exit {EXIT_DATA_RISK} when a change puts data at risk")
    args = parser.parse_args(argv)

    try:
        if args.before or args.after:
            if not (args.before and args.after):
                parser.error("--before and --after go together")
            section, risky = diff_stack(args.title, args.before, args.after, str(args.before), str(args.after))
            sections, any_risk = [section], risky
        else:
            if not args.base:
                parser.error("--base is required (or --before and --after)")
            stacks = sorted(set(stacks_at(args.base)) | set(list_stacks())) if args.all_stacks else args.stack
            if not stacks:
                parser.error("name a --stack or pass --all-stacks")
            share = MAX_MARKDOWN_CHARS // len(stacks)  # the whole document must fit one comment
            with tempfile.TemporaryDirectory(prefix="orbit-diff-") as tmp:
                rendered = render_both(args.base, stacks, Path(tmp))
                results = [diff_stack(s, b, a, args.base, "working tree", share) for s, (b, a) in rendered.items()]
            sections, any_risk = [r for r, _ in results], any(risky for _, risky in results)
    except DiffError as error:
        print(f"orbit: {error}", file=sys.stderr)
        return 1

    markdown = report(sections, any_risk)
    print(markdown)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown + "\n")
    if any_risk and args.fail_on_data_risk:
        print("orbit: a change puts data at risk (see DATA RISK above)", file=sys.stderr)
        return EXIT_DATA_RISK
    return 0


if __name__ == "__main__":
    sys.exit(main())
