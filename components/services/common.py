"""Small helpers shared by the service components."""

from __future__ import annotations


def merge_by_name(configured: tuple, requested: tuple) -> tuple:
    """Configured entries win; entries requested by the platform are added when not configured."""
    names = {item.name for item in configured}
    return tuple(configured) + tuple(item for item in requested if item.name not in names)
