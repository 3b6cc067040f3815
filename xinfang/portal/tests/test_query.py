"""Following a matter with its number + query code: public events only, no existence oracle, throttled."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import Matter
from xinfang.routing.services import assignment_object, matter_route

from .helpers import submit, ticket

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _submitted(client: Client | None = None) -> tuple[str, str]:
    return ticket(submit(client or Client()))


def _query(client: Client, number: str, code: str):
    return client.post("/portal/query/", {"number": number, "code": code})


def test_right_code_opens_progress_with_status_and_deadline(portal):
    number, code = _submitted()
    client = Client()
    response = _query(client, number, code.lower().replace("-", " "))  # case and separators are forgiven
    assert response.status_code == 302
    assert response["Location"] == f"/portal/progress/{number}/"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert number in body
    assert 'id="status">已登记，正在确定办理单位<' in body  # plain words, not the desk's 待分流
    assert "待分流" not in body
    assert "信访事项已登记" in body
    assert "分流转送（15日）" in body  # the running routing clock, with its due date
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日前", body)


def test_progress_needs_the_code_first(portal):
    number, _ = _submitted()
    response = Client().get(f"/portal/progress/{number}/")
    assert response.status_code == 302 and response["Location"] == "/portal/query/"


def test_timeline_shows_public_events_only_and_no_staff_names(portal):
    number, code = _submitted()
    matter = Matter.objects.get(number=number)
    registrar = portal.users["registrar"]
    assignment = matter_route(
        matter=matter,
        unit=portal.units["ns_housing"],
        mode="transfer",
        actor=registrar,
        instructions="内部批示：注意信访人情绪",
    )
    assignment_object(
        assignment=assignment, actor=portal.users["handler"], reason="内部异议：本事项不属于本单位职责范围"
    )
    assert Event.objects.filter(matter_id=matter.pk, is_public=False, reason__contains="内部").exists()
    client = Client()
    assert _query(client, number, code).status_code == 302
    body = client.get(f"/portal/progress/{number}/").content.decode()
    assert "南山区住房和建设局" in body  # where it was sent (public)
    assert "已转交有权处理的单位" in body
    assert "内部批示" not in body
    assert "内部异议" not in body
    assert "提出异议" not in body
    for user in ("registrar", "handler"):
        assert portal.users[user].username not in body.replace("registrar-", "")
    assert "深圳市信访局" in body  # the unit acted, not a named person


def test_wrong_code_and_unknown_number_give_the_same_page(portal):
    number, _ = _submitted()
    wrong = _query(Client(), number, "ABCD-EFGH-JKLM")
    unknown = _query(Client(), "440300-2099-999999", "ABCD-EFGH-JKLM")
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda r: CSRF.sub("", r.content.decode())  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert "事项编号或查询码不正确" in strip(wrong)
    assert number not in strip(wrong)


def test_failed_queries_write_nothing(portal):
    number, _ = _submitted()
    before = Event.objects.count()
    _query(Client(), number, "ABCDEFGHJKLM")
    assert Event.objects.count() == before


def test_queries_are_throttled_per_ip(portal, settings):
    settings.XINFANG_PORTAL_QUERIES_PER_10MIN = 3
    number, code = _submitted()
    client = Client()
    for i in range(3):
        assert _query(client, f"440300-2099-00000{i}", "ABCDEFGHJKLM").status_code == 400
    response = _query(client, number, code)  # even the right code waits
    assert response.status_code == 429
    assert "尝试次数过多，请稍后再试" in response.content.decode()


def test_failures_per_number_slow_failing_addresses_but_never_refuse_the_right_code(portal, settings):
    # (Before: the right code from any address was refused here — a lock-out of the holder; test_lockout.py.)
    settings.XINFANG_PORTAL_QUERIES_PER_10MIN = 3
    number, code = _submitted()
    for i in range(3):
        assert _query(Client(REMOTE_ADDR=f"10.0.0.{i}"), number, "ABCDEFGHJKLM").status_code == 400
    response = _query(Client(REMOTE_ADDR="10.0.0.0"), number, "ABCDEFGHJKLN")
    assert response.status_code == 429
    assert "尝试次数过多，请稍后再试" in response.content.decode()
    assert _query(Client(REMOTE_ADDR="10.0.0.99"), number, code).status_code == 302


def test_script_in_query_is_refused(portal):
    response = _query(Client(), "<script>alert(1)</script>", "ABCDEFGHJKLM")
    assert response.status_code == 400
    assert "不能包含网页代码" in response.content.decode()
    assert "<script>alert(1)" not in response.content.decode()


def test_forms_are_hidden_without_the_handling_services(portal, monkeypatch):
    from xinfang.portal import views

    monkeypatch.setattr(views, "_handling", lambda: None)
    number, code = _submitted()
    client = Client()
    _query(client, number, code)
    body = client.get(f"/portal/progress/{number}/").content.decode()
    assert "评价办理结果" not in body and "请求复查" not in body
    assert client.post(f"/portal/progress/{number}/evaluate/", {"rating": "satisfied"}).status_code == 404


@pytest.mark.parametrize("beyond", [True, False])
def test_a_deadline_past_the_entered_holiday_notices_says_it_may_move(portal, beyond):
    number, code = _submitted()
    from xinfang.cases.models import Clock

    clock = Clock.objects.get(matter__number=number, state="running")
    Clock.objects.filter(pk=clock.pk).update(explanation={**clock.explanation, "beyond_calendar": beyond})
    client = Client()
    _query(client, number, code)
    body = client.get(f"/portal/progress/{number}/").content.decode()
    assert ("下一年度放假调休安排公布后可能调整" in body) is beyond
