"""Typed, validated stack configuration.

This is the only module that reads Pulumi config. Everything downstream receives frozen,
typed objects. A bad stack file fails here, before any resource is registered, with one message
per problem naming the key, the bad value and what is allowed.

Stack files use camelCase keys under the `orbit:` namespace; the models below use snake_case
attributes with camelCase aliases, so `orbit:minio.drivesPerServer` is `config.minio.drives_per_server`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

PROJECT = "orbit"


class ConfigError(ValueError):
    """A stack file that cannot be deployed. The message lists every problem found."""


class Model(BaseModel):
    """Base for every config model: frozen, camelCase keys, unknown keys rejected with a hint."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        # pydantic's own message ("Extra inputs are not permitted") does not say what *is*
        # allowed; a typo in a stack file deserves the list of valid keys.
        if isinstance(data, dict):
            allowed = {field.alias or name for name, field in cls.model_fields.items()}
            unknown = sorted(k for k in data if k not in allowed and k not in cls.model_fields)
            if unknown:
                raise ValueError(
                    f"unknown key(s) {', '.join(unknown)}; allowed keys are: {', '.join(sorted(allowed))}"
                )
        return data


# --- reusable constrained types -------------------------------------------------------------

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|M|G|T|P)?$")
_SIZE = re.compile(r"^[1-9][0-9]*(Mi|Gi|Ti)$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _matches(pattern: re.Pattern[str], allowed: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not {allowed}")
        return value

    return AfterValidator(check)


Quantity = Annotated[str, _matches(_QUANTITY, "a Kubernetes quantity such as 500m, 2 or 4Gi")]
Size = Annotated[str, _matches(_SIZE, "a volume size in Mi, Gi or Ti such as 50Gi")]
DnsLabel = Annotated[
    str, _matches(_DNS_LABEL, "a DNS label (lowercase letters, digits and '-', at most 63 characters)")
]
Registry = Annotated[
    str, _matches(_REGISTRY, "a registry host with optional port and path, such as registry.corp:5000/mirror")
]
BucketName = Annotated[
    str, _matches(_BUCKET, "an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')")
]


class ComputeResources(Model):
    cpu: Quantity = Field(description="CPU, in cores or millicores (500m).")
    memory: Quantity = Field(description="Memory, with a binary suffix (512Mi, 4Gi).")


class Resources(Model):
    """Container requests and limits. Limits are required: the policy pack rejects a pod without them."""

    requests: ComputeResources = Field(description="What the scheduler reserves for each container.")
    limits: ComputeResources = Field(description="The most each container may use.")


def resources_field(requests: tuple[str, str], limits: tuple[str, str], description: str) -> Any:
    """A `resources` field defaulting to (cpu, memory) requests and limits."""
    return Field(
        Resources(
            requests=ComputeResources(cpu=requests[0], memory=requests[1]),
            limits=ComputeResources(cpu=limits[0], memory=limits[1]),
        ),
        description=description,
    )


# --- cluster ---------------------------------------------------------------------------------


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


class AwsNetworkConfig(Model):
    mode: NetworkMode = Field(
        "new", description="new: Orbit creates the VPC from vpcCidr; existing: Orbit uses vpcId and privateSubnetIds."
    )
    vpc_cidr: Cidr | None = Field(None, description="new mode: the VPC's range, /16 to /20.")
    vpc_id: str | None = Field(None, description="existing mode: vpc-...")
    private_subnet_ids: tuple[str, ...] = Field((), description="existing mode: one private subnet per zone (NAT egress).")
    service_cidr: Cidr = Field("172.20.0.0/16", description="Kubernetes Service range (pods use VPC addresses).")

    @model_validator(mode="after")
    def _mode(self) -> AwsNetworkConfig:
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


# --- MinIO -----------------------------------------------------------------------------------


class BucketConfig(Model):
    """A bucket the provisioning Job creates (existing buckets are kept as they are)."""

    name: BucketName = Field(description="Bucket name.")
    versioning: bool = Field(False, description="Keep every version of every object (needed for point-in-time restores).")


class MinioUserConfig(Model):
    """A MinIO user whose generated secret key lands in a Kubernetes Secret."""

    name: DnsLabel = Field(description="User name (its access key); the secret key is generated.")
    access: Literal["readwrite", "readonly", "writeonly"] = Field("readwrite", description="What the user may do in its buckets.")
    buckets: tuple[BucketName, ...] = Field(min_length=1, description="Buckets the user may access (declared in `buckets`).")


MINIO_MAX_DRIVES_PER_SET = 16
MINIO_MIN_DISTRIBUTED_DRIVES = 4


def minio_erasure_set_size(servers: int, drives_per_server: int) -> int | None:
    """The erasure set size MinIO would choose, or None when the layout cannot form one.

    One server with one drive runs without erasure coding (set size 1). Otherwise the drives are
    split into equal sets of 2 to 16 drives (4 to 16 once there is more than one server, so that
    losing a server keeps write quorum); MinIO picks the largest size that divides the total.
    """
    total = servers * drives_per_server
    if total == 1:
        return 1
    smallest = 2 if servers == 1 else MINIO_MIN_DISTRIBUTED_DRIVES
    return next((s for s in range(MINIO_MAX_DRIVES_PER_SET, smallest - 1, -1) if total % s == 0), None)


class MinioConfig(Model):
    """MinIO, the S3-compatible object store (Airflow logs, Elasticsearch snapshots, platform data)."""

    enabled: bool = Field(True, description="Install MinIO.")
    servers: int = Field(4, ge=1, le=32, description="MinIO server pods (1 = standalone).")
    drives_per_server: int = Field(1, ge=1, le=16, description="Volumes per server pod.")
    volume_size: Size = Field("100Gi", description="Size of each data volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    parity: int | None = Field(
        None, ge=0, le=8, description="Erasure parity (EC:N); default: MinIO's choice for the set size."
    )
    buckets: tuple[BucketConfig, ...] = Field((), description="Buckets to create.")
    users: tuple[MinioUserConfig, ...] = Field((), description="Users to create, each limited to its buckets.")
    resources: Resources = resources_field(("500m", "1Gi"), ("2", "4Gi"), "Requests and limits of each server pod.")

    @model_validator(mode="after")
    def _erasure_layout(self) -> MinioConfig:
        set_size = minio_erasure_set_size(self.servers, self.drives_per_server)
        total = self.servers * self.drives_per_server
        if set_size is None:
            raise ValueError(
                f"servers × drivesPerServer = {self.servers} × {self.drives_per_server} = {total} drives "
                f"cannot form a MinIO erasure set: with more than one server the total must be at least "
                f"{MINIO_MIN_DISTRIBUTED_DRIVES} and divisible into equal sets of "
                f"{MINIO_MIN_DISTRIBUTED_DRIVES} to {MINIO_MAX_DRIVES_PER_SET} drives (for example 4 × 1 or 4 × 4)"
            )
        if self.parity is not None and set_size > 1 and self.parity > set_size // 2:
            raise ValueError(
                f"parity {self.parity} is more than half of the erasure set size {set_size}; "
                f"allowed: 0 to {set_size // 2}"
            )
        names = [b.name for b in self.buckets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"bucket(s) {', '.join(duplicates)} are listed more than once")
        user_names = [u.name for u in self.users]
        duplicate_users = sorted({n for n in user_names if user_names.count(n) > 1})
        if duplicate_users:
            raise ValueError(f"user(s) {', '.join(duplicate_users)} are listed more than once")
        for user in self.users:
            missing = sorted(set(user.buckets) - set(names))
            if missing:
                raise ValueError(
                    f"user {user.name!r} refers to bucket(s) {', '.join(missing)} that are not in buckets "
                    f"(declared: {', '.join(names) or 'none'})"
                )
        return self


# --- trust (custom CA) -----------------------------------------------------------------------

_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.DOTALL)
_DER_SEQUENCE = 0x30  # every X.509 certificate is one DER SEQUENCE


def _pem_certificates(value: str) -> str:
    """one or more PEM CA certificates, one after the other ('#' comment lines allowed, never a private key)"""
    text = value.strip()
    if not text:
        return ""
    if "PRIVATE KEY-----" in text:
        raise ValueError("holds a private key; give only the CA certificate(s), never a key")
    bodies = _PEM_CERTIFICATE.findall(text)
    if not bodies:
        raise ValueError(
            "is not a PEM certificate bundle: expected one or more "
            "'-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----' blocks"
        )
    stray = [line for line in _PEM_CERTIFICATE.sub("", text).splitlines() if line.strip() and not line.startswith("#")]
    if stray:
        raise ValueError(f"has text outside the certificate blocks ({stray[0][:40]!r}); only '#' comment lines may be")
    for number, body in enumerate(bodies, start=1):
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"certificate {number} of the bundle is not valid base64") from None
        if len(der) < 100 or der[0] != _DER_SEQUENCE:
            raise ValueError(f"certificate {number} of the bundle is not a DER-encoded X.509 certificate")
    return text + "\n"


PemCertificates = Annotated[str, AfterValidator(_pem_certificates)]


# --- Airflow ---------------------------------------------------------------------------------


class AirflowImageConfig(Model):
    """A custom Airflow image (DAGs baked in, extra providers such as apache-kafka)."""

    registry: Annotated[str, _matches(_REGISTRY, "a registry host such as registry.corp:5000")] = Field(
        "docker.io", description="Registry of the image (replaced by imageRegistry when that is set)."
    )
    repository: str = Field(min_length=1, description="Repository, such as corp/airflow-dags.")
    tag: str = Field(min_length=1, description="Pinned tag (latest is rejected).")

    @model_validator(mode="after")
    def _pinned(self) -> AirflowImageConfig:
        if self.tag == "latest":
            raise ValueError("tag 'latest' is not allowed: Orbit pins every image to a version")
        return self


class AirflowComponentConfig(Model):
    """Size of one Airflow component; unset fields keep the chart's production defaults."""

    replicas: int | None = Field(None, ge=1, le=20, description="Pods of this component.")
    resources: Resources | None = Field(None, description="Requests and limits of each pod.")


_GIT_SSH_URL = re.compile(r"^(ssh://[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$")
_GIT_HTTPS_URL = re.compile(r"^https://[^\s/]+/[^\s]+$")


class AirflowGitSyncConfig(Model):
    """DAGs pulled from a Git repository by a git-sync sidecar."""

    repository: str = Field(description="https://host/org/repo.git, git@host:org/repo.git or ssh://...")
    ref: str = Field("main", min_length=1, description="Branch, tag or commit to follow.")
    sub_path: str = Field("dags", description="Directory inside the repository that holds the DAGs.")
    period_seconds: int = Field(60, ge=5, le=3600, description="How often the repository is pulled.")
    auth: Literal["none", "ssh", "token"] = Field("none", description="How git-sync authenticates.")
    credentials_secret: DnsLabel | None = Field(
        None,
        description="Secret in orbit-airflow with keys ssh + known_hosts (auth ssh) or token (auth token); "
        "create it yourself, e.g. with kubectl, so the key never enters the stack file.",
    )

    @model_validator(mode="after")
    def _auth_matches_url(self) -> AirflowGitSyncConfig:
        ssh_url = bool(_GIT_SSH_URL.match(self.repository))
        https_url = bool(_GIT_HTTPS_URL.match(self.repository))
        if not (ssh_url or https_url):
            raise ValueError(
                f"repository {self.repository!r} is not a Git URL; allowed: https://host/org/repo.git, "
                "git@host:org/repo.git or ssh://git@host/org/repo.git"
            )
        if self.auth == "ssh" and not ssh_url:
            raise ValueError(f"auth is 'ssh' but repository {self.repository!r} is not an ssh URL (git@host:org/repo.git or ssh://...)")
        if self.auth in ("none", "token") and not https_url:
            raise ValueError(f"auth is {self.auth!r} but repository {self.repository!r} is not an https:// URL; use auth 'ssh'")
        if self.auth != "none" and not self.credentials_secret:
            raise ValueError(f"auth is {self.auth!r} but credentialsSecret is not set (the Secret holding the key or token)")
        if self.auth == "none" and self.credentials_secret:
            raise ValueError("credentialsSecret is set but auth is 'none'; set auth to 'ssh' or 'token'")
        return self


class AirflowDagsConfig(Model):
    source: Literal["image", "gitSync"] = Field(
        "image", description="image: DAGs baked into airflow.image; gitSync: pulled from a repository."
    )
    git_sync: AirflowGitSyncConfig | None = Field(None, description="Settings when source is gitSync.")

    @model_validator(mode="after")
    def _source_has_settings(self) -> AirflowDagsConfig:
        if self.source == "gitSync" and self.git_sync is None:
            raise ValueError("source is 'gitSync' but the gitSync section (repository, ...) is missing")
        if self.source == "image" and self.git_sync is not None:
            raise ValueError("gitSync is set but source is 'image'; set source to 'gitSync' or remove gitSync")
        return self


class AirflowStoreConfig(Model):
    """A small stateful store Airflow runs itself (in-cluster Postgres, the Valkey broker);
    unset fields keep the chart's defaults."""

    volume_size: Size | None = Field(None, description="Size of its data volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    resources: Resources | None = Field(None, description="Requests and limits of its pod.")


_PUBLIC_URL = re.compile(r"^https?://[^/\s]+$")


class AirflowConfig(Model):
    """Apache Airflow 3: api-server, scheduler, dag-processor, triggerer and workers."""

    enabled: bool = Field(True, description="Install Airflow.")
    executor: Literal["CeleryExecutor", "KubernetesExecutor"] = Field(
        "CeleryExecutor",
        description="CeleryExecutor (default: warm workers start tasks in milliseconds and the scheduler "
        "needs no Kubernetes API rights) or KubernetesExecutor (a pod per task).",
    )
    image: AirflowImageConfig | None = Field(None, description="Custom image; default: the chart's pinned apache/airflow.")
    public_url: str | None = Field(
        None,
        description="Scheme and host users reach Airflow at (no path); Airflow serves under <publicUrl>/airflow. "
        "Default: https://<kong.hostname> when the gateway has one, else http://localhost:8080 (a port-forward).",
    )
    api_server: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The api-server (UI and REST API).")
    scheduler: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The scheduler.")
    dag_processor: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The DAG processor.")
    triggerer: AirflowComponentConfig = Field(AirflowComponentConfig(), description="The triggerer (deferred tasks).")
    workers: AirflowComponentConfig = Field(AirflowComponentConfig(), description="Celery workers.")
    worker_concurrency: int | None = Field(None, ge=1, le=256, description="Task slots per Celery worker.")
    task_resources: Resources | None = Field(None, description="Requests and limits of each task pod (KubernetesExecutor).")
    dags: AirflowDagsConfig = Field(AirflowDagsConfig(), description="Where the DAGs come from.")
    logs_bucket: BucketName = Field("airflow-logs", description="MinIO bucket for remote task logs.")
    admin_email: str = Field("admin@orbit.local", pattern=r"^[^@\s]+@[^@\s]+$", description="E-mail of the generated admin user.")
    database: AirflowStoreConfig = Field(
        AirflowStoreConfig(), description="In-cluster Postgres (used when the cluster offers no managed Postgres)."
    )
    broker: AirflowStoreConfig = Field(AirflowStoreConfig(), description="Valkey broker (CeleryExecutor).")
    pgbouncer_replicas: int | None = Field(None, ge=1, le=10, description="PgBouncer pods in front of the database.")

    @model_validator(mode="after")
    def _consistent(self) -> AirflowConfig:
        if self.public_url is not None and not _PUBLIC_URL.match(self.public_url):
            raise ValueError(
                f"publicUrl {self.public_url!r} must be a scheme and host without a path, such as https://data.corp.example"
            )
        if self.executor == "KubernetesExecutor":
            celery_only = sorted(
                type(self).model_fields[name].alias or name
                for name in ("workers", "worker_concurrency", "broker")
                if name in self.model_fields_set
            )
            if celery_only:
                raise ValueError(
                    f"{', '.join(celery_only)} only apply to executor 'CeleryExecutor' but executor is 'KubernetesExecutor'; "
                    "remove them or use taskResources"
                )
        elif "task_resources" in self.model_fields_set:
            raise ValueError("taskResources only applies to executor 'KubernetesExecutor'; size Celery workers with workers")
        return self


# --- Kafka -----------------------------------------------------------------------------------

_KAFKA_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_KAFKA_CLUSTER_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_KAFKA_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,249}\*?$|^\*$")
KAFKA_CONTROLLER_COUNTS = (1, 3, 5)
KAFKA_MAX_BROKERS_PER_ZONE = 99  # node ids: broker set i uses 100*(i+1) + ordinal
KAFKA_RESERVED_USERS = ("admin", "kafka-exporter")
KAFKA_CLEANUP_POLICIES = ("delete", "compact", "compact,delete")


def _kafka_topic_name(value: str) -> str:
    if not _KAFKA_TOPIC.match(value) or value in (".", ".."):
        raise ValueError(
            f"{value!r} is not a legal Kafka topic name (1-249 characters of letters, digits, '.', '_' and '-'; "
            f"not '.' or '..')"
        )
    if value.startswith("__"):
        raise ValueError(f"{value!r} starts with '__', which Kafka reserves for internal topics")
    return value


def _kafka_pattern(value: str) -> str:
    if not _KAFKA_PATTERN.match(value):
        raise ValueError(
            f"{value!r} is not a topic or group pattern (a legal name, optionally ending in '*' for a prefix, or '*')"
        )
    return value


KafkaTopicName = Annotated[str, AfterValidator(_kafka_topic_name)]
KafkaPattern = Annotated[str, AfterValidator(_kafka_pattern)]


class KafkaTopicConfig(Model):
    """A topic the platform creates and keeps in shape (partitions only grow; configs are reapplied)."""

    name: KafkaTopicName = Field(
        description="Topic name: 1-249 letters, digits, '.', '_' and '-'; not starting with '__' (Kafka's internal topics)."
    )
    partitions: int = Field(3, ge=1, le=10000, description="Partitions; they can be added later, never removed.")
    replication_factor: int | None = Field(None, ge=1, description="Default: the cluster's default replication factor.")
    retention_ms: int | None = Field(None, ge=-1, description="retention.ms; -1 keeps data forever; default: Kafka's 7 days.")
    cleanup_policy: Literal["delete", "compact", "compact,delete"] = Field(
        "delete", description="cleanup.policy: delete old segments, compact to the latest record per key, or both."
    )


class KafkaUserConfig(Model):
    """A SCRAM-SHA-512 user; ACLs allow exactly the listed topics and consumer groups ('x*' = prefix)."""

    name: DnsLabel = Field(
        description="User name; its generated password lands in Secret kafka-user-<name> (admin and kafka-exporter are reserved)."
    )
    access: Literal["read", "write", "readwrite"] = Field(
        "readwrite",
        description="ACLs on its topics: read = Read + Describe, write = Write + Describe, readwrite = all three.",
    )
    topics: tuple[KafkaPattern, ...] = Field(
        min_length=1, description="Topics the user may access: a name, a prefix ending in '*', or '*' for every topic."
    )
    groups: tuple[KafkaPattern, ...] = Field(
        (), description="Consumer groups the user may read as (Read ACL), named like topics; empty = none."
    )


class KafkaConfig(Model):
    """Kafka in KRaft mode. Defaults are production: a dedicated quorum of 3 controllers, 3 brokers,
    replication factor 3 with min.insync.replicas 2 (both derived from brokers unless set)."""

    enabled: bool = Field(True, description="Install Kafka.")
    cluster_id: Annotated[str, _matches(_KAFKA_CLUSTER_ID, "a Kafka cluster id (22 base64url characters)")] | None = Field(
        None,
        description="Recovery only: adopt the cluster.id found in the volumes' meta.properties; default: generated once.",
    )
    combined: bool = Field(
        False, description="One process per node runs broker and controller (laptops, dev); brokers must equal controllers."
    )
    controllers: int = Field(3, description="KRaft controller quorum size: 1, 3 or 5.")
    brokers: int = Field(
        3,
        ge=1,
        le=KAFKA_MAX_BROKERS_PER_ZONE,
        description="Broker pods in total, spread evenly over the zones with rackAwareness; equal to controllers when combined.",
    )
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    broker_volume_size: Size = Field("100Gi", description="Size of each broker's log (data) volume.")
    controller_volume_size: Size = Field("10Gi", description="Size of each controller's metadata volume (unused when combined).")
    default_replication_factor: int | None = Field(None, ge=1, description="Default: min(3, brokers).")
    min_insync_replicas: int | None = Field(None, ge=1, description="Default: replication factor - 1 (at least 1).")
    default_partitions: int = Field(
        3, ge=1, le=10000, description="num.partitions: partitions of a topic created without an explicit count."
    )
    rack_awareness: bool = Field(
        True, description="One broker StatefulSet per cluster zone with broker.rack set to the zone."
    )
    topics: tuple[KafkaTopicConfig, ...] = Field((), description="Topics the provisioning Job creates and keeps in shape.")
    users: tuple[KafkaUserConfig, ...] = Field((), description="SCRAM-SHA-512 users and the topics and groups they may use.")
    broker_resources: Resources = resources_field(("1", "4Gi"), ("4", "8Gi"), "Requests and limits of each broker pod.")
    controller_resources: Resources = resources_field(
        ("250m", "1Gi"), ("1", "2Gi"), "Requests and limits of each controller pod (unused when combined)."
    )
    exporter_resources: Resources = resources_field(
        ("50m", "64Mi"), ("500m", "256Mi"), "Requests and limits of the kafka-exporter pod (Prometheus metrics)."
    )

    @property
    def replication_factor(self) -> int:
        return self.default_replication_factor or min(3, self.brokers)

    @property
    def min_isr(self) -> int:
        return self.min_insync_replicas or max(1, self.replication_factor - 1)

    @model_validator(mode="after")
    def _cluster_shape(self) -> KafkaConfig:
        if self.controllers not in KAFKA_CONTROLLER_COUNTS:
            raise ValueError(
                f"controllers is {self.controllers}; allowed: 1, 3 or 5 (an odd KRaft quorum: 3 survives one "
                f"controller down, 5 survives two)"
            )
        if self.combined and self.brokers != self.controllers:
            raise ValueError(
                f"combined mode runs every node as broker and controller, so brokers ({self.brokers}) must equal "
                f"controllers ({self.controllers})"
            )
        rf = self.replication_factor
        if rf > self.brokers:
            raise ValueError(
                f"defaultReplicationFactor {rf} is more than the {self.brokers} broker(s); allowed: 1 to {self.brokers}"
            )
        if self.min_isr > rf:
            raise ValueError(
                f"minInsyncReplicas {self.min_isr} is more than the replication factor {rf}; allowed: 1 to {rf}"
            )
        self._check_topics()
        self._check_users()
        return self

    def _check_topics(self) -> None:
        names = [t.name for t in self.topics]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"topic(s) {', '.join(duplicates)} are listed more than once")
        # Kafka refuses topics whose names differ only by '.' versus '_' (their metric names collide).
        seen: dict[str, str] = {}
        for name in names:
            other = seen.setdefault(name.replace(".", "_"), name)
            if other != name:
                raise ValueError(f"topics {other!r} and {name!r} collide: Kafka treats '.' and '_' alike in names")
        for topic in self.topics:
            rf = topic.replication_factor or self.replication_factor
            if rf > self.brokers:
                raise ValueError(
                    f"topic {topic.name!r} has replicationFactor {rf}, more than the {self.brokers} broker(s); "
                    f"allowed: 1 to {self.brokers}"
                )

    def _check_users(self) -> None:
        names = [u.name for u in self.users]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"user(s) {', '.join(duplicates)} are listed more than once")
        reserved = sorted(set(names) & set(KAFKA_RESERVED_USERS))
        if reserved:
            raise ValueError(
                f"user(s) {', '.join(reserved)} are managed by Orbit (reserved: {', '.join(KAFKA_RESERVED_USERS)}); "
                f"choose another name"
            )
# --- Prometheus ------------------------------------------------------------------------------

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_TSDB_SIZE = re.compile(r"^[1-9][0-9]*(MB|GB|TB)$")
_SMARTHOST = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

Duration = Annotated[str, _matches(_DURATION, "a Prometheus duration such as 30s, 15d or 1h30m")]
TsdbSize = Annotated[str, _matches(_TSDB_SIZE, "a Prometheus size in MB, GB or TB such as 40GB")]
EmailAddress = Annotated[str, _matches(_EMAIL, "an e-mail address")]
_BYTES = {"Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "MB": 2**20, "GB": 2**30, "TB": 2**40}


def _bytes(size: str) -> int:
    """Prometheus' MB/GB/TB are powers of 1024, like Kubernetes' Mi/Gi/Ti."""
    number, unit = re.match(r"^([0-9]+)(\D+)$", size).groups()
    return int(number) * _BYTES[unit]


class SlackReceiverConfig(Model):
    channel: str = Field(min_length=2, pattern=r"^[#@]", description="Channel (#name) or user (@name).")


class EmailReceiverConfig(Model):
    to: EmailAddress = Field(description="Recipient address.")
    from_address: EmailAddress = Field(description="Sender address.")
    smarthost: Annotated[str, _matches(_SMARTHOST, "host:port of an SMTP relay such as smtp.corp:587")] = Field(
        description="SMTP relay (STARTTLS)."
    )
    username: str = Field(min_length=1, description="SMTP user; the password is the receiver's `secret`.")


class AlertReceiverConfig(Model):
    """Where Alertmanager sends notifications. `secret` (a Pulumi secret) is the Slack webhook URL,
    the webhook URL, or the SMTP password; it lands in a Kubernetes Secret mounted as a file."""

    name: DnsLabel = Field(description="Receiver name.")
    type: Literal["slack", "webhook", "email"] = Field(description="How notifications are sent.")
    secret: SecretStr = Field(description="Slack webhook URL, webhook URL or SMTP password (`pulumi config set --secret`).")
    severities: tuple[Literal["critical", "warning"], ...] = Field(
        ("critical", "warning"), min_length=1, description="Alert severities routed to this receiver."
    )
    slack: SlackReceiverConfig | None = Field(None, description="Settings when type is slack.")
    email: EmailReceiverConfig | None = Field(None, description="Settings when type is email.")

    @model_validator(mode="after")
    def _section_matches_type(self) -> AlertReceiverConfig:
        sections = {"slack": self.slack, "email": self.email}
        if self.type in sections and sections[self.type] is None:
            raise ValueError(f"receiver {self.name!r} has type {self.type!r} but no {self.type!r} section")
        stray = sorted(n for n, v in sections.items() if v is not None and n != self.type)
        if stray:
            raise ValueError(f"receiver {self.name!r} has type {self.type!r} but section(s) {', '.join(stray)} are set; remove them")
        return self


class AlertmanagerConfig(Model):
    replicas: int = Field(3, ge=1, le=5, description="Replicas peered over port 9094 (1 disables clustering).")
    receivers: tuple[AlertReceiverConfig, ...] = Field((), description="Notification receivers; none = alerts stay in the UI.")
    resources: Resources = resources_field(("50m", "128Mi"), ("500m", "256Mi"), "Requests and limits of each Alertmanager pod.")

    @model_validator(mode="after")
    def _unique_receivers(self) -> AlertmanagerConfig:
        names = [r.name for r in self.receivers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"receiver(s) {', '.join(duplicates)} are listed more than once")
        return self


class NodeExporterConfig(Model):
    enabled: bool = Field(True, description="Run node-exporter on every node (node metrics).")
    port: int = Field(9100, ge=1024, le=65535, description="Host port (node-exporter uses the host network).")
    resources: Resources = resources_field(("50m", "64Mi"), ("250m", "128Mi"), "Requests and limits of each node-exporter pod.")


class KubeStateMetricsConfig(Model):
    enabled: bool = Field(True, description="Run kube-state-metrics (object state metrics).")
    resources: Resources = resources_field(("50m", "128Mi"), ("500m", "256Mi"), "Requests and limits of the kube-state-metrics pod.")


class PrometheusConfig(Model):
    enabled: bool = Field(True, description="Install Prometheus and Alertmanager.")
    retention_time: Duration = Field("15d", description="How long samples are kept.")
    retention_size: TsdbSize | None = Field(None, description="TSDB size cap; default: 80% of volumeSize.")
    volume_size: Size = Field("50Gi", description="Size of the TSDB volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    scrape_interval: Duration = Field("30s", description="How often every target is scraped.")
    runbook_base_url: str = Field(
        "https://github.com/orbit-platform/orbit/blob/main/docs/runbooks",
        pattern=r"^https?://\S+$",
        description="Base of the runbook_url annotation of every alert (point it at your copy of docs/runbooks).",
    )
    resources: Resources = resources_field(("500m", "2Gi"), ("2", "4Gi"), "Requests and limits of the Prometheus pod.")
    alertmanager: AlertmanagerConfig = Field(AlertmanagerConfig(), description="Alertmanager.")
    node_exporter: NodeExporterConfig = Field(NodeExporterConfig(), description="node-exporter.")
    kube_state_metrics: KubeStateMetricsConfig = Field(KubeStateMetricsConfig(), description="kube-state-metrics.")

    @model_validator(mode="after")
    def _retention_fits_the_volume(self) -> PrometheusConfig:
        if self.retention_size is not None and _bytes(self.retention_size) >= _bytes(self.volume_size):
            raise ValueError(
                f"retentionSize {self.retention_size} does not fit volumeSize {self.volume_size}; "
                f"allowed: less than the volume (leave room for the write-ahead log), for example "
                f"{_bytes(self.volume_size) * 8 // 10 // 2**30}GB"
            )
        return self

    @property
    def effective_retention_size(self) -> str:
        """The explicit cap, or 80% of the volume so that Prometheus deletes old blocks before the
        write-ahead log runs out of space."""
        return self.retention_size or f"{max(1, _bytes(self.volume_size) * 8 // 10 // 2**20)}MB"

# --- Kong ----------------------------------------------------------------------------------

KONG_AUTH_METHODS = ("basic-auth", "key-auth", "jwt")
# Routes into these upstreams expose operational data and silences; they are never anonymous.
KONG_PROTECTED_ROUTES = ("prometheus", "alertmanager")
_ROUTE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$")
Hostname = Annotated[str, _matches(_HOSTNAME, "a lowercase DNS name such as gateway.corp.example")]


def repeated(names: list[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    return sorted({n for n in names if names.count(n) > 1})


def kong_route_is_protected(name: str) -> bool:
    return any(name == p or name.startswith(f"{p}-") for p in KONG_PROTECTED_ROUTES)


class KongRouteConfig(Model):
    """Per-route overrides of what the publishing service asked for."""

    auth: Literal["basic-auth", "key-auth", "jwt", "none"] | None = Field(
        None, description="Auth plugin; none = the upstream authenticates every request itself."
    )
    rate_limit_per_minute: int | None = Field(None, ge=1, le=1_000_000, description="Requests per minute per proxy pod.")
    request_size_limit_mb: int | None = Field(None, ge=1, le=5120, description="Largest request body, in MB.")


class KongConsumerConfig(Model):
    """A gateway client; its credentials are generated once and stored in Secret kong-consumer-<name>."""

    name: DnsLabel = Field(description="Consumer name.")
    credentials: tuple[Literal["basic-auth", "key-auth", "jwt"], ...] = Field(
        KONG_AUTH_METHODS, min_length=1, description="Credential types generated for the consumer."
    )
    routes: tuple[DnsLabel, ...] = Field((), description="Routes this consumer may use; empty = every route.")


class KongServiceConfig(Model):
    type: Literal["LoadBalancer", "ClusterIP", "NodePort"] | None = Field(
        None,
        description="Proxy Service type; default: an internal LoadBalancer on clouds, ClusterIP on an existing cluster.",
    )
    public: bool = Field(False, description="Expose the LoadBalancer publicly (no internal annotations).")
    annotations: dict[str, str] = Field({}, description="Extra Service annotations (e.g. your LB's internal annotation).")
    load_balancer_source_ranges: tuple[str, ...] = Field((), description="CIDRs allowed to reach the LoadBalancer; empty = any.")


class KongTlsConfig(Model):
    existing_secret: DnsLabel | None = Field(
        None, description="Secret in orbit-gateway with tls.crt and tls.key; default: a certificate from the platform CA."
    )


class KongAutoscalingConfig(Model):
    enabled: bool = Field(True, description="Scale the proxy with a HorizontalPodAutoscaler.")
    max_replicas: int = Field(6, ge=1, le=100, description="Most proxy pods.")
    target_cpu_utilization: int = Field(70, ge=10, le=100, description="Average CPU utilisation (%) the HPA aims for.")


class KongConfig(Model):
    enabled: bool = Field(True, description="Install the Kong gateway.")
    replicas: int = Field(2, ge=1, le=100, description="Proxy pods; the HPA's minimum when autoscaling is on.")
    autoscaling: KongAutoscalingConfig = Field(KongAutoscalingConfig(), description="Proxy autoscaling.")
    hostname: Hostname | None = Field(None, description="External DNS name of the gateway (certificate, URLs).")
    service: KongServiceConfig = Field(KongServiceConfig(), description="The proxy Service.")
    tls: KongTlsConfig = Field(KongTlsConfig(), description="The proxy's TLS certificate.")
    routes: dict[str, KongRouteConfig] = Field({}, description="Overrides per route name.")
    consumers: tuple[KongConsumerConfig, ...] = Field(
        (KongConsumerConfig(name="platform-admin"),), description="Gateway clients and their generated credentials."
    )
    rate_limit_per_minute: int = Field(1200, ge=1, le=1_000_000, description="Per proxy pod (policy local).")
    request_size_limit_mb: int = Field(32, ge=1, le=5120, description="Largest request body, in MB.")
    resources: Resources = resources_field(("250m", "512Mi"), ("2", "1Gi"), "Requests and limits of each proxy pod.")

    @model_validator(mode="after")
    def _kong_rules(self) -> KongConfig:
        for name, route in self.routes.items():
            if not _ROUTE_NAME.match(name):
                raise ValueError(f"routes key {name!r} is not a route name (a DNS label)")
            if route.auth == "none" and kong_route_is_protected(name):
                raise ValueError(
                    f"routes.{name}.auth is 'none', but the {name} route is never unauthenticated; "
                    f"allowed: {', '.join(KONG_AUTH_METHODS)}"
                )
        duplicates = repeated([c.name for c in self.consumers])
        if duplicates:
            raise ValueError(f"consumer(s) {', '.join(duplicates)} are listed more than once")
        for consumer in self.consumers:
            if len(set(consumer.credentials)) != len(consumer.credentials):
                raise ValueError(f"consumer {consumer.name!r} lists a credential type more than once")
        if self.autoscaling.enabled and self.autoscaling.max_replicas < self.replicas:
            raise ValueError(
                f"autoscaling.maxReplicas {self.autoscaling.max_replicas} is below replicas {self.replicas}; "
                "allowed: at least replicas"
            )
        if self.service.public and self.service.type not in (None, "LoadBalancer"):
            raise ValueError(f"service.public is true but service.type is {self.service.type!r}; allowed: LoadBalancer")
        return self


# --- ELK -------------------------------------------------------------------------------------

_HEAP = re.compile(r"^[1-9][0-9]*[mg]$")
Heap = Annotated[str, _matches(_HEAP, "a JVM heap size such as 512m or 2g")]
_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def memory_bytes(quantity: str) -> float:
    """Bytes in a memory quantity (units as Kubernetes accepts them; `m` is not used for memory)."""
    number, unit = re.match(r"^([0-9.]+)([A-Za-z]*)$", quantity).groups()
    return float(number) * _MEMORY_UNITS.get(unit, 1)


def heap_bytes(heap: str) -> int:
    return int(heap[:-1]) * (2**20 if heap.endswith("m") else 2**30)


class ElasticsearchNodesConfig(Model):
    """One group of Elasticsearch nodes with the same roles (one StatefulSet per zone or one in all)."""

    replicas: int = Field(ge=0, le=50, description="Nodes in this group, spread evenly over the zones with zoneAwareness.")
    volume_size: Size = Field("50Gi", description="Size of each node's data volume.")
    heap: Heap = Field("2g", description="JVM heap (-Xms/-Xmx); at most half the memory limit.")
    resources: Resources = resources_field(
        ("1", "4Gi"), ("2", "4Gi"), "Requests and limits of each node; the memory limit must be at least twice the heap."
    )

    @model_validator(mode="after")
    def _heap_fits(self) -> ElasticsearchNodesConfig:
        limit = memory_bytes(self.resources.limits.memory)
        if heap_bytes(self.heap) * 2 > limit:
            raise ValueError(
                f"heap {self.heap} is more than half of the memory limit {self.resources.limits.memory}; "
                f"Elasticsearch needs the other half for the file system cache and off-heap memory"
            )
        return self


class ElasticsearchConfig(Model):
    masters: ElasticsearchNodesConfig = Field(
        ElasticsearchNodesConfig(
            replicas=3,
            volume_size="10Gi",
            heap="1g",
            resources=Resources(requests=ComputeResources(cpu="500m", memory="2Gi"), limits=ComputeResources(cpu="1", memory="2Gi")),
        ),
        description="Master-eligible nodes: 1, 3, 5 or 7 (an odd voting quorum); with data.replicas 0 they hold the data too.",
    )
    data: ElasticsearchNodesConfig = Field(
        ElasticsearchNodesConfig(replicas=3, volume_size="200Gi"),
        description="Data and ingest nodes; 0 = the masters hold the data too (only with masters.replicas 1, a single node).",
    )
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    bootstrap: bool = Field(
        True,
        description="Set cluster.initial_master_nodes: true for the first `pulumi up` of a new cluster, "
        "then false for good (docs/operations/elk.md).",
    )
    zone_awareness: bool = Field(
        True, description="One StatefulSet per zone and shard allocation awareness when the cluster reports zones."
    )
    sysctl_init_container: bool = Field(
        False,
        description="Opt-in: a privileged init container raises vm.max_map_count so that mmap can be used; "
        "it makes the logging namespace privileged. Default: node.store.allow_mmap false.",
    )

    @model_validator(mode="after")
    def _quorum(self) -> ElasticsearchConfig:
        if self.masters.replicas not in (1, 3, 5, 7):
            raise ValueError(
                f"masters.replicas is {self.masters.replicas}; master-eligible nodes must be 1, 3, 5 or 7 "
                f"(an odd number keeps a voting quorum)"
            )
        if self.masters.replicas > 1 and self.data.replicas == 0:
            raise ValueError(
                f"masters.replicas is {self.masters.replicas} but data.replicas is 0; dedicated masters need data "
                f"nodes (use masters.replicas 1 with data.replicas 0 for a single combined node)"
            )
        return self


class KibanaConfig(Model):
    replicas: int = Field(2, ge=1, le=10, description="Kibana pods.")
    resources: Resources = resources_field(("250m", "1Gi"), ("1", "2Gi"), "Requests and limits of each Kibana pod.")


class LogstashConfig(Model):
    replicas: int = Field(2, ge=1, le=20, description="Logstash pods, each with its own persistent queue volume.")
    heap: Heap = Field("1g", description="JVM heap (-Xms/-Xmx); must be less than the memory limit.")
    queue_volume_size: Size = Field("20Gi", description="Retained volume holding the persistent queue.")
    queue_max_size: Annotated[str, _matches(re.compile(r"^[1-9][0-9]*(mb|gb)$"), "a size such as 1024mb or 8gb")] = Field(
        "8gb", description="queue.max_bytes; must fit in queueVolumeSize."
    )
    resources: Resources = resources_field(("500m", "2Gi"), ("2", "2Gi"), "Requests and limits of each Logstash pod.")

    @model_validator(mode="after")
    def _fits(self) -> LogstashConfig:
        queue = int(self.queue_max_size[:-2]) * (2**20 if self.queue_max_size.endswith("mb") else 2**30)
        if queue >= memory_bytes(self.queue_volume_size):
            raise ValueError(
                f"queueMaxSize {self.queue_max_size} does not fit in queueVolumeSize {self.queue_volume_size}"
            )
        if heap_bytes(self.heap) >= memory_bytes(self.resources.limits.memory):
            raise ValueError(f"heap {self.heap} does not fit in the memory limit {self.resources.limits.memory}")
        return self


class LogShipperConfig(Model):
    target: Literal["logstash", "elasticsearch"] = Field(
        "logstash", description="Where Fluent Bit sends: Logstash's pipeline (default) or Elasticsearch directly."
    )
    resources: Resources = resources_field(
        ("100m", "128Mi"), ("500m", "512Mi"), "Requests and limits of each Fluent Bit pod (one per node)."
    )


class ElkSnapshotsConfig(Model):
    """Nightly snapshots of every index to a MinIO bucket (the platform creates bucket and user)."""

    enabled: bool = Field(False, description="Take the nightly snapshots; needs minio.enabled.")
    bucket: BucketName = Field(
        "elasticsearch-snapshots", description="MinIO bucket the snapshots go to; Orbit creates it and its user."
    )
    schedule: Annotated[
        str, _matches(re.compile(r"^\S+( \S+){5,6}$"), "an Elasticsearch cron expression such as '0 30 1 * * ?'")
    ] = Field("0 30 1 * * ?", description="When the snapshot lifecycle policy runs (Elasticsearch cron, UTC).")
    retention_days: int = Field(30, ge=1, le=3650, description="Snapshots older than this are deleted (at least 5 kept).")


class ElkConfig(Model):
    enabled: bool = Field(True, description="Install Elasticsearch, Kibana, Logstash and the Fluent Bit log shipper.")
    log_retention_days: int = Field(14, ge=1, le=3650, description="Days the ILM policy keeps log indices.")
    elasticsearch: ElasticsearchConfig = Field(ElasticsearchConfig(), description="The Elasticsearch cluster.")
    kibana: KibanaConfig = Field(KibanaConfig(), description="Kibana, the UI for searching logs.")
    logstash: LogstashConfig = Field(
        LogstashConfig(), description="Logstash, which buffers the shipper's logs and writes them to Elasticsearch."
    )
    shipper: LogShipperConfig = Field(
        LogShipperConfig(), description="Fluent Bit, the DaemonSet that collects every node's container logs."
    )
    snapshots: ElkSnapshotsConfig = Field(ElkSnapshotsConfig(), description="Nightly snapshots of every index to MinIO.")


# --- the whole stack -------------------------------------------------------------------------


class StackConfig(Model):
    """Every `orbit:` key of a stack file."""

    environment: DnsLabel = Field(description="Environment name (local, dev, prod, ...); labels every object.")
    image_registry: Registry | Literal[""] = Field(
        "", description="Private mirror every image is pulled from; empty = the upstream registries."
    )
    trusted_ca_bundle: PemCertificates = Field(
        "",
        description=(
            "PEM CA certificate(s) that every component making outbound TLS calls trusts, together with "
            "Orbit's own CA (a TLS-inspecting proxy's CA, a private registry's or object store's CA). "
            "Empty = the images' own trust stores."
        ),
    )
    cluster: ClusterConfig = Field(description="The Kubernetes cluster to create or adopt.")
    minio: MinioConfig = Field(MinioConfig(servers=1), description="The MinIO object store.")
    airflow: AirflowConfig = Field(AirflowConfig(), description="Apache Airflow.")
    prometheus: PrometheusConfig = Field(PrometheusConfig(), description="Prometheus, Alertmanager and the metrics exporters.")
    kong: KongConfig = Field(KongConfig(), description="The Kong gateway in front of every UI and API.")
    kafka: KafkaConfig = Field(KafkaConfig(), description="The Kafka cluster (KRaft).")
    elk: ElkConfig = Field(ElkConfig(), description="Elasticsearch, Kibana, Logstash and the log shipper.")

    @model_validator(mode="after")
    def _kong_service_fits_cluster(self) -> StackConfig:
        # Orbit knows each cloud's internal-LB annotations, but not what an existing cluster's
        # load balancer (MetalLB, kube-vip, ...) needs: a LoadBalancer there is public unless told.
        service = self.kong.service
        if (self.kong.enabled and self.cluster.provider == "existing" and service.type == "LoadBalancer"
                and not service.public and not service.annotations):
            raise ValueError(
                "kong.service.type is 'LoadBalancer' on an existing cluster, where Orbit cannot make it internal; "
                "set kong.service.annotations to your load balancer's internal annotations, or "
                "kong.service.public: true to accept a public one, or use type ClusterIP or NodePort"
            )
        return self

    @model_validator(mode="after")
    def _elk_snapshots_need_minio(self) -> StackConfig:
        if self.elk.enabled and self.elk.snapshots.enabled and not self.minio.enabled:
            raise ValueError("elk.snapshots.enabled is true but minio.enabled is false; snapshots are stored in MinIO")
        return self


# --- reading ---------------------------------------------------------------------------------


def _decode(value: Any) -> Any:
    # Pulumi hands structured config to the program as JSON text and scalars as plain strings.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _shown_input(got: Any) -> str:
    # Long values (certificate bundles) are cut short; anything holding a key is never echoed.
    if isinstance(got, dict):
        return ""
    text = repr(got)
    if "PRIVATE KEY" in text:
        return " (value not shown: it holds a private key)"
    return f" (got {text if len(text) <= 100 else text[:97] + '...'})"


def _format_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ":".join([PROJECT, ".".join(str(part) for part in item["loc"])]) if item["loc"] else PROJECT
        message = item["msg"].removeprefix("Value error, ")
        shown = _shown_input(item.get("input"))
        lines.append(f"  - {key}: {message}{shown}")
    return "\n".join(lines)


def parse_stack_config(raw: dict[str, Any], source: str = "stack config") -> StackConfig:
    """Validate the `orbit:` keys of a stack (keys without the namespace) into a StackConfig."""
    try:
        return StackConfig.model_validate({key: _decode(value) for key, value in raw.items()})
    except ValidationError as error:
        raise ConfigError(f"{source} is invalid:\n{_format_errors(error)}") from None


def read_project_config() -> dict[str, Any]:
    """Every `orbit:` key Pulumi passed to this program, namespace stripped."""
    from pulumi.runtime import config as runtime_config

    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{PROJECT}:"
    return {
        key.removeprefix(prefix): runtime_config.get_config(key)
        for key in sorted(keys)
        if key.startswith(prefix)
    }


def load_stack_config() -> StackConfig:
    """Read and validate the current stack's configuration (the program's single entry point)."""
    import pulumi

    return parse_stack_config(read_project_config(), source=f"stacks/Pulumi.{pulumi.get_stack()}.yaml")


__all__ = [
    "AirflowConfig",
    "AirflowDagsConfig",
    "AirflowGitSyncConfig",
    "AwsClusterConfig",
    "AzureClusterConfig",
    "BucketConfig",
    "ClusterConfig",
    "ComputeResources",
    "ConfigError",
    "ElasticsearchConfig",
    "ElasticsearchNodesConfig",
    "ElkConfig",
    "ElkSnapshotsConfig",
    "ExistingClusterConfig",
    "GcpClusterConfig",
    "KUBERNETES_VERSIONS",
    "KafkaConfig",
    "KafkaTopicConfig",
    "KafkaUserConfig",
    "KibanaConfig",
    "LogShipperConfig",
    "LogstashConfig",
    "KongConfig",
    "KongConsumerConfig",
    "KongRouteConfig",
    "NodePoolConfig",
    "PostgresConfig",
    "MinioConfig",
    "MinioUserConfig",
    "PrometheusConfig",
    "Resources",
    "SecretStr",
    "StackConfig",
    "load_stack_config",
    "minio_erasure_set_size",
    "parse_stack_config",
]
