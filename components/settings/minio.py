"""MinIO settings and its erasure-set rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from components.settings.base import BucketName, DnsLabel, Model, Resources, Size, repeated, resources_field


class BucketConfig(Model):
    """A bucket the provisioning Job creates (existing buckets are kept as they are)."""

    name: BucketName = Field(description="Bucket name.")
    versioning: bool = Field(False, description="Keep every version of every object (needed for point-in-time restores).")


class MinioUserConfig(Model):
    """A MinIO user whose generated secret key lands in a Kubernetes Secret."""

    name: DnsLabel = Field(description="User name (its access key); the secret key is generated.")
    access: Literal["readwrite", "readonly", "writeonly"] = Field("readwrite", description="What the user may do in its buckets.")
    buckets: tuple[BucketName, ...] = Field(min_length=1, description="Buckets the user may access (declared in `buckets`).")


MINIO_MAX_DRIVES_PER_SET = 16
MINIO_MIN_DISTRIBUTED_DRIVES = 4


def minio_erasure_set_size(servers: int, drives_per_server: int) -> int | None:
    """The erasure set size MinIO would choose, or None when the layout cannot form one.

    One server with one drive runs without erasure coding (set size 1). Otherwise the drives are
    split into equal sets of 2 to 16 drives (4 to 16 once there is more than one server, so that
    losing a server keeps write quorum); MinIO picks the largest size that divides the total.
    """
    total = servers * drives_per_server
    if total == 1:
        return 1
    smallest = 2 if servers == 1 else MINIO_MIN_DISTRIBUTED_DRIVES
    return next((s for s in range(MINIO_MAX_DRIVES_PER_SET, smallest - 1, -1) if total % s == 0), None)


class MinioConfig(Model):
    """MinIO, the S3-compatible object store (Airflow logs, Elasticsearch snapshots, platform data)."""

    enabled: bool = Field(True, description="Install MinIO.")
    servers: int = Field(4, ge=1, le=32, description="MinIO server pods (1 = standalone).")
    drives_per_server: int = Field(1, ge=1, le=16, description="Volumes per server pod.")
    volume_size: Size = Field("100Gi", description="Size of each data volume.")
    storage_class: DnsLabel | None = Field(None, description="Default: the cluster's storage class.")
    parity: int | None = Field(
        None, ge=0, le=8, description="Erasure parity (EC:N); default: MinIO's choice for the set size."
    )
    buckets: tuple[BucketConfig, ...] = Field((), description="Buckets to create.")
    users: tuple[MinioUserConfig, ...] = Field((), description="Users to create, each limited to its buckets.")
    resources: Resources = resources_field(("500m", "1Gi"), ("2", "4Gi"), "Requests and limits of each server pod.")

    @model_validator(mode="after")
    def _erasure_layout(self) -> MinioConfig:
        set_size = minio_erasure_set_size(self.servers, self.drives_per_server)
        total = self.servers * self.drives_per_server
        if set_size is None:
            raise ValueError(
                f"servers × drivesPerServer = {self.servers} × {self.drives_per_server} = {total} drives "
                f"cannot form a MinIO erasure set: with more than one server the total must be at least "
                f"{MINIO_MIN_DISTRIBUTED_DRIVES} and divisible into equal sets of "
                f"{MINIO_MIN_DISTRIBUTED_DRIVES} to {MINIO_MAX_DRIVES_PER_SET} drives (for example 4 × 1 or 4 × 4)"
            )
        if self.parity is not None and set_size > 1 and self.parity > set_size // 2:
            raise ValueError(
                f"parity {self.parity} is more than half of the erasure set size {set_size}; "
                f"allowed: 0 to {set_size // 2}"
            )
        names = [b.name for b in self.buckets]
        duplicates = repeated(names)
        if duplicates:
            raise ValueError(f"bucket(s) {', '.join(duplicates)} are listed more than once")
        user_names = [u.name for u in self.users]
        duplicate_users = repeated(user_names)
        if duplicate_users:
            raise ValueError(f"user(s) {', '.join(duplicate_users)} are listed more than once")
        for user in self.users:
            missing = sorted(set(user.buckets) - set(names))
            if missing:
                raise ValueError(
                    f"user {user.name!r} refers to bucket(s) {', '.join(missing)} that are not in buckets "
                    f"(declared: {', '.join(names) or 'none'})"
                )
        return self
