"""The EKS cluster under mocks (stacks/Pulumi.aws-prod.yaml and a variant in the customer's own VPC)."""

from __future__ import annotations

import json

import pytest

from tests.components.clusters.helpers import (
    assert_tagged,
    exec_user,
    load_balancer_annotations,
    protected,
    stack_with_network,
    storage_class,
)

STACK = "aws-prod"
OWN_SUBNETS = ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712", "subnet-0a1b2c3d4e5f60713"]


@pytest.fixture(scope="module")
def plan(stack_plans):
    return stack_plans[STACK]


def test_endpoint_is_private_with_audit_logs_and_customer_key_secrets(plan):
    eks = plan.named("cluster-eks", "aws:eks/cluster:Cluster").inputs
    assert eks["vpcConfig"]["endpointPrivateAccess"] is True
    assert eks["vpcConfig"]["endpointPublicAccess"] is False
    assert "audit" in eks["enabledClusterLogTypes"]
    assert eks["encryptionConfig"]["resources"] == ["secrets"]
    key_arn = eks["encryptionConfig"]["provider"]["keyArn"]
    # The key created here (not an AWS-managed one): the same ARN encrypts volumes.
    assert "cluster-kms" in [r.name for r in plan.of_type("aws:kms/key:Key")]
    assert key_arn.startswith("arn:aws:kms:eu-central-1:") and key_arn == plan.named("orbit-gp3").inputs["parameters"]["kmsKeyId"]
    assert eks["version"] == "1.33"
    assert eks["accessConfig"]["authenticationMode"] == "API"


def test_key_and_database_are_protected(plan):
    key = protected(plan, "aws:kms/key:Key")[0]
    assert key.inputs["enableKeyRotation"] is True
    db = protected(plan, "aws:rds/instance:Instance")[0].inputs
    assert db["storageEncrypted"] is True and db["deletionProtection"] is True and db["publiclyAccessible"] is False
    assert db["backupRetentionPeriod"] == 14 and db["multiAz"] is True
    assert db["kmsKeyId"] == plan.named("cluster-eks").inputs["encryptionConfig"]["provider"]["keyArn"]
    password = plan.named("cluster-postgres", "aws:rds/instance:Instance").masked_inputs["password"]
    assert password == "[secret]"


def test_network_policy_agent_and_irsa(plan):
    cni = plan.named("cluster-vpc-cni", "aws:eks/addon:Addon").inputs
    assert json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert cni["serviceAccountRoleArn"]
    oidc = plan.named("cluster-oidc", "aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"] and oidc["url"].startswith("https://oidc.eks.")
    trust = json.loads(plan.named("cluster-ebs-csi-role", "aws:iam/role:Role").inputs["assumeRolePolicy"])
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert "system:serviceaccount:kube-system:ebs-csi-controller-sa" in condition.values()


def test_two_node_pools_over_three_zones_with_imdsv2_and_encrypted_disks(plan):
    groups = plan.of_type("aws:eks/nodeGroup:NodeGroup")
    assert sorted(g.name for g in groups) == ["cluster-system", "cluster-workload"]
    workload = plan.named("cluster-workload", "aws:eks/nodeGroup:NodeGroup").inputs
    assert workload["scalingConfig"] == {"minSize": 3, "desiredSize": 6, "maxSize": 12}
    assert len(workload["subnetIds"]) == 3
    for pool in ("system", "workload"):
        template = plan.named(f"cluster-{pool}-nodes", "aws:ec2/launchTemplate:LaunchTemplate").inputs
        assert template["metadataOptions"]["httpTokens"] == "required"
        assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1
        assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"


def test_new_vpc_has_private_subnets_and_a_nat_gateway_per_zone(plan):
    assert len(plan.of_type("aws:ec2/vpc:Vpc")) == 1
    assert len(plan.of_type("aws:ec2/natGateway:NatGateway")) == 3
    private = [s.inputs for s in plan.of_type("aws:ec2/subnet:Subnet") if "private" in s.name]
    assert sorted(s["availabilityZone"] for s in private) == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    assert all(s["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in private)


def test_storage_class_is_encrypted_gp3_with_the_customer_key(plan):
    sc = storage_class(plan, "orbit-gp3")
    assert sc["provisioner"] == "ebs.csi.aws.com"
    assert sc["parameters"]["encrypted"] == "true" and sc["parameters"]["kmsKeyId"].startswith("arn:aws:kms:")


def test_provider_uses_aws_eks_get_token(plan):
    command = exec_user(plan)
    assert command["command"] == "aws"
    assert command["args"][:4] == ["eks", "get-token", "--cluster-name", "orbit-prod"]


def test_everything_taggable_is_tagged(plan):
    assert assert_tagged(plan, "aws:") >= 30


def test_customers_own_vpc_is_used_and_no_network_is_created(tmp_path):
    own = stack_with_network(
        STACK,
        {"mode": "existing", "vpcId": "vpc-0a1b2c3d4e5f60718", "privateSubnetIds": OWN_SUBNETS},
        tmp_path,
        endpoint={"public": False, "allowedCidrs": ["10.100.0.0/16"]},
    )
    for kind in ("Vpc", "Subnet", "NatGateway", "InternetGateway", "RouteTable"):
        assert not [r for r in own.resources if r.type.startswith("aws:ec2/") and r.type.endswith(f":{kind}")], kind
    assert own.named("cluster-eks").inputs["vpcConfig"]["subnetIds"] == OWN_SUBNETS
    for group in own.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert group.inputs["subnetIds"] == OWN_SUBNETS
    assert own.named("cluster-postgres", "aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == OWN_SUBNETS
    assert own.named("cluster-postgres", "aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    # The corporate VPN range reaches the private endpoint through the cluster security group.
    (rule,) = own.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.inputs["cidrIpv4"] == "10.100.0.0/16" and rule.inputs["fromPort"] == 443
    assert own.named("cluster-eks").inputs["vpcConfig"]["endpointPublicAccess"] is False


def test_no_api_rule_is_created_without_allowed_cidrs(plan):
    assert not plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")


def test_load_balancers_are_internal(plan):
    annotations = load_balancer_annotations(plan)
    for key, value in {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-internal": "true"}.items():
        assert annotations.get(key) == value, key


# --- Cluster Autoscaler and VPC flow logs ---------------------------------------------------------


def test_cluster_autoscaler_role_is_assumable_only_by_its_service_account(plan):
    trust = json.loads(plan.named("cluster-cluster-autoscaler-role", "aws:iam/role:Role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].startswith("arn:aws:iam::") and ":oidc-provider/" in statement["Principal"]["Federated"]
    condition = statement["Condition"]["StringEquals"]
    subjects = {v for k, v in condition.items() if k.endswith(":sub")}
    assert subjects == {"system:serviceaccount:orbit-cluster-autoscaler:cluster-autoscaler"}
    assert {v for k, v in condition.items() if k.endswith(":aud")} == {"sts.amazonaws.com"}
    # No AWS managed policy: only the inline, least-privilege one.
    attached = [r for r in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "cluster-autoscaler" in r.name]
    assert not attached


def test_cluster_autoscaler_may_scale_only_this_clusters_tagged_groups(plan):
    policy = json.loads(plan.named("cluster-cluster-autoscaler-policy", "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    writes = statements["ScaleOwnNodeGroups"]
    assert sorted(writes["Action"]) == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert writes["Condition"] == {
        "StringEquals": {
            "aws:ResourceTag/k8s.io/cluster-autoscaler/orbit-prod": "owned",
            "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
        }
    }
    reads = statements["DiscoverNodeGroups"]["Action"]
    assert {"ec2:DescribeLaunchTemplateVersions", "ec2:DescribeInstanceTypes", "eks:DescribeNodegroup"} <= set(reads)
    # Everything without a tag condition is a read call.
    assert all(action.split(":")[1].startswith(("Describe", "Get")) for action in reads)
    assert not any("*" in action for s in policy["Statement"] for action in s["Action"])


def test_node_groups_carry_the_auto_discovery_tags(plan):
    for group in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        tags = group.inputs["tags"]
        assert tags["k8s.io/cluster-autoscaler/enabled"] == "true", group.name
        assert tags["k8s.io/cluster-autoscaler/orbit-prod"] == "owned", group.name


def test_cluster_autoscaler_chart_gets_the_role_cluster_and_matching_release(plan):
    chart = plan.chart("cluster-autoscaler").inputs
    assert chart["namespace"] == "orbit-cluster-autoscaler"
    values = chart["values"]
    role = values["roleArn"]
    assert role.startswith("arn:aws:iam::") and ":role/cluster-cluster-autoscaler-role" in role
    assert values["clusterName"] == "orbit-prod" and values["awsRegion"] == "eu-central-1"
    assert values["image"] == {"tag": "v1.33.5"}, "the autoscaler minor must match kubernetesVersion 1.33"
    assert values["nodeSelector"] == {"orbit.dev/pool": "system"}
    namespace = plan.named("orbit-cluster-autoscaler", "kubernetes:core/v1:Namespace").inputs
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    account = plan.find("ServiceAccount", "cluster-autoscaler", "orbit-cluster-autoscaler")
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    container = plan.find("Deployment", "cluster-autoscaler", "orbit-cluster-autoscaler")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5"
    assert "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/orbit-prod" in container["args"]


def test_vpc_flow_logs_go_to_an_encrypted_log_group(plan):
    (flow,) = plan.of_type("aws:ec2/flowLog:FlowLog")
    group = plan.named("cluster-flow-logs", "aws:cloudwatch/logGroup:LogGroup")
    assert flow.inputs["trafficType"] == "ALL" and flow.inputs["logDestinationType"] == "cloud-watch-logs"
    log_group_arn = flow.inputs["logDestination"]
    assert log_group_arn.endswith(":log-group:" + group.inputs["name"])
    assert flow.inputs["vpcId"].startswith("vpc-")
    assert group.inputs["retentionInDays"] == 90
    assert group.inputs["kmsKeyId"] == plan.named("cluster-eks").inputs["encryptionConfig"]["provider"]["keyArn"]
    trust = json.loads(plan.named("cluster-flow-logs-role", "aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    delivery = plan.named("cluster-flow-logs-delivery", "aws:iam/rolePolicy:RolePolicy").inputs
    assert flow.inputs["iamRoleArn"].endswith(":role/" + delivery["role"])
    assert json.loads(delivery["policy"])["Statement"][0]["Resource"] == [log_group_arn, log_group_arn + ":*"]


def test_a_kubernetes_minor_without_a_pinned_autoscaler_keeps_the_charts_default(tmp_path):
    network = {"mode": "new", "vpcCidr": "10.40.0.0/16", "serviceCidr": "172.20.0.0/16"}
    older = stack_with_network(STACK, network, tmp_path, kubernetesVersion="1.31")
    assert older.named("cluster-eks").inputs["version"] == "1.31"
    assert "image" not in older.chart("cluster-autoscaler").inputs["values"]
    container = older.find("Deployment", "cluster-autoscaler", "orbit-cluster-autoscaler")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5"
