"""Read side: the working calendar and the period rule that apply to a region code (GB/T 2260).

Both are cached per process because every clock start and every sweep asks for them, and the tables change a
few times a year. Invalidation:
- a save/delete of ``CalendarDay``/``DeadlineRule`` (signals) clears this process's cache at once and,
  when the transaction commits, writes a new version token to Django's cache; other processes compare that
  token on each call and rebuild when it changed. Bumping only on commit matters: bumping earlier would let
  another process rebuild from the old committed rows and then keep them under the new token.
- until that transaction ends, this process builds fresh calendars but does not store them, so a rollback
  cannot leave uncommitted days in the cache.
With ``DummyCache`` there is no shared token and other processes only see edits after a restart.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .defaults import NATIONAL_BY_CLOCK
from .engine import PeriodRule, WorkCalendar
from .holidays import REGION_PREFIX_RE
from .models import CalendarDay, ClockKind, DeadlineRule
from .statutory import with_provisional

VERSION_KEY = "xinfang:deadlines:version"
# How often a process looks at the shared version token: an edit made in another process is seen within this
# many seconds (a shared file/Redis cache read on every clock start cost ~1 ms a registration).
VERSION_CHECK_SECONDS = 1.0
_MAX_CALENDARS = 2048  # distinct region codes kept per process; a county-level deployment needs a handful


class _Local:
    def __init__(self) -> None:
        self.version: object = None
        self.calendars: dict[str, WorkCalendar] = {}
        self.rules: dict[tuple[str, str], PeriodRule] | None = None
        self.dirty = False  # an edit in a transaction that has not ended yet
        self.checked_at = float("-inf")  # monotonic time of the last look at the shared version token


_local = _Local()
_lock = threading.Lock()


def _clear_local() -> None:
    _local.calendars = {}
    _local.rules = None


def _bump_version() -> None:
    token = uuid.uuid4().hex
    cache.set(VERSION_KEY, token, timeout=None)
    with _lock:
        _clear_local()
        _local.version = token
        _local.dirty = False


def invalidate() -> None:
    """Called on every calendar/rule change; see the module docstring."""
    with _lock:
        _clear_local()
        _local.dirty = True
    transaction.on_commit(_bump_version)  # runs at once outside a transaction


def clear_cache() -> None:
    """Forget everything cached in this process (tests; after loading data outside the ORM)."""
    with _lock:
        _clear_local()
        _local.version = None
        _local.dirty = False
        _local.checked_at = float("-inf")


def _cache_usable() -> bool:
    with _lock:
        if _local.dirty and not transaction.get_connection().in_atomic_block:
            _clear_local()  # the editing transaction ended (commit or rollback): start afresh
            _local.dirty = False
        now = time.monotonic()
        if now - _local.checked_at >= VERSION_CHECK_SECONDS:
            _local.checked_at = now
            token = cache.get(VERSION_KEY)
            if token != _local.version:
                _clear_local()
                _local.version = token
        return not _local.dirty


def check_region_code(region_code: str) -> str:
    if not isinstance(region_code, str) or not REGION_PREFIX_RE.match(region_code):
        raise ValueError(f"地区代码只能是0至12位数字（全国为空）：{region_code!r}")
    return region_code


def prefixes_of(region_code: str) -> list[str]:
    """ "440305" → ["", "4", "44", "440", "4403", "44030", "440305"] (national first)."""
    code = check_region_code(region_code)
    return [code[:i] for i in range(len(code) + 1)]


def _build_calendar(region_code: str) -> WorkCalendar:
    rows = list(
        CalendarDay.objects.filter(region_prefix__in=prefixes_of(region_code)).values_list(
            "date", "kind", "name", "region_prefix"
        )
    )
    # National rows first, then ever longer prefixes: a local row overrides the national one for its date.
    rows.sort(key=lambda r: (len(r[3]), r[0]))
    # Coverage is the national notices' — a province loading a few local days for a later year does not
    # make that year's national holidays known.
    national = [r[0] for r in rows if r[3] == ""]
    known_until = date(max(national).year, 12, 31) if national else None
    # Past it, the statutory days of the 办法 count provisionally; entered rows (local ones too) win.
    days = ((d, kind, name) for d, kind, name, _ in rows)
    return with_provisional(days, known_until, through_year=timezone.localdate().year + 1)


def calendar_for(region_code: str) -> WorkCalendar:
    """National days plus the days of every region prefix that ``region_code`` starts with."""
    code = check_region_code(region_code)
    usable = _cache_usable()
    if usable:
        hit = _local.calendars.get(code)
        if hit is not None:
            return hit
    calendar = _build_calendar(code)
    if usable:
        with _lock:
            if len(_local.calendars) >= _MAX_CALENDARS:
                _local.calendars = {}
            _local.calendars[code] = calendar
    return calendar


def _to_rule(clock: str, days: int, working: bool, roll_forward: bool, legal_basis: str) -> PeriodRule:
    return PeriodRule(
        days=days,
        working=working,
        roll_forward=roll_forward,
        label=str(ClockKind(clock).label),
        legal_basis=legal_basis,
    )


def _rule_table() -> dict[tuple[str, str], PeriodRule]:
    usable = _cache_usable()
    if usable and _local.rules is not None:
        return _local.rules
    table = {
        (prefix, clock): _to_rule(clock, days, working, roll, basis)
        for prefix, clock, days, working, roll, basis in DeadlineRule.objects.values_list(
            "region_prefix", "clock", "days", "working", "roll_forward", "legal_basis"
        )
        if clock in ClockKind.values
    }
    if usable:
        with _lock:
            _local.rules = table
    return table


def rule_for(region_code: str, clock: str) -> PeriodRule:
    """The rule for ``clock`` in ``region_code``: the longest matching region prefix wins, national last.

    If even the national row is missing (deleted by hand), the built-in default from ``defaults`` is used so
    a clock can still be started.
    """
    if clock not in ClockKind.values:
        raise ValueError(f"未知的期限类型：{clock!r}（可选：{'、'.join(ClockKind.values)}）")
    table = _rule_table()
    for prefix in reversed(prefixes_of(region_code)):
        rule = table.get((prefix, clock))
        if rule is not None:
            return rule
    d = NATIONAL_BY_CLOCK[clock]
    return _to_rule(clock, d.days, d.working, d.roll_forward, d.legal_basis)


def rules_for(region_code: str) -> dict[str, PeriodRule]:
    """Every clock's effective rule in ``region_code`` — for settings pages and the 期限说明 panel."""
    return {clock: rule_for(region_code, clock) for clock in ClockKind.values}


#: How far ahead the calendar must be known before the workspace asks for next year's notice: a handling
#: period (60 days, Art 34) plus the longest extension (30 days) started today.
COVERAGE_HORIZON_DAYS = 90


def calendar_coverage_notice(today: date) -> str | None:
    """A reminder for the workspace when periods starting today can run past the entered holiday data —
    in practice every November and December until the State Council's notice for the next year is entered.
    None when the calendar reaches far enough."""
    known = calendar_for("").known_until
    horizon = today + timedelta(days=COVERAGE_HORIZON_DAYS)
    if known is not None and known >= horizon:
        return None
    missing = f"{known.year + 1}年" if known is not None else "各年度"
    since = f"已录入的节假日安排至 {known.isoformat()}；" if known is not None else "尚未录入任何节假日安排；"
    return (
        f"{since}{missing}的放假调休安排尚未录入。"
        "届满日在此之后的期限暂按《全国年节及纪念日放假办法》规定的法定节假日及周末补假计算、"
        "不含调休（期限说明中已注明），"
        "国务院办公厅通知公布后，请系统管理员在“系统管理 → 节假日/调休日”中录入，"
        "录入后正在计时的期限自动重新计算。"
    )
