"""Cluster settings: an existing cluster, or EKS, GKE and AKS in a new or existing network."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from components.settings.base import DnsLabel, Model


class ExistingClusterConfig(Model):
    """An already running cluster reached through a kubeconfig (kind, k3d, minikube, on-prem, ...)."""

    kubeconfig: str | None = Field(
        None, description="Path to the kubeconfig file; default: $KUBECONFIG or ~/.kube/config."
    )
    context: str | None = Field(None, description="kubeconfig context; default: the current context.")
    storage_class: DnsLabel = Field(
        "standard", description="StorageClass for data volumes (must exist; reclaimPolicy Retain recommended)."
    )
    zones: tuple[DnsLabel, ...] = Field(
        (), description="Zones the nodes are spread over (topology.kubernetes.io/zone values); empty = unknown."
    )


# --- cloud clusters (EKS, GKE, AKS) ---------------------------------------------------------
# Shared shapes first, then one section per cloud. Cross-field rules live on the model that holds
# every field they relate, so each message names the whole key path.

KUBERNETES_VERSIONS = tuple(f"1.{minor}" for minor in range(31, 38))  # the range Orbit validates against
_K8S_VERSION = re.compile(r"^1\.[0-9]{1,2}$")


def _kubernetes_version(value: Any) -> Any:
    if isinstance(value, float):
        # YAML reads 1.30 as the number 1.3: insist on a string so the version is never mangled.
        raise ValueError(f"{value!r} is a number; quote the Kubernetes version, for example \"1.33\"")
    if isinstance(value, str) and (not _K8S_VERSION.match(value) or value not in KUBERNETES_VERSIONS):
        raise ValueError(
            f"Kubernetes version {value!r} is not supported; allowed: {', '.join(KUBERNETES_VERSIONS)}"
        )
    return value


KubernetesVersion = Annotated[str, BeforeValidator(_kubernetes_version)]


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a CIDR block such as 10.0.0.0/16 ({error})") from None
    if network.version != 4:
        raise ValueError(f"{value!r} is not an IPv4 CIDR block")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]


def _overlapping(named: dict[str, str | None]) -> list[str]:
    """'a (x) and b (y)' for every pair of CIDR blocks that overlap."""
    present = [(key, cidr) for key, cidr in named.items() if cidr]
    clashes = []
    for i, (key_a, cidr_a) in enumerate(present):
        for key_b, cidr_b in present[i + 1 :]:
            if ipaddress.ip_network(cidr_a).overlaps(ipaddress.ip_network(cidr_b)):
                clashes.append(f"{key_a} ({cidr_a}) and {key_b} ({cidr_b})")
    return clashes


def _check_no_overlap(named: dict[str, str | None]) -> None:
    clashes = _overlapping(named)
    if clashes:
        raise ValueError(f"CIDR blocks overlap: {'; '.join(clashes)}; every range must be disjoint")


class NodePoolConfig(Model):
    """One autoscaled node pool spread over the cluster's zones."""

    instance_type: Annotated[str, Field(min_length=2, max_length=64)] = Field(
        description="Machine type of every node: an EC2 instance type (m6i.xlarge), a GCE machine type "
        "(n2-standard-4) or an Azure VM size (Standard_D4ds_v5)."
    )
    min_size: int = Field(ge=0, le=1000, description="Fewest nodes the autoscaler keeps, in total over all zones.")
    desired_size: int = Field(
        ge=0,
        le=1000,
        description="Nodes at creation, in total over all zones (minSize to maxSize); afterwards the autoscaler sets the count.",
    )
    max_size: int = Field(ge=1, le=1000, description="Most nodes the autoscaler may run, in total over all zones.")
    disk_size_gb: int = Field(100, ge=30, le=2048, description="Encrypted OS/ephemeral disk per node.")

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodePoolConfig:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"node counts must satisfy minSize <= desiredSize <= maxSize; "
                f"got {self.min_size} <= {self.desired_size} <= {self.max_size}"
            )
        return self


class NodePoolsConfig(Model):
    system: NodePoolConfig = Field(
        description="Pool for the cluster add-ons (DNS, CSI, CNI); minSize must be at least 1."
    )
    workload: NodePoolConfig = Field(description="Pool the platform's services run on.")

    @model_validator(mode="after")
    def _system_pool_runs(self) -> NodePoolsConfig:
        if self.system.min_size < 1:
            raise ValueError(
                f"system.minSize is {self.system.min_size}; the system pool runs cluster add-ons "
                "(DNS, CSI, CNI) and needs at least 1 node"
            )
        return self


class EndpointConfig(Model):
    """The Kubernetes API endpoint. Private unless `public: true` with an explicit allow-list."""

    public: bool = Field(
        False,
        description="Expose the Kubernetes API on a public endpoint restricted to allowedCidrs (then required); "
        "false = a private endpoint only.",
    )
    allowed_cidrs: tuple[Cidr, ...] = Field(
        (), description="Who may reach the API: the public allow-list, or (EKS, GKE) extra networks such as a VPN for the private endpoint."
    )
    # Whether allowedCidrs means something for a private endpoint on this cloud (EKS: security-group
    # rules; GKE: master authorized networks). AKS's private endpoint has no such list.
    _ALLOW_LIST_WHEN_PRIVATE: ClassVar[bool] = False

    @model_validator(mode="after")
    def _public_needs_allow_list(self) -> EndpointConfig:
        if self.public and not self.allowed_cidrs:
            raise ValueError(
                "public is true but allowedCidrs is empty; a public API endpoint needs an explicit "
                "CIDR allow-list (for example your office or VPN egress range)"
            )
        open_ranges = [c for c in self.allowed_cidrs if ipaddress.ip_network(c).prefixlen == 0]
        if open_ranges:
            raise ValueError(f"allowedCidrs contains {open_ranges[0]}, which is the whole internet; list specific ranges")
        if self.allowed_cidrs and not self.public and not self._ALLOW_LIST_WHEN_PRIVATE:
            raise ValueError("allowedCidrs is set but public is false; on this cloud the allow-list applies to a public endpoint only")
        return self


class PrivateAllowListEndpointConfig(EndpointConfig):
    """EKS and GKE: with a private endpoint, allowedCidrs admits extra private networks (VPN, peered VPCs)."""

    _ALLOW_LIST_WHEN_PRIVATE: ClassVar[bool] = True


class PostgresConfig(Model):
    """The managed PostgreSQL server Airflow's metadata database lives on."""

    enabled: bool = Field(
        True,
        description="Create the managed server (RDS, Cloud SQL, Azure Database for PostgreSQL); "
        "false = Airflow runs its own in-cluster Postgres (airflow.database).",
    )
    instance_type: Annotated[str, Field(min_length=2, max_length=64)] = Field(
        description="Database instance class: db.r6g.large (RDS), db-custom-2-7680 (Cloud SQL) "
        "or Standard_D2ds_v5 (Azure, General Purpose tier)."
    )
    version: Literal["15", "16", "17"] = Field("16", description="PostgreSQL major version.")
    storage_gb: int = Field(
        100,
        ge=20,
        le=16384,
        description="Initial storage, in GB; it grows automatically (RDS: up to 4×). Azure offers only "
        "32, 64, 128, ... 16384.",
    )
    backup_retention_days: int = Field(
        14, ge=1, le=35, description="Days automated backups are kept (Cloud SQL: daily backups kept)."
    )
    high_availability: bool = Field(
        True,
        description="A standby in a second zone with automatic failover (RDS Multi-AZ, Cloud SQL regional, "
        "Azure zone-redundant).",
    )


class CloudClusterConfig(Model):
    """What every cloud section has in common."""

    region: str = Field(description="Cloud region: eu-central-1 (AWS), europe-west4 (GCP) or westeurope (Azure).")
    zones: tuple[str, ...] = Field(
        description="Exactly 3 distinct zones of the region, used by the nodes and the database: "
        "eu-central-1a (AWS), europe-west4-a (GCP) or 1, 2, 3 (Azure)."
    )
    kubernetes_version: KubernetesVersion = Field(
        "1.33",
        description=f"Kubernetes minor version, quoted (\"1.33\"); allowed: {KUBERNETES_VERSIONS[0]} to "
        f"{KUBERNETES_VERSIONS[-1]}. GKE: the minimum; the release channel upgrades beyond it.",
    )
    endpoint: EndpointConfig = Field(
        EndpointConfig(), description="The Kubernetes API endpoint: private unless public with an allow-list."
    )
    node_pools: NodePoolsConfig = Field(description="The system and workload node pools.")
    postgres: PostgresConfig = Field(description="The managed PostgreSQL server holding Airflow's metadata database.")

    # Per cloud: the region/zone syntax and an example of each.
    _REGION: ClassVar[re.Pattern[str]]
    _REGION_EXAMPLE: ClassVar[str]
    _INSTANCE: ClassVar[re.Pattern[str]]
    _INSTANCE_EXAMPLE: ClassVar[str]
    _DB_INSTANCE: ClassVar[re.Pattern[str]]
    _DB_INSTANCE_EXAMPLE: ClassVar[str]

    def _zone_ok(self, zone: str) -> bool:
        raise NotImplementedError

    def _zone_example(self) -> str:
        raise NotImplementedError

    @model_validator(mode="after")
    def _placement(self) -> CloudClusterConfig:
        if not self._REGION.match(self.region):
            raise ValueError(f"region {self.region!r} is not a region name such as {self._REGION_EXAMPLE}")
        if len(self.zones) != 3 or len(set(self.zones)) != 3:
            raise ValueError(f"zones must list 3 distinct zones (got {list(self.zones)}), for example {self._zone_example()}")
        wrong = [z for z in self.zones if not self._zone_ok(z)]
        if wrong:
            raise ValueError(f"zone(s) {', '.join(wrong)} are not zones of region {self.region}; for example {self._zone_example()}")
        for pool_name in ("system", "workload"):
            pool = getattr(self.node_pools, pool_name)
            if not self._INSTANCE.match(pool.instance_type):
                raise ValueError(
                    f"nodePools.{pool_name}.instanceType {pool.instance_type!r} is not an instance type "
                    f"such as {self._INSTANCE_EXAMPLE}"
                )
        if not self._DB_INSTANCE.match(self.postgres.instance_type):
            raise ValueError(
                f"postgres.instanceType {self.postgres.instance_type!r} is not a database instance type "
                f"such as {self._DB_INSTANCE_EXAMPLE}"
            )
        return self


NetworkMode = Literal["new", "existing"]


def _check_mode_fields(mode: str, required: dict[str, Any], new_only: dict[str, Any]) -> None:
    if mode == "existing":
        missing = sorted(key for key, value in required.items() if not value)
        if missing:
            raise ValueError(f"mode is 'existing' but {', '.join(missing)} is missing; give the IDs of your network")
    else:
        stray = sorted(key for key, value in required.items() if value)
        if stray:
            raise ValueError(f"{', '.join(stray)} is set but mode is 'new'; set mode: existing to use your own network")
        missing = sorted(key for key, value in new_only.items() if not value)
        if missing:
            raise ValueError(f"mode is 'new' but {', '.join(missing)} is missing")


_AWS_ID = {
    "vpc": re.compile(r"^vpc-[0-9a-f]{8,17}$"),
    "subnet": re.compile(r"^subnet-[0-9a-f]{8,17}$"),
}


# The retention periods CloudWatch Logs accepts, in days.
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


class AwsNetworkConfig(Model):
    mode: NetworkMode = Field(
        "new", description="new: Orbit creates the VPC from vpcCidr; existing: Orbit uses vpcId and privateSubnetIds."
    )
    vpc_cidr: Cidr | None = Field(None, description="new mode: the VPC's range, /16 to /20.")
    vpc_id: str | None = Field(None, description="existing mode: vpc-...")
    private_subnet_ids: tuple[str, ...] = Field((), description="existing mode: one private subnet per zone (NAT egress).")
    service_cidr: Cidr = Field("172.20.0.0/16", description="Kubernetes Service range (pods use VPC addresses).")
    flow_logs_retention_days: int = Field(
        90,
        description="new mode: days the VPC flow logs are kept in CloudWatch Logs (one of "
        + ", ".join(map(str, CLOUDWATCH_RETENTION_DAYS)) + ").",
    )

    @model_validator(mode="after")
    def _mode(self) -> AwsNetworkConfig:
        if self.flow_logs_retention_days not in CLOUDWATCH_RETENTION_DAYS:
            raise ValueError(
                f"flowLogsRetentionDays {self.flow_logs_retention_days} is not a CloudWatch Logs retention; "
                f"allowed: {', '.join(map(str, CLOUDWATCH_RETENTION_DAYS))}"
            )
        _check_mode_fields(
            self.mode, {"vpcId": self.vpc_id, "privateSubnetIds": self.private_subnet_ids}, {"vpcCidr": self.vpc_cidr}
        )
        if self.vpc_id and not _AWS_ID["vpc"].match(self.vpc_id):
            raise ValueError(f"vpcId {self.vpc_id!r} is not a VPC ID such as vpc-0a1b2c3d4e5f60718")
        bad = [s for s in self.private_subnet_ids if not _AWS_ID["subnet"].match(s)]
        if bad:
            raise ValueError(f"privateSubnetIds: {bad[0]!r} is not a subnet ID such as subnet-0a1b2c3d4e5f60718")
        if self.mode == "existing" and len(set(self.private_subnet_ids)) != 3:
            raise ValueError(f"privateSubnetIds must list 3 distinct subnets, one per zone (got {len(set(self.private_subnet_ids))})")
        if self.vpc_cidr and not 16 <= ipaddress.ip_network(self.vpc_cidr).prefixlen <= 20:
            raise ValueError(f"vpcCidr {self.vpc_cidr} must be between /16 and /20 (AWS allows /16 at most; smaller leaves too few pod IPs)")
        _check_no_overlap({"vpcCidr": self.vpc_cidr, "serviceCidr": self.service_cidr})
        return self


class AwsClusterConfig(CloudClusterConfig):
    """EKS in a new or existing VPC."""

    network: AwsNetworkConfig = Field(
        AwsNetworkConfig(vpc_cidr="10.40.0.0/16"), description="The VPC: a new one (default) or your existing one."
    )
    endpoint: PrivateAllowListEndpointConfig = Field(
        PrivateAllowListEndpointConfig(),
        description="The EKS API endpoint; allowedCidrs also admits networks (VPN, peered VPCs) to the private endpoint.",
    )
    kms_key_arn: str | None = Field(None, description="Customer KMS key for secrets, disks and RDS; default: created.")

    _REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
    _REGION_EXAMPLE = "eu-central-1"
    _INSTANCE = re.compile(r"^[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$")
    _INSTANCE_EXAMPLE = "m6i.xlarge"
    _DB_INSTANCE = re.compile(r"^db\.[a-z0-9-]+\.[0-9]*[a-z0-9]+$")
    _DB_INSTANCE_EXAMPLE = "db.r6g.large"

    def _zone_ok(self, zone: str) -> bool:
        return re.fullmatch(re.escape(self.region) + r"[a-z]", zone) is not None

    def _zone_example(self) -> str:
        return f"{self.region}a, {self.region}b, {self.region}c"

    @model_validator(mode="after")
    def _key(self) -> AwsClusterConfig:
        if self.kms_key_arn and not re.match(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", self.kms_key_arn):
            raise ValueError(f"kmsKeyArn {self.kms_key_arn!r} is not a KMS key ARN such as arn:aws:kms:eu-central-1:123456789012:key/<uuid>")
        return self


class GcpNetworkConfig(Model):
    mode: NetworkMode = Field(
        "new",
        description="new: Orbit creates the VPC and subnet from nodeCidr, podsCidr and servicesCidr; "
        "existing: Orbit uses networkId, subnetworkId, podsRangeName and servicesRangeName.",
    )
    node_cidr: Cidr | None = Field(None, description="new mode: the subnet's primary range (nodes).")
    pods_cidr: Cidr | None = Field(None, description="new mode: secondary range for pods.")
    services_cidr: Cidr | None = Field(None, description="new mode: secondary range for Services.")
    network_id: str | None = Field(None, description="existing mode: projects/<p>/global/networks/<name>")
    subnetwork_id: str | None = Field(None, description="existing mode: projects/<p>/regions/<r>/subnetworks/<name>")
    pods_range_name: str | None = Field(None, description="existing mode: the subnet's secondary range for pods.")
    services_range_name: str | None = Field(None, description="existing mode: the subnet's secondary range for Services.")
    master_cidr: Cidr = Field("172.16.0.0/28", description="The control plane's private /28.")

    @model_validator(mode="after")
    def _mode(self) -> GcpNetworkConfig:
        _check_mode_fields(
            self.mode,
            {"networkId": self.network_id, "subnetworkId": self.subnetwork_id,
             "podsRangeName": self.pods_range_name, "servicesRangeName": self.services_range_name},
            {"nodeCidr": self.node_cidr, "podsCidr": self.pods_cidr, "servicesCidr": self.services_cidr},
        )
        if self.network_id and not re.match(r"^projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/global/networks/[a-z]([-a-z0-9]*[a-z0-9])?$", self.network_id):
            raise ValueError(f"networkId {self.network_id!r} is not a network ID such as projects/my-project/global/networks/corp-vpc")
        if self.subnetwork_id and not re.match(
            r"^projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/regions/[a-z]+-[a-z]+[0-9]/subnetworks/[a-z]([-a-z0-9]*[a-z0-9])?$", self.subnetwork_id
        ):
            raise ValueError(
                f"subnetworkId {self.subnetwork_id!r} is not a subnetwork ID such as projects/my-project/regions/europe-west4/subnetworks/gke"
            )
        if ipaddress.ip_network(self.master_cidr).prefixlen != 28:
            raise ValueError(f"masterCidr {self.master_cidr} must be a /28 (GKE's control-plane range)")
        _check_no_overlap(
            {"nodeCidr": self.node_cidr, "podsCidr": self.pods_cidr, "servicesCidr": self.services_cidr, "masterCidr": self.master_cidr}
        )
        return self


class GcpClusterConfig(CloudClusterConfig):
    """GKE Standard (regional) in a new or existing VPC."""

    project: Annotated[str, Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")] = Field(
        description="ID of the GCP project the cluster, network and database are created in."
    )
    network: GcpNetworkConfig = Field(
        GcpNetworkConfig(node_cidr="10.50.0.0/20", pods_cidr="10.52.0.0/14", services_cidr="10.56.0.0/20"),
        description="The VPC network: a new one (default) or your existing one.",
    )
    kms_key_name: str | None = Field(None, description="projects/<p>/locations/<r>/keyRings/<k>/cryptoKeys/<c>; default: created.")
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = Field(
        "REGULAR", description="GKE release channel that picks the versions the cluster is upgraded to."
    )
    endpoint: PrivateAllowListEndpointConfig = Field(
        PrivateAllowListEndpointConfig(),
        description="The GKE API endpoint; allowedCidrs also admits networks (VPN, peered VPCs) to the private "
        "endpoint (master authorized networks).",
    )

    _REGION = re.compile(r"^[a-z]+-[a-z]+[0-9]$")
    _REGION_EXAMPLE = "europe-west4"
    _INSTANCE = re.compile(r"^[a-z][a-z0-9]*-[a-z0-9-]+$")
    _INSTANCE_EXAMPLE = "n2-standard-4"
    _DB_INSTANCE = re.compile(r"^db-[a-z0-9-]+$")
    _DB_INSTANCE_EXAMPLE = "db-custom-2-7680"

    def _zone_ok(self, zone: str) -> bool:
        return re.fullmatch(re.escape(self.region) + r"-[a-z]", zone) is not None

    def _zone_example(self) -> str:
        return f"{self.region}-a, {self.region}-b, {self.region}-c"

    @model_validator(mode="after")
    def _key(self) -> GcpClusterConfig:
        if self.kms_key_name and not re.match(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", self.kms_key_name):
            raise ValueError(f"kmsKeyName {self.kms_key_name!r} is not a key name such as projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k")
        if self.kms_key_name and f"/locations/{self.region}/" not in self.kms_key_name:
            raise ValueError(f"kmsKeyName must be in the cluster's region {self.region} (GKE and Cloud SQL need a regional key)")
        return self


_AZURE_SUBNET_ID = re.compile(
    r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$", re.IGNORECASE
)
_AZURE_DNS_ZONE_ID = re.compile(
    r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/privateDnsZones/[^/]+$", re.IGNORECASE
)


_AZURE_VAULT_ID = re.compile(
    r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/[^/]+$", re.IGNORECASE
)
AZURE_POSTGRES_STORAGE_GB = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)


class AzureNetworkConfig(Model):
    mode: NetworkMode = Field(
        "new",
        description="new: Orbit creates the VNet from vnetCidr, nodeSubnetCidr and postgresSubnetCidr; "
        "existing: Orbit uses nodeSubnetId, postgresSubnetId and postgresDnsZoneId.",
    )
    vnet_cidr: Cidr | None = Field(None, description="new mode: the VNet's range.")
    node_subnet_cidr: Cidr | None = Field(None, description="new mode: node subnet, inside vnetCidr.")
    postgres_subnet_cidr: Cidr | None = Field(None, description="new mode: subnet delegated to PostgreSQL, inside vnetCidr.")
    node_subnet_id: str | None = Field(None, description="existing mode: the nodes' subnet (NAT or firewall egress).")
    postgres_subnet_id: str | None = Field(None, description="existing mode: a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers.")
    postgres_dns_zone_id: str | None = Field(None, description="existing mode: private DNS zone *.postgres.database.azure.com linked to the VNet.")
    pods_cidr: Cidr = Field("10.244.0.0/16", description="Azure CNI overlay pod range (not routed in the VNet).")
    service_cidr: Cidr = Field("10.0.0.0/16", description="Kubernetes Service range.")
    dns_service_ip: str = Field("10.0.0.10", description="CoreDNS Service IP, inside serviceCidr.")
    outbound_type: Literal["userAssignedNATGateway", "userDefinedRouting"] = Field(
        "userAssignedNATGateway", description="Node egress: the subnet's NAT gateway, or your route table/firewall."
    )

    @model_validator(mode="after")
    def _mode(self) -> AzureNetworkConfig:
        _check_mode_fields(
            self.mode,
            {"nodeSubnetId": self.node_subnet_id, "postgresSubnetId": self.postgres_subnet_id, "postgresDnsZoneId": self.postgres_dns_zone_id},
            {"vnetCidr": self.vnet_cidr, "nodeSubnetCidr": self.node_subnet_cidr, "postgresSubnetCidr": self.postgres_subnet_cidr},
        )
        for key, value in (("nodeSubnetId", self.node_subnet_id), ("postgresSubnetId", self.postgres_subnet_id)):
            if value and not _AZURE_SUBNET_ID.match(value):
                raise ValueError(
                    f"{key} {value!r} is not a subnet resource ID such as "
                    "/subscriptions/<uuid>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>"
                )
        if self.postgres_dns_zone_id and not _AZURE_DNS_ZONE_ID.match(self.postgres_dns_zone_id):
            raise ValueError(f"postgresDnsZoneId {self.postgres_dns_zone_id!r} is not a private DNS zone resource ID")
        if self.vnet_cidr:
            vnet = ipaddress.ip_network(self.vnet_cidr)
            for key, value in (("nodeSubnetCidr", self.node_subnet_cidr), ("postgresSubnetCidr", self.postgres_subnet_cidr)):
                if value and not ipaddress.ip_network(value).subnet_of(vnet):
                    raise ValueError(f"{key} {value} is not inside vnetCidr {self.vnet_cidr}")
            _check_no_overlap({"nodeSubnetCidr": self.node_subnet_cidr, "postgresSubnetCidr": self.postgres_subnet_cidr})
        _check_no_overlap({"vnetCidr": self.vnet_cidr, "podsCidr": self.pods_cidr, "serviceCidr": self.service_cidr})
        try:
            dns_ip = ipaddress.ip_address(self.dns_service_ip)
        except ValueError:
            raise ValueError(f"dnsServiceIp {self.dns_service_ip!r} is not an IPv4 address") from None
        if dns_ip not in ipaddress.ip_network(self.service_cidr):
            raise ValueError(f"dnsServiceIp {self.dns_service_ip} is not inside serviceCidr {self.service_cidr}")
        return self


class AzureClusterConfig(CloudClusterConfig):
    """AKS with Entra ID and Azure RBAC in a new or existing VNet."""

    network: AzureNetworkConfig = Field(
        AzureNetworkConfig(vnet_cidr="10.60.0.0/16", node_subnet_cidr="10.60.0.0/20", postgres_subnet_cidr="10.60.16.0/24"),
        description="The VNet: a new one (default) or your existing subnets.",
    )
    key_vault_key_id: str | None = Field(
        None, description="Versioned Key Vault key URL for secrets, disks and PostgreSQL; default: created."
    )
    key_vault_id: str | None = Field(None, description="Resource ID of the vault holding keyVaultKeyId.")
    admin_group_object_ids: tuple[str, ...] = Field((), description="Entra ID groups that get cluster-admin.")

    _REGION = re.compile(r"^[a-z]+[a-z0-9]*$")
    _REGION_EXAMPLE = "westeurope"
    _INSTANCE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
    _INSTANCE_EXAMPLE = "Standard_D4ds_v5"
    _DB_INSTANCE = re.compile(r"^Standard_[A-Za-z0-9_]+$")
    _DB_INSTANCE_EXAMPLE = "Standard_D2ds_v5"

    def _zone_ok(self, zone: str) -> bool:
        return zone in ("1", "2", "3")

    def _zone_example(self) -> str:
        return "1, 2, 3"

    @model_validator(mode="after")
    def _key(self) -> AzureClusterConfig:
        if self.key_vault_key_id and not re.match(r"^https://[a-z0-9-]{3,24}\.vault\.azure\.net/keys/[A-Za-z0-9-]+/[0-9a-f]{32}$", self.key_vault_key_id):
            raise ValueError(
                f"keyVaultKeyId {self.key_vault_key_id!r} is not a versioned key URL such as "
                "https://my-vault.vault.azure.net/keys/orbit/<32 hex version>"
            )
        if bool(self.key_vault_key_id) != bool(self.key_vault_id):
            raise ValueError("keyVaultKeyId and keyVaultId go together: give both (your key and the vault holding it) or neither")
        if self.key_vault_id and not _AZURE_VAULT_ID.match(self.key_vault_id):
            raise ValueError(f"keyVaultId {self.key_vault_id!r} is not a Key Vault resource ID")
        if self.network.mode == "new" and self.network.outbound_type != "userAssignedNATGateway":
            raise ValueError("network.outboundType userDefinedRouting needs mode: existing (your route table); a new VNet uses a NAT gateway")
        if self.postgres.storage_gb not in AZURE_POSTGRES_STORAGE_GB:
            raise ValueError(
                f"postgres.storageGb {self.postgres.storage_gb} is not a size Azure Database for PostgreSQL offers; "
                f"allowed: {', '.join(map(str, AZURE_POSTGRES_STORAGE_GB))}"
            )
        bad = [g for g in self.admin_group_object_ids if not re.match(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", g)]
        if bad:
            raise ValueError(f"adminGroupObjectIds: {bad[0]!r} is not an Entra ID object ID (a UUID)")
        return self


class ClusterConfig(Model):
    """Where the platform runs: the section named by `provider` must be present, and only that one."""

    provider: Literal["existing", "aws", "gcp", "azure"] = Field(
        description="`existing` adopts a running cluster; `aws`, `gcp` and `azure` create EKS, GKE or AKS."
    )
    existing: ExistingClusterConfig | None = Field(None, description="Settings of the `existing` provider.")
    aws: AwsClusterConfig | None = Field(None, description="Settings of the `aws` provider (EKS).")
    gcp: GcpClusterConfig | None = Field(None, description="Settings of the `gcp` provider (GKE).")
    azure: AzureClusterConfig | None = Field(None, description="Settings of the `azure` provider (AKS).")

    @model_validator(mode="after")
    def _section_matches_provider(self) -> ClusterConfig:
        sections = {"existing": self.existing, "aws": self.aws, "gcp": self.gcp, "azure": self.azure}
        chosen = sections.get(self.provider)
        if self.provider in sections and chosen is None:
            raise ValueError(
                f"provider is {self.provider!r} but the {self.provider!r} section is missing"
            )
        stray = sorted(name for name, value in sections.items() if value is not None and name != self.provider)
        if stray:
            raise ValueError(
                f"provider is {self.provider!r} but section(s) {', '.join(stray)} are set; remove them"
            )
        return self
