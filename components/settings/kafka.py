"""Kafka (KRaft) settings."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from components.settings.base import DnsLabel, Model, Resources, Size, _matches, repeated, resources_field

_KAFKA_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_KAFKA_CLUSTER_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_KAFKA_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,249}\*?$|^\*$")
KAFKA_CONTROLLER_COUNTS = (1, 3, 5)
KAFKA_MAX_BROKERS_PER_ZONE = 99  # node ids: broker set i uses 100*(i+1) + ordinal
KAFKA_RESERVED_USERS = ("admin", "kafka-exporter")
KAFKA_CLEANUP_POLICIES = ("delete", "compact", "compact,delete")


def _kafka_topic_name(value: str) -> str:
    if not _KAFKA_TOPIC.match(value) or value in (".", ".."):
        raise ValueError(
            f"{value!r} is not a legal Kafka topic name (1-249 characters of letters, digits, '.', '_' and '-'; "
            f"not '.' or '..')"
        )
    if value.startswith("__"):
        raise ValueError(f"{value!r} starts with '__', which Kafka reserves for internal topics")
    return value


def _kafka_pattern(value: str) -> str:
    if not _KAFKA_PATTERN.match(value):
        raise ValueError(
            f"{value!r} is not a topic or group pattern (a legal name, optionally ending in '*' for a prefix, or '*')"
        )
    return value


KafkaTopicName = Annotated[str, AfterValidator(_kafka_topic_name)]
KafkaPattern = Annotated[str, AfterValidator(_kafka_pattern)]


class KafkaTopicConfig(Model):
    """A topic the platform creates and keeps in shape (partitions only grow; configs are reapplied)."""

    name: KafkaTopicName = Field(
        description="Topic name: 1-249 letters, digits, '.', '_' and '-'; not starting with '__' (Kafka's internal topics)."
    )
    partitions: int = Field(3, ge=1, le=10000, description="Partitions; they can be added later, never removed.")
    replication_factor: int | None = Field(None, ge=1, description="Default: the cluster's default replication factor.")
    retention_ms: int | None = Field(None, ge=-1, description="retention.ms; -1 keeps data forever; default: Kafka's 7 days.")
    cleanup_policy: Literal["delete", "compact", "compact,delete"] = Field(
        "delete", description="cleanup.policy: delete old segments, compact to the latest record per key, or both."
    )


class KafkaUserConfig(Model):
    """A SCRAM-SHA-512 user; ACLs allow exactly the listed topics and consumer groups ('x*' = prefix)."""

    name: DnsLabel = Field(
        description="User name; its generated password lands in Secret kafka-user-<name> (admin and kafka-exporter are reserved)."
    )
    access: Literal["read", "write", "readwrite"] = Field(
        "readwrite",
        description="ACLs on its topics: read = Read + Describe, write = Write + Describe, readwrite = all three.",
    )
    topics: tuple[KafkaPattern, ...] = Field(
        min_length=1, description="Topics the user may access: a name, a prefix ending in '*', or '*' for every topic."
    )
    groups: tuple[KafkaPattern, ...] = Field(
        (), description="Consumer groups the user may read as (Read ACL), named like topics; empty = none."
    )


class KafkaConfig(Model):
    """Kafka in KRaft mode. Defaults are production: a dedicated quorum of 3 controllers, 3 brokers,
    replication factor 3 with min.insync.replicas 2 (both derived from brokers unless set)."""

    enabled: bool = Field(True, description="Install Kafka.")
    cluster_id: Annotated[str, _matches(_KAFKA_CLUSTER_ID, "a Kafka cluster id (22 base64url characters)")] | None = Field(
        None,
        description="Recovery only: adopt the cluster.id found in the volumes' meta.properties; default: generated once.",
    )
    combined: bool = Field(
        False, description="One process per node runs broker and controller (laptops, dev); brokers must equal controllers."
    )
    controllers: int = Field(3, description="KRaft controller quorum size: 1, 3 or 5.")
    brokers: int = Field(
        3,
        ge=1,
        le=KAFKA_MAX_BROKERS_PER_ZONE,
        description="Broker pods in total, spread evenly over the zones with rackAwareness; equal to controllers when combined.",
    )
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    broker_volume_size: Size = Field("100Gi", description="Size of each broker's log (data) volume.")
    controller_volume_size: Size = Field("10Gi", description="Size of each controller's metadata volume (unused when combined).")
    default_replication_factor: int | None = Field(None, ge=1, description="Default: min(3, brokers).")
    min_insync_replicas: int | None = Field(None, ge=1, description="Default: replication factor - 1 (at least 1).")
    default_partitions: int = Field(
        3, ge=1, le=10000, description="num.partitions: partitions of a topic created without an explicit count."
    )
    rack_awareness: bool = Field(
        True, description="One broker StatefulSet per cluster zone with broker.rack set to the zone."
    )
    topics: tuple[KafkaTopicConfig, ...] = Field((), description="Topics the provisioning Job creates and keeps in shape.")
    users: tuple[KafkaUserConfig, ...] = Field((), description="SCRAM-SHA-512 users and the topics and groups they may use.")
    broker_resources: Resources = resources_field(("1", "4Gi"), ("4", "8Gi"), "Requests and limits of each broker pod.")
    controller_resources: Resources = resources_field(
        ("250m", "1Gi"), ("1", "2Gi"), "Requests and limits of each controller pod (unused when combined)."
    )
    exporter_resources: Resources = resources_field(
        ("50m", "64Mi"), ("500m", "256Mi"), "Requests and limits of the kafka-exporter pod (Prometheus metrics)."
    )

    @property
    def replication_factor(self) -> int:
        return self.default_replication_factor or min(3, self.brokers)

    @property
    def min_isr(self) -> int:
        return self.min_insync_replicas or max(1, self.replication_factor - 1)

    @model_validator(mode="after")
    def _cluster_shape(self) -> KafkaConfig:
        if self.controllers not in KAFKA_CONTROLLER_COUNTS:
            raise ValueError(
                f"controllers is {self.controllers}; allowed: 1, 3 or 5 (an odd KRaft quorum: 3 survives one "
                f"controller down, 5 survives two)"
            )
        if self.combined and self.brokers != self.controllers:
            raise ValueError(
                f"combined mode runs every node as broker and controller, so brokers ({self.brokers}) must equal "
                f"controllers ({self.controllers})"
            )
        rf = self.replication_factor
        if rf > self.brokers:
            raise ValueError(
                f"defaultReplicationFactor {rf} is more than the {self.brokers} broker(s); allowed: 1 to {self.brokers}"
            )
        if self.min_isr > rf:
            raise ValueError(
                f"minInsyncReplicas {self.min_isr} is more than the replication factor {rf}; allowed: 1 to {rf}"
            )
        self._check_topics()
        self._check_users()
        return self

    def _check_topics(self) -> None:
        names = [t.name for t in self.topics]
        duplicates = repeated(names)
        if duplicates:
            raise ValueError(f"topic(s) {', '.join(duplicates)} are listed more than once")
        # Kafka refuses topics whose names differ only by '.' versus '_' (their metric names collide).
        seen: dict[str, str] = {}
        for name in names:
            other = seen.setdefault(name.replace(".", "_"), name)
            if other != name:
                raise ValueError(f"topics {other!r} and {name!r} collide: Kafka treats '.' and '_' alike in names")
        for topic in self.topics:
            rf = topic.replication_factor or self.replication_factor
            if rf > self.brokers:
                raise ValueError(
                    f"topic {topic.name!r} has replicationFactor {rf}, more than the {self.brokers} broker(s); "
                    f"allowed: 1 to {self.brokers}"
                )

    def _check_users(self) -> None:
        names = [u.name for u in self.users]
        duplicates = repeated(names)
        if duplicates:
            raise ValueError(f"user(s) {', '.join(duplicates)} are listed more than once")
        reserved = sorted(set(names) & set(KAFKA_RESERVED_USERS))
        if reserved:
            raise ValueError(
                f"user(s) {', '.join(reserved)} are managed by Orbit (reserved: {', '.join(KAFKA_RESERVED_USERS)}); "
                f"choose another name"
            )
