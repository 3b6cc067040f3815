"""Routing rules are rows; this resolver ranks the ones that fit a matter. The registrar decides."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from xinfang.cases.models import Matter, MatterType
from xinfang.cases.selectors import shielded_from
from xinfang.org.models import Unit, UnitKind

from .models import RouteMode, RoutingRule


@dataclass
class RouteProposal:
    unit: Unit
    mode: str
    rule: RoutingRule | None
    reason: str
    deadline_days: int | None = None
    requires_report: bool = False

    @property
    def mode_label(self) -> str:
        return RouteMode(self.mode).label


def _text(matter: Matter) -> str:
    contacts = list(matter.contacts.all()[:3])
    return " ".join([matter.title] + [c.request + c.facts for c in contacts])


def propose_routes(matter: Matter, *, limit: int = 3) -> list[RouteProposal]:
    """Matching active rules, most specific first: longer region prefix and category prefix win, then
    priority. Accused units are never proposed for a 检举控告 matter (Art 30)."""
    rules = (
        RoutingRule.objects.filter(is_active=True, target_unit__is_active=True)
        .filter(Q(matter_type="") | Q(matter_type=matter.matter_type))
        .select_related("target_unit")
    )
    text = None
    scored: list[tuple[tuple[int, int, int], RoutingRule, list[str]]] = []
    for rule in rules:
        why: list[str] = []
        if rule.region_prefix:
            if not matter.region_code.startswith(rule.region_prefix):
                continue
            why.append(f"属地{rule.region_prefix}")
        if rule.category_prefix:
            if not matter.category.startswith(rule.category_prefix):
                continue
            why.append(f"分类“{rule.category_prefix}”")
        if rule.litigation_only:
            if not matter.is_litigation:
                continue
            why.append("涉法涉诉（诉访分离，第二十二条第二款）")
        if rule.matter_type:
            why.append(MatterType(rule.matter_type).label)
        if rule.keywords:
            text = text if text is not None else _text(matter)
            hits = [k for k in (w.strip() for w in rule.keywords.split(",")) if k and k in text]
            if not hits:
                continue
            why.append("关键词：" + "、".join(hits))
        if shielded_from(matter, rule.target_unit):
            continue
        specificity = (
            len(rule.region_prefix),
            len(rule.category_prefix) + (5 if rule.keywords else 0),
            -rule.priority,
        )
        scored.append((specificity, rule, why))
    scored.sort(key=lambda item: item[0], reverse=True)
    proposals: list[RouteProposal] = []
    seen: set[int] = set()
    for _spec, rule, why in scored:
        if rule.target_unit_id in seen:
            continue
        seen.add(rule.target_unit_id)
        proposals.append(
            RouteProposal(
                unit=rule.target_unit,
                mode=rule.mode,
                rule=rule,
                reason=f"规则“{rule.name}”：" + ("；".join(why) or "通用规则"),
                deadline_days=rule.deadline_days,
                requires_report=rule.requires_report,
            )
        )
        if len(proposals) >= limit:
            break
    if not proposals and matter.matter_type == MatterType.ACCUSATION:
        # Art 22¶2: 检举控告类 goes to 纪检监察 when no rule is more specific.
        discipline = Unit.objects.filter(
            kind=UnitKind.DISCIPLINE, is_active=True, region__prefix__in=_prefixes(matter.region_code)
        ).order_by("-region__prefix")
        for unit in discipline[:1]:
            proposals.append(
                RouteProposal(
                    unit=unit,
                    mode=RouteMode.TRANSFER,
                    rule=None,
                    reason="检举控告类事项转送纪检监察机关（第二十二条第二款）",
                )
            )
    return proposals


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
