"""Running clocks follow changes of the holiday calendar (a new year's notice entered in December, a corrected
day): the due date is computed again from the clock's own start, rule and pauses, the move is on the
timeline, and clocks the change cannot touch stay as they are.

The days used here are test fixtures in 2040/2041 — far from any year whose real notice is bundled — not
real holidays.
"""

import datetime as dt
import io
import json

from xinfang.audit.models import Event
from xinfang.cases.clocks import clock_start
from xinfang.cases.models import AlertLevel, Clock, ClockState
from xinfang.deadlines.engine import DueDate
from xinfang.deadlines.models import DayKind
from xinfang.deadlines.services import calendar_day_set, compute_clock_due, load_holiday_file
from xinfang.testing.factories import register

START = dt.date(2040, 12, 20)


def _handling_clock(world, start: dt.date = START, actor: str = "registrar") -> Clock:
    matter = register(world, actor=actor).matter
    return clock_start(matter=matter, kind="handling", start=start, actor=world.users[actor])


def _recomputed(clock: Clock) -> list[Event]:
    return list(Event.objects.filter(verb="clock.recomputed", subject_id=str(clock.pk)))


def test_a_holiday_on_the_due_date_moves_the_running_clock_with_an_event(world):
    clock = _handling_clock(world)
    due = clock.due_on
    assert clock.explanation["beyond_calendar"]  # no calendar for 2041 yet
    Clock.objects.filter(pk=clock.pk).update(alert=AlertLevel.SOON)

    calendar_day_set(date=due, kind=DayKind.HOLIDAY, name="测试假日", actor=world.users["leader"])

    clock.refresh_from_db()
    assert clock.due_on > due
    # The same as computing it afresh against today's calendar, and the explanation says why.
    assert (
        clock.due_on
        == compute_clock_due(region_code=clock.matter.region_code, clock="handling", start=START).due
    )
    assert "测试假日" in clock.explanation["explanation"]
    assert clock.due_at.date() >= clock.due_on - dt.timedelta(days=1)
    assert clock.alert == AlertLevel.NONE  # the sweeper marks it again against the new date
    [event] = _recomputed(clock)
    assert event.old == {"due_on": due.isoformat()}
    assert event.new["due_on"] == clock.due_on.isoformat()
    assert event.matter_id == clock.matter_id and event.actor == world.users["leader"]


def test_clocks_the_changed_day_cannot_touch_stay(world):
    target = _handling_clock(world)
    earlier = _handling_clock(world, start=dt.date(2040, 6, 1))  # due in July 2040
    later = _handling_clock(world, start=target.due_on)  # starts on the changed day: not counted (Art 201)
    done = _handling_clock(world)
    Clock.objects.filter(pk=done.pk).update(state=ClockState.MET)
    before = {
        c.pk: (c.due_on, c.explanation) for c in Clock.objects.filter(pk__in=[earlier.pk, later.pk, done.pk])
    }

    calendar_day_set(date=target.due_on, kind=DayKind.HOLIDAY, name="测试假日", actor=world.users["leader"])

    after = {
        c.pk: (c.due_on, c.explanation) for c in Clock.objects.filter(pk__in=[earlier.pk, later.pk, done.pk])
    }
    assert after == before
    assert len(_recomputed(target)) == 1
    assert not any(_recomputed(c) for c in (earlier, later, done))


def test_a_local_day_moves_only_the_clocks_of_that_region(world):
    city = _handling_clock(world)  # matters registered by the factory are in 440305 (南山区)
    elsewhere_matter = register(world, region_code="440300").matter
    elsewhere = clock_start(
        matter=elsewhere_matter, kind="handling", start=START, actor=world.users["registrar"]
    )
    assert city.due_on == elsewhere.due_on

    calendar_day_set(
        date=city.due_on,
        kind=DayKind.HOLIDAY,
        name="区测试假日",
        region_prefix="440305",
        actor=world.users["leader"],
    )

    city.refresh_from_db()
    elsewhere.refresh_from_db()
    assert city.due_on > elsewhere.due_on
    assert len(_recomputed(city)) == 1 and not _recomputed(elsewhere)


def test_loading_a_notice_file_recomputes_once_and_clears_the_beyond_calendar_warning(world, tmp_path):
    moved = _handling_clock(world)
    stays = _handling_clock(world, start=dt.date(2040, 12, 1))
    assert moved.explanation["beyond_calendar"] and stays.explanation["beyond_calendar"]
    first_off = moved.due_on - dt.timedelta(days=1)
    notice = {
        "year": 2041,
        "region_prefix": "",
        "source": "测试用放假通知（非真实文件）",
        "periods": [
            {"name": "测试假期", "start": first_off.isoformat(), "end": moved.due_on.isoformat()},
            {"name": "另一测试假期", "start": "2041-10-01", "end": "2041-10-03"},
        ],
    }
    path = tmp_path / "cn_holidays_2041.json"
    path.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")

    counts = load_holiday_file(path, actor=world.users["leader"])

    assert counts["created"] == 5 and counts["clocks_moved"] == 1
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert len(_recomputed(moved)) == 1  # one recomputation for the whole file, not one per day
    assert not moved.explanation["beyond_calendar"]
    # Due in January 2041, before the test holidays: same date, but the 2041 calendar is now known.
    assert not _recomputed(stays)
    assert stays.due_on.year == 2041 and not stays.explanation["beyond_calendar"]
    assert "超出已录入的节假日安排" not in stays.explanation["explanation"]


def test_the_matter_page_shows_the_recomputed_due_date(world, client):
    clock = _handling_clock(world)
    old_due = clock.due_on
    calendar_day_set(date=old_due, kind=DayKind.HOLIDAY, name="测试假日", actor=world.users["leader"])
    clock.refresh_from_db()
    client.force_login(world.users["registrar"])
    page = " ".join(client.get(f"/matters/{clock.matter.number}/").content.decode().split())
    moved = f"按节假日安排重新计算期限（原届满 {old_due}） 办理期限（60日） 届满 {clock.due_on}"
    assert moved in page


def test_recompute_after_upgrade_moves_periods_counted_without_the_provisional_holidays(world):
    """A clock computed before the provisional statutory days existed (1 January 2027 counted as a Friday
    at work) is moved by ``xinfang deadline --recompute`` and the move is on the timeline."""
    from dataclasses import replace

    from django.core.management import call_command

    from xinfang.deadlines.engine import compute_due
    from xinfang.deadlines.selectors import calendar_for

    matter = register(world).matter
    clock = clock_start(
        matter=matter, kind="objection", start=dt.date(2026, 12, 28), actor=world.users["registrar"]
    )
    assert clock.due_on == dt.date(2027, 1, 5) and clock.explanation["calendar_provisional"]
    plain = replace(calendar_for(matter.region_code), holidays=frozenset(), provisional=False)
    old = compute_due(dt.date(2026, 12, 28), DueDate.from_dict(clock.explanation).rule, plain)
    assert old.due == dt.date(2027, 1, 4)
    Clock.objects.filter(pk=clock.pk).update(due_on=old.due, explanation=old.to_dict())

    call_command("deadline", "--recompute", stdout=io.StringIO())

    clock.refresh_from_db()
    assert clock.due_on == dt.date(2027, 1, 5)
    assert "元旦（暂定）" in clock.explanation["explanation"]
    [event] = _recomputed(clock)
    assert event.old == {"due_on": "2027-01-04"}
