"""The trusted CA bundle (custom CA) setting."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

from pydantic import AfterValidator

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
