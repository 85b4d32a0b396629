"""Elasticsearch, Kibana, Logstash and log shipper settings."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from components.settings.base import (
    BucketName,
    ComputeResources,
    DnsLabel,
    Model,
    Resources,
    Size,
    _matches,
    resources_field,
)

_HEAP = re.compile(r"^[1-9][0-9]*[mg]$")
Heap = Annotated[str, _matches(_HEAP, "a JVM heap size such as 512m or 2g")]
_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def memory_bytes(quantity: str) -> float:
    """Bytes in a memory quantity (units as Kubernetes accepts them; `m` is not used for memory)."""
    number, unit = re.match(r"^([0-9.]+)([A-Za-z]*)$", quantity).groups()
    return float(number) * _MEMORY_UNITS.get(unit, 1)


def heap_bytes(heap: str) -> int:
    return int(heap[:-1]) * (2**20 if heap.endswith("m") else 2**30)


class ElasticsearchNodesConfig(Model):
    """One group of Elasticsearch nodes with the same roles (one StatefulSet per zone or one in all)."""

    replicas: int = Field(ge=0, le=50, description="Nodes in this group, spread evenly over the zones with zoneAwareness.")
    volume_size: Size = Field("50Gi", description="Size of each node's data volume.")
    heap: Heap = Field("2g", description="JVM heap (-Xms/-Xmx); at most half the memory limit.")
    resources: Resources = resources_field(
        ("1", "4Gi"), ("2", "4Gi"), "Requests and limits of each node; the memory limit must be at least twice the heap."
    )

    @model_validator(mode="after")
    def _heap_fits(self) -> ElasticsearchNodesConfig:
        limit = memory_bytes(self.resources.limits.memory)
        if heap_bytes(self.heap) * 2 > limit:
            raise ValueError(
                f"heap {self.heap} is more than half of the memory limit {self.resources.limits.memory}; "
                f"Elasticsearch needs the other half for the file system cache and off-heap memory"
            )
        return self


class ElasticsearchConfig(Model):
    masters: ElasticsearchNodesConfig = Field(
        ElasticsearchNodesConfig(
            replicas=3,
            volume_size="10Gi",
            heap="1g",
            resources=Resources(requests=ComputeResources(cpu="500m", memory="2Gi"), limits=ComputeResources(cpu="1", memory="2Gi")),
        ),
        description="Master-eligible nodes: 1, 3, 5 or 7 (an odd voting quorum); with data.replicas 0 they hold the data too.",
    )
    data: ElasticsearchNodesConfig = Field(
        ElasticsearchNodesConfig(replicas=3, volume_size="200Gi"),
        description="Data and ingest nodes; 0 = the masters hold the data too (only with masters.replicas 1, a single node).",
    )
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    bootstrap: bool = Field(
        True,
        description="Set cluster.initial_master_nodes: true for the first `pulumi up` of a new cluster, "
        "then false for good (docs/operations/elk.md).",
    )
    zone_awareness: bool = Field(
        True, description="One StatefulSet per zone and shard allocation awareness when the cluster reports zones."
    )
    sysctl_init_container: bool = Field(
        False,
        description="Opt-in: a privileged init container raises vm.max_map_count so that mmap can be used; "
        "it makes the logging namespace privileged. Default: node.store.allow_mmap false.",
    )

    @model_validator(mode="after")
    def _quorum(self) -> ElasticsearchConfig:
        if self.masters.replicas not in (1, 3, 5, 7):
            raise ValueError(
                f"masters.replicas is {self.masters.replicas}; master-eligible nodes must be 1, 3, 5 or 7 "
                f"(an odd number keeps a voting quorum)"
            )
        if self.masters.replicas > 1 and self.data.replicas == 0:
            raise ValueError(
                f"masters.replicas is {self.masters.replicas} but data.replicas is 0; dedicated masters need data "
                f"nodes (use masters.replicas 1 with data.replicas 0 for a single combined node)"
            )
        return self


class KibanaConfig(Model):
    replicas: int = Field(2, ge=1, le=10, description="Kibana pods.")
    resources: Resources = resources_field(("250m", "1Gi"), ("1", "2Gi"), "Requests and limits of each Kibana pod.")


class LogstashConfig(Model):
    replicas: int = Field(2, ge=1, le=20, description="Logstash pods, each with its own persistent queue volume.")
    heap: Heap = Field("1g", description="JVM heap (-Xms/-Xmx); must be less than the memory limit.")
    queue_volume_size: Size = Field("20Gi", description="Retained volume holding the persistent queue.")
    queue_max_size: Annotated[str, _matches(re.compile(r"^[1-9][0-9]*(mb|gb)$"), "a size such as 1024mb or 8gb")] = Field(
        "8gb", description="queue.max_bytes; must fit in queueVolumeSize."
    )
    resources: Resources = resources_field(("500m", "2Gi"), ("2", "2Gi"), "Requests and limits of each Logstash pod.")

    @model_validator(mode="after")
    def _fits(self) -> LogstashConfig:
        queue = int(self.queue_max_size[:-2]) * (2**20 if self.queue_max_size.endswith("mb") else 2**30)
        if queue >= memory_bytes(self.queue_volume_size):
            raise ValueError(
                f"queueMaxSize {self.queue_max_size} does not fit in queueVolumeSize {self.queue_volume_size}"
            )
        if heap_bytes(self.heap) >= memory_bytes(self.resources.limits.memory):
            raise ValueError(f"heap {self.heap} does not fit in the memory limit {self.resources.limits.memory}")
        return self


class LogShipperConfig(Model):
    target: Literal["logstash", "elasticsearch"] = Field(
        "logstash", description="Where Fluent Bit sends: Logstash's pipeline (default) or Elasticsearch directly."
    )
    resources: Resources = resources_field(
        ("100m", "128Mi"), ("500m", "512Mi"), "Requests and limits of each Fluent Bit pod (one per node)."
    )


class ElkSnapshotsConfig(Model):
    """Nightly snapshots of every index to a MinIO bucket (the platform creates bucket and user)."""

    enabled: bool = Field(False, description="Take the nightly snapshots; needs minio.enabled.")
    bucket: BucketName = Field(
        "elasticsearch-snapshots", description="MinIO bucket the snapshots go to; Orbit creates it and its user."
    )
    schedule: Annotated[
        str, _matches(re.compile(r"^\S+( \S+){5,6}$"), "an Elasticsearch cron expression such as '0 30 1 * * ?'")
    ] = Field("0 30 1 * * ?", description="When the snapshot lifecycle policy runs (Elasticsearch cron, UTC).")
    retention_days: int = Field(30, ge=1, le=3650, description="Snapshots older than this are deleted (at least 5 kept).")


class ElkConfig(Model):
    enabled: bool = Field(True, description="Install Elasticsearch, Kibana, Logstash and the Fluent Bit log shipper.")
    log_retention_days: int = Field(14, ge=1, le=3650, description="Days the ILM policy keeps log indices.")
    elasticsearch: ElasticsearchConfig = Field(ElasticsearchConfig(), description="The Elasticsearch cluster.")
    kibana: KibanaConfig = Field(KibanaConfig(), description="Kibana, the UI for searching logs.")
    logstash: LogstashConfig = Field(
        LogstashConfig(), description="Logstash, which buffers the shipper's logs and writes them to Elasticsearch."
    )
    shipper: LogShipperConfig = Field(
        LogShipperConfig(), description="Fluent Bit, the DaemonSet that collects every node's container logs."
    )
    snapshots: ElkSnapshotsConfig = Field(ElkSnapshotsConfig(), description="Nightly snapshots of every index to MinIO.")
