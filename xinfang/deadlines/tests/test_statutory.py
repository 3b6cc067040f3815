"""Provisional statutory holidays past the entered notices (《全国年节及纪念日放假办法》第二条、第六条)."""

from __future__ import annotations

from datetime import date

import pytest

from xinfang.deadlines import selectors
from xinfang.deadlines.engine import DueDate, PeriodRule, compute_due
from xinfang.deadlines.holidays import BUNDLED_YEARS, bundled_holiday_paths, parse_holiday_file
from xinfang.deadlines.services import calendar_day_set
from xinfang.deadlines.statutory import provisional_days, provisional_rows, statutory_holidays

D = date
OBJECTION = PeriodRule(days=5, working=True, label="异议")


@pytest.mark.parametrize("path", bundled_holiday_paths(), ids=[str(y) for y in BUNDLED_YEARS])
def test_every_provisional_day_of_a_published_year_is_off_in_its_notice(path) -> None:
    """The notices of 2020–2026 check the lunar dates, 清明 and the 补假 rule: every day this module would
    have guessed is a day off in the notice that was later published (the notice adds bridging days)."""
    notice = parse_holiday_file(path)
    off = {e.date for e in notice.entries if e.kind == "holiday"}
    guessed = provisional_days(notice.year)
    assert guessed and {d for d, _, _ in guessed} <= off
    assert all(kind == "holiday" and "暂定" in name for _, kind, name in guessed)


def test_2027_days_from_the_law() -> None:
    festivals = dict(statutory_holidays(2027))
    assert festivals["春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]  # 除夕 to 初三
    assert festivals["清明节"] == [D(2027, 4, 5)]
    assert festivals["端午节"] == [D(2027, 6, 9)]
    assert festivals["中秋节"] == [D(2027, 9, 15)]
    days = {d: name for d, _, name in provisional_days(2027)}
    # 初一 and 初二 are a Saturday and a Sunday: made up on the next two weekdays (第六条).
    assert days[D(2027, 2, 9)] == days[D(2027, 2, 10)] == "春节补假（暂定）"
    assert days[D(2027, 5, 3)] == days[D(2027, 5, 4)] == "劳动节补假（暂定）"  # 1–2 May: Sat, Sun
    assert days[D(2027, 10, 4)] == days[D(2027, 10, 5)] == "国庆节补假（暂定）"  # 2–3 Oct: Sat, Sun
    assert D(2027, 1, 4) not in days  # 元旦 2027 is a Friday: nothing to make up
    assert len(days) == 1 + 6 + 1 + 4 + 1 + 1 + 5


def test_the_2013_text_applies_before_2025() -> None:
    festivals = dict(statutory_holidays(2024))
    assert festivals["春节"] == [D(2024, 2, 10), D(2024, 2, 11), D(2024, 2, 12)]  # no 除夕 yet
    assert festivals["劳动节"] == [D(2024, 5, 1)]


def test_no_rows_when_nothing_was_entered() -> None:
    assert provisional_rows(None) == []
    years = {d.year for d, _, _ in provisional_rows(D(2026, 12, 31))}
    assert years == {2027, 2028, 2029}
    # Notices not entered for years: the statutory days still reach into next year.
    years = {d.year for d, _, _ in provisional_rows(D(2026, 12, 31), through_year=2032)}
    assert years == set(range(2027, 2033))


@pytest.mark.django_db
def test_an_objection_period_over_new_year_skips_1_january_before_the_notice_is_entered() -> None:
    """28 Dec 2026 + 5 working days: 29, 30, 31 Dec, 4 and 5 Jan — not 1 Jan, a statutory holiday even
    while the 2027 notice is missing. Counted as a plain Friday it would end on the 4th and a unit objecting
    on the 5th would be refused."""
    calendar = selectors.calendar_for("440305")
    assert calendar.known_until == D(2026, 12, 31) and calendar.provisional
    due = compute_due(D(2026, 12, 28), OBJECTION, calendar)
    assert due.due == D(2027, 1, 5)
    assert (D(2027, 1, 1), "元旦（暂定）") in due.skipped
    assert due.beyond_calendar and due.calendar_provisional
    text = due.explain()
    assert "元旦（暂定）" in text and "暂按《全国年节及纪念日放假办法》第二条、第六条" in text
    assert DueDate.from_dict(due.to_dict()) == due


@pytest.mark.django_db
def test_entered_rows_replace_the_provisional_days(actor) -> None:
    # A province's own row for a provisional date wins (here: a make-up working day on a 补假 date).
    calendar_day_set(date=D(2027, 2, 10), kind="workday", name="本地调休", region_prefix="44", actor=actor)
    local = selectors.calendar_for("440305")
    assert local.is_working_day(D(2027, 2, 10)) and not local.is_working_day(D(2027, 2, 9))
    assert not selectors.calendar_for("330106").is_working_day(D(2027, 2, 10))
    # Entering the national notice's first day for 2027 makes 2027 known: its other days are no longer
    # guessed (the notice is the whole truth for its year), and the guesses move on to 2028.
    calendar_day_set(date=D(2027, 1, 1), kind="holiday", name="元旦", actor=actor)
    national = selectors.calendar_for("")
    assert national.known_until == D(2027, 12, 31)
    assert national.is_working_day(D(2027, 2, 9))  # no longer a provisional 补假
    assert not national.is_working_day(D(2028, 1, 1)) and national.names[D(2028, 1, 1)] == "元旦（暂定）"
