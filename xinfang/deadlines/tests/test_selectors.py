"""Calendars and rules read from the database (seeded by the data migration), with caching."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.deadlines import selectors
from xinfang.deadlines.models import CalendarDay, DeadlineRule
from xinfang.deadlines.services import calendar_day_set, deadline_rule_set

pytestmark = pytest.mark.django_db
D = date


def test_migration_seeded_calendar_and_rules() -> None:
    assert CalendarDay.objects.filter(region_prefix="", date__year=2025, kind="holiday").count() == 28
    assert CalendarDay.objects.filter(region_prefix="", date__year=2026, kind="workday").count() == 6
    assert DeadlineRule.objects.filter(region_prefix="").count() == 11
    assert set(DeadlineRule.objects.filter(region_prefix="33").values_list("clock", flat=True)) == {
        "routing",
        "notice",
    }


def test_national_rules() -> None:
    routing = selectors.rule_for("440305", "routing")
    assert (routing.days, routing.working, routing.roll_forward) == (15, False, True)
    assert routing.label == "分流转送" and "第二十二条" in routing.legal_basis
    objection = selectors.rule_for("440305", "objection")
    assert (objection.days, objection.working) == (5, True)
    assert selectors.rule_for("", "handling").days == 60


def test_zhejiang_prefix_wins() -> None:
    zj = selectors.rule_for("330106", "routing")  # 杭州市西湖区
    assert (zj.days, zj.working) == (5, True)
    assert "浙江省信访条例" in zj.legal_basis and "第二十条第一款" in zj.legal_basis
    assert selectors.rule_for("330106", "notice").days == 5
    assert selectors.rule_for("330106", "handling").days == 60  # no provincial row → national


def test_longest_prefix_wins(actor) -> None:
    deadline_rule_set(region_prefix="3301", clock="routing", days=3, working=True, actor=actor)
    assert selectors.rule_for("330106", "routing").days == 3
    assert selectors.rule_for("330206", "routing").days == 5  # 宁波: still the provincial rule


def test_missing_national_row_falls_back_to_builtin_default() -> None:
    DeadlineRule.objects.filter(region_prefix="", clock="review").delete()
    rule = selectors.rule_for("440305", "review")
    assert (rule.days, rule.working) == (30, False)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="未知的期限类型"):
        selectors.rule_for("440305", "nonsense")
    with pytest.raises(ValueError, match="地区代码"):
        selectors.calendar_for("44-03")


def test_regional_days_apply_only_under_their_prefix(actor) -> None:
    calendar_day_set(date=D(2025, 3, 3), kind="holiday", name="本地节日", region_prefix="44", actor=actor)
    assert not selectors.calendar_for("440305").is_working_day(D(2025, 3, 3))
    assert selectors.calendar_for("330106").is_working_day(D(2025, 3, 3))
    assert selectors.calendar_for("").is_working_day(D(2025, 3, 3))
    # A local make-up day overrides a national holiday on the same date.
    calendar_day_set(date=D(2025, 10, 8), kind="workday", name="本地调整", region_prefix="4403", actor=actor)
    assert selectors.calendar_for("440305").is_working_day(D(2025, 10, 8))
    assert not selectors.calendar_for("440105").is_working_day(D(2025, 10, 8))


def test_calendar_is_cached() -> None:
    first = selectors.calendar_for("440305")
    with CaptureQueriesContext(connection) as ctx:
        again = selectors.calendar_for("440305")
        selectors.rule_for("440305", "routing")
        selectors.rule_for("440305", "routing")
    assert again is first
    assert len(ctx.captured_queries) == 1  # the rule table, once


def test_cache_invalidates_after_edit(actor) -> None:
    assert selectors.calendar_for("440305").is_working_day(D(2025, 3, 3))
    calendar_day_set(date=D(2025, 3, 3), kind="holiday", name="临时放假", actor=actor)
    assert not selectors.calendar_for("440305").is_working_day(D(2025, 3, 3))
    assert selectors.rule_for("440305", "routing").days == 15
    deadline_rule_set(clock="routing", days=10, working=False, actor=actor)
    assert selectors.rule_for("440305", "routing").days == 10


def test_commit_bumps_shared_version(actor, django_capture_on_commit_callbacks) -> None:
    before = cache.get(selectors.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(date=D(2025, 3, 4), kind="holiday", name="临时放假", actor=actor)
    token = cache.get(selectors.VERSION_KEY)
    assert token is not None and token != before
    cached = selectors.calendar_for("440305")
    assert selectors.calendar_for("440305") is cached
    # Another process changed the data: only the shared token moves. This process keeps its calendar until
    # its next look at the token (at most VERSION_CHECK_SECONDS later), then rebuilds.
    cache.set(selectors.VERSION_KEY, "other-process")
    assert selectors.calendar_for("440305") is cached
    selectors._local.checked_at -= selectors.VERSION_CHECK_SECONDS
    assert selectors.calendar_for("440305") is not cached


def test_rules_for_lists_every_clock() -> None:
    rules = selectors.rules_for("330106")
    assert rules["routing"].working and not rules["handling"].working
    assert len(rules) == 11


def test_known_until_follows_national_data(actor) -> None:
    calendar_day_set(date=D(2031, 5, 5), kind="holiday", name="本地节日", region_prefix="44", actor=actor)
    assert selectors.calendar_for("440305").known_until == D(2026, 12, 31)


def test_coverage_notice_asks_for_next_years_notice_only_when_periods_can_run_past_it() -> None:
    known = selectors.calendar_for("").known_until
    assert known is not None and known.month == 12 and known.day == 31
    late_in_year = known.replace(month=12, day=1)
    notice = selectors.calendar_coverage_notice(late_in_year)
    assert notice is not None
    assert f"{known.year + 1}年" in notice and known.isoformat() in notice
    # A handling period (60 days) plus the longest extension (30) started in early summer ends before it.
    assert selectors.calendar_coverage_notice(known.replace(month=6, day=1)) is None
    calendar_day_set(date=D(known.year + 1, 1, 1), kind="holiday", name="元旦（测试）", actor=None)
    assert selectors.calendar_coverage_notice(late_in_year) is None
