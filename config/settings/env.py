"""The one place that reads the process environment.

Secrets come from ``NAME`` or from a file named by ``NAME_FILE`` (Docker/K8s secrets). Production settings
call :func:`secret` without a default, so a missing secret stops start-up instead of running with a
well-known value.
"""

from __future__ import annotations

import os
from pathlib import Path


class ImproperlyConfiguredError(RuntimeError):
    pass


def get(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def secret(name: str) -> str:
    value = get(name)
    if not value:
        raise ImproperlyConfiguredError(f"{name} (or {name}_FILE) must be set in production")
    return value


def flag(name: str, default: bool = False) -> bool:
    value = get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def integer(name: str, default: int) -> int:
    value = get(name)
    return int(value) if value else default


def listing(name: str, default: str = "") -> list[str]:
    value = get(name, default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]
