"""Provisional days off for a year whose 国务院办公厅 holiday notice has not been entered yet.

The notice for a year usually appears in November of the year before, and until someone enters it every
period that reaches into that year would otherwise be counted as if it had no holidays at all: a 5-working-day
objection period (条例第二十三条第三款) started on 28 December would end on 1 January, a statutory holiday,
and a unit objecting on the real last day would be refused. What the notice will say is not known, but the
law already fixes most of it: 《全国年节及纪念日放假办法》第二条 lists the days every citizen has off, and
第六条 requires a holiday falling on a Saturday or Sunday to be made up on a working day (补假). Those days
are certain; only the bridging days and the make-up working days (调休) are the notice's to set. So past
the entered data the calendar counts them, every explanation says the dates are provisional, and loading the
notice replaces them (``cases.clocks`` recomputes the running clocks).

Pure Python (no Django). Lunar dates and the 清明 solar term come from ``lunar_python`` (computed, offline).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from .engine import WorkCalendar

ONE_DAY = timedelta(days=1)
#: 《全国年节及纪念日放假办法》as revised on 2024-11-10 (国务院令第795号), in force from 2025-01-01:
#: 春节 4 days (除夕 added) and 劳动节 2 days; the 2013 text before it had 3 and 1.
REVISION_2024_FROM = 2025
PROVISIONAL = "暂定"
#: Years after the last entered notice that get provisional days: enough for a handling period with extension,
#: 复查 and 复核 started late in the year, not so far that a future revision of the 办法 is guessed at.
YEARS_AHEAD = 3


def _lunar(year: int, month: int, day: int) -> date:
    from lunar_python import Lunar

    s = Lunar.fromYmd(year, month, day).getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def _qingming(year: int) -> date:
    from lunar_python import Lunar

    # The lunar year that starts in January/February of ``year`` holds that April's 清明.
    s = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(s.getYear(), s.getMonth(), s.getDay())


def statutory_holidays(year: int) -> list[tuple[str, list[date]]]:
    """The festivals of 第二条 in ``year``, each with its days off, in calendar order."""
    new_year = _lunar(year, 1, 1)
    revised = year >= REVISION_2024_FROM
    spring = [new_year - ONE_DAY] if revised else []  # 除夕 since the 2024 revision
    spring += [new_year + ONE_DAY * k for k in range(3)]
    labour = [date(year, 5, 1), date(year, 5, 2)] if revised else [date(year, 5, 1)]
    out = [
        ("元旦", [date(year, 1, 1)]),
        ("春节", spring),
        ("清明节", [_qingming(year)]),
        ("劳动节", labour),
        ("端午节", [_lunar(year, 5, 5)]),
        ("中秋节", [_lunar(year, 8, 15)]),
        ("国庆节", [date(year, 10, day) for day in (1, 2, 3)]),
    ]
    # A 除夕 of the next lunar year can fall on 31 December only in theory; keep each festival's days in
    # ``year`` so that a year's provisional days never spill into a year whose notice may be entered.
    return [(name, [d for d in days if d.year == year]) for name, days in out]


@lru_cache(maxsize=64)  # pure and ~8 ms a year (lunar_python); calendars are rebuilt after every edit
def provisional_days(year: int) -> tuple[tuple[date, str, str], ...]:
    """``(date, "holiday", name)`` rows for ``year``: the statutory days, then for each one that is a Saturday
    or Sunday a make-up day off (补假, 第六条) on the next weekday that is not already off. 中秋 and 国庆
    falling together (2020, 2031) share a day; the notice decides whether that gives an extra one."""
    off: dict[date, str] = {}
    festivals = statutory_holidays(year)
    for name, days in festivals:
        for d in days:
            off.setdefault(d, f"{name}（{PROVISIONAL}）")
    for name, days in festivals:
        owed = sum(1 for d in days if d.weekday() >= 5)
        day = max(days)  # every festival has a day in its year (除夕 is 20 January or later)
        while owed:
            day += ONE_DAY
            if day.year != year:
                break
            if day.weekday() < 5 and day not in off:
                off[day] = f"{name}补假（{PROVISIONAL}）"
                owed -= 1
    return tuple((d, "holiday", label) for d, label in sorted(off.items()))


def provisional_rows(
    known_until: date | None, years: int = YEARS_AHEAD, through_year: int | None = None
) -> list[tuple[date, str, str]]:
    """Provisional rows for the ``years`` years after ``known_until`` and at least through ``through_year``
    (the year after this one: a deployment whose notices were not entered for years still counts the
    statutory days); none when no notice is entered at all (nothing says which year the data starts in)."""
    if known_until is None:
        return []
    first = known_until.year + 1
    last = max(first + years - 1, through_year or 0)
    return [row for y in range(first, last + 1) for row in provisional_days(y)]


def with_provisional(
    rows: Iterable[tuple[date, str, str]], known_until: date | None, *, through_year: int | None = None
) -> WorkCalendar:
    """A calendar from entered ``rows`` (``WorkCalendar.from_days`` order: later wins) with the provisional
    statutory days of the years after ``known_until`` underneath them; ``known_until`` is kept, so results
    past it still say that they must be recomputed once the notice is entered."""
    extra = provisional_rows(known_until, through_year=through_year)
    calendar = WorkCalendar.from_days([*extra, *rows])
    return WorkCalendar(
        holidays=calendar.holidays,
        workdays=calendar.workdays,
        names=calendar.names,
        known_until=known_until,
        provisional=bool(extra),
    )
