"""Model files: a one-line magic, a JSON header, then a pickled payload.

The header is readable without unpickling (``read_header``) so the admin UI can show what a model is, and it
carries a SHA-256 of the payload: a truncated or edited file is rejected *before* pickle sees it. Pickle is
only ever loaded from files this deployment wrote itself (var/models), never from user uploads.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ModelLoadError

MAGIC = b"XINFANG-NLP-MODEL\n"
#: Bump when the pickled classes change incompatibly; older files are then refused with a clear message.
FORMAT_VERSION = 1
_MAX_HEADER = 1 << 20


def fingerprint(rows: Iterable[tuple[str, ...]]) -> str:
    """SHA-256 over the training rows (fields joined by unit/record separators), order-sensitive."""
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(row).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


def default_model_dir() -> Path:
    env = os.environ.get("XINFANG_MODEL_DIR")
    return Path(env) if env else Path("var") / "models"


def default_model_path(name: str = "category.model") -> Path:
    return default_model_dir() / name


def save(
    obj: Any, path: str | os.PathLike[str], *, kind: str, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write ``obj`` atomically (temp file + rename) and return the header that was written."""
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    header: dict[str, Any] = {
        "kind": kind,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
        **(meta or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            fh.write(json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return header


def _split(raw: bytes, path: Path) -> tuple[dict[str, Any], bytes]:
    if not raw.startswith(MAGIC):
        raise ModelLoadError(f"{path}: not an xinfang model file (bad magic)")
    end = raw.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise ModelLoadError(f"{path}: header missing or truncated")
    try:
        header = json.loads(raw[len(MAGIC) : end].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: header is corrupted ({exc})") from exc
    if not isinstance(header, dict):
        raise ModelLoadError(f"{path}: header is not an object")
    return header, raw[end + 1 :]


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(len(MAGIC) + _MAX_HEADER)
    except OSError as exc:
        raise ModelLoadError(f"{p}: cannot read model file ({exc.strerror or exc})") from exc
    return _split(raw, p)[0]


def load(path: str | os.PathLike[str], *, kind: str) -> tuple[Any, dict[str, Any]]:
    """Return ``(object, header)``; raise :class:`ModelLoadError` for anything unexpected."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"{p}: cannot read model file ({exc.strerror or exc})") from exc
    header, payload = _split(raw, p)
    if header.get("kind") != kind:
        raise ModelLoadError(f"{p}: holds a {header.get('kind')!r} model, expected {kind!r}")
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{p}: model format {header.get('format_version')!r} (package {header.get('package_version')!r}) "
            f"is not supported by this version (format {FORMAT_VERSION}, package {__version__}); retrain it"
        )
    if len(payload) != header.get("payload_bytes") or hashlib.sha256(payload).hexdigest() != header.get(
        "payload_sha256"
    ):
        raise ModelLoadError(f"{p}: checksum mismatch — the file is truncated or corrupted")
    try:
        # The checksum above proves the bytes are the ones this package wrote (files live in var/models).
        obj = pickle.load(io.BytesIO(payload))  # noqa: S301
    except Exception as exc:  # unpickling can raise almost anything (AttributeError for moved classes …)
        raise ModelLoadError(f"{p}: payload cannot be loaded ({type(exc).__name__}: {exc})") from exc
    return obj, header
