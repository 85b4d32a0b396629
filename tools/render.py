"""Render a captured plan: every helm.v4.Chart through a real Helm engine, and the reviewable
report that `make render` writes.

    python -m tools.render --stack local --out build/render/local

writes (see the foundation issue for the exact format):
    resources.json            every registered Pulumi resource, secrets masked
    manifests/<release>.yaml  every object each chart renders, stable order, namespaces set
    images.txt                every image reference, sorted
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy.rules import all_containers, pod_spec
from tools.plan import ROOT, CapturedResource, capture, list_stacks

CHART_TYPE = "kubernetes:helm.sh/v4:Chart"

# Kinds that live outside namespaces; every other object gets the release namespace, exactly as
# Pulumi's Chart resource applies it.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterRole",
        "ClusterRoleBinding",
        "CSIDriver",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingWebhookConfiguration",
    }
)



@dataclass(frozen=True)
class Release:
    """One rendered chart release."""

    name: str
    namespace: str
    chart: str
    objects: tuple[dict[str, Any], ...]


@lru_cache(maxsize=None)
def _load_chart(path: str):
    import helm_python as helm

    return helm.Chart.load(path)


def render_chart(chart: str, values: dict[str, Any], release: str, namespace: str) -> list[dict[str, Any]]:
    """Render a chart offline exactly as Pulumi's Chart v4 would install it."""
    rendered = _load_chart(chart).render(values=values, name=release, namespace=namespace, is_install=True)
    objects = []
    for template in sorted(rendered):
        if not template.endswith((".yaml", ".yml", ".json")):
            continue  # NOTES.txt and the like
        for document in yaml.safe_load_all(rendered[template]):
            if not document:
                continue
            if document.get("kind") not in CLUSTER_SCOPED_KINDS:
                document.setdefault("metadata", {}).setdefault("namespace", namespace)
            objects.append(document)
    return sorted(objects, key=object_key)


def object_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    metadata = obj.get("metadata", {})
    return (obj.get("kind", ""), metadata.get("namespace", ""), metadata.get("name", ""), obj.get("apiVersion", ""))


def object_id(obj: dict[str, Any]) -> str:
    kind, namespace, name, _ = object_key(obj)
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def render_releases(resources: list[CapturedResource]) -> list[Release]:
    releases = []
    for resource in resources:
        if resource.type != CHART_TYPE:
            continue
        inputs = resource.inputs
        name = inputs.get("name") or resource.name
        namespace = inputs.get("namespace") or "default"
        releases.append(
            Release(name, namespace, inputs["chart"], tuple(render_chart(inputs["chart"], inputs.get("values", {}), name, namespace)))
        )
    return sorted(releases, key=lambda r: (r.name, r.namespace))


def images(objects: list[dict[str, Any]]) -> list[str]:
    found = set()
    for obj in objects:
        spec = pod_spec(obj)
        if spec:
            found.update(c["image"] for _, c in all_containers(spec) if c.get("image"))
    return sorted(found)


def _relative_chart_paths(value: Any) -> Any:
    # resources.json must diff cleanly between two checkouts in different directories.
    if isinstance(value, dict):
        return {k: _relative_chart_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative_chart_paths(v) for v in value]
    if isinstance(value, str) and value.startswith(str(ROOT) + "/"):
        return value[len(str(ROOT)) + 1 :]
    return value


def write_report(resources: list[CapturedResource], releases: list[Release], out: Path) -> None:
    manifests = out / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    for stale in manifests.glob("*.yaml"):
        stale.unlink()
    report = [_relative_chart_paths(r.report()) for r in sorted(resources, key=lambda r: (r.type, r.name))]
    (out / "resources.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    all_objects = []
    for release in releases:
        all_objects.extend(release.objects)
        text = yaml.safe_dump_all(release.objects, sort_keys=True, default_flow_style=False, width=1000)
        (manifests / f"{release.name}.yaml").write_text(text)
    (out / "images.txt").write_text("".join(f"{image}\n" for image in images(all_objects)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, choices=list_stacks())
    parser.add_argument("--out", type=Path, help="report directory (required unless --images-only)")
    parser.add_argument("--images-only", action="store_true", help="print the image list and write nothing")
    args = parser.parse_args(argv)
    if not args.images_only and args.out is None:
        parser.error("--out is required")
    try:
        resources = capture(args.stack)
        releases = render_releases(resources)
    except Exception as error:
        print(f"orbit: {error}", file=sys.stderr)
        return 1
    if args.images_only:
        print("\n".join(images([o for r in releases for o in r.objects])))
        return 0
    write_report(resources, releases, args.out)
    print(f"rendered stack {args.stack}: {len(resources)} resources, {len(releases)} releases -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
