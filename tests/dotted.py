"""Changing one nested key of a test document by a dotted path ("a.b.0.c"), or deleting it."""

from __future__ import annotations

from typing import Any

DELETE = object()


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, with DELETE, remove) `path` in `document`; missing dicts are created, digits index lists."""
    *parents, last = path.split(".")
    node: Any = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
