"""docs/configuration.md is generated from the config models and must never go stale."""

from __future__ import annotations

import subprocess
import sys
from typing import Literal

from pydantic import Field

from components.config import ComputeResources, Model, Quantity, Resources, StackConfig
from tests.conftest import ROOT
from tools.config_reference import OUT, generate, models_in


def every_field(model, seen=None):
    seen = set() if seen is None else seen
    for name, field in model.model_fields.items():
        yield model, name, field
        for child, _ in models_in(field.annotation):
            if child not in seen:
                seen.add(child)
                yield from every_field(child, seen)


def test_configuration_reference_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "tools.config_reference", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"docs/configuration.md is stale; run `make docs`:\n{result.stdout[-3000:]}"
    assert OUT.read_text() == generate()


def test_every_config_field_has_a_description():
    missing = [f"{model.__name__}.{name}" for model, name, field in every_field(StackConfig) if not field.description]
    assert not missing, f"add Field(description=...) to: {', '.join(missing)}"


def test_every_top_level_key_and_section_is_documented():
    text = OUT.read_text()
    for name, field in StackConfig.model_fields.items():
        assert f"| `orbit:{field.alias or name}` |" in text
    assert "## `orbit:minio.buckets[]`" in text and "| `orbit:minio.buckets[].versioning` |" in text


# --- the generator walks whatever models exist -------------------------------------------------


class FakeBrokerConfig(Model):
    """Brokers of a fake service."""

    replicas: int = Field(3, ge=1, le=9, description="Broker pods.")
    resources: Resources = Field(
        Resources(requests=ComputeResources(cpu="1", memory="2Gi"), limits=ComputeResources(cpu="2", memory="4Gi")),
        description="Per broker.",
    )


class FakeRouteConfig(Model):
    timeout: int = Field(30, description="Seconds.")


class FakeServiceConfig(Model):
    """A service added later by someone else."""

    enabled: bool = Field(True, description="Install it.")
    mode: Literal["kraft", "zk"] = Field("kraft", description="Mode | with a pipe.")
    heap: Quantity = Field("1Gi", description="Heap.")
    brokers: FakeBrokerConfig = Field(FakeBrokerConfig(replicas=5), description="Brokers.")
    topics: tuple[str, ...] = Field((), min_length=0, description="Topics.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags.")
    worker_resources: Resources | None = Field(None, description="Workers.")
    routes: dict[str, FakeRouteConfig] = Field({}, description="Per route.")


class FakeStackConfig(Model):
    environment: str = Field(description="Env.")
    fake_service: FakeServiceConfig = Field(FakeServiceConfig(), description="The fake service.")


def test_generator_documents_new_models_sections_and_shared_types():
    text = generate(FakeStackConfig)
    assert "## `orbit:fakeService`" in text and "A service added later by someone else." in text
    assert "## `orbit:fakeService.brokers`" in text
    assert "| `orbit:fakeService.brokers.replicas` | integer: ≥ 1; ≤ 9 | `3` | Broker pods. |" in text
    assert "| `orbit:fakeService.brokers` | object (section below) | `{\"replicas\": 5}` | Brokers. |" in text
    assert 'one of `"kraft"`, `"zk"`' in text and "Mode \\| with a pipe." in text
    assert "| `orbit:fakeService.heap` | string: a Kubernetes quantity such as 500m, 2 or 4Gi | `\"1Gi\"` |" in text
    assert "| `orbit:fakeService.tags` | map of string to string | `{}` |" in text
    # Resources is used twice, so it is documented once and linked from both places.
    assert "[Resources](#resources)" in text and "[Resources](#resources) (optional)" in text
    assert text.count("### Resources") == 1 and "### ComputeResources" in text
    assert "| `orbit:environment` | string | **required** | Env. |" in text
    assert "## `orbit:fakeService.routes.<name>`" in text and "| `orbit:fakeService.routes.<name>.timeout` |" in text
