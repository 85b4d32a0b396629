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
        "publicKeyPem": _pem("PUBLIC KEY", name),
    },
    "tls:index/selfSignedCert:SelfSignedCert": lambda name, inputs: {"certPem": _pem("CERTIFICATE", name)},
    "tls:index/locallySignedCert:LocallySignedCert": lambda name, inputs: {"certPem": _pem("CERTIFICATE", name)},
    "tls:index/certRequest:CertRequest": lambda name, inputs: {"certRequestPem": _pem("CERTIFICATE REQUEST", name)},
    "kubernetes:helm.sh/v4:Chart": lambda name, inputs: {"resources": []},
    "random:index/randomBytes:RandomBytes": lambda name, inputs: _random_bytes(name, int(inputs.get("length", 32))),
}

INVOKE_FAKES: dict[str, InvokeFake] = {}
