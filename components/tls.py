"""The platform's certificate authority and the server certificates it issues.

Orbit generates its own CA with pulumi-tls (kept in Pulumi state, so it is stable across
updates). Each service gets a `kubernetes.io/tls` Secret with tls.crt, tls.key and ca.crt.
Certificates are renewed by `pulumi up` once they are within `EARLY_RENEWAL_HOURS` of expiry.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_tls as tls

from components.charts import Namespace
from components.context import PlatformContext
from components.secrets import kubernetes_secret

CA_VALIDITY_HOURS = 10 * 365 * 24
CERT_VALIDITY_HOURS = 365 * 24
EARLY_RENEWAL_HOURS = 30 * 24


class PlatformCA(pulumi.ComponentResource):
    def __init__(self, name: str, environment: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("orbit:tls:PlatformCA", name, None, opts)
        self.key = tls.PrivateKey(
            f"{name}-key", algorithm="ECDSA", ecdsa_curve="P384", opts=pulumi.ResourceOptions(parent=self)
        )
        self.certificate = tls.SelfSignedCert(
            f"{name}-cert",
            private_key_pem=self.key.private_key_pem,
            is_ca_certificate=True,
            validity_period_hours=CA_VALIDITY_HOURS,
            allowed_uses=["cert_signing", "crl_signing", "digital_signature"],
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"Orbit {environment} CA", organization="Orbit"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.cert_pem = self.certificate.cert_pem
        self.register_outputs({"certPem": self.cert_pem})

    def issue_secret(
        self,
        parent: pulumi.Resource,
        name: str,
        *,
        dns_names: Sequence[str],
        context: PlatformContext,
        namespace: Namespace,
        pkcs8_key: bool = False,
    ) -> pulumi.Resource:
        """A server certificate for `dns_names`, stored as Secret `name` (tls.crt, tls.key, ca.crt).

        `pkcs8_key` stores the key as PKCS#8 (`BEGIN PRIVATE KEY`) instead of SEC1: Java's PEM
        readers (Kafka's PEM keystores, Logstash's inputs) accept only PKCS#8.
        """
        key = tls.PrivateKey(
            f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=pulumi.ResourceOptions(parent=parent)
        )
        request = tls.CertRequest(
            f"{name}-csr",
            private_key_pem=key.private_key_pem,
            dns_names=list(dns_names),
            subject=tls.CertRequestSubjectArgs(common_name=dns_names[0], organization="Orbit"),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        certificate = tls.LocallySignedCert(
            f"{name}-cert",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=self.key.private_key_pem,
            ca_cert_pem=self.cert_pem,
            validity_period_hours=CERT_VALIDITY_HOURS,
            early_renewal_hours=EARLY_RENEWAL_HOURS,
            allowed_uses=["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return kubernetes_secret(
            parent,
            name,
            context=context,
            namespace=namespace,
            data={
                "tls.crt": certificate.cert_pem,
                "tls.key": key.private_key_pem_pkcs8 if pkcs8_key else key.private_key_pem,
                "ca.crt": self.cert_pem,
            },
            secret_type="kubernetes.io/tls",
        )


def service_dns_names(service: str, namespace: str, headless: str | None = None) -> list[str]:
    """Every name a client may use for a Service (and the pods behind its headless Service)."""
    names = [f"{service}.{namespace}.svc.cluster.local", f"{service}.{namespace}.svc", f"{service}.{namespace}", service]
    if headless:
        names += [f"*.{headless}.{namespace}.svc.cluster.local", f"*.{headless}.{namespace}.svc"]
    return names
