"""Config building blocks: the base model, constrained types and resource requests."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    """Base for every config model: frozen, camelCase keys, unknown keys rejected with a hint."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        # pydantic's own message ("Extra inputs are not permitted") does not say what *is*
        # allowed; a typo in a stack file deserves the list of valid keys.
        if isinstance(data, dict):
            allowed = {field.alias or name for name, field in cls.model_fields.items()}
            unknown = sorted(k for k in data if k not in allowed and k not in cls.model_fields)
            if unknown:
                raise ValueError(
                    f"unknown key(s) {', '.join(unknown)}; allowed keys are: {', '.join(sorted(allowed))}"
                )
        return data


# --- reusable constrained types -------------------------------------------------------------

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|M|G|T|P)?$")
_SIZE = re.compile(r"^[1-9][0-9]*(Mi|Gi|Ti)$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _matches(pattern: re.Pattern[str], allowed: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not {allowed}")
        return value

    return AfterValidator(check)


Quantity = Annotated[str, _matches(_QUANTITY, "a Kubernetes quantity such as 500m, 2 or 4Gi")]
Size = Annotated[str, _matches(_SIZE, "a volume size in Mi, Gi or Ti such as 50Gi")]
DnsLabel = Annotated[
    str, _matches(_DNS_LABEL, "a DNS label (lowercase letters, digits and '-', at most 63 characters)")
]
Registry = Annotated[
    str, _matches(_REGISTRY, "a registry host with optional port and path, such as registry.corp:5000/mirror")
]
BucketName = Annotated[
    str, _matches(_BUCKET, "an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')")
]


class ComputeResources(Model):
    cpu: Quantity = Field(description="CPU, in cores or millicores (500m).")
    memory: Quantity = Field(description="Memory, with a binary suffix (512Mi, 4Gi).")


class Resources(Model):
    """Container requests and limits. Limits are required: the policy pack rejects a pod without them."""

    requests: ComputeResources = Field(description="What the scheduler reserves for each container.")
    limits: ComputeResources = Field(description="The most each container may use.")


def resources_field(requests: tuple[str, str], limits: tuple[str, str], description: str) -> Any:
    """A `resources` field defaulting to (cpu, memory) requests and limits."""
    return Field(
        Resources(
            requests=ComputeResources(cpu=requests[0], memory=requests[1]),
            limits=ComputeResources(cpu=limits[0], memory=limits[1]),
        ),
        description=description,
    )


def repeated(names: list[str]) -> list[str]:
    """The names that occur more than once, sorted (for "listed more than once" errors)."""
    return sorted({n for n in names if names.count(n) > 1})
