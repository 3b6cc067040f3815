"""Who sees which matter. Every page, API list, search, export and count starts from ``visible_matters``."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinfang.core.errors import NotFound
from xinfang.org.models import Unit, UnitKind
from xinfang.org.selectors import is_within, lineage_sql

from .models import Clock, ClockState, JointUnit, Matter, MatterType, ReviewRequest

# Units that oversee a jurisdiction rather than handle single matters: they see the whole subtree.
JURISDICTION_KINDS = {UnitKind.BUREAU, UnitKind.GOVERNMENT}


def _unit(actor: Any):
    return getattr(actor, "unit", None)


def sees_jurisdiction(actor: Any) -> bool:
    unit = _unit(actor)
    return unit is not None and unit.kind in JURISDICTION_KINDS


def visible_matters(actor: Any) -> QuerySet[Matter]:
    from xinfang.routing.models import Assignment

    unit = _unit(actor)
    if unit is None:
        return Matter.objects.none()
    if sees_jurisdiction(actor):
        scope = Q(region_code__startswith=unit.region.prefix)
    else:
        routed_here = Assignment.objects.filter(matter=OuterRef("pk"), unit_id=unit.pk)
        joint_here = JointUnit.objects.filter(matter=OuterRef("pk"), unit_id=unit.pk)
        # Art 35–36: the organ asked for a 复查 or 复核 decides it, so it sees the matter and its file.
        reviewing_here = ReviewRequest.objects.filter(matter=OuterRef("pk"), organ_id=unit.pk)
        scope = (
            Q(Exists(routed_here))
            | Q(Exists(joint_here))
            | Q(Exists(reviewing_here))
            | Q(handling_unit_id=unit.pk)
            | Q(registering_unit_id=unit.pk)
        )
    # Art 30¶3: the accused unit and its sub-units never see the accusation, whatever else would let them.
    return Matter.objects.filter(scope).exclude(
        matter_type=MatterType.ACCUSATION, accused_unit_id__in=lineage_sql(unit.pk)
    )


def shielded_from(matter: Matter, unit: Unit | None) -> bool:
    """条例第三十条第三款: an accusation is kept from the accused unit, from every unit below it and from
    everyone working in one of them — neither the matter nor who made it. The one rule behind
    ``visible_matters``, ``can_see_identity``, routing, joint handling and the routing proposals."""
    return (
        unit is not None
        and matter.matter_type == MatterType.ACCUSATION
        and is_within(unit, matter.accused_unit_id)
    )


def matter_for(actor: Any, number: str, *, for_update: bool = False) -> Matter:
    qs = visible_matters(actor).select_related("region", "registering_unit", "handling_unit", "accused_unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    matter = qs.filter(number=number).first()
    if matter is None:
        # Same answer whether the number exists or is out of scope: no existence oracle.
        raise NotFound("matter_not_found", f"未找到信访事项 {number}，或您无权查看")
    return matter


def can_see_identity(actor: Any, matter: Matter) -> bool:
    unit = _unit(actor)
    return unit is not None and not shielded_from(matter, unit)


def running_clocks(matter: Matter) -> QuerySet[Clock]:
    return matter.clocks.filter(state__in=[ClockState.RUNNING, ClockState.PAUSED]).order_by("due_at")


def matter_list(
    actor: Any,
    *,
    status: str | None = None,
    q: str | None = None,
    channel: str | None = None,
    alert: str | None = None,
    matter_type: str | None = None,
) -> QuerySet[Matter]:
    qs = visible_matters(actor).select_related("registering_unit", "handling_unit")
    if status:
        qs = qs.filter(status=status)
    if matter_type:
        qs = qs.filter(matter_type=matter_type)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if channel:
        qs = qs.filter(contacts__channel=channel).distinct()
    if alert:
        qs = qs.filter(
            Exists(Clock.objects.filter(matter=OuterRef("pk"), state=ClockState.RUNNING, alert=alert))
        )
    return qs.order_by("-created_at", "-id")
