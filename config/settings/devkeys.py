"""Generate development keys once per checkout so no secret is ever written into the repository."""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

FILE_NAME = "dev-keys.json"


def dev_keys(var_dir: Path) -> dict[str, str]:
    path = var_dir / FILE_NAME
    if path.exists():
        return json.loads(path.read_text())
    var_dir.mkdir(parents=True, exist_ok=True)
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "pii_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "blind_index_key": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def existing_dev_keys(var_dir: Path) -> dict[str, str] | None:
    """The development keys of this VAR_DIR if some command has generated them; never generates."""
    path = var_dir / FILE_NAME
    return json.loads(path.read_text()) if path.exists() else None


def uses_dev_keys(
    dev: dict[str, str] | None, *, secret_key: str, pii_keys: list[str], blind_index_key: str
) -> bool:
    """Whether any configured key is one of the generated development keys. They sit in a plain file beside
    the database (var/dev-keys.json), readable by anyone who can read a backup of var/: a key copied from
    there into a production environment file protects nothing."""
    if not dev:
        return False
    return (
        secret_key == dev.get("secret_key")
        or dev.get("pii_key") in pii_keys
        or blind_index_key == dev.get("blind_index_key")
    )
