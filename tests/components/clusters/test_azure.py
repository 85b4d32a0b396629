"""The AKS cluster under mocks (stacks/Pulumi.azure-prod.yaml and a variant in the customer's own VNet)."""

from __future__ import annotations

import pytest

from tests.components.clusters.helpers import (
    assert_tagged,
    exec_user,
    load_balancer_annotations,
    protected,
    stack_with_network,
    storage_class,
)

STACK = "azure-prod"
NET = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/corp-net/providers/Microsoft.Network"
OWN = {
    "mode": "existing",
    "nodeSubnetId": f"{NET}/virtualNetworks/corp/subnets/aks",
    "postgresSubnetId": f"{NET}/virtualNetworks/corp/subnets/postgres",
    "postgresDnsZoneId": f"{NET}/privateDnsZones/orbit.private.postgres.database.azure.com",
}


@pytest.fixture(scope="module")
def plan(stack_plans):
    return stack_plans[STACK]


def aks(plan):
    return plan.named("cluster-aks", "azure-native:containerservice:ManagedCluster").inputs


def test_private_cluster_with_entra_id_rbac_and_no_local_accounts(plan):
    cluster = aks(plan)
    assert cluster["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert cluster["aadProfile"]["managed"] is True and cluster["aadProfile"]["enableAzureRBAC"] is True
    assert cluster["disableLocalAccounts"] is True
    assert cluster["oidcIssuerProfile"] == {"enabled": True}
    assert cluster["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert cluster["identity"]["type"] == "UserAssigned"
    assert "servicePrincipalProfile" not in cluster
    assert cluster["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}


def test_network_policy_and_overlay(plan):
    network = aks(plan)["networkProfile"]
    assert network["networkPolicy"] == "cilium" and network["networkDataplane"] == "cilium"
    assert network["networkPluginMode"] == "overlay" and network["outboundType"] == "userAssignedNATGateway"


def test_secrets_and_disks_use_the_key_vault_key_and_keys_are_protected(plan):
    key = protected(plan, "azure-native:keyvault:Key")[0]
    vault = protected(plan, "azure-native:keyvault:Vault")[0]
    protected(plan, "azure-native:compute:DiskEncryptionSet")
    assert vault.inputs["properties"]["enablePurgeProtection"] is True
    kms = aks(plan)["securityProfile"]["azureKeyVaultKms"]
    assert kms["enabled"] is True and kms["keyId"].startswith("https://") and f"/keys/{key.inputs['keyName']}/" in kms["keyId"]
    assert "/providers/Microsoft.Compute/diskEncryptionSets/" in aks(plan)["diskEncryptionSetID"]


def test_audit_logs_go_to_log_analytics(plan):
    setting = plan.named("cluster-audit", "azure-native:monitor:DiagnosticSetting").inputs
    assert {"category": "kube-audit-admin", "enabled": True} in setting["logs"]
    assert setting["resourceUri"].endswith("/managedClusters/orbit-prod")


def test_system_and_workload_pools_over_three_zones(plan):
    pools = {p["name"]: p for p in aks(plan)["agentPoolProfiles"]}
    assert pools["system"]["mode"] == "System" and pools["workload"]["mode"] == "User"
    assert pools["workload"]["minCount"] == 3 and pools["workload"]["maxCount"] == 12 and pools["workload"]["count"] == 6
    for pool in pools.values():
        assert pool["availabilityZones"] == ["1", "2", "3"]
        assert pool["enableAutoScaling"] is True and pool["enableEncryptionAtHost"] is True
        assert pool["enableNodePublicIP"] is False
        assert pool["vnetSubnetID"].endswith("/subnets/nodes")


def test_postgres_is_private_encrypted_locked_and_protected(plan):
    server = protected(plan, "azure-native:dbforpostgresql:Server")[0].inputs
    assert server["network"]["publicNetworkAccess"] == "Disabled"
    assert server["network"]["delegatedSubnetResourceId"].endswith("/subnets/postgres")
    assert server["dataEncryption"]["type"] == "AzureKeyVault"
    assert server["highAvailability"]["mode"] == "ZoneRedundant"
    assert server["backup"]["backupRetentionDays"] == 14
    lock = plan.named("cluster-postgres-lock", "azure-native:authorization:ManagementLockByScope").inputs
    assert lock["level"] == "CanNotDelete" and "/providers/Microsoft.DBforPostgreSQL/flexibleServers/" in lock["scope"]
    assert plan.named("cluster-postgres", "azure-native:dbforpostgresql:Server").masked_inputs["administratorLoginPassword"] == "[secret]"


def test_storage_class_uses_disk_csi_with_the_encryption_set(plan):
    sc = storage_class(plan, "orbit-premium")
    assert sc["provisioner"] == "disk.csi.azure.com"
    assert sc["parameters"]["diskEncryptionSetID"] == aks(plan)["diskEncryptionSetID"]


def test_provider_uses_kubelogin_with_the_azure_cli(plan):
    command = exec_user(plan)
    assert command["command"] == "kubelogin"
    assert command["args"][:3] == ["get-token", "--login", "azurecli"]


def test_everything_taggable_is_tagged(plan):
    assert assert_tagged(plan, "azure-native:") >= 15


def test_customers_own_vnet_is_used_and_no_network_is_created(tmp_path):
    own = stack_with_network(STACK, OWN, tmp_path)
    for kind in ("VirtualNetwork", "Subnet", "NatGateway", "PublicIPAddress"):
        assert not own.of_type(f"azure-native:network:{kind}"), kind
    assert not own.of_type("azure-native:privatedns:PrivateZone")
    cluster = own.named("cluster-aks").inputs
    assert {p["vnetSubnetID"] for p in cluster["agentPoolProfiles"]} == {OWN["nodeSubnetId"]}
    server = own.named("cluster-postgres", "azure-native:dbforpostgresql:Server").inputs
    assert server["network"]["delegatedSubnetResourceId"] == OWN["postgresSubnetId"]
    assert server["network"]["privateDnsZoneArmResourceId"] == OWN["postgresDnsZoneId"]
    grants = [g.inputs for g in own.of_type("azure-native:authorization:RoleAssignment")]
    assert any(g["scope"] == OWN["nodeSubnetId"] for g in grants), "the cluster identity needs Network Contributor on the subnet"


def test_load_balancers_are_internal(plan):
    annotations = load_balancer_annotations(plan)
    for key, value in {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}.items():
        assert annotations.get(key) == value, key
