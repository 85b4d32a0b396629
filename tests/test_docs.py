"""The documentation's relative links and anchors resolve (README, docs/, chart READMEs)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "charts").glob("*/README.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#+\s+(.*)$", path.read_text(), flags=re.MULTILINE)}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_resolve(document):
    broken = []
    for target in LINK.findall(document.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue  # external (https:, mailto:)
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        relative = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(resolved)
        if not resolved.exists():
            broken.append(f"{target} ({relative} does not exist)")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert not broken, f"broken links in {document.relative_to(ROOT)}: {broken}"


def test_slug_matches_github():
    assert slug("A custom CA: `orbit:trustedCaBundle`") == "a-custom-ca-orbittrustedcabundle"
    assert slug("Trusting the platform's CA bundle") == "trusting-the-platforms-ca-bundle"
