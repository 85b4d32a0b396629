"""Prometheus, Alertmanager and exporter settings."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator

from components.settings.base import DnsLabel, Model, Resources, Size, _matches, repeated, resources_field

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
        duplicates = repeated(names)
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
