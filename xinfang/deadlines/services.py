"""Write side and the one entry point callers use to compute a statutory due date.

Every change to a calendar day or rule writes an audit event in the same transaction (the calendar decides
whether a unit met its legal deadline, so who changed it and when must be on record).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models, transaction

from xinfang.audit.services import record_event
from xinfang.core.errors import ValidationFailed

from . import engine
from .holidays import check_region_prefix, parse_holiday_file
from .models import CalendarDay, ClockKind, DayKind, DeadlineRule
from .selectors import calendar_for, rule_for
from .signals import calendar_changed
from .statutory import YEARS_AHEAD

# Statutory days are days in China whatever TIME_ZONE a deployment sets.
CHINA_TZ = ZoneInfo("Asia/Shanghai")
# 条例 Art 34: "延长期限不得超过30日".
MAX_EXTENSION_DAYS = 30


class DeadlineInputError(ValidationFailed, ValueError):
    """Bad input: a ``ValidationFailed`` for the UI/API and a ``ValueError`` for plain Python callers."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__("deadline_invalid", message, field=field)


def due_at_for(d: dt.date) -> dt.datetime:
    """A due date D means the end of day D in Beijing time: 23:59:59.999999 Asia/Shanghai, aware."""
    return dt.datetime.combine(d, dt.time.max, tzinfo=CHINA_TZ)


def compute_clock_due(
    *,
    region_code: str,
    clock: str,
    start: dt.date,
    pauses: Sequence[tuple[dt.date, dt.date]] = (),
    days: int | None = None,
) -> engine.DueDate:
    """Due date of ``clock`` started on ``start`` (not counted) in ``region_code``.

    ``days`` overrides the rule's length but keeps its mode and legal basis: a 交办 with its own deadline
    (条例 Art 22), or an approved extension shorter than the maximum (Art 34; start = the original due date).
    ``pauses`` are inclusive date ranges not counted, e.g. a 复核 hearing (Art 36¶2).
    """
    try:
        rule = rule_for(region_code, clock)
        if days is not None:
            engine.validate_days(days)
            if clock == ClockKind.EXTENSION and days > MAX_EXTENSION_DAYS:
                raise ValueError(
                    f"延长期限不得超过{MAX_EXTENSION_DAYS}日（《信访工作条例》第三十四条）：{days}"
                )
            if days != rule.days:
                rule = replace(rule, days=days, label=f"{rule.label}（指定期限）")
        return engine.compute_due(start, rule, calendar_for(region_code), pauses)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, DeadlineInputError):
            raise
        raise DeadlineInputError(str(exc)) from exc


def _day_state(day: CalendarDay | None) -> dict[str, Any] | None:
    if day is None:
        return None
    return {
        "date": day.date.isoformat(),
        "kind": day.kind,
        "name": day.name,
        "region_prefix": day.region_prefix,
        "source": day.source,
    }


def _check_prefix(region_prefix: str) -> str:
    try:
        return check_region_prefix(region_prefix)
    except ValueError as exc:
        raise DeadlineInputError(str(exc), field="region_prefix") from None


class _ChangedDays(threading.local):
    batch: list[dt.date] | None = None


_changed = _ChangedDays()


def _calendar_changed(day: dt.date, prefix: str, actor: Any) -> None:
    """Tell the keepers of due dates (``signals.calendar_changed``) — now, or at the end of a file load."""
    if _changed.batch is not None:
        _changed.batch.append(day)
    else:
        calendar_changed.send(sender=CalendarDay, first=day, last=day, region_prefix=prefix, actor=actor)


def calendar_day_set(
    *,
    date: dt.date,
    kind: str,
    name: str,
    region_prefix: str = "",
    actor: Any,
    source: str = "",
    reason: str = "",
) -> CalendarDay:
    """Create or change the day ``date`` for ``region_prefix``. No event when nothing changes."""
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        raise DeadlineInputError(f"日期无效：{date!r}", field="date")
    if kind not in DayKind.values:
        raise DeadlineInputError(f"类型只能是 holiday（放假）或 workday（调休上班）：{kind!r}", field="kind")
    name = (name or "").strip()
    if len(name) > 60:
        raise DeadlineInputError("名称不能超过60字", field="name")
    prefix = _check_prefix(region_prefix)
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date, region_prefix=prefix).first()
        old = _day_state(day)
        if day is None:
            day = CalendarDay(date=date, region_prefix=prefix)
        day.kind, day.name, day.source = kind, name, (source or "")[:200]
        new = _day_state(day)
        if old == new:
            return day
        day.save()
        record_event(
            actor=actor, verb="deadlines.calendar_day_set", subject=day, old=old, new=new, reason=reason
        )
        _calendar_changed(date, prefix, actor)
    return day


def calendar_day_delete(*, date: dt.date, region_prefix: str = "", actor: Any, reason: str = "") -> bool:
    """Remove the exception for ``date`` (it becomes an ordinary weekday/weekend). False if there was none."""
    prefix = _check_prefix(region_prefix)
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date, region_prefix=prefix).first()
        if day is None:
            return False
        # Record first: the event needs the row's pk, which delete() clears.
        record_event(
            actor=actor,
            verb="deadlines.calendar_day_deleted",
            subject=day,
            old=_day_state(day),
            reason=reason,
        )
        day.delete()
        _calendar_changed(date, prefix, actor)
    return True


def _rule_state(rule: DeadlineRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "region_prefix": rule.region_prefix,
        "clock": rule.clock,
        "days": rule.days,
        "working": rule.working,
        "roll_forward": rule.roll_forward,
        "legal_basis": rule.legal_basis,
        "note": rule.note,
    }


def deadline_rule_set(
    *,
    clock: str,
    days: int,
    working: bool,
    region_prefix: str = "",
    roll_forward: bool = True,
    legal_basis: str = "",
    note: str = "",
    actor: Any,
    reason: str = "",
) -> DeadlineRule:
    """Create or change the rule for ``clock`` in ``region_prefix`` ("" = national default)."""
    if clock not in ClockKind.values:
        raise DeadlineInputError(f"未知的期限类型：{clock!r}", field="clock")
    try:
        engine.validate_days(days)
    except (TypeError, ValueError) as exc:
        raise DeadlineInputError(str(exc), field="days") from None
    if clock == ClockKind.EXTENSION and days > MAX_EXTENSION_DAYS:
        raise DeadlineInputError(
            f"延长期限不得超过{MAX_EXTENSION_DAYS}日（《信访工作条例》第三十四条）", field="days"
        )
    prefix = _check_prefix(region_prefix)
    with transaction.atomic():
        rule = DeadlineRule.objects.select_for_update().filter(region_prefix=prefix, clock=clock).first()
        old = _rule_state(rule)
        if rule is None:
            rule = DeadlineRule(region_prefix=prefix, clock=clock)
        rule.days, rule.working, rule.roll_forward = days, bool(working), bool(roll_forward)
        rule.legal_basis, rule.note = (legal_basis or "")[:200], note or ""
        new = _rule_state(rule)
        if old == new:
            return rule
        rule.save()
        record_event(actor=actor, verb="deadlines.rule_set", subject=rule, old=old, new=new, reason=reason)
    return rule


def deadline_rule_delete(*, clock: str, region_prefix: str, actor: Any, reason: str = "") -> bool:
    """Drop a regional rule so the next shorter prefix applies. National defaults are edited, not deleted."""
    prefix = _check_prefix(region_prefix)
    if prefix == "":
        raise DeadlineInputError("全国默认规则不能删除，只能修改", field="region_prefix")
    with transaction.atomic():
        rule = DeadlineRule.objects.select_for_update().filter(region_prefix=prefix, clock=clock).first()
        if rule is None:
            return False
        record_event(
            actor=actor, verb="deadlines.rule_deleted", subject=rule, old=_rule_state(rule), reason=reason
        )
        rule.delete()
    return True


def load_holiday_file(
    path: str | Path,
    *,
    actor: Any = None,
    region_prefix: str | None = None,
    prune: bool = False,
    model: type[models.Model] | None = None,
) -> dict[str, int]:
    """Load one ``cn_holidays_YYYY.json``-style file; returns counts of created/updated/unchanged/deleted
    days and of running clocks whose due date moved (``signals.calendar_changed``).

    Normal use goes through ``calendar_day_set`` so each real change is audited and reloading is a no-op.
    ``prune`` also deletes this prefix's days between the file's first and last date that the file no longer
    lists (an amended notice, e.g. the 2020 Spring Festival extension cancelling the 2-01 make-up day).
    ``model`` is for the data migration: a historical ``CalendarDay`` is upserted directly, without audit —
    the audit tables need not exist yet at that point of the migration plan.
    """
    try:
        parsed = parse_holiday_file(path)
    except (OSError, ValueError) as exc:
        raise DeadlineInputError(f"无法读取节假日文件：{exc}") from exc
    prefix = _check_prefix(parsed.region_prefix if region_prefix is None else region_prefix)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0, "clocks_moved": 0}
    source = parsed.source[:200]
    manager: Any = model._default_manager if model is not None else CalendarDay.objects
    outer_batch = _changed.batch is None
    with transaction.atomic():
        if outer_batch:
            _changed.batch = []
        try:
            _load_entries(parsed, prefix, source, manager, model, actor, prune, counts)
            changed = _changed.batch if outer_batch else None
        finally:
            if outer_batch:
                _changed.batch = None
        if changed:
            # One recomputation of the running periods for the whole notice, in the same transaction.
            replies = calendar_changed.send(
                sender=CalendarDay, first=min(changed), last=max(changed), region_prefix=prefix, actor=actor
            )
            counts["clocks_moved"] += _clocks_moved(replies)
    return counts


def _load_entries(
    parsed: Any,
    prefix: str,
    source: str,
    manager: Any,
    model: type[models.Model] | None,
    actor: Any,
    prune: bool,
    counts: dict[str, int],
) -> None:
    wanted = {e.date for e in parsed.entries}
    first, last = min(wanted), max(wanted)
    existing = {d.date: d for d in manager.filter(region_prefix=prefix, date__gte=first, date__lte=last)}
    for e in parsed.entries:
        before = existing.get(e.date)
        same = before is not None and (before.kind, before.name, before.source) == (
            e.kind,
            e.name,
            source,
        )
        if same:
            counts["unchanged"] += 1
            continue
        counts["updated" if before is not None else "created"] += 1
        if model is not None:
            manager.update_or_create(
                date=e.date,
                region_prefix=prefix,
                defaults={"kind": e.kind, "name": e.name, "source": source},
            )
        else:
            calendar_day_set(
                date=e.date,
                kind=e.kind,
                name=e.name,
                region_prefix=prefix,
                actor=actor,
                source=source,
                reason=f"导入 {parsed.origin}",
            )
    if prune:
        for d in sorted(set(existing) - wanted):
            counts["deleted"] += 1
            if model is not None:
                existing[d].delete()
            else:
                calendar_day_delete(date=d, region_prefix=prefix, actor=actor, reason=f"导入 {parsed.origin}")


def clocks_recompute_past_calendar(*, actor: Any = None) -> int:
    """Compute again every running period that reaches past the entered national notices, against the
    calendar as it is now (``signals.calendar_changed`` for the provisional years of ``statutory``). For an
    upgrade: periods computed before the provisional statutory holidays existed counted 1 January as a
    working day. Returns how many due dates moved; each is on its matter's timeline (``clock.recomputed``)."""
    known = calendar_for("").known_until
    if known is None:
        return 0
    last = dt.date(known.year + YEARS_AHEAD, 12, 31)
    with transaction.atomic():
        replies = calendar_changed.send(
            sender=CalendarDay, first=known + dt.timedelta(days=1), last=last, region_prefix="", actor=actor
        )
    return _clocks_moved(replies)


def _clocks_moved(replies: list[tuple[Any, Any]]) -> int:
    """How many due dates the receivers of ``calendar_changed`` moved (each answers with a count)."""
    return sum(moved for _receiver, moved in replies if isinstance(moved, int))
