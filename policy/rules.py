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
            effective = {**pod_context, **security}.get
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


# --- cloud resource rules (EKS, GKE, AKS and what they run on) --------------------------------
# Inputs are camelCase exactly as Pulumi sees them (mocks and CrossGuard alike). Each rule checks
# every resource type on every cloud that can break it, so a new cloud resource Orbit starts using
# must be added here too.

EKS = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
GKE = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"
AKS = "azure-native:containerservice:ManagedCluster"
AKS_AGENT_POOL = "azure-native:containerservice:AgentPool"
AZURE_POSTGRES = "azure-native:dbforpostgresql:Server"
AZURE_LOCKS = ("azure-native:authorization:ManagementLockByScope", "azure-native:authorization:ManagementLockAtResourceLevel")
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
KEY_TYPES = (
    "aws:kms/key:Key",
    "gcp:kms/keyRing:KeyRing",
    "gcp:kms/cryptoKey:CryptoKey",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
    "azure-native:compute:DiskEncryptionSet",
)
STATIC_CREDENTIAL_TYPES = {
    "aws:iam/accessKey:AccessKey": "an IAM access key",
    "aws:iam/userLoginProfile:UserLoginProfile": "an IAM user password",
    "gcp:serviceaccount/key:Key": "a service-account key",
    "gcp:apikeys/key:Key": "an API key",
    "azuread:index/applicationPassword:ApplicationPassword": "an application client secret",
    "azuread:index/servicePrincipalPassword:ServicePrincipalPassword": "a service principal client secret",
}
OPEN_RANGES = {"0.0.0.0/0", "::/0", "*", "Internet", "Any", "any"}
# Mark on a cloud resource (tag/label key or GCP target tag), or annotation on a Service, that
# declares an explicitly public load balancer: the one place open ingress is allowed.
PUBLIC_LB_MARK = "orbit-public-load-balancer"
PUBLIC_LB_ANNOTATION = "orbit.dev/public-load-balancer"
STORAGE_CLASS_ENCRYPTION = {
    "ebs.csi.aws.com": ("encrypted", "true"),
    "pd.csi.storage.gke.io": ("disk-encryption-kms-key", None),
    "disk.csi.azure.com": ("diskEncryptionSetID", None),
}


def _of(resources: Iterable[Resource], *types: str) -> Iterator[Resource]:
    return (r for r in resources if r.type in types)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _open(ranges: Iterable[Any] | None) -> list[str]:
    return [str(r) for r in ranges or [] if str(r) in OPEN_RANGES]


def _gke_node_configs(resources: list[Resource]) -> Iterator[tuple[Resource, dict[str, Any]]]:
    for resource in _of(resources, GKE_NODE_POOL):
        yield resource, resource.inputs.get("nodeConfig") or {}
    for resource in _of(resources, GKE):
        if resource.inputs.get("nodeConfig"):  # the default pool, even when it is removed later
            yield resource, resource.inputs["nodeConfig"]


def _aks_pools(resources: list[Resource]) -> Iterator[tuple[Resource, dict[str, Any]]]:
    for resource in _of(resources, AKS):
        for pool in resource.inputs.get("agentPoolProfiles") or []:
            yield resource, pool
    for resource in _of(resources, AKS_AGENT_POOL):
        yield resource, resource.inputs


@resource_rule("cluster-endpoint-private")
def cluster_endpoint_private(resources):
    """The Kubernetes API is private, or public only to an explicit CIDR allow-list; nodes are private."""
    for r in _of(resources, EKS):
        vpc = r.inputs.get("vpcConfig") or {}
        if vpc.get("endpointPrivateAccess") is not True:
            yield Violation("cluster-endpoint-private", r.subject, "vpcConfig.endpointPrivateAccess is not true")
        if vpc.get("endpointPublicAccess") is not False:  # AWS's default is public
            cidrs = vpc.get("publicAccessCidrs") or []
            if not cidrs or _open(cidrs):
                yield Violation("cluster-endpoint-private", r.subject, f"public endpoint open to {cidrs or 'everyone (no publicAccessCidrs)'}")
    for r in _of(resources, GKE):
        private = r.inputs.get("privateClusterConfig") or {}
        if private.get("enablePrivateNodes") is not True:
            yield Violation("cluster-endpoint-private", r.subject, "privateClusterConfig.enablePrivateNodes is not true")
        if private.get("enablePrivateEndpoint") is not True:
            authorized = r.inputs.get("masterAuthorizedNetworksConfig") or {}
            cidrs = [b.get("cidrBlock") for b in authorized.get("cidrBlocks") or []]
            if not cidrs or _open(cidrs) or authorized.get("gcpPublicCidrsAccessEnabled"):
                yield Violation("cluster-endpoint-private", r.subject, f"public endpoint without a CIDR allow-list (got {cidrs})")
    for r in _of(resources, AKS):
        access = r.inputs.get("apiServerAccessProfile") or {}
        if access.get("enablePrivateCluster") is not True:
            cidrs = access.get("authorizedIPRanges") or []
            if not cidrs or _open(cidrs):
                yield Violation("cluster-endpoint-private", r.subject, f"public API server without authorizedIPRanges (got {cidrs})")
    for r, pool in _aks_pools(resources):
        if pool.get("enableNodePublicIP"):
            yield Violation("cluster-endpoint-private", r.subject, f"agent pool {pool.get('name')} gives nodes public IPs")


@resource_rule("cluster-secrets-encryption")
def cluster_secrets_encryption(resources):
    """Kubernetes Secrets are envelope-encrypted with a customer-managed key."""
    for r in _of(resources, EKS):
        configs = r.inputs.get("encryptionConfig") or {}
        configs = configs if isinstance(configs, list) else [configs]
        if not any("secrets" in (c.get("resources") or []) and (c.get("provider") or {}).get("keyArn") for c in configs):
            yield Violation("cluster-secrets-encryption", r.subject, "encryptionConfig does not encrypt secrets with a KMS key")
    for r in _of(resources, GKE):
        encryption = r.inputs.get("databaseEncryption") or {}
        if encryption.get("state") != "ENCRYPTED" or not encryption.get("keyName"):
            yield Violation("cluster-secrets-encryption", r.subject, "databaseEncryption is not ENCRYPTED with a Cloud KMS key")
    for r in _of(resources, AKS):
        kms = (r.inputs.get("securityProfile") or {}).get("azureKeyVaultKms") or {}
        if kms.get("enabled") is not True or not kms.get("keyId"):
            yield Violation("cluster-secrets-encryption", r.subject, "securityProfile.azureKeyVaultKms is not enabled with a key")


@resource_rule("cluster-audit-logging")
def cluster_audit_logging(resources):
    """The control plane's audit log is collected."""
    for r in _of(resources, EKS):
        if "audit" not in (r.inputs.get("enabledClusterLogTypes") or []):
            yield Violation("cluster-audit-logging", r.subject, "enabledClusterLogTypes lacks audit")
    for r in _of(resources, GKE):
        components = (r.inputs.get("loggingConfig") or {}).get("enableComponents") or []
        if "APISERVER" not in components:
            yield Violation("cluster-audit-logging", r.subject, "loggingConfig.enableComponents lacks APISERVER")
    audited = any(
        log.get("enabled") and log.get("category") in ("kube-audit", "kube-audit-admin")
        for setting in _of(resources, "azure-native:monitor:DiagnosticSetting")
        for log in setting.inputs.get("logs") or []
    )
    for r in _of(resources, AKS):
        if not audited:
            yield Violation("cluster-audit-logging", r.subject, "no diagnostic setting sends kube-audit or kube-audit-admin logs")


@resource_rule("encrypted-storage")
def encrypted_storage(resources):
    """Node disks, volumes and databases are encrypted (with a customer key where the cloud offers one)."""
    rule = "encrypted-storage"
    for r in _of(resources, LAUNCH_TEMPLATE):
        for mapping in r.inputs.get("blockDeviceMappings") or []:
            if not _truthy((mapping.get("ebs") or {}).get("encrypted")):
                yield Violation(rule, r.subject, f"volume {mapping.get('deviceName')} is not encrypted")
    for r in _of(resources, EKS_NODE_GROUP):
        if not r.inputs.get("launchTemplate"):
            yield Violation(rule, r.subject, "no launch template: node volumes are not explicitly encrypted")
    for r in _of(resources, "aws:ebs/volume:Volume", RDS_INSTANCE, RDS_CLUSTER):
        key = "encrypted" if r.type == "aws:ebs/volume:Volume" else "storageEncrypted"
        if r.inputs.get(key) is not True:
            yield Violation(rule, r.subject, f"{key} is not true")
    for r, node_config in _gke_node_configs(resources):
        if not node_config.get("bootDiskKmsKey"):
            yield Violation(rule, r.subject, "nodeConfig.bootDiskKmsKey is not set (customer key for node disks)")
    for r in _of(resources, CLOUD_SQL):
        if not r.inputs.get("encryptionKeyName"):
            yield Violation(rule, r.subject, "encryptionKeyName is not set (customer key)")
    for r, pool in _aks_pools(resources):
        if pool.get("enableEncryptionAtHost") is not True:
            yield Violation(rule, r.subject, f"agent pool {pool.get('name')} lacks enableEncryptionAtHost")
    for r in _of(resources, AKS):
        if not r.inputs.get("diskEncryptionSetID"):
            yield Violation(rule, r.subject, "diskEncryptionSetID is not set (customer key for node disks)")
    for r in _of(resources, AZURE_POSTGRES):
        if (r.inputs.get("dataEncryption") or {}).get("type") != "AzureKeyVault":
            yield Violation(rule, r.subject, "dataEncryption.type is not AzureKeyVault (customer key)")
    for r in _of(resources, STORAGE_CLASS):
        provisioner = r.inputs.get("provisioner")
        if provisioner in STORAGE_CLASS_ENCRYPTION:
            parameter, expected = STORAGE_CLASS_ENCRYPTION[provisioner]
            value = (r.inputs.get("parameters") or {}).get(parameter)
            if not value or (expected and str(value).lower() != expected):
                yield Violation(rule, r.subject, f"parameter {parameter} does not encrypt volumes")


def _kubeconfig_static_credentials(kubeconfig: Any) -> list[str]:
    if not isinstance(kubeconfig, str) or "users" not in kubeconfig:
        return []
    try:
        document = yaml.safe_load(kubeconfig)
    except yaml.YAMLError:
        return []
    found = []
    for user in (document or {}).get("users") or []:
        settings = user.get("user") or {}
        found += [f"user {user.get('name')} has {key}" for key in ("token", "client-key-data", "client-key", "password") if settings.get(key)]
    return found


@resource_rule("no-static-credentials")
def no_static_credentials(resources):
    """No long-lived keys: workload identity, exec-based kubeconfigs and identity-provider RBAC only."""
    rule = "no-static-credentials"
    for r in resources:
        what = STATIC_CREDENTIAL_TYPES.get(r.type)
        if what:
            yield Violation(rule, r.subject, f"creates {what}; use workload identity instead")
        if r.type == "pulumi:providers:kubernetes":
            for problem in _kubeconfig_static_credentials(r.inputs.get("kubeconfig")):
                yield Violation(rule, r.subject, f"kubeconfig {problem}; use an exec credential plugin")
    for r in _of(resources, GKE):
        auth = r.inputs.get("masterAuth") or {}
        if (auth.get("clientCertificateConfig") or {}).get("issueClientCertificate"):
            yield Violation(rule, r.subject, "masterAuth issues a client certificate")
        if not (r.inputs.get("workloadIdentityConfig") or {}).get("workloadPool"):
            yield Violation(rule, r.subject, "Workload Identity is off")
    for r in _of(resources, AKS):
        if (r.inputs.get("servicePrincipalProfile") or {}).get("secret"):
            yield Violation(rule, r.subject, "servicePrincipalProfile carries a client secret; use a managed identity")
        if r.inputs.get("disableLocalAccounts") is not True:
            yield Violation(rule, r.subject, "local accounts (static admin kubeconfig) are not disabled")
        aad = r.inputs.get("aadProfile") or {}
        if not (aad.get("managed") and aad.get("enableAzureRBAC")):
            yield Violation(rule, r.subject, "Entra ID integration with Azure RBAC is off")
        if not ((r.inputs.get("securityProfile") or {}).get("workloadIdentity") or {}).get("enabled"):
            yield Violation(rule, r.subject, "workload identity is off")


@resource_rule("node-metadata-protection")
def node_metadata_protection(resources):
    """Pods cannot read node credentials from the metadata service."""
    rule = "node-metadata-protection"
    for r in _of(resources, LAUNCH_TEMPLATE):
        options = r.inputs.get("metadataOptions") or {}
        if options.get("httpTokens") != "required":
            yield Violation(rule, r.subject, "metadataOptions.httpTokens is not required (IMDSv2)")
        if options.get("httpPutResponseHopLimit") not in (1, 1.0):
            yield Violation(rule, r.subject, f"metadataOptions.httpPutResponseHopLimit is {options.get('httpPutResponseHopLimit')}, not 1")
    for r in _of(resources, EKS_NODE_GROUP):
        if not r.inputs.get("launchTemplate"):
            yield Violation(rule, r.subject, "no launch template: IMDSv2 with hop limit 1 is not enforced")
    for r, node_config in _gke_node_configs(resources):
        if (node_config.get("workloadMetadataConfig") or {}).get("mode") != "GKE_METADATA":
            yield Violation(rule, r.subject, "nodeConfig.workloadMetadataConfig.mode is not GKE_METADATA")
        if not (node_config.get("shieldedInstanceConfig") or {}).get("enableSecureBoot"):
            yield Violation(rule, r.subject, "Shielded Node secure boot is off")
    for r in _of(resources, GKE):
        if r.inputs.get("enableShieldedNodes") is False:
            yield Violation(rule, r.subject, "enableShieldedNodes is false")


@resource_rule("database-deletion-protection")
def database_deletion_protection(resources):
    """Managed databases have deletion protection, backups, and are protected in Pulumi."""
    rule = "database-deletion-protection"
    databases = list(_of(resources, RDS_INSTANCE, RDS_CLUSTER, CLOUD_SQL, AZURE_POSTGRES))
    for r in databases:
        if not r.protect:
            yield Violation(rule, r.subject, "is not protect=True in Pulumi")
    for r in _of(databases, RDS_INSTANCE, RDS_CLUSTER):
        if r.inputs.get("deletionProtection") is not True:
            yield Violation(rule, r.subject, "deletionProtection is not true")
        if r.inputs.get("skipFinalSnapshot") is True:
            yield Violation(rule, r.subject, "skipFinalSnapshot is true")
        if not r.inputs.get("backupRetentionPeriod"):
            yield Violation(rule, r.subject, "backups are off (backupRetentionPeriod)")
    for r in _of(databases, CLOUD_SQL):
        settings = r.inputs.get("settings") or {}
        if r.inputs.get("deletionProtection") is not True or settings.get("deletionProtectionEnabled") is not True:
            yield Violation(rule, r.subject, "deletionProtection and settings.deletionProtectionEnabled must both be true")
        if not (settings.get("backupConfiguration") or {}).get("enabled"):
            yield Violation(rule, r.subject, "backups are off")
    locked = any(lock.inputs.get("level") == "CanNotDelete" for lock in _of(resources, *AZURE_LOCKS))
    for r in _of(databases, AZURE_POSTGRES):
        if not locked:
            yield Violation(rule, r.subject, "no CanNotDelete management lock (Azure's deletion protection)")
        if not (r.inputs.get("backup") or {}).get("backupRetentionDays"):
            yield Violation(rule, r.subject, "backup.backupRetentionDays is not set")


@resource_rule("keys-protected")
def keys_protected(resources):
    """Customer keys cannot be deleted by a routine change and are rotated."""
    for r in _of(resources, *KEY_TYPES):
        if not r.protect:
            yield Violation("keys-protected", r.subject, "is not protect=True in Pulumi")
    for r in _of(resources, "aws:kms/key:Key"):
        if r.inputs.get("enableKeyRotation") is not True:
            yield Violation("keys-protected", r.subject, "enableKeyRotation is not true")
    for r in _of(resources, "gcp:kms/cryptoKey:CryptoKey"):
        if not r.inputs.get("rotationPeriod"):
            yield Violation("keys-protected", r.subject, "rotationPeriod is not set")
    for r in _of(resources, "azure-native:keyvault:Vault"):
        properties = r.inputs.get("properties") or {}
        if properties.get("enablePurgeProtection") is not True:
            yield Violation("keys-protected", r.subject, "enablePurgeProtection is not true")


def _publicly_marked(inputs: dict[str, Any]) -> bool:
    marks = {}
    for key in ("tags", "labels"):
        if isinstance(inputs.get(key), dict):
            marks.update(inputs[key])
    return _truthy(marks.get(PUBLIC_LB_MARK)) or PUBLIC_LB_MARK in (inputs.get("targetTags") or [])


def _open_ingress(r: Resource) -> list[str]:
    inputs = r.inputs
    if r.type == "aws:ec2/securityGroup:SecurityGroup":
        return [p for rule in inputs.get("ingress") or [] for p in _open([*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])])]
    if r.type == "aws:ec2/securityGroupRule:SecurityGroupRule" and inputs.get("type") == "ingress":
        return _open([*(inputs.get("cidrBlocks") or []), *(inputs.get("ipv6CidrBlocks") or [])])
    if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        return _open([inputs.get("cidrIpv4"), inputs.get("cidrIpv6")])
    if r.type == "gcp:compute/firewall:Firewall" and inputs.get("direction", "INGRESS") == "INGRESS" and inputs.get("allows"):
        return _open(inputs.get("sourceRanges"))
    azure_rules = []
    if r.type == "azure-native:network:NetworkSecurityGroup":
        azure_rules = inputs.get("securityRules") or []
    elif r.type == "azure-native:network:SecurityRule":
        azure_rules = [inputs]
    return [
        p
        for rule in azure_rules
        if rule.get("direction") == "Inbound" and rule.get("access") == "Allow"
        for p in _open([rule.get("sourceAddressPrefix"), *(rule.get("sourceAddressPrefixes") or [])])
    ]


@resource_rule("no-open-ingress")
def no_open_ingress(resources):
    """No firewall/security-group rule admits the whole internet, except on a resource explicitly
    marked as a public load balancer (tag/label or target tag orbit-public-load-balancer)."""
    for r in resources:
        found = _open_ingress(r)
        if found and not _publicly_marked(r.inputs):
            yield Violation("no-open-ingress", r.subject, f"ingress from {', '.join(sorted(set(found)))}")


@kubernetes_rule("no-open-load-balancer")
def no_open_load_balancer(objects, context):
    """A LoadBalancer Service open to 0.0.0.0/0 must be annotated as explicitly public."""
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj.get("kind") != "Service" or spec.get("type") != "LoadBalancer":
            continue
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if _open(spec.get("loadBalancerSourceRanges")) and annotations.get(PUBLIC_LB_ANNOTATION) != "true":
            yield Violation("no-open-load-balancer", subject(obj), f"open to the internet without the {PUBLIC_LB_ANNOTATION} annotation")


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
