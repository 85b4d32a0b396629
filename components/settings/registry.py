"""Credentials for pulling images from a private registry (a mirror that requires login)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BeforeValidator


def _docker_config(value: Any) -> Any:
    """A Docker config.json document: {"auths": {"<registry>": {"auth": base64(user:password)}}}.

    Messages name the registry and the problem, never a credential.
    """
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("auths"), dict) or not value["auths"]:
        raise ValueError(
            'is not a Docker config.json document: expected {"auths": {"<registry>": {"auth": "<base64 user:password>"}}} '
            "(set it with: pulumi config set --secret orbit:imagePullCredentials \"$(cat ~/.docker/config.json)\")"
        )
    for registry, entry in value["auths"].items():
        if not isinstance(entry, dict):
            raise ValueError(f"auths.{registry} is not an object with 'auth' or 'username' and 'password'")
        if "auth" in entry:
            try:
                decoded = base64.b64decode(str(entry["auth"]), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise ValueError(f"auths.{registry}.auth is not base64 of 'user:password'") from None
            if ":" not in decoded:
                raise ValueError(f"auths.{registry}.auth does not decode to 'user:password'")
        elif not (entry.get("username") and entry.get("password")):
            raise ValueError(f"auths.{registry} needs 'auth', or both 'username' and 'password'")
    return {"auths": value["auths"]}


DockerConfig = Annotated[dict[str, Any] | None, BeforeValidator(_docker_config)]


def registry_host(registry: str) -> str:
    """registry.corp:5000/mirror/path -> registry.corp:5000 (what config.json's auths are keyed by)."""
    return registry.split("/", 1)[0]
