"""Realistic outputs for resources and invokes under Pulumi mocks.

Values are derived from the resource name only, so two runs of the same stack produce the same
plan byte for byte. Cloud-specific entries live beside the generic ones, keyed by Pulumi type
token (resources) or function token (invokes).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pulumi

ResourceFake = Callable[[str, dict[str, Any]], dict[str, Any]]
InvokeFake = Callable[[dict[str, Any]], dict[str, Any]]


def fake_digest(name: str, length: int = 16) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _pem(kind: str, name: str) -> str:
    body = fake_digest(f"{kind}:{name}", 64)
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


def _random_bytes(name: str, length: int) -> dict[str, str]:
    """RandomBytes outputs: `length` deterministic bytes as hex and as standard base64."""
    raw = b"".join(hashlib.sha256(f"{name}:{i}".encode()).digest() for i in range(length // 32 + 1))[:length]
    return {"hex": raw.hex(), "base64": base64.b64encode(raw).decode()}


RESOURCE_FAKES: dict[str, ResourceFake] = {
    "random:index/randomPassword:RandomPassword": lambda name, inputs: {
        "result": f"mock-{fake_digest(name, int(inputs.get('length', 32)) - 5)}",
    },
    "random:index/randomId:RandomId": lambda name, inputs: {
        "hex": fake_digest(name, 2 * int(inputs.get("byteLength", 16))),
        "b64Url": fake_digest(name, 22),
    },
    "random:index/randomUuid:RandomUuid": lambda name, inputs: {"result": f"00000000-0000-4000-8000-{fake_digest(name, 12)}"},
    "tls:index/privateKey:PrivateKey": lambda name, inputs: {
        "privateKeyPem": _pem("PRIVATE KEY", name),
        "privateKeyPemPkcs8": _pem("PRIVATE KEY", f"pkcs8:{name}"),
        "publicKeyPem": _pem("PUBLIC KEY", name),
    },
    "tls:index/selfSignedCert:SelfSignedCert": lambda name, inputs: {"certPem": _pem("CERTIFICATE", name)},
    "tls:index/locallySignedCert:LocallySignedCert": lambda name, inputs: {"certPem": _pem("CERTIFICATE", name)},
    "tls:index/certRequest:CertRequest": lambda name, inputs: {"certRequestPem": _pem("CERTIFICATE REQUEST", name)},
    "kubernetes:helm.sh/v4:Chart": lambda name, inputs: {"resources": []},
    "random:index/randomBytes:RandomBytes": lambda name, inputs: _random_bytes(name, int(inputs.get("length", 32))),
}

INVOKE_FAKES: dict[str, InvokeFake] = {}


def fake_number(name: str, digits: int) -> str:
    return str(int(fake_digest(name, 24), 16))[:digits].rjust(digits, "1")


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


# --- AWS ---------------------------------------------------------------------------------------

AWS_ACCOUNT = fake_number("aws-account", 12)
AWS_REGION = "eu-central-1"  # only where a fake cannot see the stack's region


def _aws_arn(service: str, resource: str, region: str = AWS_REGION) -> str:
    return f"arn:aws:{service}:{region}:{AWS_ACCOUNT}:{resource}"


def _aws_id(prefix: str, name: str) -> dict[str, str]:
    return {"id": f"{prefix}-{fake_digest(name, 17)}"}


def _eks_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    cluster = inputs.get("name") or name
    oidc = fake_digest(f"oidc:{name}", 32).upper()
    return {
        "arn": _aws_arn("eks", f"cluster/{cluster}"),
        "endpoint": f"https://{oidc}.gr7.{AWS_REGION}.eks.amazonaws.com",
        "certificateAuthority": {"data": _b64(_pem("CERTIFICATE", name))},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{AWS_REGION}.amazonaws.com/id/{oidc}"}]}],
        "vpcConfig": {**(inputs.get("vpcConfig") or {}), "clusterSecurityGroupId": f"sg-{fake_digest(name + ':cluster-sg', 17)}"},
        "status": "ACTIVE",
    }


RESOURCE_FAKES.update(
    {
        "aws:kms/key:Key": lambda name, inputs: {
            "id": (key := f"{fake_digest(name, 8)}-{fake_digest(name + '1', 4)}-4{fake_digest(name + '2', 3)}-8{fake_digest(name + '3', 3)}-{fake_digest(name + '4', 12)}"),
            "keyId": key,
            "arn": _aws_arn("kms", f"key/{key}"),
        },
        "aws:kms/alias:Alias": lambda name, inputs: {"arn": _aws_arn("kms", inputs.get("name", name))},
        "aws:ec2/vpc:Vpc": lambda name, inputs: {**_aws_id("vpc", name), "defaultSecurityGroupId": f"sg-{fake_digest(name + ':default', 17)}"},
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": lambda name, inputs: _aws_id("sg", name),
        "aws:ec2/subnet:Subnet": lambda name, inputs: {**_aws_id("subnet", name), "arn": _aws_arn("ec2", f"subnet/{name}")},
        "aws:ec2/internetGateway:InternetGateway": lambda name, inputs: _aws_id("igw", name),
        "aws:ec2/routeTable:RouteTable": lambda name, inputs: _aws_id("rtb", name),
        "aws:ec2/routeTableAssociation:RouteTableAssociation": lambda name, inputs: _aws_id("rtbassoc", name),
        "aws:ec2/eip:Eip": lambda name, inputs: {
            **_aws_id("eipalloc", name),
            "allocationId": f"eipalloc-{fake_digest(name, 17)}",
            "publicIp": f"3.{int(fake_digest(name, 2), 16)}.{int(fake_digest(name + 'b', 2), 16)}.{int(fake_digest(name + 'c', 2), 16)}",
        },
        "aws:ec2/natGateway:NatGateway": lambda name, inputs: _aws_id("nat", name),
        "aws:ec2/securityGroup:SecurityGroup": lambda name, inputs: {**_aws_id("sg", name), "arn": _aws_arn("ec2", f"security-group/{name}")},
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda name, inputs: {
            **_aws_id("sgr", name), "securityGroupRuleId": f"sgr-{fake_digest(name, 17)}",
        },
        "aws:ec2/launchTemplate:LaunchTemplate": lambda name, inputs: {**_aws_id("lt", name), "latestVersion": 1},
        "aws:iam/role:Role": lambda name, inputs: {
            "name": (role := inputs.get("name") or f"{name}-{fake_digest(name, 7)}"),
            "arn": f"arn:aws:iam::{AWS_ACCOUNT}:role/{role}",
            "id": role,
        },
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda name, inputs: {
            "arn": f"arn:aws:iam::{AWS_ACCOUNT}:oidc-provider/{str(inputs.get('url', '')).removeprefix('https://')}",
        },
        "aws:ec2/flowLog:FlowLog": lambda name, inputs: {**_aws_id("fl", name), "arn": _aws_arn("ec2", f"vpc-flow-log/{name}")},
        "aws:cloudwatch/logGroup:LogGroup": lambda name, inputs: {"arn": _aws_arn("logs", f"log-group:{inputs.get('name', name)}")},
        "aws:eks/cluster:Cluster": _eks_cluster,
        "aws:eks/nodeGroup:NodeGroup": lambda name, inputs: {"arn": _aws_arn("eks", f"nodegroup/{name}"), "status": "ACTIVE"},
        "aws:eks/addon:Addon": lambda name, inputs: {"arn": _aws_arn("eks", f"addon/{inputs.get('addonName', name)}"), "addonVersion": "v1.0.0-eksbuild.1"},
        "aws:iam/rolePolicy:RolePolicy": lambda name, inputs: {"id": f"{inputs.get('role')}:{name}", "name": name},
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda name, inputs: {
            "id": f"{inputs.get('role')}-{fake_digest(name, 20)}",
        },
        "aws:rds/subnetGroup:SubnetGroup": lambda name, inputs: {"arn": _aws_arn("rds", f"subgrp:{inputs.get('name', name)}")},
        "aws:rds/parameterGroup:ParameterGroup": lambda name, inputs: {"name": inputs.get("name") or f"{name}-{fake_digest(name, 7)}"},
        "aws:rds/instance:Instance": lambda name, inputs: {
            "address": (host := f"{inputs.get('identifier', name)}.c{fake_digest(name, 12)}.{AWS_REGION}.rds.amazonaws.com"),
            "endpoint": f"{host}:5432",
            "port": 5432,
            "arn": _aws_arn("rds", f"db:{inputs.get('identifier', name)}"),
        },
    }
)

INVOKE_FAKES.update(
    {
        "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
            "accountId": AWS_ACCOUNT,
            "arn": f"arn:aws:iam::{AWS_ACCOUNT}:user/orbit-deployer",
            "userId": f"AIDA{fake_digest('aws-user', 17).upper()}",
            "id": AWS_ACCOUNT,
        },
    }
)


# --- GCP ---------------------------------------------------------------------------------------

GCP_PROJECT_NUMBER = fake_number("gcp-project", 12)


def _gcp_project(inputs: dict[str, Any]) -> str:
    return inputs.get("project") or "mock-project"


def _gcp_ip(name: str, prefix: str = "10.200") -> str:
    return f"{prefix}.{int(fake_digest(name, 2), 16)}.{int(fake_digest(name + ':ip', 2), 16) or 1}"


def _gke_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    project, location, cluster = _gcp_project(inputs), inputs.get("location", "europe-west4"), inputs.get("name", name)
    master = (inputs.get("privateClusterConfig") or {}).get("masterIpv4CidrBlock", "172.16.0.0/28")
    private_endpoint = master.rsplit(".", 1)[0] + ".2"
    public = not (inputs.get("privateClusterConfig") or {}).get("enablePrivateEndpoint", False)
    return {
        "id": f"projects/{project}/locations/{location}/clusters/{cluster}",
        "endpoint": _gcp_ip(name, "34.90") if public else private_endpoint,
        "masterAuth": {**(inputs.get("masterAuth") or {}), "clusterCaCertificate": _b64(_pem("CERTIFICATE", name))},
        "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{cluster}",
        "masterVersion": f"{inputs.get('minMasterVersion', '1.33')}.5-gke.1000000",
    }


RESOURCE_FAKES.update(
    {
        "gcp:kms/keyRing:KeyRing": lambda name, inputs: {
            "id": f"projects/{_gcp_project(inputs)}/locations/{inputs.get('location')}/keyRings/{inputs.get('name', name)}"
        },
        "gcp:kms/cryptoKey:CryptoKey": lambda name, inputs: {"id": f"{inputs.get('keyRing')}/cryptoKeys/{inputs.get('name', name)}"},
        "gcp:compute/network:Network": lambda name, inputs: {
            "id": (network := f"projects/{_gcp_project(inputs)}/global/networks/{inputs.get('name', name)}"),
            "selfLink": f"https://www.googleapis.com/compute/v1/{network}",
        },
        "gcp:compute/subnetwork:Subnetwork": lambda name, inputs: {
            "id": (subnet := f"projects/{_gcp_project(inputs)}/regions/{inputs.get('region')}/subnetworks/{inputs.get('name', name)}"),
            "selfLink": f"https://www.googleapis.com/compute/v1/{subnet}",
            "gatewayAddress": inputs.get("ipCidrRange", "10.0.0.0/20").split("/")[0].rsplit(".", 1)[0] + ".1",
        },
        "gcp:compute/router:Router": lambda name, inputs: {
            "id": f"projects/{_gcp_project(inputs)}/regions/{inputs.get('region')}/routers/{inputs.get('name', name)}"
        },
        "gcp:compute/globalAddress:GlobalAddress": lambda name, inputs: {"address": _gcp_ip(name, "10.210").rsplit(".", 1)[0] + ".0"},
        "gcp:serviceaccount/account:Account": lambda name, inputs: {
            "email": (email := f"{inputs.get('accountId', name)}@{_gcp_project(inputs)}.iam.gserviceaccount.com"),
            "member": f"serviceAccount:{email}",
            "uniqueId": fake_number(name, 21),
        },
        "gcp:projects/serviceIdentity:ServiceIdentity": lambda name, inputs: {
            "email": (email := f"service-{GCP_PROJECT_NUMBER}@gcp-sa-{inputs.get('service', 'x').split('.')[0]}.iam.gserviceaccount.com"),
            "member": f"serviceAccount:{email}",
        },
        "gcp:container/cluster:Cluster": _gke_cluster,
        "gcp:compute/routerNat:RouterNat": lambda name, inputs: {
            "id": f"{_gcp_project(inputs)}/{inputs.get('region')}/{inputs.get('router')}/{inputs.get('name', name)}"
        },
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": lambda name, inputs: {
            "id": f"{inputs.get('cryptoKeyId')}/{inputs.get('role')}/{inputs.get('member')}",
            "etag": f"BwY{fake_digest(name, 9)}=",
        },
        "gcp:projects/iAMMember:IAMMember": lambda name, inputs: {
            "id": f"{inputs.get('project')}/{inputs.get('role')}/{inputs.get('member')}",
            "etag": f"BwY{fake_digest(name, 9)}=",
        },
        "gcp:servicenetworking/connection:Connection": lambda name, inputs: {
            "id": f"{inputs.get('network')}:{inputs.get('service')}",
            "peering": "servicenetworking-googleapis-com",
        },
        "gcp:sql/database:Database": lambda name, inputs: {
            "id": f"projects/{_gcp_project(inputs)}/instances/{inputs.get('instance')}/databases/{inputs.get('name', name)}",
            "charset": "UTF8",
            "collation": "en_US.UTF8",
        },
        "gcp:sql/user:User": lambda name, inputs: {"id": f"{inputs.get('name', name)}//{inputs.get('instance')}"},
        "gcp:container/nodePool:NodePool": lambda name, inputs: {
            "id": f"{inputs.get('cluster')}/nodePools/{inputs.get('name', name)}",
            "instanceGroupUrls": [],
        },
        "gcp:sql/databaseInstance:DatabaseInstance": lambda name, inputs: {
            "privateIpAddress": _gcp_ip(name, "10.210"),
            "connectionName": f"{_gcp_project(inputs)}:{inputs.get('region')}:{inputs.get('name', name)}",
            "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{_gcp_project(inputs)}/instances/{inputs.get('name', name)}",
        },
    }
)

INVOKE_FAKES.update(
    {
        "gcp:organizations/getProject:getProject": lambda args: {
            "projectId": args.get("projectId", "mock-project"),
            "number": GCP_PROJECT_NUMBER,
            "name": args.get("projectId", "mock-project"),
            "id": f"projects/{args.get('projectId', 'mock-project')}",
        },
    }
)


# --- Azure -------------------------------------------------------------------------------------


def fake_uuid(name: str) -> str:
    d = fake_digest(f"uuid:{name}", 32)
    return f"{d[:8]}-{d[8:12]}-4{d[13:16]}-8{d[17:20]}-{d[20:32]}"


AZURE_SUBSCRIPTION = fake_uuid("azure-subscription")
AZURE_TENANT = fake_uuid("azure-tenant")


def _azure_id(provider_path: str, name_key: str | None = None) -> ResourceFake:
    """Fake for a resource group-scoped resource: its ARM ID and name (autonamed when not given)."""

    def fake(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        resource = (inputs.get(name_key) if name_key else None) or f"{name}{fake_digest(name, 6)}"
        group = inputs.get("resourceGroupName", "mock-rg")
        return {
            "id": f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{group}/providers/{provider_path}/{resource}",
            "name": resource,
        }

    return fake


def _azure_with(base: ResourceFake, extra: Callable[[str, dict[str, Any], dict[str, Any]], dict[str, Any]]) -> ResourceFake:
    def fake(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        outputs = base(name, inputs)
        return {**outputs, **extra(name, inputs, outputs)}

    return fake


def _identity_map(inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs list user-assigned identity IDs; ARM answers with a map keyed by those IDs."""
    identity = dict(inputs.get("identity") or {})
    if isinstance(identity.get("userAssignedIdentities"), list):
        identity["userAssignedIdentities"] = {
            ref: {"principalId": fake_uuid(f"principal:{ref}"), "clientId": fake_uuid(f"client:{ref}")}
            for ref in identity["userAssignedIdentities"]
        }
    return {"identity": identity} if identity else {}


def _aks_kubeconfig(cluster: str, group: str) -> str:
    server = f"https://{cluster}-{fake_digest(cluster, 8)}.privatelink.westeurope.azmk8s.io:443"
    document = (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {cluster}\n  cluster:\n    server: {server}\n"
        f"    certificate-authority-data: {_b64(_pem('CERTIFICATE', cluster))}\n"
        f"users:\n- name: clusterUser_{group}_{cluster}\n  user:\n    exec:\n      command: kubelogin\n"
        f"contexts:\n- name: {cluster}\n  context: {{cluster: {cluster}, user: clusterUser_{group}_{cluster}}}\n"
        f"current-context: {cluster}\n"
    )
    return _b64(document)


RESOURCE_FAKES.update(
    {
        "azure-native:resources:ResourceGroup": lambda name, inputs: {
            "id": f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName', name)}",
            "name": inputs.get("resourceGroupName", name),
        },
        "azure-native:keyvault:Vault": _azure_with(
            _azure_id("Microsoft.KeyVault/vaults", "vaultName"),
            lambda name, inputs, out: {"properties": {**(inputs.get("properties") or {}), "vaultUri": f"https://{out['name']}.vault.azure.net/"}},
        ),
        "azure-native:keyvault:Key": lambda name, inputs: {
            "id": f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName')}/providers/Microsoft.KeyVault/vaults/{inputs.get('vaultName')}/keys/{inputs.get('keyName', name)}",
            "keyUri": (uri := f"https://{inputs.get('vaultName')}.vault.azure.net/keys/{inputs.get('keyName', name)}"),
            "keyUriWithVersion": f"{uri}/{fake_digest(name, 32)}",
        },
        "azure-native:managedidentity:UserAssignedIdentity": _azure_with(
            _azure_id("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"),
            lambda name, inputs, out: {"principalId": fake_uuid(f"principal:{name}"), "clientId": fake_uuid(f"client:{name}"), "tenantId": AZURE_TENANT},
        ),
        "azure-native:compute:DiskEncryptionSet": _azure_with(
            _azure_id("Microsoft.Compute/diskEncryptionSets", "diskEncryptionSetName"),
            lambda name, inputs, out: {"identity": {"type": "SystemAssigned", "principalId": fake_uuid(f"principal:{name}"), "tenantId": AZURE_TENANT}},
        ),
        "azure-native:authorization:RoleAssignment": lambda name, inputs: {
            "id": f"{inputs.get('scope')}/providers/Microsoft.Authorization/roleAssignments/{fake_uuid(name)}",
            "name": fake_uuid(name),
        },
        "azure-native:authorization:ManagementLockByScope": lambda name, inputs: {
            "id": f"{inputs.get('scope')}/providers/Microsoft.Authorization/locks/{inputs.get('lockName', name)}",
        },
        "azure-native:network:PublicIPAddress": _azure_with(
            _azure_id("Microsoft.Network/publicIPAddresses", "publicIpAddressName"),
            lambda name, inputs, out: {"ipAddress": f"20.{int(fake_digest(name, 2), 16)}.{int(fake_digest(name + 'b', 2), 16)}.{int(fake_digest(name + 'c', 2), 16)}"},
        ),
        "azure-native:network:NatGateway": _azure_id("Microsoft.Network/natGateways", "natGatewayName"),
        "azure-native:network:NetworkSecurityGroup": _azure_id("Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"),
        "azure-native:network:VirtualNetwork": _azure_id("Microsoft.Network/virtualNetworks", "virtualNetworkName"),
        "azure-native:network:Subnet": lambda name, inputs: {
            "id": f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName')}/providers/Microsoft.Network/virtualNetworks/{inputs.get('virtualNetworkName')}/subnets/{inputs.get('subnetName', name)}",
            "name": inputs.get("subnetName", name),
        },
        "azure-native:privatedns:PrivateZone": _azure_id("Microsoft.Network/privateDnsZones", "privateZoneName"),
        "azure-native:privatedns:VirtualNetworkLink": _azure_id("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "virtualNetworkLinkName"),
        "azure-native:operationalinsights:Workspace": _azure_with(
            _azure_id("Microsoft.OperationalInsights/workspaces", "workspaceName"),
            lambda name, inputs, out: {"customerId": fake_uuid(f"workspace:{name}")},
        ),
        "azure-native:monitor:DiagnosticSetting": lambda name, inputs: {
            "id": f"{inputs.get('resourceUri')}/providers/Microsoft.Insights/diagnosticSettings/{inputs.get('name', name)}",
        },
        "azure-native:containerservice:ManagedCluster": _azure_with(
            _azure_id("Microsoft.ContainerService/managedClusters", "resourceName"),
            lambda name, inputs, out: {
                "fqdn": f"{inputs.get('dnsPrefix', name)}-{fake_digest(name, 8)}.hcp.{inputs.get('location')}.azmk8s.io",
                "privateFQDN": f"{inputs.get('dnsPrefix', name)}-{fake_digest(name, 8)}.privatelink.{inputs.get('location')}.azmk8s.io",
                "oidcIssuerProfile": {
                    "enabled": True,
                    "issuerURL": f"https://{inputs.get('location')}.oic.prod-aks.azure.com/{AZURE_TENANT}/{fake_uuid(name)}/",
                },
                "provisioningState": "Succeeded",
                **_identity_map(inputs),
            },
        ),
        "azure-native:dbforpostgresql:Server": _azure_with(
            _azure_id("Microsoft.DBforPostgreSQL/flexibleServers", "serverName"),
            lambda name, inputs, out: {"fullyQualifiedDomainName": f"{out['name']}.postgres.database.azure.com", "state": "Ready", **_identity_map(inputs)},
        ),
        "azure-native:dbforpostgresql:Database": _azure_id("Microsoft.DBforPostgreSQL/flexibleServers/databases", "databaseName"),
    }
)

INVOKE_FAKES.update(
    {
        "azure-native:authorization:getClientConfig": lambda args: {
            "clientId": fake_uuid("azure-client"),
            "objectId": fake_uuid("azure-object"),
            "subscriptionId": AZURE_SUBSCRIPTION,
            "tenantId": AZURE_TENANT,
        },
        "azure-native:containerservice:listManagedClusterUserCredentials": lambda args: {
            "kubeconfigs": [
                {"name": "clusterUser", "value": _aks_kubeconfig(args.get("resourceName", "aks"), args.get("resourceGroupName", "rg"))}
            ],
        },
    }
)


class OfflineMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that answer every resource with its inputs plus the realistic fakes above,
    and every invoke from INVOKE_FAKES (an invoke without a fake is an error worth fixing)."""

    def new_resource(self, args):
        outputs = dict(args.inputs)
        fake = RESOURCE_FAKES.get(args.typ)
        faked = dict(fake(args.name, args.inputs)) if fake else {}
        # A fake may give the cloud's own ID format (vpc-..., /subscriptions/...).
        resource_id = faked.pop("id", None) or f"{args.name}-id"
        outputs.update(faked)
        return [resource_id, outputs]

    def call(self, args):
        fake = INVOKE_FAKES.get(args.token)
        if fake is None:
            raise NotImplementedError(f"no offline fake for invoke {args.token}; add one to tools/mock_outputs.py")
        return fake(dict(args.args))
