"""Tell a unit what reached it (转送/交办, objections, joint handling, 办结报告, overdue clocks) by e-mail
to its official mailbox, queued in the caller's transaction and sent after commit by ``xinfang.notify``.

A unit without a mailbox is simply not mailed: its inbox in the workspace is the authoritative channel, and
the notice is a convenience on top of it."""

from __future__ import annotations

from typing import Any

from xinfang.notify.models import Notification
from xinfang.notify.services import notify
from xinfang.org.models import Unit


def notify_unit(
    *, unit: Unit, template: str, context: dict[str, Any], matter: Any, actor: Any = None
) -> Notification | None:
    if not unit.email:
        return None
    return notify(
        channel="email",
        to=unit.email,
        template=template,
        context={"unit": unit.name, "number": matter.number, **context},
        matter_id=matter.pk,
        actor=actor,
    )


def responsible_unit(clock: Any) -> Unit | None:
    """Who must act before ``clock`` runs out: the receiving unit for 告知/异议/交办 clocks, the reviewing
    organ for 复查/复核, the registering office for 分流, otherwise the handling unit."""
    from xinfang.cases.models import ReviewRequest

    if clock.assignment_id:
        return clock.assignment.unit
    matter = clock.matter
    if clock.kind in ("review", "recheck"):
        level = "review" if clock.kind == "review" else "recheck"
        req = ReviewRequest.objects.filter(matter=matter, level=level).select_related("organ").first()
        return req.organ if req else None
    if clock.kind == "routing":
        return matter.registering_unit
    return matter.handling_unit


def notify_overdue(clock_id: int) -> Notification | None:
    """Mail the unit that must act when one of its statutory clocks has run out (Art 44–45 accountability)."""
    from xinfang.cases.models import Clock

    clock = Clock.objects.select_related(
        "matter__registering_unit", "matter__handling_unit", "assignment__unit"
    ).get(pk=clock_id)
    unit = responsible_unit(clock)
    # The objection period is a window the unit may let pass, not a duty: nothing to chase.
    if unit is None or clock.kind == "objection":
        return None
    return notify_unit(
        unit=unit,
        template="clock_overdue",
        context={"label": clock.label, "due_date": clock.due_on.isoformat()},
        matter=clock.matter,
    )
