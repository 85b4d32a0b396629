"""GKE Standard (regional): private nodes and endpoint, Dataplane V2, secrets encrypted with a Cloud
KMS key, Workload Identity, Shielded Nodes with the GKE metadata server, a CMEK pd-balanced
StorageClass and Cloud SQL for PostgreSQL on a private IP.

Plain pulumi-gcp resources only, so every one of them is visible to the mocks and the policies.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.clusters import ClusterFacts, PostgresDatabase
from components.clusters.common import (
    DATABASE_ADMIN,
    DATABASE_NAME,
    CloudCluster,
    database_password,
    default_storage_class,
    exec_kubeconfig,
    per_zone,
    pool_labels,
)
from components.config import GcpClusterConfig, NodePoolConfig

LOG_COMPONENTS = ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]
NODE_ROLES = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
]
KMS_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
STORAGE_CLASS = "orbit-pd-balanced"
INTERNAL_LB = {"networking.gke.io/load-balancer-type": "Internal"}
PODS_RANGE, SERVICES_RANGE = "pods", "services"


class GcpCluster(CloudCluster):
    def __init__(self, name: str, config: GcpClusterConfig, environment: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("Gcp", name, config, environment, opts)
        self._cloud_provider = gcp.Provider(f"{name}-gcp", project=config.project, region=config.region, opts=pulumi.ResourceOptions(parent=self))
        project = gcp.organizations.get_project_output(
            project_id=config.project, opts=pulumi.InvokeOptions(provider=self._cloud_provider, parent=self)
        )

        key = self._kms_key()
        key_users = self._grant_key(key, project.number)
        network, subnetwork, pods_range, services_range, peering = self._network()
        node_account = self._node_service_account()

        endpoint = config.endpoint
        node_config = self._node_config(config.node_pools.system, "system", node_account, key)
        self.gke = gcp.container.Cluster(
            f"{name}-gke",
            name=self._cluster_name,
            project=config.project,
            location=config.region,
            node_locations=list(config.zones),
            min_master_version=config.kubernetes_version,
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel=config.release_channel),
            # The default pool cannot be configured like ours; it is created hardened and removed.
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config=node_config,
            network=network,
            subnetwork=subnetwork,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=pods_range, services_secondary_range_name=services_range
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                enable_private_endpoint=not endpoint.public,
                master_ipv4_cidr_block=config.network.master_cidr,
                master_global_access_config=gcp.container.ClusterPrivateClusterConfigMasterGlobalAccessConfigArgs(enabled=True),
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=cidr, display_name=f"allowed-{i}")
                    for i, cidr in enumerate(endpoint.allowed_cidrs)
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            datapath_provider="ADVANCED_DATAPATH",  # Dataplane V2: NetworkPolicy enforced by Cilium
            database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name=key),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(workload_pool=f"{config.project}.svc.id.goog"),
            enable_shielded_nodes=True,
            enable_legacy_abac=False,
            master_auth=gcp.container.ClusterMasterAuthArgs(
                client_certificate_config=gcp.container.ClusterMasterAuthClientCertificateConfigArgs(issue_client_certificate=False)
            ),
            logging_config=gcp.container.ClusterLoggingConfigArgs(enable_components=LOG_COMPONENTS),
            addons_config=gcp.container.ClusterAddonsConfigArgs(
                gce_persistent_disk_csi_driver_config=gcp.container.ClusterAddonsConfigGcePersistentDiskCsiDriverConfigArgs(enabled=True),
            ),
            resource_labels=self._tags,
            deletion_protection=True,
            opts=self._opts(depends_on=[*key_users, *([peering] if peering else [])]),
        )
        self.oidc_issuer = pulumi.Output.concat(
            "https://container.googleapis.com/v1/projects/", config.project, "/locations/", config.region, "/clusters/", self.gke.name
        )
        pools = [
            self._node_pool("system", config.node_pools.system, node_account, key),
            self._node_pool("workload", config.node_pools.workload, node_account, key),
        ]

        self.kubeconfig = exec_kubeconfig(
            self._cluster_name,
            self.gke.endpoint,
            self.gke.master_auth.apply(lambda auth: auth.cluster_ca_certificate),
            "gke-gcloud-auth-plugin",
            [],
        )
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, opts=pulumi.ResourceOptions(parent=self, depends_on=pools))
        default_storage_class(
            self,
            self.provider,
            STORAGE_CLASS,
            "pd.csi.storage.gke.io",
            {"type": "pd-balanced", "disk-encryption-kms-key": key, "csi.storage.k8s.io/fstype": "ext4"},
        )
        self.facts = ClusterFacts(
            kind="gcp", storage_class=STORAGE_CLASS, zones=config.zones, internal_load_balancer_annotations=dict(INTERNAL_LB)
        )
        self.postgres = self._postgres(network, key, project.number, peering) if config.postgres.enabled else None
        self.register_outputs(self.cluster_outputs())

    # --- keys ------------------------------------------------------------------------------

    def _kms_key(self) -> pulumi.Input[str]:
        if self._config.kms_key_name:
            return self._config.kms_key_name
        ring = gcp.kms.KeyRing(
            f"{self._name}-keyring", name=self._cluster_name,
            project=self._config.project,
            location=self._config.region,
            opts=self._opts(protect=True),
        )
        key = gcp.kms.CryptoKey(
            f"{self._name}-kms",
            name=f"{self._cluster_name}-data",
            key_ring=ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period="7776000s",  # 90 days
            labels=self._tags,
            opts=self._opts(protect=True),
        )
        return key.id

    def _grant_key(self, key: pulumi.Input[str], project_number: pulumi.Output[str]) -> list[pulumi.Resource]:
        """The Google service agents that encrypt with the key: GKE (secrets), Compute (disks)."""
        agents = {
            "gke": "container-engine-robot.iam.gserviceaccount.com",
            "compute": "compute-system.iam.gserviceaccount.com",
        }
        return [
            gcp.kms.CryptoKeyIAMMember(
                f"{self._name}-kms-{agent}",
                crypto_key_id=key,
                role=KMS_ROLE,
                member=pulumi.Output.concat("serviceAccount:service-", project_number, "@", domain),
                opts=self._opts(),
            )
            for agent, domain in agents.items()
        ]

    # --- network and identity --------------------------------------------------------------

    def _network(self):
        """(network, subnetwork, pods range, services range, private-services peering or None)."""
        network = self._config.network
        if network.mode == "existing":
            # The customer's VPC already has private services access for Cloud SQL (docs/install-gcp.md).
            return network.network_id, network.subnetwork_id, network.pods_range_name, network.services_range_name, None
        name, region = self._name, self._config.region
        vpc = gcp.compute.Network(
            f"{name}-vpc", name=self._cluster_name, project=self._config.project, auto_create_subnetworks=False, routing_mode="REGIONAL", opts=self._opts()
        )
        # One regional subnet serves all three zones; nodes get private addresses only.
        subnet = gcp.compute.Subnetwork(
            f"{name}-nodes",
            name=f"{self._cluster_name}-nodes",
            project=self._config.project,
            network=vpc.id,
            region=region,
            ip_cidr_range=network.node_cidr,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=PODS_RANGE, ip_cidr_range=network.pods_cidr),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=SERVICES_RANGE, ip_cidr_range=network.services_cidr),
            ],
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval="INTERVAL_10_MIN", flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            ),
            opts=self._opts(),
        )
        router = gcp.compute.Router(f"{name}-router", name=f"{self._cluster_name}-router", project=self._config.project, network=vpc.id, region=region, opts=self._opts())
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{self._cluster_name}-nat",
            router=router.name,
            region=region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=self._opts(),
        )
        services_range = gcp.compute.GlobalAddress(
            f"{name}-private-services",
            name=f"{self._cluster_name}-private-services",
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            prefix_length=20,
            network=vpc.id,
            labels=self._tags,
            opts=self._opts(),
        )
        peering = gcp.servicenetworking.Connection(
            f"{name}-private-services",
            network=vpc.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[services_range.name],
            opts=self._opts(),
        )
        return vpc.id, subnet.id, PODS_RANGE, SERVICES_RANGE, peering

    def _node_service_account(self) -> gcp.serviceaccount.Account:
        """A least-privilege node identity instead of the Compute default account; no keys."""
        account = gcp.serviceaccount.Account(
            f"{self._name}-nodes",
            account_id=f"{self._cluster_name}-nodes"[:30],
            project=self._config.project,
            display_name=f"Orbit {self._cluster_name} GKE nodes",
            opts=self._opts(),
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{self._name}-nodes-{role.rsplit('/', 1)[-1].replace('.', '-')}",
                project=self._config.project,
                role=role,
                member=account.member,
                opts=self._opts(),
            )
        return account

    # --- nodes -----------------------------------------------------------------------------

    def _node_config(self, config: NodePoolConfig, pool: str, account: gcp.serviceaccount.Account, key: pulumi.Input[str]):
        return gcp.container.NodePoolNodeConfigArgs(
            machine_type=config.instance_type,
            disk_size_gb=config.disk_size_gb,
            disk_type="pd-balanced",
            boot_disk_kms_key=key,
            image_type="COS_CONTAINERD",
            service_account=account.email,
            oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
            # The GKE metadata server hides the node's credentials and serves Workload Identity.
            workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
            shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                enable_secure_boot=True, enable_integrity_monitoring=True
            ),
            metadata={"disable-legacy-endpoints": "true"},
            labels=pool_labels(pool),
            resource_labels=self._tags,
        )

    def _node_pool(self, pool: str, config: NodePoolConfig, account, key) -> gcp.container.NodePool:
        zones = len(self._config.zones)
        return gcp.container.NodePool(
            f"{self._name}-{pool}",
            name=pool,
            cluster=self.gke.id,
            location=self._config.region,
            node_locations=list(self._config.zones),
            initial_node_count=per_zone(config.desired_size, zones),
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                total_min_node_count=config.min_size, total_max_node_count=config.max_size, location_policy="BALANCED"
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            upgrade_settings=gcp.container.NodePoolUpgradeSettingsArgs(max_surge=1, max_unavailable=0),
            node_config=self._node_config(config, pool, account, key),
            opts=self._opts(ignore_changes=["initialNodeCount"]),
        )

    # --- PostgreSQL ------------------------------------------------------------------------

    def _postgres(self, network, key, project_number, peering) -> PostgresDatabase:
        config, name = self._config.postgres, self._name
        sql_agent = gcp.projects.ServiceIdentity(
            f"{name}-sql-agent", project=self._config.project, service="sqladmin.googleapis.com", opts=self._opts()
        )
        key_user = gcp.kms.CryptoKeyIAMMember(
            f"{name}-kms-sql",
            crypto_key_id=key,
            role=KMS_ROLE,
            member=sql_agent.member,
            opts=self._opts(),
        )
        instance = gcp.sql.DatabaseInstance(
            f"{name}-postgres",
            name=f"{self._cluster_name}-postgres",
            project=self._config.project,
            database_version=f"POSTGRES_{config.version}",
            region=self._config.region,
            encryption_key_name=key,
            deletion_protection=True,
            settings=gcp.sql.DatabaseInstanceSettingsArgs(
                tier=config.instance_type,
                edition="ENTERPRISE",
                availability_type="REGIONAL" if config.high_availability else "ZONAL",
                disk_type="PD_SSD",
                disk_size=config.storage_gb,
                disk_autoresize=True,
                deletion_protection_enabled=True,
                backup_configuration=gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
                    enabled=True,
                    point_in_time_recovery_enabled=True,
                    start_time="02:00",
                    transaction_log_retention_days=7,
                    backup_retention_settings=gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                        retained_backups=config.backup_retention_days, retention_unit="COUNT"
                    ),
                ),
                ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
                    ipv4_enabled=False, private_network=network, ssl_mode="ENCRYPTED_ONLY"
                ),
                location_preference=gcp.sql.DatabaseInstanceSettingsLocationPreferenceArgs(zone=self._config.zones[0]),
                database_flags=[
                    gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(name="log_connections", value="on"),
                    gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(name="log_disconnections", value="on"),
                ],
                user_labels=self._tags,
            ),
            opts=self._opts(protect=True, depends_on=[key_user, *([peering] if peering else [])]),
        )
        database = gcp.sql.Database(f"{name}-postgres-{DATABASE_NAME}", name=DATABASE_NAME, instance=instance.name, opts=self._opts(protect=True))
        password = database_password(self, name)
        gcp.sql.User(f"{name}-postgres-admin", name=DATABASE_ADMIN, instance=instance.name, password=password, opts=self._opts(depends_on=[database]))
        return PostgresDatabase(
            host=instance.private_ip_address, port=5432, database=DATABASE_NAME, username=DATABASE_ADMIN, password=password
        )
