"""The 判重 operating threshold, adjusted by what registrars decided on the candidates they were shown.

The shipped threshold (``verifier.json``) was chosen on labelled pairs from another corpus. In production
every candidate shown carries its verifier probability, and the registrar either attaches the new contact to
it (confirmed), says it is not the same matter (rejected), or registers a new matter without a word
(ignored). Those verdicts are a labelled sample of the deployment's own pairs, so the threshold can move to
where the deployment's precision target holds with the best recall.

Only candidates that were shown are labelled: the ones above the threshold, plus the "possibly related" ones
shown just below it (``margin``). The tuner therefore never moves the threshold below the lowest score it has
verdicts for, and it needs ``min_verdicts`` before it moves at all; until then the shipped value stands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: Verdicts before the threshold may move: fewer would let a handful of clicks swing it.
MIN_VERDICTS = 30
#: "Ignored" candidates (shown, nothing said, a new matter registered) count as this much of a rejection:
#: the registrar probably looked and disagreed, but may not have looked at all.
IGNORED_WEIGHT = 0.5
#: The threshold moves in these steps and never beyond these bounds.
STEP, LOWEST, HIGHEST = 0.01, 0.2, 0.95


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float
    verdict: str  # "confirmed" | "rejected" | "ignored"


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    threshold: float
    prior: float
    verdicts: int
    confirmed: int
    rejected: int
    ignored: int
    precision: float | None  # of the verdicts at or above the chosen threshold
    recall: float | None  # of the confirmed ones the chosen threshold keeps
    prior_precision: float | None
    prior_recall: float | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _weights(v: Verdict) -> tuple[float, float]:
    """(same, not same) weight of one verdict."""
    if v.verdict == "confirmed":
        return 1.0, 0.0
    if v.verdict == "rejected":
        return 0.0, 1.0
    return 0.0, IGNORED_WEIGHT


def _at(verdicts: list[Verdict], t: float) -> tuple[float | None, float | None]:
    same_all = sum(_weights(v)[0] for v in verdicts)
    same = other = 0.0
    for v in verdicts:
        if v.score >= t:
            s, o = _weights(v)
            same, other = same + s, other + o
    precision = same / (same + other) if same + other else None
    recall = same / same_all if same_all else None
    return precision, recall


def tune(
    prior: float,
    verdicts: Iterable[Verdict],
    *,
    target_precision: float = 0.9,
    min_verdicts: int = MIN_VERDICTS,
) -> ThresholdChoice:
    """The threshold with the best recall among those whose precision on the verdicts reaches the target;
    among equals the one nearest the shipped threshold (a sample with no confirmed pair at 0.6 is no evidence
    that pairs at 0.6 are never the same). The lowest verdict score bounds it from below."""
    rows = [v for v in verdicts if v.verdict in {"confirmed", "rejected", "ignored"}]
    counts = {k: sum(v.verdict == k for v in rows) for k in ("confirmed", "rejected", "ignored")}
    prior_p, prior_r = _at(rows, prior)

    def choice(t: float, reason: str) -> ThresholdChoice:
        p, r = _at(rows, t)
        return ThresholdChoice(
            threshold=round(t, 2),
            prior=prior,
            verdicts=len(rows),
            confirmed=counts["confirmed"],
            rejected=counts["rejected"],
            ignored=counts["ignored"],
            precision=p,
            recall=r,
            prior_precision=prior_p,
            prior_recall=prior_r,
            reason=reason,
        )

    if len(rows) < min_verdicts:
        return choice(prior, f"只有 {len(rows)} 条判重确认/否定记录，少于 {min_verdicts} 条，沿用出厂阈值")
    if not counts["confirmed"]:
        return choice(prior, "尚无登记员确认的重复件，无法估计召回，沿用出厂阈值")
    floor = max(LOWEST, min(v.score for v in rows))
    grid = [round(floor + i * STEP, 2) for i in range(int((HIGHEST - floor) / STEP) + 1)]
    best: tuple[float, float, float] | None = None  # (recall, -distance from the prior, threshold)
    for t in grid:
        p, r = _at(rows, t)
        if p is not None and r is not None and p >= target_precision:
            key = (round(r, 9), -abs(t - prior), t)
            best = key if best is None or key > best else best
    if best is None:
        # No threshold reaches the target: the highest one that still keeps a confirmed pair.
        top = max(v.score for v in rows if v.verdict == "confirmed")
        t = min(HIGHEST, max(prior, math.floor(top / STEP + 1e-9) * STEP))
        return choice(t, f"任何阈值下准确率都达不到 {target_precision:.0%}，取保留已确认重复件的最高阈值")
    t = best[2]
    direction = "上调" if t > prior else "下调" if t < prior else "保持"
    return choice(
        t, f"按 {len(rows)} 条登记员判定，准确率不低于 {target_precision:.0%} 时召回最高：{direction}阈值"
    )
