"""Markup is refused on staff forms as on the portal (issue 21, item 6): the registration form marks the
field and keeps what was typed; an action form answers with the Chinese message; nothing is written."""

from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import Matter
from xinfang.routing.models import Assignment
from xinfang.testing.factories import register


def test_the_registration_form_refuses_markup_in_any_field(world) -> None:
    client = Client()
    client.force_login(world.users["registrar"])
    form = {
        "channel": "visit",
        "matter_type": "petition",
        "region_code": "440305",
        "title": "电梯故障<script>alert(1)</script>",
        "request": "请求维修",
        "facts": "电梯停运",
        "reasons": "影响出行",
        "headcount": "1",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-0-name": "张三",
        "p-0-kind": "person",
        "p-0-address": "南山区某路<a href=javascript:x>1号</a>",
    }
    page = client.post("/register/", form).content.decode()
    assert page.count("内容中不能包含网页代码") >= 2  # the title and the petitioner's address
    assert "<script>alert(1)</script>" not in page
    assert not Matter.objects.exists()


def test_an_action_form_with_markup_changes_nothing(world) -> None:
    matter = register(world).matter
    client = Client()
    client.force_login(world.users["registrar"])
    events = Event.objects.count()
    answer = client.post(
        f"/matters/{matter.number}/route/",
        {
            "unit": world.units["ns_housing"].pk,
            "mode": "transfer",
            "instructions": "<img src=x onerror=alert(1)>",
        },
        follow=True,
    )
    assert "内容中不能包含网页代码" in answer.content.decode()
    assert not Assignment.objects.exists() and Event.objects.count() == events
