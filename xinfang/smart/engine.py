"""Loads the deployment's models once per process (reloaded when the file changes): the category model and
the 判重 term statistics and threshold. Every failure degrades to "no suggestion": registration never
depends on them."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from django.conf import settings

from xinfang.nlp.classify import CategoryClassifier
from xinfang.nlp.dedup.detector import default_verifier
from xinfang.nlp.dedup.live import TermIndex
from xinfang.nlp.errors import NlpError

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cached: tuple[float, CategoryClassifier] | None = None


def model_path() -> Path:
    return Path(settings.XINFANG_MODEL_DIR) / "category.model"


def classifier() -> CategoryClassifier | None:
    global _cached
    path = model_path()
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    with _lock:
        if _cached is None or _cached[0] != mtime:
            try:
                _cached = (mtime, CategoryClassifier.load(str(path)))
            except NlpError as exc:
                log.warning("category model not loaded: %s", exc)
                return None
        return _cached[1]


def model_version() -> str:
    path = model_path()
    try:
        return f"category@{int(os.stat(path).st_mtime)}"
    except OSError:
        return ""


def dedup_terms_path() -> Path:
    return Path(settings.XINFANG_MODEL_DIR) / "dedup.terms"


def dedup_terms_mtime() -> float | None:
    try:
        return os.stat(dedup_terms_path()).st_mtime
    except OSError:
        return None


def load_dedup_terms() -> TermIndex | None:
    """A fresh copy of the 判重 term index written by ``smart_train`` (the caller adds new contacts to it)."""
    try:
        return TermIndex.load(dedup_terms_path())
    except NlpError as exc:
        if dedup_terms_mtime() is not None:
            log.warning("判重 term statistics not loaded: %s", exc)
        return None


def dedup_threshold_path() -> Path:
    return Path(settings.XINFANG_MODEL_DIR) / "dedup.threshold.json"


_threshold: tuple[tuple[Path, float | None], float] | None = None


def duplicate_threshold() -> float:
    """The 判重 operating threshold: the one tuned from registrars' verdicts (``smart_train``) when written,
    else the verifier's shipped one. Re-read when the file changes; a broken file means the shipped one."""
    global _threshold
    path = dedup_threshold_path()
    try:
        mtime: float | None = os.stat(path).st_mtime_ns / 1e9
    except OSError:
        mtime = None
    with _lock:
        if _threshold is None or _threshold[0] != (path, mtime):
            value = default_verifier().threshold
            if mtime is not None:
                try:
                    tuned = float(json.loads(path.read_text(encoding="utf-8"))["threshold"])
                    if 0.0 < tuned < 1.0:
                        value = tuned
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    log.warning("判重 threshold file ignored: %s", exc)
            _threshold = ((path, mtime), value)
        return _threshold[1]
