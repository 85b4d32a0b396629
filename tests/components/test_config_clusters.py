"""Cloud cluster config (orbit:cluster.aws / gcp / azure): every bad input fails with a message that
names the key, the bad value and what is allowed."""

from __future__ import annotations

import copy

import pytest

from components.config import KUBERNETES_VERSIONS, ConfigError, parse_stack_config
from tests.dotted import DELETE, set_path

POOLS = {
    "system": {"instanceType": "m6i.large", "minSize": 3, "desiredSize": 3, "maxSize": 6},
    "workload": {"instanceType": "m6i.2xlarge", "minSize": 3, "desiredSize": 6, "maxSize": 12},
}
CLUSTERS = {
    "aws": {
        "region": "eu-central-1",
        "zones": ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
        "network": {"mode": "new", "vpcCidr": "10.40.0.0/16", "serviceCidr": "172.20.0.0/16"},
        "nodePools": POOLS,
        "postgres": {"instanceType": "db.r6g.large"},
    },
    "gcp": {
        "project": "acme-orbit-prod",
        "region": "europe-west4",
        "zones": ["europe-west4-a", "europe-west4-b", "europe-west4-c"],
        "network": {"mode": "new", "nodeCidr": "10.50.0.0/20", "podsCidr": "10.52.0.0/14", "servicesCidr": "10.56.0.0/20"},
        "nodePools": {
            "system": {**POOLS["system"], "instanceType": "n2-standard-2"},
            "workload": {**POOLS["workload"], "instanceType": "n2-standard-8"},
        },
        "postgres": {"instanceType": "db-custom-2-7680"},
    },
    "azure": {
        "region": "westeurope",
        "zones": ["1", "2", "3"],
        "network": {"mode": "new", "vnetCidr": "10.60.0.0/16", "nodeSubnetCidr": "10.60.0.0/20", "postgresSubnetCidr": "10.60.16.0/24"},
        "nodePools": {
            "system": {**POOLS["system"], "instanceType": "Standard_D4ds_v5"},
            "workload": {**POOLS["workload"], "instanceType": "Standard_D8ds_v5"},
        },
        "postgres": {"instanceType": "Standard_D2ds_v5", "storageGb": 128},
    },
}
SUBNET = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/corp/subnets/{}"


def stack(cloud: str, changes: dict | None = None) -> dict:
    """A valid stack on `cloud` with dotted-path `changes` applied to its cluster section."""
    section = copy.deepcopy(CLUSTERS[cloud])
    for path, value in (changes or {}).items():
        set_path(section, path, value)
    return {"environment": "prod", "cluster": {"provider": cloud, cloud: section}}

BAD = [
    # (cloud, changes, fragments expected in the message)
    ("aws", {"region": "Frankfurt"}, ["orbit:cluster.aws", "region 'Frankfurt'", "eu-central-1"]),
    ("aws", {"zones": ["eu-central-1a", "eu-central-1b"]}, ["zones must list 3 distinct zones"]),
    ("aws", {"zones": ["eu-central-1a", "eu-central-1b", "us-east-1c"]}, ["zone(s) us-east-1c are not zones of region eu-central-1"]),
    ("gcp", {"zones": ["europe-west4-a", "europe-west4-a", "europe-west4-b"]}, ["3 distinct zones"]),
    ("azure", {"zones": ["1", "2", "4"]}, ["zone(s) 4", "1, 2, 3"]),
    ("aws", {"kubernetesVersion": "1.29"}, ["orbit:cluster.aws.kubernetesVersion", "'1.29' is not supported", "1.31"]),
    ("aws", {"kubernetesVersion": "1.38"}, ["'1.38' is not supported", "1.37"]),
    ("gcp", {"kubernetesVersion": 1.33}, ["kubernetesVersion", "quote the Kubernetes version"]),
    ("aws", {"network.vpcCidr": "10.40.0.0/33"}, ["orbit:cluster.aws.network.vpcCidr", "not a CIDR block"]),
    ("aws", {"network.vpcCidr": "10.40.0.1/16"}, ["'10.40.0.1/16' is not a CIDR block", "host bits"]),
    ("aws", {"network.vpcCidr": "10.0.0.0/8"}, ["vpcCidr 10.0.0.0/8 must be between /16 and /20"]),
    ("aws", {"network.serviceCidr": "10.40.128.0/20"}, ["CIDR blocks overlap", "vpcCidr (10.40.0.0/16) and serviceCidr (10.40.128.0/20)"]),
    ("aws", {"network.flowLogsRetentionDays": 45}, ["flowLogsRetentionDays 45 is not a CloudWatch Logs retention", "allowed: 1, 3, 5"]),
    ("gcp", {"network.podsCidr": "10.50.0.0/16"}, ["CIDR blocks overlap", "nodeCidr (10.50.0.0/20) and podsCidr (10.50.0.0/16)"]),
    ("gcp", {"network.servicesCidr": "10.53.0.0/20"}, ["podsCidr (10.52.0.0/14) and servicesCidr (10.53.0.0/20)"]),
    ("gcp", {"network.masterCidr": "172.16.0.0/24"}, ["masterCidr 172.16.0.0/24 must be a /28"]),
    ("azure", {"network.serviceCidr": "10.60.0.0/16", "network.dnsServiceIp": "10.60.0.10"}, ["vnetCidr (10.60.0.0/16) and serviceCidr (10.60.0.0/16)"]),
    ("azure", {"network.dnsServiceIp": "10.1.0.10"}, ["dnsServiceIp 10.1.0.10 is not inside serviceCidr 10.0.0.0/16"]),
    ("azure", {"network.nodeSubnetCidr": "10.61.0.0/20"}, ["nodeSubnetCidr 10.61.0.0/20 is not inside vnetCidr 10.60.0.0/16"]),
    ("aws", {"nodePools.workload.desiredSize": 20}, ["orbit:cluster.aws.nodePools.workload", "minSize <= desiredSize <= maxSize", "3 <= 20 <= 12"]),
    ("gcp", {"nodePools.system.minSize": 4, "nodePools.system.desiredSize": 3}, ["4 <= 3 <= 6"]),
    ("azure", {"nodePools.system.minSize": 0, "nodePools.system.desiredSize": 0}, ["system.minSize is 0", "at least 1 node"]),
    ("aws", {"nodePools.workload.maxSize": 0}, ["nodePools.workload.maxSize", "greater than or equal to 1"]),
    ("aws", {"nodePools.workload.instanceType": "Standard_D4s_v5"}, ["nodePools.workload.instanceType 'Standard_D4s_v5'", "m6i.xlarge"]),
    ("gcp", {"postgres.instanceType": "db.r6g.large"}, ["postgres.instanceType 'db.r6g.large'", "db-custom-2-7680"]),
    ("azure", {"postgres.storageGb": 100}, ["postgres.storageGb 100", "32, 64, 128"]),
    ("aws", {"postgres.version": "12"}, ["orbit:cluster.aws.postgres.version", "'15', '16' or '17'"]),
    ("aws", {"postgres.backupRetentionDays": 0}, ["postgres.backupRetentionDays", "greater than or equal to 1"]),
    ("aws", {"endpoint": {"public": True}}, ["public is true but allowedCidrs is empty", "explicit"]),
    ("gcp", {"endpoint": {"public": True, "allowedCidrs": ["0.0.0.0/0"]}}, ["allowedCidrs contains 0.0.0.0/0", "whole internet"]),
    ("azure", {"endpoint": {"allowedCidrs": ["203.0.113.0/24"]}}, ["allowedCidrs is set but public is false"]),
    ("aws", {"network": {"mode": "existing"}}, ["mode is 'existing' but privateSubnetIds, vpcId is missing"]),
    ("aws", {"network": {"mode": "existing", "vpcId": "vpc-0a1b2c3d4e5f60718", "privateSubnetIds": ["subnet-0a1b2c3d4e5f60718"]}},
     ["privateSubnetIds must list 3 distinct subnets"]),
    ("aws", {"network": {"mode": "existing", "vpcId": "my-vpc", "privateSubnetIds": ["subnet-0a1b2c3d"] * 3}}, ["vpcId 'my-vpc' is not a VPC ID"]),
    ("aws", {"network.vpcId": "vpc-0a1b2c3d4e5f60718"}, ["vpcId is set but mode is 'new'", "mode: existing"]),
    ("aws", {"network.vpcCidr": DELETE}, ["mode is 'new' but vpcCidr is missing"]),
    ("gcp", {"network": {"mode": "existing", "networkId": "projects/acme-net/global/networks/corp"}},
     ["mode is 'existing' but podsRangeName, servicesRangeName, subnetworkId is missing"]),
    ("gcp", {"network": {"mode": "existing", "networkId": "corp", "subnetworkId": "projects/acme-net/regions/europe-west4/subnetworks/gke",
                         "podsRangeName": "pods", "servicesRangeName": "svc"}}, ["networkId 'corp' is not a network ID"]),
    ("azure", {"network": {"mode": "existing", "nodeSubnetId": SUBNET.format("aks"), "postgresSubnetId": "subnet-1",
                           "postgresDnsZoneId": "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/net/providers/Microsoft.Network/privateDnsZones/x.postgres.database.azure.com"}},
     ["postgresSubnetId 'subnet-1' is not a subnet resource ID"]),
    ("azure", {"network.outboundType": "userDefinedRouting"}, ["userDefinedRouting needs mode: existing"]),
    ("aws", {"kmsKeyArn": "alias/orbit"}, ["kmsKeyArn 'alias/orbit' is not a KMS key ARN"]),
    ("gcp", {"kmsKeyName": "projects/p/locations/us-east1/keyRings/r/cryptoKeys/k"}, ["kmsKeyName must be in the cluster's region europe-west4"]),
    ("gcp", {"project": "Acme Prod"}, ["orbit:cluster.gcp.project", "'Acme Prod'"]),
    ("azure", {"keyVaultKeyId": "https://orbitkv.vault.azure.net/keys/orbit/" + "a" * 32}, ["keyVaultKeyId and keyVaultId go together"]),
    ("azure", {"adminGroupObjectIds": ["platform-admins"]}, ["'platform-admins' is not an Entra ID object ID"]),
    ("aws", {"nodePool": {}}, ["unknown key(s) nodePool", "nodePools"]),
]


@pytest.mark.parametrize(("cloud", "changes", "fragments"), BAD, ids=[f"{b[0]}:{','.join(b[1])}"[:70] for b in BAD])
def test_bad_cluster_config_is_rejected_with_a_clear_message(cloud, changes, fragments):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(stack(cloud, changes), source="stacks/Pulumi.test.yaml")
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_there_are_at_least_fifteen_bad_cluster_cases():
    assert len(BAD) >= 15


@pytest.mark.parametrize("cloud", sorted(CLUSTERS))
def test_valid_cloud_config_is_typed(cloud):
    config = parse_stack_config(stack(cloud)).cluster
    section = getattr(config, cloud)
    assert section.kubernetes_version in KUBERNETES_VERSIONS
    assert section.endpoint.public is False
    assert section.network.mode == "new"
    assert section.node_pools.workload.max_size == 12


@pytest.mark.parametrize(
    ("cloud", "network"),
    [
        ("aws", {"mode": "existing", "vpcId": "vpc-0a1b2c3d4e5f60718",
                 "privateSubnetIds": ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712", "subnet-0a1b2c3d4e5f60713"]}),
        ("gcp", {"mode": "existing", "networkId": "projects/acme-net/global/networks/corp",
                 "subnetworkId": "projects/acme-net/regions/europe-west4/subnetworks/gke", "podsRangeName": "pods", "servicesRangeName": "svc"}),
        ("azure", {"mode": "existing", "nodeSubnetId": SUBNET.format("aks"), "postgresSubnetId": SUBNET.format("postgres"),
                   "postgresDnsZoneId": "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/net/providers/Microsoft.Network/privateDnsZones/orbit.private.postgres.database.azure.com"}),
    ],
)
def test_existing_network_mode_is_accepted_with_ids(cloud, network):
    config = getattr(parse_stack_config(stack(cloud, {"network": network})).cluster, cloud)
    assert config.network.mode == "existing"


@pytest.mark.parametrize("cloud", sorted(CLUSTERS))
def test_only_the_chosen_providers_section_is_allowed(cloud):
    raw = stack(cloud)
    other = next(c for c in CLUSTERS if c != cloud)
    raw["cluster"][other] = copy.deepcopy(CLUSTERS[other])
    message = str(pytest.raises(ConfigError, parse_stack_config, raw).value)
    assert f"provider is '{cloud}' but section(s) {other} are set" in message
    raw = {"environment": "prod", "cluster": {"provider": cloud}}
    assert f"the '{cloud}' section is missing" in str(pytest.raises(ConfigError, parse_stack_config, raw).value)


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_private_endpoint_may_admit_extra_networks_on_eks_and_gke(cloud):
    config = getattr(parse_stack_config(stack(cloud, {"endpoint": {"allowedCidrs": ["10.100.0.0/16"]}})).cluster, cloud)
    assert config.endpoint.public is False and config.endpoint.allowed_cidrs == ("10.100.0.0/16",)


def test_public_endpoint_with_an_allow_list_is_accepted():
    config = parse_stack_config(stack("aws", {"endpoint": {"public": True, "allowedCidrs": ["203.0.113.0/24"]}})).cluster.aws
    assert config.endpoint.allowed_cidrs == ("203.0.113.0/24",)
