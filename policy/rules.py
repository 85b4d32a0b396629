"""Orbit's policy rules as plain Python functions.

Two families, both pure functions of data so that the tests, `make test` and the CrossGuard pack
(policy/__main__.py, run by `pulumi preview --policy-pack policy`) all use the very same code:

- Kubernetes rules take every Kubernetes object of a stack (rendered from charts, or registered
  directly) and yield Violations. They see the whole set, because some rules relate objects
  (a PDB for a workload, a NetworkPolicy for a pod).
- Resource rules take the captured Pulumi resources (type, name, inputs, options) and yield
  Violations: the rules for cloud resources and for resource options such as retainOnDelete.

Exceptions are written down in policy/exceptions.yaml, each with its reason.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

POLICY_DIR = Path(__file__).resolve().parent
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
POD_LABEL_PATHS = {
    "Pod": ("metadata", "labels"),
    "Deployment": ("spec", "template", "metadata", "labels"),
    "StatefulSet": ("spec", "template", "metadata", "labels"),
    "DaemonSet": ("spec", "template", "metadata", "labels"),
    "ReplicaSet": ("spec", "template", "metadata", "labels"),
    "Job": ("spec", "template", "metadata", "labels"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "metadata", "labels"),
}
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
SECRET_NAME = re.compile(r"(password|passwd|secret|token|private[_-]?key|api[_-]?key|credential)", re.IGNORECASE)
# Variables that point at a secret (a file or a location) rather than holding it.
SECRET_REFERENCE_SUFFIX = re.compile(r"(_FILE|_PATH|_DIR|_LOCATION|_SECRET_NAME|_SECRET_REF)$", re.IGNORECASE)
PRIVATE_KEY_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
INLINE_CREDENTIAL = re.compile(r"(password|passwd|secret|token)[ \t]*[:=][ \t]*[\"']?[A-Za-z0-9+/_\-]{8,}", re.IGNORECASE)
URL_CREDENTIAL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.message}"


@dataclass(frozen=True)
class PolicyContext:
    """What the rules need to know about the stack."""

    image_registry: str = ""
    exceptions: tuple[dict[str, str], ...] = field(default_factory=tuple)

    def excepted(self, rule: str, obj: dict[str, Any]) -> bool:
        metadata = obj.get("metadata", {})
        annotations = metadata.get("annotations") or {}
        for entry in self.exceptions:
            if (
                entry["rule"] == rule
                and entry["kind"] == obj.get("kind")
                and fnmatch.fnmatchcase(metadata.get("name", ""), entry["name"])
                and entry.get("namespace", "") == metadata.get("namespace", "")
                # An exception tied to an opt-in holds only for objects that carry its annotation.
                and all(annotations.get(key) == value for key, value in (entry.get("whenAnnotated") or {}).items())
            ):
                return True
        return False


def load_exceptions(path: Path = POLICY_DIR / "exceptions.yaml") -> tuple[dict[str, str], ...]:
    entries = (yaml.safe_load(path.read_text()) or {}).get("exceptions") or []
    for entry in entries:
        missing = {"rule", "kind", "name", "reason"} - set(entry)
        if missing:
            raise ValueError(f"{path}: exception {entry} lacks {', '.join(sorted(missing))}")
    return tuple(entries)


# --- helpers ---------------------------------------------------------------------------------


def _dig(node: Any, path: Iterable[str]) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def subject(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata", {})
    namespace = metadata.get("namespace")
    return f"{obj.get('kind')}/{namespace}/{metadata.get('name')}" if namespace else f"{obj.get('kind')}/{metadata.get('name')}"


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    path = POD_SPEC_PATHS.get(obj.get("kind", ""))
    return _dig(obj, path) if path else None


def pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    path = POD_LABEL_PATHS.get(obj.get("kind", ""))
    return (_dig(obj, path) or {}) if path else {}


def all_containers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (kind, container)
        for kind in ("initContainers", "containers", "ephemeralContainers")
        for container in spec.get(kind) or []
    ]


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _pods(objects: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for obj in objects:
        spec = pod_spec(obj)
        if spec is not None:
            yield obj, spec


# --- Kubernetes rules ------------------------------------------------------------------------

KubernetesRule = Callable[[list[dict[str, Any]], PolicyContext], Iterator[Violation]]
KUBERNETES_RULES: dict[str, KubernetesRule] = {}


def kubernetes_rule(name: str):
    def register(function: KubernetesRule) -> KubernetesRule:
        def checked(objects: list[dict[str, Any]], context: PolicyContext) -> Iterator[Violation]:
            for violation in function(objects, context):
                if not any(context.excepted(name, o) and subject(o) == violation.subject for o in objects):
                    yield violation

        checked.__doc__ = function.__doc__
        KUBERNETES_RULES[name] = checked
        return checked

    return register


@kubernetes_rule("pod-security-restricted")
def pod_security_restricted(objects, context):
    """Every pod meets the Pod Security Standard "restricted" (exceptions in exceptions.yaml)."""
    for obj, spec in _pods(objects):
        problems = []
        pod_context = spec.get("securityContext") or {}
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag):
                problems.append(f"{flag} is on")
        for volume in spec.get("volumes") or []:
            kinds = set(volume) - {"name"}
            if not kinds <= RESTRICTED_VOLUME_TYPES:
                problems.append(f"volume {volume.get('name')} uses {', '.join(sorted(kinds))}")
        for kind, container in all_containers(spec):
            where = f"{kind[:-1]} {container.get('name')}"
            security = container.get("securityContext") or {}

            def effective(key: str) -> Any:
                return security.get(key, pod_context.get(key))

            if effective("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if effective("runAsUser") == 0:
                problems.append(f"{where}: runAsUser is 0")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if security.get("privileged"):
                problems.append(f"{where}: privileged")
            capabilities = security.get("capabilities") or {}
            if "ALL" not in (capabilities.get("drop") or []):
                problems.append(f"{where}: capabilities do not drop ALL")
            added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
            if added:
                problems.append(f"{where}: adds capabilities {', '.join(sorted(added))}")
            seccomp = (effective("seccompProfile") or {}).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                problems.append(f"{where}: seccompProfile is {seccomp or 'unset'}")
            if any(port.get("hostPort") for port in container.get("ports") or []):
                problems.append(f"{where}: uses a hostPort")
        for problem in problems:
            yield Violation("pod-security-restricted", subject(obj), problem)


@kubernetes_rule("resources")
def resources(objects, context):
    """Every container sets CPU and memory requests and limits."""
    for obj, spec in _pods(objects):
        for kind, container in all_containers(spec):
            declared = container.get("resources") or {}
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if not (declared.get(section) or {}).get(resource):
                        yield Violation(
                            "resources", subject(obj), f"{kind[:-1]} {container.get('name')} has no {section}.{resource}"
                        )


@kubernetes_rule("probes")
def probes(objects, context):
    """Every long-running container has a readiness and a liveness probe (Jobs are exempt)."""
    for obj, spec in _pods(objects):
        if obj["kind"] in ("Job", "CronJob"):
            continue
        for container in spec.get("containers") or []:
            for probe in ("readinessProbe", "livenessProbe"):
                if not container.get(probe):
                    yield Violation("probes", subject(obj), f"container {container.get('name')} has no {probe}")


def _image_parts(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest or None


@kubernetes_rule("image-pinned")
def image_pinned(objects, context):
    """Every image has an explicit tag other than latest, or a digest."""
    for obj, spec in _pods(objects):
        for kind, container in all_containers(spec):
            image = container.get("image") or ""
            _, tag, digest = _image_parts(image)
            if not digest and (tag is None or tag == "latest"):
                yield Violation("image-pinned", subject(obj), f"{kind[:-1]} {container.get('name')} image {image!r} is not pinned")


@kubernetes_rule("image-registry")
def image_registry(objects, context):
    """With imageRegistry set, every image comes from that registry (air-gapped installs)."""
    if not context.image_registry:
        return
    prefix = context.image_registry.rstrip("/") + "/"
    for obj, spec in _pods(objects):
        for kind, container in all_containers(spec):
            image = container.get("image") or ""
            if not image.startswith(prefix):
                yield Violation(
                    "image-registry",
                    subject(obj),
                    f"{kind[:-1]} {container.get('name')} image {image!r} is not from {context.image_registry}",
                )


@kubernetes_rule("pdb-for-replicated-workloads")
def pdb_for_replicated_workloads(objects, context):
    """Every workload with more than one replica is covered by a PodDisruptionBudget."""
    budgets = [o for o in objects if o.get("kind") == "PodDisruptionBudget"]
    for obj in objects:
        if obj.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        if int((obj.get("spec") or {}).get("replicas", 1)) <= 1:
            continue
        namespace = obj["metadata"].get("namespace")
        labels = pod_labels(obj)
        if not any(
            b["metadata"].get("namespace") == namespace and selector_matches(b["spec"].get("selector"), labels)
            for b in budgets
        ):
            yield Violation("pdb-for-replicated-workloads", subject(obj), "has several replicas but no PodDisruptionBudget")


@kubernetes_rule("network-policy-coverage")
def network_policy_coverage(objects, context):
    """Every pod is selected by a NetworkPolicy that governs its ingress and egress."""
    policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
    for obj, _ in _pods(objects):
        namespace = obj["metadata"].get("namespace")
        labels = pod_labels(obj)
        governed = set()
        for policy in policies:
            if policy["metadata"].get("namespace") != namespace:
                continue
            spec = policy.get("spec") or {}
            if selector_matches(spec.get("podSelector"), labels):
                governed.update(spec.get("policyTypes") or ["Ingress"])
        for direction in ("Ingress", "Egress"):
            if direction not in governed:
                yield Violation("network-policy-coverage", subject(obj), f"no NetworkPolicy governs its {direction.lower()}")


@kubernetes_rule("no-plaintext-secrets")
def no_plaintext_secrets(objects, context):
    """No secret values in ConfigMaps or in literal container env values."""
    for obj in objects:
        if obj.get("kind") != "ConfigMap":
            continue
        for key, value in (obj.get("data") or {}).items():
            text = str(value)
            if PRIVATE_KEY_PEM.search(text):
                yield Violation("no-plaintext-secrets", subject(obj), f"key {key} holds a private key")
            elif INLINE_CREDENTIAL.search(text) or URL_CREDENTIAL.search(text):
                yield Violation("no-plaintext-secrets", subject(obj), f"key {key} holds an inline credential")
    for obj, spec in _pods(objects):
        for kind, container in all_containers(spec):
            for variable in container.get("env") or []:
                name, value = variable.get("name", ""), variable.get("value")
                if value is None:
                    continue
                if (SECRET_NAME.search(name) and not SECRET_REFERENCE_SUFFIX.search(name) and value != "") or URL_CREDENTIAL.search(
                    str(value)
                ):
                    yield Violation(
                        "no-plaintext-secrets",
                        subject(obj),
                        f"{kind[:-1]} {container.get('name')} sets {name} as a literal value; use a Secret",
                    )


@kubernetes_rule("data-volumes-retained")
def data_volumes_retained(objects, context):
    """StatefulSet volumes survive deletion and scale-down; StorageClasses retain their volumes."""
    for obj in objects:
        if obj.get("kind") == "StatefulSet" and (obj.get("spec") or {}).get("volumeClaimTemplates"):
            policy = obj["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
            for event in ("whenDeleted", "whenScaled"):
                if policy.get(event) != "Retain":
                    yield Violation(
                        "data-volumes-retained",
                        subject(obj),
                        f"persistentVolumeClaimRetentionPolicy.{event} is {policy.get(event, 'unset')}, not Retain",
                    )
        if obj.get("kind") == "StorageClass" and obj.get("reclaimPolicy") != "Retain":
            yield Violation("data-volumes-retained", subject(obj), f"reclaimPolicy is {obj.get('reclaimPolicy', 'Delete (default)')}")
        if obj.get("kind") == "PersistentVolume" and (obj.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
            yield Violation("data-volumes-retained", subject(obj), "persistentVolumeReclaimPolicy is Delete")


# --- Pulumi resource rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A Pulumi resource as the rules see it (from mocks or from a CrossGuard policy pack)."""

    type: str
    name: str
    inputs: dict[str, Any]
    protect: bool = False
    # None when unknown: CrossGuard does not expose retainOnDelete to policy packs, so the
    # option rules that need it run under mocks (make test) only.
    retain_on_delete: bool | None = None

    @property
    def subject(self) -> str:
        return f"{self.type} {self.name}"


ResourceRule = Callable[[list[Resource]], Iterator[Violation]]
RESOURCE_RULES: dict[str, ResourceRule] = {}


def resource_rule(name: str):
    def register(function: ResourceRule) -> ResourceRule:
        RESOURCE_RULES[name] = function
        return function

    return register


@resource_rule("namespaces-retained")
def namespaces_retained(resources):
    """Namespaces are retained on delete: deleting a namespace deletes the volumes in it."""
    for resource in resources:
        if resource.type == "kubernetes:core/v1:Namespace" and resource.retain_on_delete is False:
            yield Violation("namespaces-retained", resource.subject, "is not retainOnDelete")


def kubernetes_objects_of(resources: Iterable[Resource]) -> list[dict[str, Any]]:
    """Kubernetes objects registered directly as Pulumi resources (not via a chart)."""
    objects = []
    for resource in resources:
        if resource.type.startswith("kubernetes:") and "kind" in resource.inputs and "apiVersion" in resource.inputs:
            objects.append(resource.inputs)
    return objects


# --- running everything ----------------------------------------------------------------------


def check(
    objects: list[dict[str, Any]],
    resources: list[Resource],
    context: PolicyContext,
) -> list[Violation]:
    """Every rule over a stack: rendered objects plus directly registered Kubernetes objects."""
    everything = objects + kubernetes_objects_of(resources)
    violations: list[Violation] = []
    for rule in KUBERNETES_RULES.values():
        violations.extend(rule(everything, context))
    for rule in RESOURCE_RULES.values():
        violations.extend(rule(resources))
    return violations
