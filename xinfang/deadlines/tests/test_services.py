"""compute_clock_due, due_at_for, and the audited writes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from xinfang.audit.models import Event
from xinfang.core.errors import ValidationFailed
from xinfang.deadlines.models import CalendarDay, DeadlineRule
from xinfang.deadlines.services import (
    DeadlineInputError,
    calendar_day_delete,
    calendar_day_set,
    compute_clock_due,
    deadline_rule_delete,
    deadline_rule_set,
    due_at_for,
    load_holiday_file,
)

D = date


def test_due_at_is_end_of_day_in_beijing() -> None:
    at = due_at_for(D(2025, 10, 10))
    assert at.tzinfo is not None and at.utcoffset() == timedelta(hours=8)
    assert (at.hour, at.minute, at.second, at.microsecond) == (23, 59, 59, 999999)
    assert at < datetime(2025, 10, 11, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert at > datetime(2025, 10, 10, 15, 59, tzinfo=ZoneInfo("UTC"))


@pytest.mark.django_db
def test_objection_clock_from_rules() -> None:
    due = compute_clock_due(region_code="440305", clock="objection", start=D(2025, 9, 26))
    assert due.due == D(2025, 10, 10)
    assert due.rule.legal_basis.endswith("第二十三条第三款")


@pytest.mark.django_db
def test_zhejiang_routing_counts_working_days() -> None:
    # 5 working days from 2025-09-26 in 浙江 vs 15 calendar days nationally.
    assert compute_clock_due(region_code="330106", clock="routing", start=D(2025, 9, 26)).due == D(
        2025, 10, 10
    )
    assert compute_clock_due(region_code="440305", clock="routing", start=D(2025, 9, 26)).due == D(
        2025, 10, 11
    )


@pytest.mark.django_db
def test_days_override_and_pauses() -> None:
    assigned = compute_clock_due(region_code="440305", clock="assigned", start=D(2025, 3, 3), days=20)
    assert assigned.due == D(2025, 3, 24) and "指定期限" in assigned.rule.label
    recheck = compute_clock_due(
        region_code="440305", clock="recheck", start=D(2025, 3, 3), pauses=[(D(2025, 3, 10), D(2025, 3, 12))]
    )
    assert recheck.due == D(2025, 4, 7)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [-1, 31])
def test_invalid_days_rejected(days: int) -> None:
    with pytest.raises(DeadlineInputError) as info:
        compute_clock_due(region_code="440305", clock="extension", start=D(2025, 3, 3), days=days)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ValidationFailed)


@pytest.mark.django_db
def test_unknown_clock_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed, match="未知的期限类型"):
        compute_clock_due(region_code="440305", clock="bogus", start=D(2025, 3, 3))


@pytest.mark.django_db
def test_calendar_day_set_writes_audit_event(actor) -> None:
    day = calendar_day_set(date=D(2027, 1, 1), kind="holiday", name="元旦", actor=actor, source="测试")
    event = Event.objects.get(verb="deadlines.calendar_day_set", subject_id=str(day.pk))
    assert event.old is None and event.new["kind"] == "holiday" and event.actor_label == "测试管理员"
    # The same values again: nothing changes, no second event.
    calendar_day_set(date=D(2027, 1, 1), kind="holiday", name="元旦", actor=actor, source="测试")
    assert Event.objects.filter(verb="deadlines.calendar_day_set", subject_id=str(day.pk)).count() == 1
    calendar_day_set(date=D(2027, 1, 1), kind="holiday", name="元旦节", actor=actor, source="测试")
    last = Event.objects.filter(verb="deadlines.calendar_day_set").last()
    assert last is not None and (last.old["name"], last.new["name"]) == ("元旦", "元旦节")


@pytest.mark.django_db
def test_calendar_day_delete_writes_audit_event(actor) -> None:
    day = CalendarDay.objects.get(date=D(2025, 10, 11), region_prefix="")
    assert calendar_day_delete(date=D(2025, 10, 11), actor=actor, reason="测试")
    event = Event.objects.get(verb="deadlines.calendar_day_deleted")
    assert event.subject_id == str(day.pk) and event.old["kind"] == "workday" and event.reason == "测试"
    assert not CalendarDay.objects.filter(date=D(2025, 10, 11), region_prefix="").exists()
    assert calendar_day_delete(date=D(2025, 10, 11), actor=actor) is False


@pytest.mark.django_db
def test_calendar_day_set_validation(actor) -> None:
    with pytest.raises(ValidationFailed, match="类型"):
        calendar_day_set(date=D(2027, 1, 1), kind="rest", name="x", actor=actor)
    with pytest.raises(ValidationFailed, match="地区代码"):
        calendar_day_set(date=D(2027, 1, 1), kind="holiday", name="x", region_prefix="zj", actor=actor)
    assert not Event.objects.filter(verb__startswith="deadlines.").exists()


@pytest.mark.django_db
def test_deadline_rule_set_and_delete_audited(actor) -> None:
    rule = deadline_rule_set(
        region_prefix="44", clock="notice", days=10, working=True, actor=actor, legal_basis="测试依据"
    )
    event = Event.objects.get(verb="deadlines.rule_set", subject_id=str(rule.pk))
    assert event.new["days"] == 10 and event.old is None
    nat = deadline_rule_set(clock="handling", days=45, working=False, actor=actor)
    changed = Event.objects.get(verb="deadlines.rule_set", subject_id=str(nat.pk))
    assert (changed.old["days"], changed.new["days"]) == (60, 45)
    assert deadline_rule_delete(region_prefix="44", clock="notice", actor=actor)
    assert Event.objects.filter(verb="deadlines.rule_deleted").count() == 1
    with pytest.raises(ValidationFailed, match="全国默认规则不能删除"):
        deadline_rule_delete(region_prefix="", clock="handling", actor=actor)
    with pytest.raises(ValidationFailed, match="不能为负数"):
        deadline_rule_set(clock="handling", days=-5, working=False, actor=actor)
    with pytest.raises(ValidationFailed, match="不得超过30日"):
        deadline_rule_set(clock="extension", days=45, working=False, actor=actor)
    assert DeadlineRule.objects.get(region_prefix="", clock="handling").days == 45


@pytest.mark.django_db
def test_load_holiday_file_is_idempotent_and_audited(tmp_path: Path, actor) -> None:
    doc = {
        "year": 2030,
        "region_prefix": "33",
        "source": "测试省通知",
        "periods": [
            {
                "name": "测试节",
                "start": "2030-03-01",
                "end": "2030-03-03",
                "days": 3,
                "workdays": ["2030-03-09"],
            }
        ],
    }
    path = tmp_path / "zj_2030.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert load_holiday_file(path, actor=actor) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
        "clocks_moved": 0,
    }
    assert Event.objects.filter(verb="deadlines.calendar_day_set").count() == 4
    assert load_holiday_file(path, actor=actor)["unchanged"] == 4
    assert Event.objects.filter(verb="deadlines.calendar_day_set").count() == 4
    doc["periods"][0]["end"], doc["periods"][0]["days"] = "2030-03-02", 2
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    counts = load_holiday_file(path, actor=actor, prune=True)
    assert counts["deleted"] == 1 and not CalendarDay.objects.filter(date=D(2030, 3, 3)).exists()
    with pytest.raises(ValidationFailed, match="无法读取"):
        load_holiday_file(tmp_path / "missing.json")
