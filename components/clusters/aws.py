"""EKS: a private cluster with envelope-encrypted secrets, audit logs, IRSA, the VPC CNI network
policy agent, managed node groups with IMDSv2 scaled by the Cluster Autoscaler, VPC flow logs, an
encrypted gp3 StorageClass and RDS PostgreSQL.

Plain pulumi-aws resources only, so every one of them is visible to the mocks and the policies.
"""

from __future__ import annotations

import ipaddress
import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.charts import create_namespace, install_chart
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
from components.config import AwsClusterConfig, NodePoolConfig
from components.context import PlatformContext

AUDIT_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
MANAGED_POLICY = "arn:aws:iam::aws:policy/{}"
STORAGE_CLASS = "orbit-gp3"
INTERNAL_LB = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
}


# The Cluster Autoscaler: its own namespace and ServiceAccount (the IRSA role trusts exactly
# that one), and its release per Kubernetes minor, since each autoscaler minor is built and tested
# against the same Kubernetes minor. Minors missing here keep the chart's pinned default.
AUTOSCALER_NAMESPACE = "orbit-cluster-autoscaler"
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
AUTOSCALER_TAGS = {"1.32": "v1.32.5", "1.33": "v1.33.5", "1.34": "v1.34.4", "1.35": "v1.35.1"}


def autoscaler_discovery_tags(cluster: str) -> dict[str, str]:
    """The tags auto-discovery looks for; EKS puts the same ones on a managed node group's Auto
    Scaling group, and the IAM policy allows scaling only groups that carry them."""
    return {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster}": "owned"}


def autoscaler_policy(cluster: str) -> str:
    """Least privilege for the Cluster Autoscaler: read calls anywhere (they take no resource
    ARNs), writes only on this cluster's tagged Auto Scaling groups."""
    tags = autoscaler_discovery_tags(cluster)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DiscoverNodeGroups",
                    "Effect": "Allow",
                    "Action": [
                        "autoscaling:DescribeAutoScalingGroups",
                        "autoscaling:DescribeAutoScalingInstances",
                        "autoscaling:DescribeLaunchConfigurations",
                        "autoscaling:DescribeScalingActivities",
                        "autoscaling:DescribeTags",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplateVersions",
                        "ec2:GetInstanceTypesFromInstanceRequirements",
                        "eks:DescribeNodegroup",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "ScaleOwnNodeGroups",
                    "Effect": "Allow",
                    "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {f"aws:ResourceTag/{key}": value for key, value in tags.items()}},
                },
            ],
        }
    )


def subnet_layout(vpc_cidr: str) -> tuple[list[str], list[str]]:
    """(private, public) subnet CIDRs: three quarters of the VPC for the private subnets (pods take
    VPC addresses with the VPC CNI), small public subnets for the NAT gateways in the last quarter."""
    quarters = list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=2))
    public = list(quarters[3].subnets(prefixlen_diff=3))[:3]
    return [str(q) for q in quarters[:3]], [str(p) for p in public]


class AwsCluster(CloudCluster):
    def __init__(
        self,
        name: str,
        config: AwsClusterConfig,
        environment: str,
        image_registry: str = "",
        image_pull_credentials: dict | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("Aws", name, config, environment, opts)
        self._cloud_provider = aws.Provider(f"{name}-aws", region=config.region, opts=pulumi.ResourceOptions(parent=self))
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(provider=self._cloud_provider, parent=self))
        self._account = identity.account_id

        key_arn = self._kms_key()
        vpc_id, private_subnets = self._network(key_arn)
        cluster_role = self._role("cluster", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"])
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{self._cluster_name}/cluster",
            retention_in_days=365,
            kms_key_id=key_arn,
            tags=self._tags,
            opts=self._opts(),
        )
        endpoint = config.endpoint
        self.eks = aws.eks.Cluster(
            f"{name}-eks",
            name=self._cluster_name,
            version=config.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=private_subnets,
                endpoint_private_access=True,
                endpoint_public_access=endpoint.public,
                public_access_cidrs=list(endpoint.allowed_cidrs) if endpoint.public else None,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key_arn), resources=["secrets"]
            ),
            enabled_cluster_log_types=AUDIT_LOG_TYPES,
            # Access entries only: no aws-auth ConfigMap, the creator is bootstrapped as admin.
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=True
            ),
            kubernetes_network_config=aws.eks.ClusterKubernetesNetworkConfigArgs(
                service_ipv4_cidr=config.network.service_cidr, ip_family="ipv4"
            ),
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            tags=self._tags,
            opts=self._opts(depends_on=[log_group]),
        )
        if not endpoint.public:
            # The private endpoint answers the nodes only; admit the networks the stack names (VPN, bastions).
            for index, cidr in enumerate(endpoint.allowed_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-api-from-{index}",
                    security_group_id=self.eks.vpc_config.cluster_security_group_id,
                    ip_protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_ipv4=cidr,
                    description=f"Kubernetes API from {cidr} (orbit:cluster.aws.endpoint.allowedCidrs)",
                    tags=self._tags,
                    opts=self._opts(),
                )
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=self.eks.identities.apply(lambda ids: ids[0].oidcs[0].issuer),
            client_id_lists=["sts.amazonaws.com"],
            tags=self._tags,
            opts=self._opts(),
        )
        self.oidc_issuer = self.eks.identities.apply(lambda ids: ids[0].oidcs[0].issuer)

        node_role = self._role(
            "nodes", "ec2.amazonaws.com", ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"]
        )
        pools = [
            self._node_group("system", config.node_pools.system, node_role, private_subnets, key_arn),
            self._node_group("workload", config.node_pools.workload, node_role, private_subnets, key_arn),
        ]
        cni_role = self._irsa_role("vpc-cni", oidc, "kube-system", "aws-node", ["AmazonEKS_CNI_Policy"])
        ebs_role = self._irsa_role("ebs-csi", oidc, "kube-system", "ebs-csi-controller-sa", ["service-role/AmazonEBSCSIDriverPolicy"])
        self._allow_key_grants(ebs_role, key_arn)
        addons = [
            self._addon("vpc-cni", cni_role, {"enableNetworkPolicy": "true"}),
            self._addon("kube-proxy"),
            self._addon("coredns", depends_on=pools),
            self._addon("aws-ebs-csi-driver", ebs_role, depends_on=pools),
        ]

        self.kubeconfig = exec_kubeconfig(
            self._cluster_name,
            self.eks.endpoint,
            self.eks.certificate_authority.apply(lambda ca: ca.data),
            "aws",
            ["eks", "get-token", "--cluster-name", self.eks.name, "--region", config.region, "--output", "json"],
        )
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, opts=pulumi.ResourceOptions(parent=self, depends_on=addons))
        default_storage_class(
            self,
            self.provider,
            STORAGE_CLASS,
            "ebs.csi.aws.com",
            {"type": "gp3", "encrypted": "true", "kmsKeyId": key_arn, "csi.storage.k8s.io/fstype": "ext4"},
        )
        self.facts = ClusterFacts(
            kind="aws", storage_class=STORAGE_CLASS, zones=config.zones, internal_load_balancer_annotations=dict(INTERNAL_LB)
        )
        # The platform builds its own context later; this one holds what install_chart needs (the
        # provider, labels, registry and pull credentials), so the cluster's own chart is installed
        # like every other one.
        context = PlatformContext(
            cluster=self,
            environment=environment,
            stack=pulumi.get_stack(),
            image_registry=image_registry,
            image_pull_credentials=image_pull_credentials,
        )
        self._cluster_autoscaler(oidc, context, pools)
        self.postgres = self._postgres(vpc_id, private_subnets, key_arn) if config.postgres.enabled else None
        self.register_outputs(self.cluster_outputs())

    # --- keys and network ------------------------------------------------------------------

    def _kms_key(self) -> pulumi.Input[str]:
        if self._config.kms_key_arn:
            return self._config.kms_key_arn
        region = self._config.region

        def policy(account: str) -> str:
            root = f"arn:aws:iam::{account}:root"
            autoscaling = f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
            use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
            return json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
                        {
                            # Managed node groups launch encrypted volumes through the Auto Scaling service role.
                            "Sid": "AutoScalingUsesForNodeVolumes",
                            "Effect": "Allow",
                            "Principal": {"AWS": autoscaling},
                            "Action": use,
                            "Resource": "*",
                        },
                        {
                            "Sid": "AutoScalingGrants",
                            "Effect": "Allow",
                            "Principal": {"AWS": autoscaling},
                            "Action": "kms:CreateGrant",
                            "Resource": "*",
                            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                        },
                        {
                            "Sid": "CloudWatchLogsEncryptsControlPlaneLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                            "Action": use,
                            "Resource": "*",
                            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}},
                        },
                    ],
                }
            )

        key = aws.kms.Key(
            f"{self._name}-kms",
            description=f"Orbit {self._cluster_name}: Kubernetes secrets, node and volume disks, RDS, logs",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=self._account.apply(policy),
            tags=self._tags,
            opts=self._opts(protect=True),
        )
        aws.kms.Alias(f"{self._name}-kms-alias", name=f"alias/{self._cluster_name}", target_key_id=key.key_id, opts=self._opts())
        return key.arn

    def _network(self, key_arn: pulumi.Input[str]) -> tuple[pulumi.Input[str], list[pulumi.Input[str]]]:
        network, zones = self._config.network, self._config.zones
        if network.mode == "existing":
            return network.vpc_id, list(network.private_subnet_ids)
        name, tags = self._name, self._tags
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=network.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**tags, "Name": self._cluster_name},
            opts=self._opts(),
        )
        # CIS: the default security group allows nothing.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags=tags, opts=self._opts())
        self._flow_logs(vpc, key_arn)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=self._opts())
        public_table = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={**tags, "Name": f"{self._cluster_name}-public"},
            opts=self._opts(),
        )
        private_cidrs, public_cidrs = subnet_layout(network.vpc_cidr)
        private_ids = []
        for index, zone in enumerate(zones):
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=vpc.id,
                cidr_block=public_cidrs[index],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{self._cluster_name}-public-{zone}", "kubernetes.io/role/elb": "1"},
                opts=self._opts(),
            )
            aws.ec2.RouteTableAssociation(f"{name}-public-{zone}", subnet_id=public.id, route_table_id=public_table.id, opts=self._opts())
            address = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", tags=tags, opts=self._opts())
            nat = aws.ec2.NatGateway(
                f"{name}-nat-{zone}", allocation_id=address.allocation_id, subnet_id=public.id, tags=tags, opts=self._opts(depends_on=[gateway])
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                cidr_block=private_cidrs[index],
                availability_zone=zone,
                tags={**tags, "Name": f"{self._cluster_name}-private-{zone}", "kubernetes.io/role/internal-elb": "1"},
                opts=self._opts(),
            )
            table = aws.ec2.RouteTable(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
                tags={**tags, "Name": f"{self._cluster_name}-private-{zone}"},
                opts=self._opts(),
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-{zone}", subnet_id=private.id, route_table_id=table.id, opts=self._opts())
            private_ids.append(private.id)
        return vpc.id, private_ids

    def _flow_logs(self, vpc: aws.ec2.Vpc, key_arn: pulumi.Input[str]) -> aws.ec2.FlowLog:
        """Every accepted and rejected connection in the VPC Orbit creates, to a log group encrypted
        with the cluster's key (CIS: VPC flow logging). A customer's own VPC has its own logging."""
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            name=f"/aws/vpc/{self._cluster_name}/flow-logs",
            retention_in_days=self._config.network.flow_logs_retention_days,
            kms_key_id=key_arn,
            tags=self._tags,
            opts=self._opts(),
        )
        role = self._role("flow-logs", "vpc-flow-logs.amazonaws.com", [])
        aws.iam.RolePolicy(
            f"{self._name}-flow-logs-delivery",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=self._opts(),
        )
        return aws.ec2.FlowLog(
            f"{self._name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags,
            opts=self._opts(),
        )

    # --- identity --------------------------------------------------------------------------

    def _role(self, purpose: str, service: str, policies: list[str]) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-{purpose}-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
                }
            ),
            tags=self._tags,
            opts=self._opts(),
        )
        self._attach(role, purpose, policies)
        return role

    def _attach(self, role: aws.iam.Role, purpose: str, policies: list[str]) -> None:
        for policy in policies:
            aws.iam.RolePolicyAttachment(
                f"{self._name}-{purpose}-{policy.rsplit('/', 1)[-1]}",
                role=role.name,
                policy_arn=MANAGED_POLICY.format(policy),
                opts=self._opts(),
            )

    def _irsa_role(
        self,
        purpose: str,
        oidc: aws.iam.OpenIdConnectProvider,
        namespace: str,
        service_account: str,
        policies: list[str],
        inline_policy: pulumi.Input[str] | None = None,
    ) -> aws.iam.Role:
        """A role only `namespace/service_account` can assume, through the cluster's OIDC issuer,
        with AWS managed `policies` and/or its own `inline_policy` (a JSON document)."""

        def trust(values: list[str]) -> str:
            arn, url = values
            issuer = url.removeprefix("https://")
            return json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Federated": arn},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {
                                "StringEquals": {
                                    f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                    f"{issuer}:aud": "sts.amazonaws.com",
                                }
                            },
                        }
                    ],
                }
            )

        role = aws.iam.Role(
            f"{self._name}-{purpose}-role",
            assume_role_policy=pulumi.Output.all(oidc.arn, oidc.url).apply(trust),
            tags=self._tags,
            opts=self._opts(),
        )
        self._attach(role, purpose, policies)
        if inline_policy is not None:
            aws.iam.RolePolicy(f"{self._name}-{purpose}-policy", role=role.id, policy=inline_policy, opts=self._opts())
        return role

    def _allow_key_grants(self, role: aws.iam.Role, key_arn: pulumi.Input[str]) -> None:
        """The EBS CSI driver encrypts volumes with the customer key: it needs grants on it."""
        aws.iam.RolePolicy(
            f"{self._name}-ebs-csi-kms",
            role=role.id,
            policy=pulumi.Output.from_input(key_arn).apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                                "Resource": arn,
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                                "Resource": arn,
                                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                            },
                        ],
                    }
                )
            ),
            opts=self._opts(),
        )

    # --- nodes and add-ons -----------------------------------------------------------------

    def _node_group(
        self, pool: str, config: NodePoolConfig, role: aws.iam.Role, subnets: list[pulumi.Input[str]], key_arn: pulumi.Input[str]
    ) -> aws.eks.NodeGroup:
        template = aws.ec2.LaunchTemplate(
            f"{self._name}-{pool}-nodes",
            name_prefix=f"{self._cluster_name}-{pool}-",
            # IMDSv2 only, one hop: pods cannot reach the node's instance credentials.
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=config.disk_size_gb,
                        volume_type="gp3",
                        encrypted="true",
                        kms_key_id=key_arn,
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags={**self._tags, "orbit.dev/pool": pool})
                for kind in ("instance", "volume")
            ],
            tags=self._tags,
            opts=self._opts(),
        )
        return aws.eks.NodeGroup(
            f"{self._name}-{pool}",
            cluster_name=self.eks.name,
            node_group_name_prefix=f"{pool}-",
            node_role_arn=role.arn,
            subnet_ids=subnets,
            instance_types=[config.instance_type],
            ami_type="AL2023_x86_64_STANDARD",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=config.min_size, desired_size=config.desired_size, max_size=config.max_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
            labels=pool_labels(pool),
            # EKS itself puts these tags on the group's Auto Scaling group (it does not copy the node
            # group's own tags there); setting them here too makes the intent visible in the plan.
            tags={**self._tags, **autoscaler_discovery_tags(self._cluster_name)},
            # The Cluster Autoscaler owns the count after creation.
            opts=self._opts(ignore_changes=["scalingConfig.desiredSize"]),
        )

    def _addon(
        self, addon: str, role: aws.iam.Role | None = None, configuration: dict | None = None, depends_on: list | None = None
    ) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{self._name}-{addon}",
            cluster_name=self.eks.name,
            addon_name=addon,
            service_account_role_arn=role.arn if role else None,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=self._tags,
            opts=self._opts(depends_on=depends_on or []),
        )

    def _cluster_autoscaler(
        self, oidc: aws.iam.OpenIdConnectProvider, context: PlatformContext, pools: list[aws.eks.NodeGroup]
    ) -> k8s.helm.v4.Chart:
        """EKS does not scale managed node groups by itself: Orbit's cluster-autoscaler chart
        does, within each group's minSize..maxSize, through an IRSA role limited to this cluster's groups."""
        role = self._irsa_role(
            "cluster-autoscaler",
            oidc,
            AUTOSCALER_NAMESPACE,
            AUTOSCALER_SERVICE_ACCOUNT,
            [],
            inline_policy=autoscaler_policy(self._cluster_name),
        )
        namespace = create_namespace(self, AUTOSCALER_NAMESPACE, context)
        version = self._config.kubernetes_version
        image = {"tag": AUTOSCALER_TAGS[version]} if version in AUTOSCALER_TAGS else {}
        if not image:
            pulumi.log.warn(
                f"no Cluster Autoscaler release is pinned for Kubernetes {version} "
                f"(known: {', '.join(AUTOSCALER_TAGS)}); using the chart's default image tag",
                resource=self,
            )
        self.cluster_autoscaler = install_chart(
            self,
            "cluster-autoscaler",
            context=context,
            namespace=namespace,
            values={
                "fullnameOverride": AUTOSCALER_SERVICE_ACCOUNT,
                "clusterName": self._cluster_name,
                "awsRegion": self._config.region,
                "roleArn": role.arn,
                "nodeSelector": pool_labels("system"),
                **({"image": image} if image else {}),
            },
            depends_on=pools,
        )
        return self.cluster_autoscaler

    # --- PostgreSQL ------------------------------------------------------------------------

    def _postgres(self, vpc_id: pulumi.Input[str], subnets: list[pulumi.Input[str]], key_arn: pulumi.Input[str]) -> PostgresDatabase:
        config, name = self._config.postgres, self._name
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-postgres", name=f"{self._cluster_name}-postgres", subnet_ids=subnets, tags=self._tags, opts=self._opts()
        )
        security_group = aws.ec2.SecurityGroup(
            f"{name}-postgres",
            vpc_id=vpc_id,
            description="PostgreSQL from the EKS nodes and pods only",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=5432,
                    to_port=5432,
                    security_groups=[self.eks.vpc_config.cluster_security_group_id],
                    description="EKS cluster security group",
                )
            ],
            tags=self._tags,
            opts=self._opts(),
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-postgres",
            family=f"postgres{config.version}",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ParameterGroupParameterArgs(name="log_connections", value="1"),
            ],
            tags=self._tags,
            opts=self._opts(),
        )
        password = database_password(self, name)
        instance = aws.rds.Instance(
            f"{name}-postgres",
            identifier=f"{self._cluster_name}-postgres",
            engine="postgres",
            engine_version=config.version,
            instance_class=config.instance_type,
            allocated_storage=config.storage_gb,
            max_allocated_storage=config.storage_gb * 4,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=key_arn,
            db_name=DATABASE_NAME,
            username=DATABASE_ADMIN,
            password=password,
            multi_az=config.high_availability,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[security_group.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            backup_retention_period=config.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{self._cluster_name}-postgres-final",
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key_arn,
            tags=self._tags,
            opts=self._opts(protect=True),
        )
        return PostgresDatabase(
            host=instance.address, port=5432, database=DATABASE_NAME, username=DATABASE_ADMIN, password=password
        )
