"""Statutory clocks on matters: start, complete, and the sweeper that marks 即将到期 / 逾期."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.core.rows import insert
from xinfang.deadlines.engine import DueDate
from xinfang.deadlines.services import compute_clock_due, due_at_for

from .models import AlertLevel, Clock, ClockState, Matter

CLOCK_LABELS = {
    "routing": "分流转送（15日）",
    "notice": "受理告知（15日）",
    "objection": "异议期（5个工作日）",
    "assigned": "交办办理期限",
    "handling": "办理期限（60日）",
    "review": "复查期限（30日）",
    "recheck": "复核期限（30日，听证时间不计入）",
}


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now()).date()


def clock_start(
    *,
    matter: Matter,
    kind: str,
    start: dt.date,
    actor: Any,
    assignment: Any = None,
    days: int | None = None,
    due: DueDate | None = None,
) -> Clock:
    """Start the ``kind`` clock of ``matter`` counted from ``start``. ``due`` is
    ``compute_clock_due(region_code=matter.region_code, clock=kind, start=start, days=days)`` when the caller
    computed it already (registration does, before taking its locks)."""
    if due is None:
        due = compute_clock_due(region_code=matter.region_code, clock=kind, start=start, days=days)
    clock = clock_prepare(kind=kind, start=start, due=due, days=days)
    clock.assignment = assignment
    return clock_insert(clock, matter=matter, actor=actor)


def clock_prepare(*, kind: str, start: dt.date, due: DueDate, days: int | None = None) -> Clock:
    """The unsaved clock (label, due date and its explanation) — no database: a registration builds it
    before taking the write lock; ``clock_insert`` writes it."""
    label = CLOCK_LABELS.get(kind, kind)
    if kind == "assigned" and days:
        label = f"交办办理期限（{days}日）"
    return Clock(
        kind=kind,
        label=label,
        started_on=start,
        due_on=due.due,
        due_at=due_at_for(due.due),
        explanation=due.to_dict(),
    )


def clock_insert(clock: Clock, *, matter: Matter, actor: Any) -> Clock:
    """Write a prepared clock of ``matter`` with its ``clock.started`` event (caller's transaction)."""
    clock.matter = matter
    insert(clock)
    return clock_started(clock, actor=actor)


def clock_started(clock: Clock, *, actor: Any) -> Clock:
    """Record the ``clock.started`` event of a clock just inserted (for a caller that orders its events)."""
    record_event(
        actor=actor,
        verb="clock.started",
        subject=clock,
        matter_id=clock.matter_id,
        new={"kind": clock.kind, "label": clock.label, "due_on": clock.due_on.isoformat()},
    )
    return clock


def clock_complete(
    *, matter: Matter, kind: str, actor: Any, assignment: Any = None, cancel: bool = False
) -> Clock | None:
    """Stop the running clock of ``kind``. Met late if done after ``due_at`` (feeds 考核, Art 44–45)."""
    qs = Clock.objects.filter(matter=matter, kind=kind, state__in=[ClockState.RUNNING, ClockState.PAUSED])
    if assignment is not None:
        qs = qs.filter(assignment=assignment)
    clock = qs.select_for_update().first()
    if clock is None:
        return None
    now = timezone.now()
    if cancel:
        clock.state = ClockState.CANCELLED
    else:
        clock.state = ClockState.MET if now <= clock.due_at else ClockState.MET_LATE
    clock.completed_at = now
    clock.save(update_fields=["state", "completed_at"])
    record_event(
        actor=actor,
        verb="clock.completed",
        subject=clock,
        matter_id=matter.pk,
        new={
            "kind": kind,
            "label": clock.label,
            "state": clock.state,
            "state_label": ClockState(clock.state).label,
        },
    )
    return clock


def sweep_clocks(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark running clocks 即将到期 / 逾期 and record each change once.

    Claimed with a conditional UPDATE (``alert`` still at the old level) so two sweepers never double-record.
    """
    now = now or timezone.now()
    soon_edge = now + dt.timedelta(days=settings.XINFANG_DUE_SOON_DAYS)
    counts = {"soon": 0, "overdue": 0}
    running = Clock.objects.filter(state=ClockState.RUNNING)
    for level, filt, old_levels in (
        (AlertLevel.OVERDUE, {"due_at__lt": now}, [AlertLevel.NONE, AlertLevel.SOON]),
        (AlertLevel.SOON, {"due_at__gte": now, "due_at__lt": soon_edge}, [AlertLevel.NONE]),
    ):
        candidates = list(
            running.filter(alert__in=old_levels, **filt).values_list("pk", "matter_id", "label")
        )
        for pk, matter_id, label in candidates:
            with transaction.atomic():
                claimed = Clock.objects.filter(pk=pk, alert__in=old_levels).update(alert=level)
                if not claimed:
                    continue
                clock = Clock(pk=pk)
                record_event(
                    actor=None,
                    verb=f"clock.{level}",
                    subject=clock,
                    matter_id=matter_id,
                    new={"alert": level, "label": label},
                )
                if level == AlertLevel.OVERDUE:
                    from xinfang.routing.notices import notify_overdue  # routing depends on cases

                    notify_overdue(pk)
            counts[str(level)] += 1
    return counts


def clocks_recompute(
    *, first: dt.date, last: dt.date, region_prefix: str = "", actor: Any = None, reason: str = ""
) -> int:
    """Compute again, against the calendar as it is now, every running clock whose period reaches into
    ``first``…``last`` (days just changed in the holiday calendar, e.g. the next year's State Council notice
    entered in December, while clocks started in November run into January). Each clock keeps its start, its
    rule as applied when it started (length, mode, legal basis) and its pauses; only the days off may change
    its due date. A moved due date is written with its new explanation and a ``clock.recomputed`` event, and
    its 即将到期/逾期 mark is cleared for the sweeper to set again. Returns how many clocks moved.

    A day can only matter to a period that runs past it: clocks started on or after ``last`` or due before
    ``first`` are left alone. Paused clocks are computed again when they resume."""
    from xinfang.deadlines.engine import compute_due
    from xinfang.deadlines.selectors import calendar_for

    qs = Clock.objects.filter(state=ClockState.RUNNING, due_on__gte=first, started_on__lt=last)
    if region_prefix:
        qs = qs.filter(matter__region_code__startswith=region_prefix)
    moved = 0
    calendars: dict[str, Any] = {}  # inside the editing transaction calendar_for builds afresh on every call
    with transaction.atomic():
        for clock in qs.select_for_update(of=("self",)).select_related("matter").order_by("pk"):
            if not clock.explanation:
                continue
            region = clock.matter.region_code
            if region not in calendars:
                calendars[region] = calendar_for(region)
            before = DueDate.from_dict(clock.explanation)
            after = compute_due(before.start, before.rule, calendars[region], before.paused)
            if after.due == clock.due_on:
                if (after.calendar_known_until, after.calendar_provisional) != (
                    before.calendar_known_until,
                    before.calendar_provisional,
                ):
                    # Same day, but the explanation no longer warns that the period runs past the calendar.
                    clock.explanation = after.to_dict()
                    clock.save(update_fields=["explanation"])
                continue
            old_due = clock.due_on
            clock.due_on, clock.due_at, clock.explanation = after.due, due_at_for(after.due), after.to_dict()
            clock.alert = AlertLevel.NONE
            clock.save(update_fields=["due_on", "due_at", "explanation", "alert"])
            record_event(
                actor=actor,
                verb="clock.recomputed",
                subject=clock,
                matter_id=clock.matter_id,
                old={"due_on": old_due.isoformat()},
                new={"label": clock.label, "due_on": after.due.isoformat()},
                reason=reason or "节假日安排变更，期限按新的节假日安排重新计算",
            )
            moved += 1
    return moved


def clocks_follow_calendar(
    *, first: dt.date, last: dt.date, region_prefix: str = "", actor: Any = None, **_: Any
) -> int:
    """Receiver of ``deadlines.signals.calendar_changed``. From 1 January of the first changed day's year:
    a day entered for a new year makes that whole year's calendar known, so every clock running into it
    loses its "runs past the calendar" warning even where its due date stays."""
    return clocks_recompute(
        first=first.replace(month=1, day=1), last=last, region_prefix=region_prefix, actor=actor
    )
