"""Generate docs/configuration.md from the config models in components/config.py.

    python -m tools.config_reference           # rewrite docs/configuration.md
    python -m tools.config_reference --check   # exit 1 when docs/configuration.md is stale

It walks `StackConfig` and every model reachable from it (whatever services exist), reading each
field's alias, type, default, description and constraints from pydantic. A model used in one
place gets a section under its key path; a model used in several places (such as `Resources`)
gets one shared section that the others link to.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from components.config import PROJECT, StackConfig
from tools.generated import generator_main

OUT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
BOUNDS = (
    (annotated_types.Ge, "ge", "≥"),
    (annotated_types.Gt, "gt", ">"),
    (annotated_types.Le, "le", "≤"),
    (annotated_types.Lt, "lt", "<"),
)
SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", SecretStr: "secret string"}


# --- types -----------------------------------------------------------------------------------


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """(bare type, metadata) of a possibly Annotated type."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata = [*extra, *metadata]
    return annotation, metadata


def _validator_text(item: Any) -> str | None:
    """What a custom validator allows: the `allowed` text of config._matches, else its docstring."""
    function = getattr(item, "func", None)
    if function is None:
        return None
    cells = dict(zip(function.__code__.co_freevars, (c.cell_contents for c in function.__closure__ or ())))
    if isinstance(cells.get("allowed"), str):
        return cells["allowed"]
    doc = (function.__doc__ or "").strip().splitlines()
    return doc[0].rstrip(".") if doc else None


def constraint_texts(metadata: list[Any], annotation: Any = str) -> list[str]:
    bare = typing.get_origin(_unwrap(annotation)[0])
    noun = "item(s)" if bare in (tuple, list, set, frozenset, dict) else "character(s)"
    texts = []
    for item in metadata:
        bound = next(((symbol, getattr(item, attr)) for kind, attr, symbol in BOUNDS if isinstance(item, kind)), None)
        if bound:
            texts.append(f"{bound[0]} {bound[1]}")
        elif isinstance(item, annotated_types.MinLen):
            texts.append(f"at least {item.min_length} {noun}")
        elif isinstance(item, annotated_types.MaxLen):
            texts.append(f"at most {item.max_length} {noun}")
        elif getattr(item, "pattern", None):
            texts.append(f"matches `{item.pattern}`")
        elif (text := _validator_text(item)) is not None:
            texts.append(text)
    return texts


def type_text(annotation: Any, link) -> str:
    annotation, metadata = _unwrap(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        text = "one of " + ", ".join(f"`{json.dumps(a)}`" for a in args) if len(args) > 1 else f"`{json.dumps(args[0])}`"
    elif origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        text = " or ".join(type_text(a, link) for a in options)
        if len(options) < len(args):
            text += " (optional)"
    elif origin in (tuple, list, set, frozenset):
        text = f"list of {type_text(args[0], link)}"
    elif origin is dict:
        text = f"map of {type_text(args[0], link)} to {type_text(args[1], link)}"
    elif _is_model(annotation):
        text = link(annotation)
    else:
        text = SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))
    constraints = constraint_texts(metadata, annotation)
    return f"{text}: {'; '.join(constraints)}" if constraints else text


def models_in(annotation: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """(model, key suffix) for every model an annotation refers to: "" for a plain field,
    "[]" for list items, ".<name>" for the values of a map."""
    annotation, _ = _unwrap(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if _is_model(annotation):
        yield annotation, ""
    elif origin in (tuple, list, set, frozenset):
        for model, suffix in models_in(args[0]):
            yield model, "[]" + suffix
    elif origin is dict:
        for model, suffix in models_in(args[1]):
            yield model, ".<name>" + suffix
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            yield from models_in(arg)


# --- defaults --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, mode="json")
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def default_text(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        # Only what differs from the section's own field defaults is worth showing.
        try:
            baseline = type(value)().model_dump(by_alias=True, mode="json")
        except Exception:
            baseline = {}
        own = {k: v for k, v in value.model_dump(by_alias=True, mode="json").items() if baseline.get(k, object()) != v}
        return f"`{json.dumps(own, separators=(', ', ': '))}`" if own else "the defaults below"
    if value is None:
        return "none"
    return f"`{json.dumps(_plain(value))}`"


# --- the document ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(text: str) -> str:
    return "".join(c for c in text.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _usage(root: type[BaseModel]) -> Counter:
    counts: Counter = Counter()

    def visit(model: type[BaseModel]) -> None:
        for field in model.model_fields.values():
            for child, _ in models_in(field.annotation):
                counts[child] += 1
                if counts[child] == 1:
                    visit(child)

    visit(root)
    return counts


def generate(root: type[BaseModel] = StackConfig) -> str:
    shared = {model for model, count in _usage(root).items() if count > 1}
    sections: list[tuple[str, type[BaseModel]]] = []
    shared_seen: list[type[BaseModel]] = []

    def link(model: type[BaseModel]) -> str:
        return f"[{model.__name__}](#{_anchor(model.__name__)})" if model in shared else "object (section below)"

    def key_of(prefix: str, field_name: str, field: FieldInfo) -> str:
        alias = field.alias or field_name
        return f"{PROJECT}:{alias}" if not prefix else f"{prefix}.{alias}"

    def walk(model: type[BaseModel], prefix: str) -> None:
        sections.append((prefix, model))
        for name, field in model.model_fields.items():
            for child, suffix in models_in(field.annotation):
                if child in shared:
                    if child not in shared_seen:
                        shared_seen.append(child)
                        walk_shared(child)
                else:
                    walk(child, key_of(prefix, name, field) + suffix)

    def walk_shared(model: type[BaseModel]) -> None:
        for field in model.model_fields.values():
            for child, _ in models_in(field.annotation):
                if child in shared and child not in shared_seen:
                    shared_seen.append(child)
                    walk_shared(child)

    walk(root, "")

    def table(model: type[BaseModel], prefix: str) -> list[str]:
        rows = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            key = key_of(prefix, name, field) if prefix is not None else (field.alias or name)
            described = _cell(field.description or "")
            constraints = constraint_texts(field.metadata, field.annotation)
            kind = type_text(field.annotation, link) + (": " + "; ".join(constraints) if constraints else "")
            rows.append(f"| `{key}` | {_cell(kind)} | {default_text(field)} | {described} |")
        return rows

    def intro(model: type[BaseModel]) -> list[str]:
        doc = (model.__dict__.get("__doc__") or "").strip()
        return [" ".join(doc.split()), ""] if doc else []

    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python -m tools.config_reference` (or `make docs`) from components/config.py. "
        "Do not edit: a test fails when this file is stale. -->",
        "",
        f"Every key lives under the `{PROJECT}:` namespace of a stack file, `stacks/Pulumi.<env>.yaml`. "
        "Structured keys are YAML objects; nested keys are written here with dots "
        f"(`{PROJECT}:minio.volumeSize` is `volumeSize` inside `{PROJECT}:minio`) and list items with `[]`. "
        "A wrong key or value stops `pulumi up` before anything is created, with a message naming the key, "
        "the value and what is allowed. Secrets are set with `pulumi config set --secret`.",
        "",
    ]
    for prefix, model in sections:
        title = "Top-level keys" if not prefix else f"`{prefix}`"
        lines += [f"## {title}", "", *intro(model), *table(model, prefix), ""]
    if shared_seen:
        lines += ["## Shared types", "", "Types used under several keys.", ""]
        for model in shared_seen:
            lines += [f"### {model.__name__}", "", *intro(model), *table(model, None), ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    return generator_main(__doc__, generate, OUT, argv)


if __name__ == "__main__":
    sys.exit(main())
