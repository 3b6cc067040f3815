from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xinfang.cases.models import Matter, MatterStatus
from xinfang.cases.selectors import visible_matters

from .models import Assignment, AssignmentState, Objection, ObjectionDecision


def unit_inbox(actor: Any) -> QuerySet[Assignment]:
    """What the receiving unit has to accept or object to."""
    return (
        Assignment.objects.filter(unit_id=actor.unit_id, state=AssignmentState.PENDING)
        .select_related("matter", "from_unit")
        .order_by("sent_at")
    )


def objections_to_decide(actor: Any) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(assignment__from_unit_id=actor.unit_id, decision=ObjectionDecision.PENDING)
        .select_related("assignment__matter", "assignment__unit")
        .order_by("submitted_at")
    )


def matters_to_route(actor: Any) -> QuerySet[Matter]:
    """待分流: registered matters this office must route (``services.routes_here``), oldest first — not every
    registered matter it can see."""
    return (
        visible_matters(actor)
        .filter(status=MatterStatus.REGISTERED, registering_unit_id=getattr(actor, "unit_id", None))
        .order_by("first_received_at", "id")
    )
