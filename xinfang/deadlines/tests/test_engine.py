"""The pure engine against the real 2025/2026 calendars (no database)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.deadlines.engine import (
    PAUSE_REASON,
    DueDate,
    PeriodRule,
    WorkCalendar,
    add_calendar_days,
    add_working_days,
    compute_due,
    next_working_day,
    normalize_pauses,
    working_days_between,
)

D = date
OBJECTION = PeriodRule(5, working=True, label="异议", legal_basis="《信访工作条例》第二十三条第三款")
NOTICE = PeriodRule(15, working=False, label="受理告知", legal_basis="《信访工作条例》第二十三条")


def test_calendar_basics(cn_calendar: WorkCalendar) -> None:
    assert cn_calendar.is_working_day(D(2025, 9, 28))  # 调休上班 Sunday
    assert cn_calendar.is_working_day(D(2025, 10, 11))  # 调休上班 Saturday
    assert not cn_calendar.is_working_day(D(2025, 10, 6))  # 国庆 on a Monday
    assert not cn_calendar.is_working_day(D(2025, 10, 18))  # ordinary Saturday
    assert cn_calendar.is_working_day(D(2025, 10, 9))  # ordinary Thursday
    assert cn_calendar.day_off_reason(D(2025, 10, 6)) == "国庆节、中秋节"
    assert cn_calendar.day_off_reason(D(2025, 10, 18)) == "休息日"


def test_calendar_rejects_a_day_that_is_both() -> None:
    with pytest.raises(ValueError, match="既是放假日又是调休上班日"):
        WorkCalendar(holidays=frozenset({D(2025, 1, 1)}), workdays=frozenset({D(2025, 1, 1)}))


def test_overlay_local_day_wins() -> None:
    national = WorkCalendar(holidays=frozenset({D(2025, 5, 5)}), names={D(2025, 5, 5): "劳动节"})
    local = WorkCalendar(workdays=frozenset({D(2025, 5, 5)}), names={D(2025, 5, 5): "本地调整"})
    merged = national.overlay(local)
    assert merged.is_working_day(D(2025, 5, 5))
    assert merged.names[D(2025, 5, 5)] == "本地调整"


def test_objection_across_national_day_2025(cn_calendar: WorkCalendar) -> None:
    # 9-27 Sat rest; 9-28 Sun make-up counts; 9-29, 9-30; 10-01…10-08 off; 10-09, 10-10.
    due = compute_due(D(2025, 9, 26), OBJECTION, cn_calendar)
    assert due.due == D(2025, 10, 10)
    assert due.counted_days == [
        D(2025, 9, 28),
        D(2025, 9, 29),
        D(2025, 9, 30),
        D(2025, 10, 9),
        D(2025, 10, 10),
    ]
    skipped = dict(due.skipped)
    assert all(skipped[D(2025, 10, d)] == "国庆节、中秋节" for d in range(1, 9))
    assert skipped[D(2025, 9, 27)] == "休息日"
    assert due.makeup_counted == [(D(2025, 9, 28), "国庆节、中秋节调休上班")]
    assert due.rolled_from is None


def test_working_days_spring_festival_2026(cn_calendar: WorkCalendar) -> None:
    # 2-13 Fri (1), 2-14 Sat make-up (2), 2-15…2-23 off, 2-24 (3), 2-25 (4), 2-26 (5).
    assert add_working_days(D(2026, 2, 12), 5, cn_calendar) == D(2026, 2, 26)
    # 2-28 (Sat) is a make-up working day and counts.
    assert add_working_days(D(2026, 2, 26), 2, cn_calendar) == D(2026, 2, 28)


def test_calendar_period_ending_in_spring_festival_2025_rolls(cn_calendar: WorkCalendar) -> None:
    due = compute_due(D(2025, 1, 15), NOTICE, cn_calendar)
    assert due.rolled_from == D(2025, 1, 30)
    assert due.due == D(2025, 2, 5)  # first working day after 1-28…2-04
    assert len(due.counted_days) == 15
    assert due.rolled_reason == "春节"


def test_calendar_period_ending_in_spring_festival_2026_rolls(cn_calendar: WorkCalendar) -> None:
    due = compute_due(D(2026, 2, 1), NOTICE, cn_calendar)
    assert (due.rolled_from, due.due) == (D(2026, 2, 16), D(2026, 2, 24))


def test_period_ending_on_makeup_saturday_does_not_roll(cn_calendar: WorkCalendar) -> None:
    due = compute_due(D(2025, 9, 26), NOTICE, cn_calendar)
    assert (due.due, due.rolled_from) == (D(2025, 10, 11), None)
    assert add_calendar_days(D(2026, 2, 13), 15, cn_calendar) == D(2026, 2, 28)


def test_ordinary_weekend_rolls_to_monday(cn_calendar: WorkCalendar) -> None:
    assert add_calendar_days(D(2025, 3, 7), 15, cn_calendar) == D(2025, 3, 24)  # 3-22 Sat → 3-24 Mon


def test_no_roll_rule_keeps_holiday(cn_calendar: WorkCalendar) -> None:
    assert add_calendar_days(D(2025, 1, 15), 15, cn_calendar, roll_forward=False) == D(2025, 1, 30)


@pytest.mark.parametrize("working", [True, False])
def test_start_day_never_counts(cn_calendar: WorkCalendar, working: bool) -> None:
    due = compute_due(D(2025, 3, 3), PeriodRule(1, working=working), cn_calendar)
    assert due.due == D(2025, 3, 4)
    assert D(2025, 3, 3) not in due.counted_days
    # Starting on a holiday changes nothing about the first counted day in calendar mode.
    assert add_calendar_days(D(2025, 10, 1), 1, cn_calendar, roll_forward=False) == D(2025, 10, 2)


def test_zero_days(cn_calendar: WorkCalendar) -> None:
    assert compute_due(D(2025, 3, 3), PeriodRule(0, working=False), cn_calendar).due == D(2025, 3, 3)
    assert compute_due(D(2025, 10, 1), PeriodRule(0, working=False), cn_calendar).due == D(2025, 10, 9)


def test_pause_for_hearing(cn_calendar: WorkCalendar) -> None:
    recheck = PeriodRule(30, working=False, label="复核")
    plain = compute_due(D(2025, 3, 3), recheck, cn_calendar)
    assert plain.due == D(2025, 4, 2)
    paused = compute_due(D(2025, 3, 3), recheck, cn_calendar, pauses=[(D(2025, 3, 10), D(2025, 3, 12))])
    # 4-02 + 3 paused days = 4-05, inside 清明 4-04…4-06 → 4-07.
    assert (paused.rolled_from, paused.due) == (D(2025, 4, 5), D(2025, 4, 7))
    assert paused.paused == [(D(2025, 3, 10), D(2025, 3, 12))]
    assert [d for d, r in paused.skipped if r == PAUSE_REASON] == [
        D(2025, 3, 10),
        D(2025, 3, 11),
        D(2025, 3, 12),
    ]
    # A pause wholly after the due date or before the start does not matter and is not reported.
    far = compute_due(D(2025, 3, 3), recheck, cn_calendar, pauses=[(D(2025, 1, 1), D(2025, 1, 5))])
    assert (far.due, far.paused) == (plain.due, [])


def test_pauses_are_validated_and_merged() -> None:
    assert normalize_pauses([(D(2025, 1, 5), D(2025, 1, 6)), (D(2025, 1, 1), D(2025, 1, 4))]) == [
        (D(2025, 1, 1), D(2025, 1, 6))
    ]
    with pytest.raises(ValueError, match="结束日早于开始日"):
        normalize_pauses([(D(2025, 1, 5), D(2025, 1, 1))])
    with pytest.raises(ValueError, match="二元组"):
        normalize_pauses([D(2025, 1, 5)])  # type: ignore[list-item]


def test_negative_and_bad_days_rejected(cn_calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        PeriodRule(-1, working=False)
    with pytest.raises(TypeError, match="整数"):
        PeriodRule(1.5, working=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PeriodRule(True, working=False)
    with pytest.raises(ValueError, match="过大"):
        PeriodRule(100_000, working=False)
    with pytest.raises(ValueError, match="不能为负数"):
        add_working_days(D(2025, 1, 1), -3, cn_calendar)
    with pytest.raises(TypeError, match="起算日"):
        compute_due(datetime(2025, 1, 1, 8), NOTICE, cn_calendar)  # type: ignore[arg-type]


def test_explain_and_round_trip(cn_calendar: WorkCalendar) -> None:
    due = compute_due(D(2025, 9, 26), OBJECTION, cn_calendar, pauses=[(D(2025, 9, 29), D(2025, 9, 29))])
    text = due.explain()
    for needle in (
        "起算日：2025-09-26",
        "不计入",
        "第二百零一条",
        "5个工作日",
        "调休上班日计入",
        "国庆节、中秋节",
        "暂停（听证）",
        "第三十六条第二款",
        "届满日：2025-10-11",
    ):
        assert needle in text, needle
    rolled = compute_due(D(2025, 1, 15), NOTICE, cn_calendar).explain()
    assert "顺延" in rolled and "第二百零三条" in rolled and "春节" in rolled
    data = json.loads(json.dumps(due.to_dict(), ensure_ascii=False))
    assert data["due"] == "2025-10-11" and data["explanation"] == text
    assert DueDate.from_dict(data) == due


def test_helpers(cn_calendar: WorkCalendar) -> None:
    assert next_working_day(D(2025, 9, 30), cn_calendar) == D(2025, 10, 9)
    assert next_working_day(D(2025, 9, 30), cn_calendar, include_self=True) == D(2025, 9, 30)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 10), cn_calendar) == 5
    assert working_days_between(D(2025, 10, 10), D(2025, 9, 26), cn_calendar) == 0


# --- invariants -----------------------------------------------------------------------------------------

starts = st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 12, 31))
lengths = st.integers(min_value=0, max_value=90)
spans = st.lists(
    st.tuples(st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 6, 30)), st.integers(0, 10)).map(
        lambda t: (t[0], t[0] + timedelta(days=t[1]))
    ),
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(start=starts, days=lengths, working=st.booleans(), roll=st.booleans(), pauses=spans)
def test_due_never_before_start(cn_calendar: WorkCalendar, start, days, working, roll, pauses) -> None:
    due = compute_due(start, PeriodRule(days, working=working, roll_forward=roll), cn_calendar, pauses)
    assert due.due >= start
    assert len(due.counted_days) == days
    if days:
        assert due.counted_days[0] > start
    if working and (days or roll):
        assert cn_calendar.is_working_day(due.due)


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    days=st.integers(1, 60),
    working=st.booleans(),
    roll=st.booleans(),
    extra=st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 3, 31)),
)
def test_adding_a_holiday_never_makes_due_earlier(
    cn_calendar: WorkCalendar, start, days, working, roll, extra
) -> None:
    rule = PeriodRule(days, working=working, roll_forward=roll)
    more = WorkCalendar(
        holidays=cn_calendar.holidays | {extra},
        workdays=cn_calendar.workdays - {extra},
        names=cn_calendar.names,
    )
    assert compute_due(start, rule, more).due >= compute_due(start, rule, cn_calendar).due


def test_warns_when_period_runs_past_known_holidays(cn_calendar: WorkCalendar) -> None:
    assert cn_calendar.known_until == D(2026, 12, 31)
    inside = compute_due(D(2026, 9, 1), PeriodRule(60, working=False), cn_calendar)
    assert not inside.beyond_calendar and "注意" not in inside.explain()
    past = compute_due(D(2026, 12, 1), PeriodRule(60, working=False), cn_calendar)
    assert past.beyond_calendar and "超出已录入的节假日安排" in past.explain()
    assert past.to_dict()["beyond_calendar"] is True
    assert DueDate.from_dict(past.to_dict()) == past
    assert (
        WorkCalendar().known_until is None
        and not compute_due(D(2030, 1, 1), NOTICE, WorkCalendar()).beyond_calendar
    )
