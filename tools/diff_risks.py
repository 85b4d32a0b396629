"""Which rendered changes put data at risk: the rules behind tools/diff.py's flags.

Two severities:
  risk    the change would replace or delete a data-bearing object (or drop what protects it);
          `make diff ... DIFF_ARGS=--fail-on-data-risk` fails on these.
  review  the change is probably safe but deserves a deliberate look (an in-place update of a
          protected store, a scale-down, a regenerated credential).

The rules look only at object kinds, Pulumi resource options and generic input names, so they
apply to every chart and every cloud without knowing which ones exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RISK = "risk"
REVIEW = "review"

# StatefulSet fields Kubernetes refuses to update: a change makes Pulumi delete and recreate it.
STATEFULSET_IMMUTABLE = ("volumeClaimTemplates", "selector", "serviceName", "podManagementPolicy")

# Top-level inputs that, on every cloud provider Orbit uses, identify or place a data store, so
# changing one replaces it (a new, empty store). Names are matched on any protected resource.
REPLACEMENT_FORCING_INPUTS = frozenset(
    {
        "name", "namePrefix", "identifier", "identifierPrefix", "bucket", "bucketPrefix", "accountName",
        "serverName", "clusterName", "clusterIdentifier", "instanceName", "databaseName", "dbName",
        "region", "location", "zone", "availabilityZone", "project", "resourceGroupName",
        "engine", "databaseVersion", "kind", "storageEncrypted", "kmsKeyId", "encryptionKeyName",
        "snapshotIdentifier", "username", "masterUsername", "administratorLogin", "createMode",
    }
)

RANDOM_PREFIX = "random:"
# Charts annotate objects whose on-disk data format depends on some values (MinIO's erasure
# layout, for example) with this annotation; any change of its value is a data risk.
DATA_LAYOUT_ANNOTATION = "orbit.dev/data-layout"


@dataclass(frozen=True)
class Flag:
    severity: str
    reason: str


def _changed(before: dict[str, Any], after: dict[str, Any], keys) -> list[str]:
    return [key for key in keys if before.get(key) != after.get(key)]


def _storage(pvc_spec: dict[str, Any]) -> str | None:
    return ((pvc_spec.get("resources") or {}).get("requests") or {}).get("storage")


def _quantity_bytes(quantity: str | None) -> float | None:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    if not quantity:
        return None
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            try:
                return float(quantity[: -len(suffix)]) * factor
            except ValueError:
                return None
    try:
        return float(quantity)
    except ValueError:
        return None


def _statefulset(status: str, before: dict | None, after: dict | None) -> list[Flag]:
    if status == "removed":
        return [Flag(RISK, "StatefulSet removed: its pods are deleted and its volumes are left without a workload "
                           "(kept only if persistentVolumeClaimRetentionPolicy is Retain)")]
    if status != "changed":
        return []
    old, new = before.get("spec") or {}, after.get("spec") or {}
    flags = [
        Flag(RISK, f"spec.{key} changed: Kubernetes forbids updating it, so Pulumi deletes and recreates the StatefulSet"
                   + (" (existing PVCs keep the old volume template)" if key == "volumeClaimTemplates" else ""))
        for key in _changed(old, new, STATEFULSET_IMMUTABLE)
    ]
    old_policy = old.get("persistentVolumeClaimRetentionPolicy") or {}
    new_policy = new.get("persistentVolumeClaimRetentionPolicy") or {}
    for event in ("whenDeleted", "whenScaled"):
        if old_policy.get(event) == "Retain" and new_policy.get(event) != "Retain":
            flags.append(Flag(RISK, f"persistentVolumeClaimRetentionPolicy.{event} no longer Retain: volumes would be deleted"))
    annotation = "pulumi.com/deletionPropagationPolicy"
    if _annotations(before).get(annotation) == "orphan" and _annotations(after).get(annotation) != "orphan":
        flags.append(Flag(RISK, f"annotation {annotation}: orphan removed: a replacement would kill every pod at once"))
    old_replicas, new_replicas = old.get("replicas", 1), new.get("replicas", 1)
    if isinstance(old_replicas, (int, float)) and isinstance(new_replicas, (int, float)) and new_replicas < old_replicas:
        flags.append(Flag(REVIEW, f"scaled down from {int(old_replicas)} to {int(new_replicas)} replicas: the data of the "
                                  "removed pods stays on retained volumes but is no longer served; move it first"))
    return flags


def _persistent_volume_claim(status: str, before: dict | None, after: dict | None) -> list[Flag]:
    if status == "removed":
        return [Flag(RISK, "PersistentVolumeClaim removed: deleting it deletes its volume unless the volume is Retain")]
    if status != "changed" or (before.get("spec") or {}) == (after.get("spec") or {}):
        return []
    old, new = dict(before["spec"]), dict(after["spec"])
    old_size, new_size = _quantity_bytes(_storage(old)), _quantity_bytes(_storage(new))
    for spec in (old, new):
        spec.pop("resources", None)
    if old == new and old_size and new_size and new_size > old_size:
        return [Flag(REVIEW, "volume grows in place (needs a StorageClass with allowVolumeExpansion)")]
    return [Flag(RISK, "PersistentVolumeClaim spec changed: only a size increase is allowed in place, "
                       "anything else replaces the claim and its volume")]


def _persistent_volume(status: str, before: dict | None, after: dict | None) -> list[Flag]:
    if status == "removed":
        return [Flag(RISK, "PersistentVolume removed")]
    if status == "changed" and before.get("spec") != after.get("spec"):
        return [Flag(RISK, "PersistentVolume spec changed: most fields are immutable, so it would be replaced")]
    return []


def _namespace(status: str, before: dict | None, after: dict | None, retained: bool) -> list[Flag]:
    if status != "removed":
        return []
    if retained:
        return [Flag(RISK, "Namespace removed from the program: it is retained on delete, so Pulumi only forgets it, "
                           "but everything Orbit managed in it is deleted")]
    return [Flag(RISK, "Namespace removed: deleting a namespace deletes every PersistentVolumeClaim in it")]


KIND_RULES = {
    "StatefulSet": _statefulset,
    "PersistentVolumeClaim": _persistent_volume_claim,
    "PersistentVolume": _persistent_volume,
}


def _annotations(obj: dict | None) -> dict[str, str]:
    return ((obj or {}).get("metadata") or {}).get("annotations") or {}


def _data_layout(status: str, before: dict | None, after: dict | None) -> list[Flag]:
    old, new = _annotations(before).get(DATA_LAYOUT_ANNOTATION), _annotations(after).get(DATA_LAYOUT_ANNOTATION)
    if status == "changed" and old is not None and old != new:
        return [Flag(RISK, f"data layout changes from {old!r} to {new!r}: existing data was written in the old layout "
                           "and cannot be read in the new one; migrate to a new deployment instead")]
    return []


def object_flags(status: str, before: dict | None, after: dict | None, retained: bool = False) -> list[Flag]:
    """Flags for a Kubernetes object (rendered by a chart, or registered directly)."""
    kind = (after or before or {}).get("kind")
    layout = _data_layout(status, before, after)
    if kind == "Namespace":
        retained = retained or _annotations(before).get("helm.sh/resource-policy") == "keep"
        return layout + _namespace(status, before, after, retained)
    rule = KIND_RULES.get(kind)
    return layout + (rule(status, before, after) if rule else [])


def _options(entry: dict | None) -> dict[str, Any]:
    return (entry or {}).get("options") or {}


def resource_flags(status: str, before: dict | None, after: dict | None) -> list[Flag]:
    """Flags for a resources.json entry: protection, retention, protected stores, Kubernetes objects inside."""
    old_options, new_options = _options(before), _options(after)
    old_inputs, new_inputs = (before or {}).get("inputs") or {}, (after or {}).get("inputs") or {}
    kind_source = new_inputs or old_inputs
    flags: list[Flag] = []
    if isinstance(kind_source, dict) and "kind" in kind_source and (after or before)["type"].startswith("kubernetes:"):
        flags += object_flags(
            status, old_inputs or None, new_inputs or None, retained=bool(old_options.get("retainOnDelete"))
        )
    protected = old_options.get("protect") or new_options.get("protect")
    if status == "removed" and old_options.get("protect"):
        flags.append(Flag(RISK, "protected resource removed from the program: once unprotected it is DELETED "
                                "(renaming? add an alias instead)"))
    if status == "changed":
        if old_options.get("protect") and not new_options.get("protect"):
            flags.append(Flag(RISK, "protect turned off: the resource can now be deleted or replaced"))
        if old_options.get("retainOnDelete") and not new_options.get("retainOnDelete"):
            flags.append(Flag(RISK, "retainOnDelete turned off: deleting the resource would now delete it in the cloud/cluster"))
        if protected:
            forcing = sorted(k for k in set(old_inputs) | set(new_inputs)
                             if k in REPLACEMENT_FORCING_INPUTS and old_inputs.get(k) != new_inputs.get(k))
            other = sorted(k for k in set(old_inputs) | set(new_inputs)
                           if k not in REPLACEMENT_FORCING_INPUTS and old_inputs.get(k) != new_inputs.get(k))
            if forcing:
                flags.append(Flag(RISK, f"replacement-forcing input(s) {', '.join(forcing)} of a protected resource changed: "
                                        "it would be replaced by a new, empty one"))
            elif other:
                flags.append(Flag(REVIEW, f"protected resource updated (input(s) {', '.join(other)}): confirm in "
                                          "`pulumi preview --diff` that it is an update, not a replace"))
    resource_type = (after or before)["type"]
    if resource_type.startswith(RANDOM_PREFIX) and (status == "removed" or (status == "changed" and old_inputs != new_inputs)):
        flags.append(Flag(REVIEW, "a pulumi-random value is regenerated: passwords rotate, and generated identifiers "
                                  "(such as a cluster id stored with the data) change"))
    return flags


def flags_for(status: str, before: dict | None, after: dict | None, *, is_resource: bool) -> list[Flag]:
    return resource_flags(status, before, after) if is_resource else object_flags(status, before, after)
