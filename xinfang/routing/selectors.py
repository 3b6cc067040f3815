from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from xinfang.cases.models import Clock, ClockState, Matter, MatterStatus
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


def matters_to_route(actor: Any, *, sort: str = "due") -> QuerySet[Matter]:
    """待分流: registered matters this office must route (``services.routes_here``) — not every registered
    matter it can see — each with ``due_at``, when its routing clock runs out (Art 22: 15 days). ``sort``:
    "due" (the least time left first, the default), "received" (oldest first) or "-received"."""
    due = Clock.objects.filter(matter=OuterRef("pk"), kind="routing", state=ClockState.RUNNING).values(
        "due_at"
    )
    order = {
        "due": (F("due_at").asc(nulls_last=True), "first_received_at", "id"),
        "received": ("first_received_at", "id"),
        "-received": ("-first_received_at", "-id"),
    }.get(sort) or ("first_received_at", "id")
    return (
        visible_matters(actor)
        .filter(status=MatterStatus.REGISTERED, registering_unit_id=getattr(actor, "unit_id", None))
        .annotate(due_at=Subquery(due[:1]))
        .order_by(*order)
    )
