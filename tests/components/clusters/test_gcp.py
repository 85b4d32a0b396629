"""The GKE cluster under mocks (stacks/Pulumi.gcp-prod.yaml and a variant in the customer's own VPC)."""

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

STACK = "gcp-prod"
OWN = {
    "mode": "existing",
    "networkId": "projects/acme-net/global/networks/corp",
    "subnetworkId": "projects/acme-net/regions/europe-west4/subnetworks/orbit",
    "podsRangeName": "orbit-pods",
    "servicesRangeName": "orbit-services",
}


@pytest.fixture(scope="module")
def plan(stack_plans):
    return stack_plans[STACK]


def gke(plan):
    return plan.named("cluster-gke", "gcp:container/cluster:Cluster").inputs


def test_private_cluster_with_dataplane_v2_and_release_channel(plan):
    cluster = gke(plan)
    assert cluster["privateClusterConfig"]["enablePrivateNodes"] is True
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"] == []
    assert cluster["datapathProvider"] == "ADVANCED_DATAPATH"
    assert cluster["releaseChannel"] == {"channel": "REGULAR"}
    assert cluster["location"] == "europe-west4" and len(cluster["nodeLocations"]) == 3
    assert "APISERVER" in cluster["loggingConfig"]["enableComponents"]
    assert cluster["masterAuth"]["clientCertificateConfig"]["issueClientCertificate"] is False


def test_secrets_encrypted_with_the_created_key_and_key_is_protected(plan):
    key = protected(plan, "gcp:kms/cryptoKey:CryptoKey")[0]
    protected(plan, "gcp:kms/keyRing:KeyRing")
    assert key.inputs["rotationPeriod"] == "7776000s"
    encryption = gke(plan)["databaseEncryption"]
    assert encryption["state"] == "ENCRYPTED"
    assert encryption["keyName"].endswith("/keyRings/orbit-prod/cryptoKeys/orbit-prod-data")
    members = {m.inputs["member"] for m in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert any("container-engine-robot" in m for m in members) and any("compute-system" in m for m in members)


def test_workload_identity_and_oidc_issuer(plan):
    assert gke(plan)["workloadIdentityConfig"] == {"workloadPool": "acme-orbit-prod.svc.id.goog"}


def test_node_pools_are_hardened_autoscaled_and_auto_repaired(plan):
    pools = {p.inputs["name"]: p.inputs for p in plan.of_type("gcp:container/nodePool:NodePool")}
    assert sorted(pools) == ["system", "workload"]
    assert pools["workload"]["autoscaling"]["totalMinNodeCount"] == 3
    assert pools["workload"]["autoscaling"]["totalMaxNodeCount"] == 12
    for pool in pools.values():
        node = pool["nodeConfig"]
        assert pool["management"] == {"autoRepair": True, "autoUpgrade": True}
        assert node["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
        assert node["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
        assert node["bootDiskKmsKey"].endswith("cryptoKeys/orbit-prod-data")
        assert node["serviceAccount"].startswith("orbit-prod-nodes@")
        assert len(pool["nodeLocations"]) == 3
    assert not plan.of_type("gcp:serviceaccount/key:Key")


def test_cloud_sql_is_private_encrypted_backed_up_and_protected(plan):
    sql = protected(plan, "gcp:sql/databaseInstance:DatabaseInstance")[0].inputs
    assert sql["deletionProtection"] is True and sql["settings"]["deletionProtectionEnabled"] is True
    assert sql["settings"]["ipConfiguration"]["ipv4Enabled"] is False
    assert sql["settings"]["ipConfiguration"]["privateNetwork"] == "projects/acme-orbit-prod/global/networks/orbit-prod"
    assert sql["settings"]["backupConfiguration"]["enabled"] is True
    assert sql["settings"]["availabilityType"] == "REGIONAL"
    assert sql["encryptionKeyName"] == gke(plan)["databaseEncryption"]["keyName"]
    assert plan.named("cluster-postgres-admin", "gcp:sql/user:User").masked_inputs["password"] == "[secret]"


def test_new_network_has_nat_and_private_service_access(plan):
    subnet = plan.named("cluster-nodes", "gcp:compute/subnetwork:Subnetwork").inputs
    assert subnet["privateIpGoogleAccess"] is True
    assert {r["rangeName"] for r in subnet["secondaryIpRanges"]} == {"pods", "services"}
    assert plan.of_type("gcp:compute/routerNat:RouterNat")
    assert plan.of_type("gcp:servicenetworking/connection:Connection")


def test_storage_class_uses_pd_csi_with_cmek(plan):
    sc = storage_class(plan, "orbit-pd-balanced")
    assert sc["provisioner"] == "pd.csi.storage.gke.io"
    assert sc["parameters"]["disk-encryption-kms-key"].endswith("cryptoKeys/orbit-prod-data")


def test_provider_uses_gke_gcloud_auth_plugin(plan):
    assert exec_user(plan)["command"] == "gke-gcloud-auth-plugin"


def test_labels_on_everything_labelled(plan):
    assert assert_tagged(plan, "gcp:", key="labels") + assert_tagged(plan, "gcp:", key="resourceLabels") >= 2
    assert gke(plan)["resourceLabels"]["environment"] == "prod"
    assert plan.named("cluster-postgres", "gcp:sql/databaseInstance:DatabaseInstance").inputs["settings"]["userLabels"]["stack"] == STACK


def test_customers_own_vpc_is_used_and_no_network_is_created(tmp_path):
    own = stack_with_network(STACK, OWN, tmp_path, endpoint={"allowedCidrs": ["10.100.0.0/16"]})
    for kind in ("compute/network:Network", "compute/subnetwork:Subnetwork", "compute/routerNat:RouterNat",
                 "servicenetworking/connection:Connection"):
        assert not own.of_type(f"gcp:{kind}"), kind
    cluster = own.named("cluster-gke").inputs
    assert cluster["network"] == OWN["networkId"] and cluster["subnetwork"] == OWN["subnetworkId"]
    assert cluster["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "orbit-pods", "servicesSecondaryRangeName": "orbit-services"}
    sql = own.named("cluster-postgres", "gcp:sql/databaseInstance:DatabaseInstance").inputs
    assert sql["settings"]["ipConfiguration"]["privateNetwork"] == OWN["networkId"]
    # With a private endpoint the allow-list becomes the master authorized networks (the VPN range).
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert [b["cidrBlock"] for b in cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["10.100.0.0/16"]


def test_load_balancers_are_internal(plan):
    annotations = load_balancer_annotations(plan)
    for key, value in {"networking.gke.io/load-balancer-type": "Internal"}.items():
        assert annotations.get(key) == value, key
