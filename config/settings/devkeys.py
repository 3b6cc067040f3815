"""Generate development keys once per checkout so no secret is ever written into the repository."""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path


def dev_keys(var_dir: Path) -> dict[str, str]:
    path = var_dir / "dev-keys.json"
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
