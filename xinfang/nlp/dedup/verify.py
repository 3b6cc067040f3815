"""Verification of a candidate pair: exact shingle overlap measures and the overlapping passages.

The MinHash estimate only ranks candidates. The decision uses exact sets: Jaccard catches reposts, and
containment (overlap ÷ the smaller set) catches a short follow-up ("还是没有解决…") quoting a longer
original, which Jaccard alone scores low. Passages shown to staff come from difflib's matching blocks.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from . import minhash

#: Operating threshold for "same matter" on the combined score (chosen on bench/nlp_dedup_quality.py).
SAME_MATTER_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Overlap:
    jaccard: float
    containment: float
    score: float
    passages: list[str] = field(default_factory=list)


def combined_score(jaccard: float, containment: float) -> float:
    """Mean of Jaccard and containment: 1.0 for copies; ≈ containment/2 for a short quote of a long text."""
    return 0.5 * jaccard + 0.5 * containment


def set_overlap(keys_a: np.ndarray, keys_b: np.ndarray) -> tuple[float, float]:
    if not len(keys_a) or not len(keys_b):
        return 0.0, 0.0
    inter = len(np.intersect1d(keys_a, keys_b, assume_unique=True))
    union = len(keys_a) + len(keys_b) - inter
    return inter / union, inter / min(len(keys_a), len(keys_b))


def passages(form_a: str, form_b: str, min_len: int = 8, limit: int = 5, max_chars: int = 3000) -> list[str]:
    """Longest common passages (≥ ``min_len`` chars) of two dedup forms, longest first."""
    sm = difflib.SequenceMatcher(None, form_a[:max_chars], form_b[:max_chars], autojunk=False)
    blocks = [form_a[m.a : m.a + m.size] for m in sm.get_matching_blocks() if m.size >= min_len]
    blocks.sort(key=len, reverse=True)
    return blocks[:limit]


def verify(text_a: str, text_b: str, *, with_passages: bool = True) -> Overlap:
    fa, fb = minhash.dedup_form(text_a), minhash.dedup_form(text_b)
    ka, kb = minhash.shingle_keys(fa), minhash.shingle_keys(fb)
    j, c = set_overlap(ka, kb)
    return Overlap(j, c, combined_score(j, c), passages(fa, fb) if with_passages and c > 0 else [])
