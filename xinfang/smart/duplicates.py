"""判重 in the workflow: the batch detector's candidates and verifier for one text being registered.

Candidates come from an in-process MinHash-LSH index over every contact's text (near-copies) and, when
``smart_train`` has written the deployment's term statistics (``var/models/dedup.terms``), from the postings
of each contact's rarest jieba words (the same 小区 or company told in other words). Both indexes are
refreshed incrementally from the database. Candidates the registrar may not see are dropped, the rest scored
by the 13-feature text verifier of :mod:`xinfang.nlp.dedup.detector` at its threshold: the cross-validated
one it ships with, or the one ``smart_train`` tuned from the registrars' verdicts
(``engine.duplicate_threshold``). Candidates just below it are returned too, marked ``near``, so the
registrar sees them as "possibly related".

Without term statistics (never trained, unreadable file) the look-up degrades to the LSH candidates and
exact overlap (``XINFANG_DUPLICATE_MIN_SCORE``): registration never depends on a model file.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from xinfang.cases.selectors import visible_matters
from xinfang.intake.models import Contact
from xinfang.nlp.dedup import live, minhash
from xinfang.nlp.dedup import terms as term_words
from xinfang.nlp.dedup.detector import default_verifier
from xinfang.nlp.dedup.index import MinHashIndex
from xinfang.nlp.dedup.verify import passages, verify
from xinfang.nlp.errors import NlpError

from . import engine

log = logging.getLogger(__name__)
_lock = threading.Lock()
#: Contacts segmented per look-up when the term index lags behind the database (jieba ≈ 1–5 ms each): a
#: process started long after ``smart_train`` catches up over several look-ups instead of stalling one.
TERM_REFRESH_BUDGET = 200


@dataclass
class _State:
    index: MinHashIndex = field(default_factory=MinHashIndex)
    last_id: int = 0
    terms: live.TermIndex | None = None
    terms_mtime: float | None = None


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


def _refresh_terms(budget: int = TERM_REFRESH_BUDGET) -> live.TermIndex | None:
    """(Re)load the term index when ``smart_train`` wrote a new one; profile up to ``budget`` new contacts."""
    mtime = engine.dedup_terms_mtime()
    if mtime != _state.terms_mtime:
        _state.terms = engine.load_dedup_terms() if mtime is not None else None
        _state.terms_mtime = mtime
    terms = _state.terms
    if terms is None:
        return None
    rows = (
        Contact.objects.filter(pk__gt=terms.last_id)
        .order_by("pk")
        .values_list("pk", "title", "request", "facts", "reasons", "received_at")[:budget]
    )
    for pk, title, request, facts, reasons, received in rows:
        terms.add(
            pk,
            int(received.timestamp()),
            live.profile(terms.stats, title, contact_text(title, request, facts, reasons)),
        )
    return terms


def reset_index() -> None:
    with _lock:
        _state.index = MinHashIndex()
        _state.last_id = 0
        _state.terms = None
        _state.terms_mtime = None


def term_index_build(*, stats_rows: int | None = 200_000, min_rows: int = 50) -> dict[str, Any]:
    """Fit the 判重 term statistics on the deployment's contacts and write ``dedup.terms`` atomically.

    Idf comes from the newest ``stats_rows`` contacts (segmenting ≈ 300 texts/s/core); every contact gets
    a profile, so a process loading the file only has to profile contacts registered after it."""
    started = time.perf_counter()
    qs = Contact.objects.order_by("pk").values_list(
        "pk", "title", "request", "facts", "reasons", "received_at"
    )
    count = qs.count()
    if count < min_rows:
        raise NlpError(f"信访件只有 {count} 件，至少需要 {min_rows} 件才能统计判重词频")
    rows = (
        (pk, int(received.timestamp()), title, contact_text(title, request, facts, reasons))
        for pk, title, request, facts, reasons, received in qs.iterator(chunk_size=2000)
    )
    index = live.build(rows, stats_rows=stats_rows)
    path = engine.dedup_terms_path()
    header = index.save(path)
    return {
        "contacts": len(index),
        "documents": index.stats.n,
        "bytes_per_contact": round(index.nbytes() / max(len(index), 1)),
        "seconds": round(time.perf_counter() - started, 1),
        "path": str(path),
        "created_at": header["created_at"],
    }


def _days(a: float, b: float) -> float:
    return abs(a - b) / 86_400


def same_problem(
    actor: Any, text: str, *, title: str = "", limit: int = 5, near_limit: int = 3
) -> list[dict[str, Any]]:
    """Earlier contacts about the same problem, best first, each with its score, the reason (overlap, shared
    key words) and the overlapping passages. ``text`` is the whole text (title included). Up to ``limit``
    above the threshold, then up to ``near_limit`` just below it, marked ``near`` (possibly related)."""
    now = timezone.now().timestamp()
    window = settings.XINFANG_DUPLICATE_WINDOW_DAYS
    q_profile: live.Profile | None = None
    with _lock:
        _refresh()
        candidates = _state.index.query(minhash.signature(text), time=int(now), window_days=window, limit=50)
        ids = [int(c.id) for c in candidates]
        terms = _refresh_terms()
        profiles: dict[int, live.Profile] = {}
        if terms is not None:
            q_profile = live.profile(terms.stats, title, text, keep_words=True)
            for cid in terms.neighbours(q_profile, time=int(now), window_days=window, limit=20):
                if cid not in ids:
                    ids.append(cid)
            for cid in ids:
                p = terms.profile_of(cid)
                if p is not None:
                    profiles[cid] = p
    if not ids:
        return []
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
    if terms is None or q_profile is None:
        scored = [_overlap_only(text, row) for row in rows]
    else:
        scored = _verified(terms.stats, q_profile, title, text, now, rows, profiles)
    found = [f for f in scored if f is not None]
    found.sort(key=lambda f: -f["score"])
    # One row per matter: several contacts of the same matter say the same thing.
    unique: dict[str, dict[str, Any]] = {}
    for f in found:
        unique.setdefault(f["matter_number"], f)
    ranked = list(unique.values())
    shown = [f for f in ranked if not f.get("near")][:limit] + [f for f in ranked if f.get("near")][
        :near_limit
    ]
    for f in shown:  # difflib and jieba are the slow parts: only for what is shown
        other = f.pop("_text")
        f["passages"] = passages(minhash.dedup_form(text), minhash.dedup_form(other))[:3]
        mine = f.pop("_objects", None)
        if mine:
            _name_conflict(f, mine, other)
    return shown


def _name_conflict(found: dict[str, Any], mine: list[str], other: str) -> None:
    """Both texts name a place or body and none is shared (a lift in 滨海华庭, a lift in 青山公寓): shown
    in the reason with the names, for the registrar to judge. Not used to demote the candidate: on the real
    check pairs every flagged pair with such a conflict was the same matter (typos 中茂城/中贸城, descriptive
    业主小区), and the verifier gives the conflict almost no weight (bench/nlp_dedup_quality.py)."""
    theirs = [w for w in dict.fromkeys(term_words.words(other)) if term_words.is_object_word(w)]
    if mine and theirs:
        conflict = f"所涉对象不同：本件为{'、'.join(mine[:2])}，该件为{'、'.join(theirs[:2])}"
        reason = found["reason"]  # "内容相似（…）" from _verified: the names go inside the brackets
        found["reason"] = f"{reason[:-1]}；{conflict}）" if reason.endswith("）") else f"{reason}；{conflict}"


def _row(row: Contact, score: float, reason: str, text: str) -> dict[str, Any]:
    return {
        "matter_number": row.matter.number,
        "title": row.matter.title,
        "status": row.matter.status,
        "received_at": row.received_at.isoformat(),
        "score": round(score, 3),
        "reason": reason,
        "terms": [],
        "near": False,
        "_text": text,
    }


def _overlap_only(text: str, row: Contact) -> dict[str, Any] | None:
    """The fallback without term statistics: exact char-shingle overlap."""
    other = contact_text(row.title, row.request, row.facts, row.reasons)
    overlap = verify(text, other, with_passages=False)
    if overlap.score < settings.XINFANG_DUPLICATE_MIN_SCORE:
        return None
    return _row(
        row, overlap.score, f"内容相似（重合度{overlap.jaccard:.0%}，包含度{overlap.containment:.0%}）", other
    )


def _verified(
    stats: live.CorpusStats,
    q: live.Profile,
    title: str,
    text: str,
    now: float,
    rows: Any,
    profiles: dict[int, live.Profile],
) -> list[dict[str, Any] | None]:
    verifier = default_verifier()
    threshold = engine.duplicate_threshold()
    floor = max(0.0, threshold - settings.XINFANG_DUPLICATE_NEAR_MARGIN)
    q_form = minhash.dedup_form(text)
    q_tform = minhash.dedup_form(title) or q_form[:30]
    q_char, q_tchar = stats.char_vector(q_form), stats.char_vector(q_tform)
    out: list[dict[str, Any] | None] = []
    for row in rows:
        other = contact_text(row.title, row.request, row.facts, row.reasons)
        # A contact registered after the term index's last refresh is profiled here (bounded: rare).
        c = profiles.get(row.pk) or live.profile(stats, row.title, other)
        c_form = minhash.dedup_form(other)
        vals, shared = live.pair_features(
            stats,
            q_form,
            c_form,
            q_tform,
            minhash.dedup_form(row.title) or c_form[:30],
            q,
            c,
            _days(now, row.received_at.timestamp()),
            q_char=q_char,
            q_title_char=q_tchar,
        )
        p = verifier.probability(vals)
        if p < floor:
            out.append(None)
            continue
        f = live.features_dict(vals)
        words = [q.words[k] for k in shared[:4] if k in q.words]
        parts = [f"正文重合度{f['jaccard']:.0%}，包含度{f['containment']:.0%}"]
        if f["title_cosine"] >= 0.4:
            parts.append(f"标题相似{f['title_cosine']:.0%}")
        objects = [q.words[k] for k in live.shared_objects(stats, q, c) if k in q.words]
        if objects:
            parts.append(f"同一对象：{'、'.join(objects[:3])}")
        if words:
            parts.append(f"共同关键词：{'、'.join(words)}")
        r = _row(row, p, f"内容相似（{'；'.join(parts)}）", other)
        r["terms"] = words
        r["near"] = p < threshold
        if f["object_conflict"] >= 1.0:  # named in the reason once shown (same_problem)
            r["_objects"] = [q.words[int(k)] for k in q.keys[q.objects] if int(k) in q.words]
        r["threshold"] = round(threshold, 3)
        out.append(r)
    return out
