"""Every cloud resource rule passes on a compliant EKS, GKE and AKS setup and fails on a crafted bad one."""

from __future__ import annotations

import copy
import json

import pytest

from policy import rules
from policy.rules import Resource
from tests.dotted import DELETE, set_path

EXEC_KUBECONFIG = json.dumps(
    {"users": [{"name": "u", "user": {"exec": {"command": "aws", "args": ["eks", "get-token"]}}}], "clusters": []}
)
NODE_CONFIG = {
    "bootDiskKmsKey": "projects/p/locations/r/keyRings/k/cryptoKeys/c",
    "workloadMetadataConfig": {"mode": "GKE_METADATA"},
    "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
}
AKS_POOL = {"name": "system", "enableEncryptionAtHost": True, "enableNodePublicIP": False}


def good() -> list[Resource]:
    """One compliant resource of every type the cloud rules inspect."""
    return [
        Resource(rules.EKS, "eks", {
            "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False},
            "encryptionConfig": {"provider": {"keyArn": "arn:aws:kms:eu-central-1:1:key/k"}, "resources": ["secrets"]},
            "enabledClusterLogTypes": ["api", "audit"],
        }),
        Resource(rules.LAUNCH_TEMPLATE, "lt", {
            "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1.0},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}],
        }),
        Resource(rules.EKS_NODE_GROUP, "ng", {"launchTemplate": {"id": "lt-1", "version": "1"}}),
        Resource(rules.RDS_INSTANCE, "rds", {
            "storageEncrypted": True, "deletionProtection": True, "skipFinalSnapshot": False, "backupRetentionPeriod": 14.0,
        }, protect=True),
        Resource("aws:kms/key:Key", "key", {"enableKeyRotation": True}, protect=True),
        Resource("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": [{"securityGroups": ["sg-1"], "fromPort": 5432}]}),
        Resource(rules.GKE, "gke", {
            "privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True},
            "databaseEncryption": {"state": "ENCRYPTED", "keyName": "k"},
            "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "APISERVER"]},
            "masterAuth": {"clientCertificateConfig": {"issueClientCertificate": False}},
            "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
            "enableShieldedNodes": True,
            "nodeConfig": copy.deepcopy(NODE_CONFIG),
        }),
        Resource(rules.GKE_NODE_POOL, "pool", {"nodeConfig": copy.deepcopy(NODE_CONFIG)}),
        Resource(rules.CLOUD_SQL, "sql", {
            "encryptionKeyName": "k", "deletionProtection": True,
            "settings": {"deletionProtectionEnabled": True, "backupConfiguration": {"enabled": True}},
        }, protect=True),
        Resource("gcp:kms/cryptoKey:CryptoKey", "ck", {"rotationPeriod": "7776000s"}, protect=True),
        Resource("gcp:compute/firewall:Firewall", "fw", {"sourceRanges": ["10.0.0.0/8"], "allows": [{"protocol": "tcp"}]}),
        Resource(rules.AKS, "aks", {
            "apiServerAccessProfile": {"enablePrivateCluster": True},
            "securityProfile": {"azureKeyVaultKms": {"enabled": True, "keyId": "https://v.vault.azure.net/keys/k/1"},
                                "workloadIdentity": {"enabled": True}},
            "agentPoolProfiles": [dict(AKS_POOL)],
            "diskEncryptionSetID": "/subscriptions/s/des",
            "disableLocalAccounts": True,
            "aadProfile": {"managed": True, "enableAzureRBAC": True},
        }),
        Resource("azure-native:monitor:DiagnosticSetting", "diag", {"logs": [{"category": "kube-audit-admin", "enabled": True}]}),
        Resource(rules.AZURE_POSTGRES, "pg", {"dataEncryption": {"type": "AzureKeyVault"}, "backup": {"backupRetentionDays": 14.0}}, protect=True),
        Resource("azure-native:authorization:ManagementLockByScope", "lock", {"level": "CanNotDelete", "scope": "pg"}),
        Resource("azure-native:keyvault:Vault", "kv", {"properties": {"enablePurgeProtection": True}}, protect=True),
        Resource("azure-native:network:NetworkSecurityGroup", "nsg", {"securityRules": [
            {"direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "10.0.0.0/8"},
        ]}),
        Resource(rules.STORAGE_CLASS, "sc", {"provisioner": "ebs.csi.aws.com", "parameters": {"encrypted": "true"}}),
        Resource("pulumi:providers:kubernetes", "k8s", {"kubeconfig": EXEC_KUBECONFIG}),
    ]


def run(rule: str, resources: list[Resource]) -> list[rules.Violation]:
    return list(rules.RESOURCE_RULES[rule](resources))


def changed(name: str, mutate, protect: bool | None = None) -> list[Resource]:
    """The good set with resource `name`'s inputs changed by `mutate` (and optionally its protect flag)."""
    resources = []
    for r in good():
        if r.name == name:
            inputs = copy.deepcopy(r.inputs)
            mutate(inputs)
            r = Resource(r.type, r.name, inputs, r.protect if protect is None else protect, r.retain_on_delete)
        resources.append(r)
    return resources


def test_the_good_set_passes_every_cloud_rule():
    for rule in rules.RESOURCE_RULES:
        assert run(rule, good()) == [], rule


def _set(path: str, value):
    return lambda inputs: set_path(inputs, path, value)

BAD = [
    # (rule, resource, path, value, fragment of the message)
    ("cluster-endpoint-private", "eks", "vpcConfig.endpointPublicAccess", DELETE, "everyone"),
    ("cluster-endpoint-private", "eks", "vpcConfig", {"endpointPrivateAccess": True, "endpointPublicAccess": True,
                                                      "publicAccessCidrs": ["0.0.0.0/0"]}, "0.0.0.0/0"),
    ("cluster-endpoint-private", "eks", "vpcConfig.endpointPrivateAccess", False, "endpointPrivateAccess"),
    ("cluster-endpoint-private", "gke", "privateClusterConfig.enablePrivateEndpoint", False, "allow-list"),
    ("cluster-endpoint-private", "gke", "privateClusterConfig.enablePrivateNodes", False, "enablePrivateNodes"),
    ("cluster-endpoint-private", "aks", "apiServerAccessProfile.enablePrivateCluster", False, "authorizedIPRanges"),
    ("cluster-endpoint-private", "aks", "agentPoolProfiles.0.enableNodePublicIP", True, "public IPs"),
    ("cluster-secrets-encryption", "eks", "encryptionConfig.resources", [], "secrets"),
    ("cluster-secrets-encryption", "gke", "databaseEncryption.state", "DECRYPTED", "ENCRYPTED"),
    ("cluster-secrets-encryption", "aks", "securityProfile.azureKeyVaultKms.enabled", False, "azureKeyVaultKms"),
    ("cluster-audit-logging", "eks", "enabledClusterLogTypes", ["api"], "audit"),
    ("cluster-audit-logging", "gke", "loggingConfig.enableComponents", ["SYSTEM_COMPONENTS"], "APISERVER"),
    ("cluster-audit-logging", "diag", "logs.0.category", "kube-apiserver", "kube-audit"),
    ("encrypted-storage", "lt", "blockDeviceMappings.0.ebs.encrypted", "false", "not encrypted"),
    ("encrypted-storage", "ng", "launchTemplate", DELETE, "launch template"),
    ("encrypted-storage", "rds", "storageEncrypted", False, "storageEncrypted"),
    ("encrypted-storage", "pool", "nodeConfig.bootDiskKmsKey", DELETE, "bootDiskKmsKey"),
    ("encrypted-storage", "sql", "encryptionKeyName", DELETE, "encryptionKeyName"),
    ("encrypted-storage", "aks", "agentPoolProfiles.0.enableEncryptionAtHost", False, "enableEncryptionAtHost"),
    ("encrypted-storage", "aks", "diskEncryptionSetID", DELETE, "diskEncryptionSetID"),
    ("encrypted-storage", "pg", "dataEncryption.type", "SystemManaged", "AzureKeyVault"),
    ("encrypted-storage", "sc", "parameters.encrypted", "false", "encrypted"),
    ("no-static-credentials", "k8s", "kubeconfig", json.dumps({"users": [{"name": "admin", "user": {"token": "abc"}}]}), "token"),
    ("no-static-credentials", "gke", "masterAuth.clientCertificateConfig.issueClientCertificate", True, "client certificate"),
    ("no-static-credentials", "gke", "workloadIdentityConfig", DELETE, "Workload Identity"),
    ("no-static-credentials", "aks", "disableLocalAccounts", False, "local accounts"),
    ("no-static-credentials", "aks", "aadProfile.enableAzureRBAC", False, "Azure RBAC"),
    ("no-static-credentials", "aks", "servicePrincipalProfile", {"clientId": "x", "secret": "s3cret"}, "client secret"),
    ("node-metadata-protection", "lt", "metadataOptions.httpTokens", "optional", "IMDSv2"),
    ("node-metadata-protection", "lt", "metadataOptions.httpPutResponseHopLimit", 2, "not 1"),
    ("node-metadata-protection", "ng", "launchTemplate", DELETE, "IMDSv2"),
    ("node-metadata-protection", "pool", "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA", "GKE_METADATA"),
    ("node-metadata-protection", "gke", "nodeConfig.shieldedInstanceConfig.enableSecureBoot", False, "secure boot"),
    ("node-metadata-protection", "gke", "enableShieldedNodes", False, "enableShieldedNodes"),
    ("database-deletion-protection", "rds", "deletionProtection", False, "deletionProtection"),
    ("database-deletion-protection", "rds", "skipFinalSnapshot", True, "skipFinalSnapshot"),
    ("database-deletion-protection", "rds", "backupRetentionPeriod", 0, "backups"),
    ("database-deletion-protection", "sql", "settings.deletionProtectionEnabled", False, "deletionProtectionEnabled"),
    ("database-deletion-protection", "sql", "settings.backupConfiguration.enabled", False, "backups"),
    ("database-deletion-protection", "lock", "level", "ReadOnly", "CanNotDelete"),
    ("keys-protected", "key", "enableKeyRotation", False, "enableKeyRotation"),
    ("keys-protected", "ck", "rotationPeriod", DELETE, "rotationPeriod"),
    ("keys-protected", "kv", "properties.enablePurgeProtection", False, "enablePurgeProtection"),
    ("no-open-ingress", "sg", "ingress.0.cidrBlocks", ["0.0.0.0/0"], "0.0.0.0/0"),
    ("no-open-ingress", "fw", "sourceRanges", ["0.0.0.0/0"], "0.0.0.0/0"),
    ("no-open-ingress", "nsg", "securityRules.0.sourceAddressPrefix", "*", "*"),
]


@pytest.mark.parametrize(("rule", "name", "path", "value", "fragment"), BAD, ids=[f"{b[0]}:{b[1]}.{b[2]}" for b in BAD])
def test_cloud_rule_fails_on_a_bad_resource(rule, name, path, value, fragment):
    found = run(rule, changed(name, _set(path, value)))
    assert found, f"{rule} did not flag {name}.{path}={value!r}"
    assert fragment in str(found)


@pytest.mark.parametrize("name", ["rds", "sql", "pg"])
def test_databases_must_be_protected_in_pulumi(name):
    found = run("database-deletion-protection", changed(name, lambda inputs: None, protect=False))
    assert "protect=True" in str(found)


@pytest.mark.parametrize("name", ["key", "ck", "kv"])
def test_keys_must_be_protected_in_pulumi(name):
    assert "protect=True" in str(run("keys-protected", changed(name, lambda inputs: None, protect=False)))


@pytest.mark.parametrize(
    "resource",
    [
        Resource("aws:iam/accessKey:AccessKey", "ak", {"user": "deployer"}),
        Resource("gcp:serviceaccount/key:Key", "sak", {"serviceAccountId": "x"}),
        Resource("azuread:index/applicationPassword:ApplicationPassword", "ap", {"applicationId": "x"}),
    ],
)
def test_static_keys_are_rejected(resource):
    assert "workload identity" in str(run("no-static-credentials", [*good(), resource]))


def test_open_ingress_is_allowed_only_on_an_explicitly_public_load_balancer():
    open_rule = {"direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "0.0.0.0/0"}
    bad = Resource("azure-native:network:SecurityRule", "lb", dict(open_rule))
    assert run("no-open-ingress", [bad])
    public = Resource("azure-native:network:SecurityRule", "lb", {**open_rule, "tags": {rules.PUBLIC_LB_MARK: "true"}})
    assert run("no-open-ingress", [public]) == []
    firewall = Resource("gcp:compute/firewall:Firewall", "fw", {
        "sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp"}], "targetTags": [rules.PUBLIC_LB_MARK],
    })
    assert run("no-open-ingress", [firewall]) == []
    rule = Resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", {"cidrIpv4": "0.0.0.0/0"})
    assert run("no-open-ingress", [rule])


def test_aks_audit_is_missing_without_any_diagnostic_setting():
    resources = [r for r in good() if r.type != "azure-native:monitor:DiagnosticSetting"]
    assert "kube-audit" in str(run("cluster-audit-logging", resources))


def test_azure_postgres_needs_a_delete_lock():
    resources = [r for r in good() if r.name != "lock"]
    assert "CanNotDelete" in str(run("database-deletion-protection", resources))


def test_public_endpoint_with_an_allow_list_passes():
    resources = changed("eks", _set("vpcConfig.endpointPublicAccess", True))
    resources = [
        Resource(r.type, r.name, {**r.inputs, "vpcConfig": {**r.inputs["vpcConfig"], "publicAccessCidrs": ["203.0.113.0/24"]}})
        if r.name == "eks" else r
        for r in resources
    ]
    assert run("cluster-endpoint-private", resources) == []


def test_open_load_balancer_service_needs_the_public_annotation():
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw", "namespace": "ns"},
        "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["0.0.0.0/0"], "ports": [{"port": 443}]},
    }
    context = rules.PolicyContext()
    assert list(rules.KUBERNETES_RULES["no-open-load-balancer"]([service], context))
    service["metadata"]["annotations"] = {rules.PUBLIC_LB_ANNOTATION: "true"}
    assert list(rules.KUBERNETES_RULES["no-open-load-balancer"]([service], context)) == []
