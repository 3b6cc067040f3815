"""判重 in the workflow: an in-process MinHash-LSH index over every contact's text (refreshed incrementally
from the database), filtered to what the registrar may see, verified with exact overlap and passages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from xinfang.cases.selectors import visible_matters
from xinfang.intake.models import Contact
from xinfang.nlp.dedup import minhash
from xinfang.nlp.dedup.index import MinHashIndex
from xinfang.nlp.dedup.verify import verify

_lock = threading.Lock()


@dataclass
class _State:
    index: MinHashIndex = field(default_factory=MinHashIndex)
    last_id: int = 0


_state = _State()


def contact_text(title: str, request: str, facts: str, reasons: str) -> str:
    return "\n".join(p for p in (title, request, facts, reasons) if p)


def _refresh(batch: int = 5000) -> None:
    """Add contacts registered since the last refresh (any process may have written them)."""
    while True:
        rows = list(
            Contact.objects.filter(pk__gt=_state.last_id)
            .order_by("pk")
            .values_list("pk", "title", "request", "facts", "reasons", "received_at")[:batch]
        )
        if not rows:
            return
        texts = [contact_text(*r[1:5]) for r in rows]
        _state.index.add(
            np.array([r[0] for r in rows], dtype=np.int64),
            minhash.signatures(texts),
            np.array([int(r[5].timestamp()) for r in rows], dtype=np.int64),
        )
        _state.last_id = rows[-1][0]


def reset_index() -> None:
    with _lock:
        _state.index = MinHashIndex()
        _state.last_id = 0


def same_problem(actor: Any, text: str, *, limit: int = 5) -> list[dict[str, Any]]:
    """Earlier contacts about the same problem, best first, each with its score and overlapping passages."""
    with _lock:
        _refresh()
        candidates = _state.index.query(
            minhash.signature(text),
            time=int(timezone.now().timestamp()),
            window_days=settings.XINFANG_DUPLICATE_WINDOW_DAYS,
            limit=50,
        )
    if not candidates:
        return []
    ids = [int(c.id) for c in candidates]
    rows = (
        Contact.objects.filter(pk__in=ids, matter__in=visible_matters(actor))
        .select_related("matter")
        .only(
            "pk",
            "title",
            "request",
            "facts",
            "reasons",
            "received_at",
            "matter__number",
            "matter__title",
            "matter__status",
        )
    )
    found: list[dict[str, Any]] = []
    for row in rows:
        overlap = verify(text, contact_text(row.title, row.request, row.facts, row.reasons))
        if overlap.score < settings.XINFANG_DUPLICATE_MIN_SCORE:
            continue
        found.append(
            {
                "matter_number": row.matter.number,
                "title": row.matter.title,
                "status": row.matter.status,
                "received_at": row.received_at.isoformat(),
                "score": round(overlap.score, 3),
                "reason": f"内容相似（重合度{overlap.jaccard:.0%}，包含度{overlap.containment:.0%}）",
                "passages": overlap.passages[:3],
            }
        )
    found.sort(key=lambda f: -f["score"])
    # One row per matter: several contacts of the same matter say the same thing.
    unique: dict[str, dict[str, Any]] = {}
    for f in found:
        unique.setdefault(f["matter_number"], f)
    return list(unique.values())[:limit]
