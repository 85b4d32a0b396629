"""Realistic outputs for resources and invokes under Pulumi mocks.

Values are derived from the resource name only, so two runs of the same stack produce the same
plan byte for byte. Cloud-specific entries live beside the generic ones, keyed by Pulumi type
token (resources) or function token (invokes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

ResourceFake = Callable[[str, dict[str, Any]], dict[str, Any]]
InvokeFake = Callable[[dict[str, Any]], dict[str, Any]]


def fake_digest(name: str, length: int = 16) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _pem(kind: str, name: str) -> str:
    body = fake_digest(f"{kind}:{name}", 64)
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


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
        "publicKeyPem": _pem("PUBLIC KEY", name),
    },
    "tls:index/selfSignedCert:SelfSignedCert": lambda name, inputs: {"certPem": _pem("CERTIFICATE", name)},
    "tls:index/locallySignedCert:LocallySignedCert": lambda name, inputs: {"certPem": _pem("CERTIFICATE", name)},
    "tls:index/certRequest:CertRequest": lambda name, inputs: {"certRequestPem": _pem("CERTIFICATE REQUEST", name)},
    "kubernetes:helm.sh/v4:Chart": lambda name, inputs: {"resources": []},
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
        "aws:ec2/launchTemplate:LaunchTemplate": lambda name, inputs: {**_aws_id("lt", name), "latestVersion": 1},
        "aws:iam/role:Role": lambda name, inputs: {
            "name": (role := inputs.get("name") or f"{name}-{fake_digest(name, 7)}"),
            "arn": f"arn:aws:iam::{AWS_ACCOUNT}:role/{role}",
            "id": role,
        },
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda name, inputs: {
            "arn": f"arn:aws:iam::{AWS_ACCOUNT}:oidc-provider/{str(inputs.get('url', '')).removeprefix('https://')}",
        },
        "aws:cloudwatch/logGroup:LogGroup": lambda name, inputs: {"arn": _aws_arn("logs", f"log-group:{inputs.get('name', name)}")},
        "aws:eks/cluster:Cluster": _eks_cluster,
        "aws:eks/nodeGroup:NodeGroup": lambda name, inputs: {"arn": _aws_arn("eks", f"nodegroup/{name}"), "status": "ACTIVE"},
        "aws:eks/addon:Addon": lambda name, inputs: {"arn": _aws_arn("eks", f"addon/{inputs.get('addonName', name)}"), "addonVersion": "v1.0.0-eksbuild.1"},
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
