"""AKS: a private cluster with Entra ID + Azure RBAC (no local accounts), workload identity and
the OIDC issuer, Azure CNI overlay with Cilium network policy, KMS secrets encryption with a Key
Vault key, audit logs to Log Analytics, encrypted-at-host nodes on a customer-key disk encryption
set, and Azure Database for PostgreSQL flexible server with private access.

Plain pulumi-azure-native resources only, so every one of them is visible to the mocks and the policies.
"""

from __future__ import annotations

import base64

import pulumi
import pulumi_azure_native as azure
import pulumi_kubernetes as k8s
import yaml

from components.clusters import ClusterFacts, PostgresDatabase
from components.clusters.common import (
    DATABASE_ADMIN,
    DATABASE_NAME,
    CloudCluster,
    database_password,
    default_storage_class,
    exec_kubeconfig,
    pool_labels,
)
from components.config import AzureClusterConfig, NodePoolConfig

# Built-in role definition IDs (identical in every tenant).
ROLES = {
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
}
AUDIT_CATEGORIES = ["kube-audit-admin", "kube-apiserver", "kube-controller-manager", "guard"]
# The Entra ID application every AKS cluster with managed Entra integration accepts tokens for.
AKS_AAD_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630"
STORAGE_CLASS = "orbit-premium"
INTERNAL_LB = {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}


class AzureCluster(CloudCluster):
    def __init__(self, name: str, config: AzureClusterConfig, environment: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("Azure", name, config, environment, opts)
        client = azure.authorization.get_client_config_output(opts=pulumi.InvokeOptions(parent=self))
        self._tenant, self._subscription, self._deployer = client.tenant_id, client.subscription_id, client.object_id
        self.group = azure.resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=f"{self._cluster_name}-rg",
            location=config.region,
            tags=self._tags,
            opts=self._opts(),
        )

        vault_id, key_url = self._key()
        node_subnet, postgres_subnet, postgres_zone = self._network()
        identity = azure.managedidentity.UserAssignedIdentity(
            f"{name}-identity", resource_group_name=self.group.name, location=config.region, tags=self._tags, opts=self._opts()
        )
        disk_set = self._disk_encryption_set(vault_id, key_url)
        grants = [
            self._grant("identity-kms", identity.principal_id, "Key Vault Crypto User", vault_id),
            self._grant("identity-subnet", identity.principal_id, "Network Contributor", node_subnet),
            self._grant("identity-des", identity.principal_id, "Reader", disk_set.id),
        ]

        endpoint = config.endpoint
        network = config.network
        self.aks = azure.containerservice.ManagedCluster(
            f"{name}-aks",
            resource_name_=self._cluster_name,
            resource_group_name=self.group.name,
            location=config.region,
            kubernetes_version=config.kubernetes_version,
            dns_prefix=self._cluster_name,
            node_resource_group=f"{self._cluster_name}-nodes-rg",
            sku=azure.containerservice.ManagedClusterSKUArgs(name="Base", tier="Standard"),
            identity=azure.containerservice.ManagedClusterIdentityArgs(type="UserAssigned", user_assigned_identities=[identity.id]),
            api_server_access_profile=azure.containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=not endpoint.public,
                authorized_ip_ranges=list(endpoint.allowed_cidrs) if endpoint.public else None,
                disable_run_command=True,
            ),
            network_profile=azure.containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium",
                network_policy="cilium",
                pod_cidr=network.pods_cidr,
                service_cidr=network.service_cidr,
                dns_service_ip=network.dns_service_ip,
                outbound_type=network.outbound_type,
                load_balancer_sku="standard",
            ),
            agent_pool_profiles=[
                self._pool("system", config.node_pools.system, node_subnet),
                self._pool("workload", config.node_pools.workload, node_subnet),
            ],
            aad_profile=azure.containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True, tenant_id=self._tenant, admin_group_object_ids=list(config.admin_group_object_ids)
            ),
            enable_rbac=True,
            disable_local_accounts=True,
            oidc_issuer_profile=azure.containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=azure.containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=azure.containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
                azure_key_vault_kms=azure.containerservice.AzureKeyVaultKmsArgs(
                    enabled=True, key_id=key_url, key_vault_network_access="Public"
                ),
                image_cleaner=azure.containerservice.ManagedClusterSecurityProfileImageCleanerArgs(enabled=True, interval_hours=168),
            ),
            auto_upgrade_profile=azure.containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            disk_encryption_set_id=disk_set.id,
            storage_profile=azure.containerservice.ManagedClusterStorageProfileArgs(
                disk_csi_driver=azure.containerservice.ManagedClusterStorageProfileDiskCSIDriverArgs(enabled=True),
                snapshot_controller=azure.containerservice.ManagedClusterStorageProfileSnapshotControllerArgs(enabled=True),
            ),
            addon_profiles={"azurepolicy": azure.containerservice.ManagedClusterAddonProfileArgs(enabled=True)},
            tags=self._tags,
            opts=self._opts(depends_on=grants, ignore_changes=["agentPoolProfiles[*].count"]),
        )
        self._audit_logs()
        # With Azure RBAC, whoever runs Pulumi needs a Kubernetes role to install the platform.
        deployer_admin = self._grant(
            "deployer-admin", self._deployer, "Azure Kubernetes Service RBAC Cluster Admin", self.aks.id, principal_type=None
        )
        self.oidc_issuer = self.aks.oidc_issuer_profile.apply(lambda profile: profile.issuer_url)

        self.kubeconfig = self._kubeconfig()
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig, opts=pulumi.ResourceOptions(parent=self, depends_on=[deployer_admin])
        )
        default_storage_class(
            self,
            self.provider,
            STORAGE_CLASS,
            "disk.csi.azure.com",
            {"skuName": "Premium_ZRS", "diskEncryptionSetID": disk_set.id, "networkAccessPolicy": "DenyAll", "kind": "Managed"},
        )
        self.facts = ClusterFacts(
            kind="azure",
            storage_class=STORAGE_CLASS,
            zones=tuple(f"{config.region}-{zone}" for zone in config.zones),
            internal_load_balancer_annotations=dict(INTERNAL_LB),
        )
        self.postgres = self._postgres(vault_id, key_url, postgres_subnet, postgres_zone) if config.postgres.enabled else None
        self.register_outputs(self.cluster_outputs())

    def _grant(
        self, purpose: str, principal: pulumi.Input[str], role: str, scope: pulumi.Input[str], principal_type: str | None = "ServicePrincipal"
    ) -> azure.authorization.RoleAssignment:
        return azure.authorization.RoleAssignment(
            f"{self._name}-{purpose}",
            principal_id=principal,
            principal_type=principal_type,
            role_definition_id=pulumi.Output.concat(
                "/subscriptions/", self._subscription, "/providers/Microsoft.Authorization/roleDefinitions/", ROLES[role]
            ),
            scope=scope,
            opts=self._opts(),
        )

    # --- keys ------------------------------------------------------------------------------

    def _key(self) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
        """(vault resource ID, versioned key URL)."""
        if self._config.key_vault_key_id:
            return self._config.key_vault_id, self._config.key_vault_key_id
        vault = azure.keyvault.Vault(
            f"{self._name}-kv",
            resource_group_name=self.group.name,
            location=self._config.region,
            properties=azure.keyvault.VaultPropertiesArgs(
                tenant_id=self._tenant,
                sku=azure.keyvault.SkuArgs(family="A", name="premium"),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=90,
                enable_purge_protection=True,
                # AKS's KMS plugin cannot pass a Key Vault firewall unless the API server is VNet-integrated
                # (and a private vault needs that too), so access is guarded by Entra ID RBAC alone.
                network_acls=azure.keyvault.NetworkRuleSetArgs(default_action="Allow", bypass="AzureServices"),
            ),
            tags=self._tags,
            opts=self._opts(protect=True),
        )
        key = azure.keyvault.Key(
            f"{self._name}-kms",
            resource_group_name=self.group.name,
            vault_name=vault.name,
            key_name=f"{self._cluster_name}-data",
            properties=azure.keyvault.KeyPropertiesArgs(
                kty="RSA",
                key_size=3072,
                key_ops=["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                rotation_policy=azure.keyvault.RotationPolicyArgs(
                    attributes=azure.keyvault.KeyRotationPolicyAttributesArgs(expiry_time="P2Y"),
                    lifetime_actions=[
                        azure.keyvault.LifetimeActionArgs(
                            action=azure.keyvault.ActionArgs(type="rotate"),
                            trigger=azure.keyvault.TriggerArgs(time_before_expiry="P60D"),
                        )
                    ],
                ),
            ),
            tags=self._tags,
            opts=self._opts(protect=True),
        )
        return vault.id, key.key_uri_with_version

    def _disk_encryption_set(self, vault_id, key_url) -> azure.compute.DiskEncryptionSet:
        disk_set = azure.compute.DiskEncryptionSet(
            f"{self._name}-des",
            resource_group_name=self.group.name,
            location=self._config.region,
            encryption_type="EncryptionAtRestWithCustomerKey",
            identity=azure.compute.EncryptionSetIdentityArgs(type="SystemAssigned"),
            active_key=azure.compute.KeyForDiskEncryptionSetArgs(key_url=key_url, source_vault=azure.compute.SourceVaultArgs(id=vault_id)),
            rotation_to_latest_key_version_enabled=True,
            tags=self._tags,
            opts=self._opts(protect=True),
        )
        self._grant(
            "des-kms", disk_set.identity.apply(lambda i: i.principal_id), "Key Vault Crypto Service Encryption User", vault_id
        )
        return disk_set

    # --- network ---------------------------------------------------------------------------

    def _network(self) -> tuple[pulumi.Input[str], pulumi.Input[str], pulumi.Input[str]]:
        """(node subnet ID, PostgreSQL delegated subnet ID, PostgreSQL private DNS zone ID)."""
        network = self._config.network
        if network.mode == "existing":
            return network.node_subnet_id, network.postgres_subnet_id, network.postgres_dns_zone_id
        name, group, region, tags = self._name, self.group.name, self._config.region, self._tags
        nat_ip = azure.network.PublicIPAddress(
            f"{name}-nat-ip",
            resource_group_name=group,
            location=region,
            sku=azure.network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            tags=tags,
            opts=self._opts(),
        )
        nat = azure.network.NatGateway(
            f"{name}-nat",
            resource_group_name=group,
            location=region,
            # Standard NAT gateways are zonal or regional; regional (no zone) serves all three zones.
            sku=azure.network.NatGatewaySkuArgs(name="Standard"),
            public_ip_addresses=[azure.network.SubResourceArgs(id=nat_ip.id)],
            idle_timeout_in_minutes=10,
            tags=tags,
            opts=self._opts(),
        )
        # No custom rules: Azure's defaults deny inbound traffic from the internet.
        node_nsg = azure.network.NetworkSecurityGroup(f"{name}-nodes-nsg", resource_group_name=group, location=region, tags=tags, opts=self._opts())
        postgres_nsg = azure.network.NetworkSecurityGroup(
            f"{name}-postgres-nsg", resource_group_name=group, location=region, tags=tags, opts=self._opts()
        )
        vnet = azure.network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{self._cluster_name}-vnet",
            resource_group_name=group,
            location=region,
            address_space=azure.network.AddressSpaceArgs(address_prefixes=[network.vnet_cidr]),
            tags=tags,
            opts=self._opts(ignore_changes=["subnets"]),
        )
        nodes = azure.network.Subnet(
            f"{name}-nodes",
            subnet_name="nodes",
            resource_group_name=group,
            virtual_network_name=vnet.name,
            address_prefix=network.node_subnet_cidr,
            nat_gateway=azure.network.SubResourceArgs(id=nat.id),
            network_security_group=azure.network.NetworkSecurityGroupArgs(id=node_nsg.id),
            default_outbound_access=False,
            opts=self._opts(),
        )
        postgres = azure.network.Subnet(
            f"{name}-postgres",
            subnet_name="postgres",
            resource_group_name=group,
            virtual_network_name=vnet.name,
            address_prefix=network.postgres_subnet_cidr,
            network_security_group=azure.network.NetworkSecurityGroupArgs(id=postgres_nsg.id),
            delegations=[azure.network.DelegationArgs(name="postgres", service_name="Microsoft.DBforPostgreSQL/flexibleServers")],
            default_outbound_access=False,
            opts=self._opts(depends_on=[nodes]),  # one subnet change at a time on a VNet
        )
        zone = azure.privatedns.PrivateZone(
            f"{name}-postgres-dns",
            private_zone_name=f"{self._cluster_name}.private.postgres.database.azure.com",
            resource_group_name=group,
            location="Global",
            tags=tags,
            opts=self._opts(),
        )
        azure.privatedns.VirtualNetworkLink(
            f"{name}-postgres-dns-link",
            private_zone_name=zone.name,
            resource_group_name=group,
            location="Global",
            virtual_network=azure.privatedns.SubResourceArgs(id=vnet.id),
            registration_enabled=False,
            tags=tags,
            opts=self._opts(),
        )
        return nodes.id, postgres.id, zone.id

    # --- nodes, logs, access ---------------------------------------------------------------

    def _pool(self, pool: str, config: NodePoolConfig, subnet: pulumi.Input[str]):
        return azure.containerservice.ManagedClusterAgentPoolProfileArgs(
            name=pool,
            mode="System" if pool == "system" else "User",
            type="VirtualMachineScaleSets",
            vm_size=config.instance_type,
            os_type="Linux",
            os_sku="AzureLinux",
            os_disk_type="Managed",
            os_disk_size_gb=config.disk_size_gb,
            enable_encryption_at_host=True,
            enable_node_public_ip=False,
            enable_auto_scaling=True,
            count=config.desired_size,
            min_count=config.min_size,
            max_count=config.max_size,
            availability_zones=list(self._config.zones),
            vnet_subnet_id=subnet,
            node_labels=pool_labels(pool),
            # System pool for add-ons only: the platform's pods land on the workload pool.
            node_taints=["CriticalAddonsOnly=true:NoSchedule"] if pool == "system" else None,
            upgrade_settings=azure.containerservice.AgentPoolUpgradeSettingsArgs(max_surge="33%"),
            tags=self._tags,
        )

    def _audit_logs(self) -> None:
        workspace = azure.operationalinsights.Workspace(
            f"{self._name}-logs",
            resource_group_name=self.group.name,
            location=self._config.region,
            sku=azure.operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=365,
            tags=self._tags,
            opts=self._opts(),
        )
        azure.monitor.DiagnosticSetting(
            f"{self._name}-audit",
            name="orbit-audit",
            resource_uri=self.aks.id,
            workspace_id=workspace.id,
            logs=[azure.monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True) for category in AUDIT_CATEGORIES],
            opts=self._opts(),
        )

    def _kubeconfig(self) -> pulumi.Output[str]:
        """kubelogin with the Azure CLI's login; the server and CA come from AKS's own user kubeconfig."""
        credentials = azure.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=self.group.name, resource_name=self.aks.name, format="exec", opts=pulumi.InvokeOptions(parent=self)
        )

        def cluster_entry(result) -> dict:
            document = yaml.safe_load(base64.b64decode(result.kubeconfigs[0].value))
            return document["clusters"][0]["cluster"]

        entry = credentials.apply(cluster_entry)
        return exec_kubeconfig(
            self._cluster_name,
            entry.apply(lambda cluster: cluster["server"]),
            entry.apply(lambda cluster: cluster["certificate-authority-data"]),
            "kubelogin",
            ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_APP],
        )

    # --- PostgreSQL ------------------------------------------------------------------------

    def _postgres(self, vault_id, key_url, subnet, dns_zone) -> PostgresDatabase:
        config, name, region = self._config.postgres, self._name, self._config.region
        identity = azure.managedidentity.UserAssignedIdentity(
            f"{name}-postgres-identity", resource_group_name=self.group.name, location=region, tags=self._tags, opts=self._opts()
        )
        grant = self._grant("postgres-kms", identity.principal_id, "Key Vault Crypto Service Encryption User", vault_id)
        password = database_password(self, name)
        zones = self._config.zones
        server = azure.dbforpostgresql.Server(
            f"{name}-postgres",
            resource_group_name=self.group.name,
            location=region,
            version=config.version,
            sku=azure.dbforpostgresql.SkuArgs(name=config.instance_type, tier="GeneralPurpose"),
            storage=azure.dbforpostgresql.StorageArgs(storage_size_gb=config.storage_gb, auto_grow="Enabled"),
            backup=azure.dbforpostgresql.BackupArgs(backup_retention_days=config.backup_retention_days, geo_redundant_backup="Disabled"),
            high_availability=azure.dbforpostgresql.HighAvailabilityArgs(
                mode="ZoneRedundant" if config.high_availability else "Disabled",
                standby_availability_zone=zones[1] if config.high_availability else None,
            ),
            availability_zone=zones[0],
            network=azure.dbforpostgresql.NetworkArgs(
                delegated_subnet_resource_id=subnet, private_dns_zone_arm_resource_id=dns_zone, public_network_access="Disabled"
            ),
            administrator_login=DATABASE_ADMIN,
            administrator_login_password=password,
            auth_config=azure.dbforpostgresql.AuthConfigArgs(password_auth="Enabled", active_directory_auth="Disabled"),
            data_encryption=azure.dbforpostgresql.DataEncryptionArgs(
                type="AzureKeyVault", primary_key_uri=key_url, primary_user_assigned_identity_id=identity.id
            ),
            identity=azure.dbforpostgresql.UserAssignedIdentityArgs(
                type="UserAssigned", user_assigned_identities=identity.id.apply(lambda ref: {ref: {}})
            ),
            tags=self._tags,
            opts=self._opts(protect=True, depends_on=[grant]),
        )
        # Azure has no deletion-protection flag on flexible servers: a delete lock is the equivalent.
        azure.authorization.ManagementLockByScope(
            f"{name}-postgres-lock",
            scope=server.id,
            level="CanNotDelete",
            notes="Orbit: Airflow's metadata database. Remove this lock deliberately before deleting the server.",
            opts=self._opts(),
        )
        azure.dbforpostgresql.Database(
            f"{name}-postgres-{DATABASE_NAME}",
            resource_group_name=self.group.name,
            server_name=server.name,
            database_name=DATABASE_NAME,
            charset="UTF8",
            collation="en_US.utf8",
            opts=self._opts(protect=True),
        )
        return PostgresDatabase(
            host=server.fully_qualified_domain_name, port=5432, database=DATABASE_NAME, username=DATABASE_ADMIN, password=password
        )
