"""Queues people work through (issue 21, item 9): the time left on each matter and a sort by it, routing
several matters at once, and print views of the list and of a matter's file."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from xinfang.cases.models import MatterStatus, MatterType
from xinfang.routing.models import Assignment
from xinfang.testing.factories import register
from xinfang.web.queue_views import days_left


def _client(world, persona="registrar"):
    c = Client()
    c.force_login(world.users[persona])
    return c


def test_days_left_reads_as_people_count_them() -> None:
    today = dt.date(2026, 12, 7)
    at = lambda d: timezone.make_aware(dt.datetime.combine(d, dt.time(23, 59)))  # noqa: E731
    assert days_left(at(dt.date(2026, 12, 17)), today)["text"] == "剩10天"
    assert days_left(at(dt.date(2026, 12, 9)), today)["css"] == "soon"
    assert days_left(at(today), today)["text"] == "今日届满"
    assert days_left(at(dt.date(2026, 12, 5)), today) == {"days": -2, "text": "逾期2天", "css": "overdue"}
    assert days_left(None) is None


def test_the_queue_shows_time_left_and_sorts_by_it(world, django_assert_max_num_queries) -> None:
    older = register(world, received_at=timezone.now() - dt.timedelta(days=9)).matter
    newer = register(world).matter
    client = _client(world)
    with django_assert_max_num_queries(20):
        page = client.get("/").content.decode()
    assert "剩余" in page and page.count('name="numbers"') == 2
    assert page.index(older.number) < page.index(newer.number)  # least time left first
    latest_first = client.get("/?sort=-received").content.decode()
    assert latest_first.index(newer.number) < latest_first.index(older.number)


def test_route_several_at_once_and_name_the_refusals(world) -> None:
    plain = [register(world).matter for _ in range(2)]
    accusation = register(
        world, matter_type=MatterType.ACCUSATION, accused_unit_id=world.units["ns_housing"].pk
    ).matter
    numbers = [m.number for m in plain] + [accusation.number]
    answer = _client(world).post(
        "/route/batch/",
        {
            "numbers": numbers,
            "unit": world.units["ns_housing"].pk,
            "mode": "transfer",
            "instructions": "请依法处理",
        },
        follow=True,
    )
    page = answer.content.decode()
    assert "已转交南山区住房和建设局：2件" in page and f"未转交 {accusation.number}" in page
    assert Assignment.objects.filter(unit=world.units["ns_housing"]).count() == 2
    accusation.refresh_from_db()
    assert accusation.status == MatterStatus.REGISTERED


def test_another_bureau_cannot_batch_route_what_it_does_not_own(world) -> None:
    matter = register(world).matter
    _client(world, "ns_registrar").post(
        "/route/batch/",
        {"numbers": [matter.number], "unit": world.units["ns_housing"].pk, "mode": "transfer"},
    )
    assert not Assignment.objects.exists()


def test_the_file_prints_and_keeps_the_shield(world) -> None:
    matter = register(world).matter
    page = _client(world).get(f"/matters/{matter.number}/print/").content.decode()
    assert "信访事项卷宗" in page and matter.number in page and "张三" in page and "@media print" not in page
    accusation = register(
        world, matter_type=MatterType.ACCUSATION, accused_unit_id=world.units["ns_hr"].pk
    ).matter
    assert _client(world, "outsider").get(f"/matters/{accusation.number}/print/").status_code == 404
