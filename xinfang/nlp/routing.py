"""Routing suggestions (pure part): category scores + place + rule candidates + history → top-3 units.

The Django side feeds rows; this module only ranks. Two signals:
- configured routing rules (category × jurisdiction → unit), weighted by the category probability and how
  specifically the rule's place matches (exact place > parent region > any place);
- history: how often the unit *accepted* matters of this category and place versus raised an objection
  (异议, Art 23¶3 of the 2022 条例: 5 working days). A smoothed acceptance rate with a volume factor keeps one
  lucky transfer from outranking a unit that accepted hundreds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

RULE_WEIGHT = 0.6
HISTORY_WEIGHT = 0.4


@dataclass(frozen=True, slots=True)
class RoutingRule:
    unit: str
    category: str | None = None  # None = any category
    place: str | None = None  # region code or name; matched as exact or prefix (parent region)
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class HistoryRow:
    category: str
    place: str | None
    unit: str
    accepted: int
    objected: int


@dataclass(frozen=True, slots=True)
class UnitSuggestion:
    unit: str
    score: float
    reasons: list[str] = field(default_factory=list)


def _place_factor(rule_place: str | None, place: str | None) -> tuple[float, str]:
    if not rule_place:
        return 0.5, "不限地域"
    if not place:
        return 0.3, f"规则地域 {rule_place}（来件未标地域）"
    if place == rule_place:
        return 1.0, f"地域一致 {place}"
    if place.startswith(rule_place) or (rule_place.rstrip("0") and place.startswith(rule_place.rstrip("0"))):
        return 0.8, f"上级地域 {rule_place}"
    return 0.0, ""


def suggest_units(
    category_scores: Mapping[str, float] | Iterable[tuple[str, float]],
    place: str | None,
    rules: Sequence[RoutingRule],
    history: Sequence[HistoryRow] = (),
    *,
    k: int = 3,
) -> list[UnitSuggestion]:
    """Top-``k`` units with a score in [0, 1] and human-readable reasons (Chinese, for the registrar)."""
    cats = dict(category_scores.items() if isinstance(category_scores, Mapping) else category_scores)
    rule_score: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)
    for r in rules:
        p_cat = 1.0 if r.category is None else cats.get(r.category, 0.0)
        pf, why = _place_factor(r.place, place)
        s = p_cat * pf * r.weight
        if s <= 0:
            continue
        if s > rule_score[r.unit]:
            rule_score[r.unit] = s
            cat_txt = f"类别“{r.category}”概率 {p_cat:.2f}" if r.category else "任意类别"
            reasons[r.unit] = [f"分流规则：{cat_txt}，{why}"]
    hist_score: dict[str, float] = defaultdict(float)
    hist_why: dict[str, tuple[float, str]] = {}
    for h in history:
        p_cat = cats.get(h.category, 0.0)
        pf, _ = _place_factor(h.place, place) if h.place else (0.5, "")
        n = h.accepted + h.objected
        if p_cat <= 0 or pf <= 0 or n <= 0:
            continue
        rate = (h.accepted + 1) / (n + 2)  # Laplace smoothing
        volume = min(1.0, math.log1p(n) / math.log(50))
        s = p_cat * pf * rate * volume
        hist_score[h.unit] += s
        if s > hist_why.get(h.unit, (0.0, ""))[0]:
            hist_why[h.unit] = (s, f"历史：“{h.category}”类受理 {h.accepted} 件、异议退回 {h.objected} 件")
    units = set(rule_score) | set(hist_score)
    ranked = []
    for u in units:
        score = RULE_WEIGHT * min(1.0, rule_score.get(u, 0.0)) + HISTORY_WEIGHT * min(
            1.0, hist_score.get(u, 0.0)
        )
        explanation = list(reasons.get(u, []))
        if u in hist_why:
            explanation.append(hist_why[u][1])
        ranked.append(UnitSuggestion(u, round(score, 4), explanation))
    ranked.sort(key=lambda s: (-s.score, s.unit))
    return ranked[:k]
