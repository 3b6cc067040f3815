"""Issue 21, item 3 (d): walk-in and letter petitioners registered at the staff desk get a number and a query
code on a printed 登记回执, made with the registration; their registration SMS says how to query with them."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import Matter
from xinfang.portal.models import PortalAccess
from xinfang.portal.security import hash_code
from xinfang.testing.factories import id_number, register

from .helpers import CODE, NUMBER

pytestmark = pytest.mark.django_db


def _form(**overrides) -> dict:
    form = {
        "channel": "visit",
        "matter_type": "petition",
        "region_code": "440305",
        "title": "小区电梯停运两个月",
        "request": "请求督促物业维修电梯",
        "facts": "3栋电梯停运两个月，物业拖延不修",
        "reasons": "老人上下楼困难",
        "headcount": "1",
        "p-TOTAL_FORMS": "1",
        "p-INITIAL_FORMS": "0",
        "p-0-name": "孙八",
        "p-0-kind": "person",
        "p-0-id_number": id_number(611),
        "p-0-phone": "13600136011",
        "p-0-address": "深圳市南山区桂庙路8号",
    }
    form.update(overrides)
    return form


@pytest.fixture
def desk(world, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.backends.FileBackend"
    client = Client()
    client.force_login(world.users["registrar"])
    return client


def test_a_walk_in_registration_makes_a_code_and_offers_the_receipt(
    world, desk, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = desk.post("/register/", _form())
    matter = Matter.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/matters/{matter.number}/"
    access = PortalAccess.objects.get(matter=matter)
    assert access.submission_key is None
    event = Event.objects.get(verb="portal.code_issued")
    assert event.matter_id == matter.pk and event.actor == world.users["registrar"]

    page = desk.get(answer["Location"]).content.decode()
    assert f"登记成功，事项编号 {matter.number}" in page
    assert f'<a href="/matters/{matter.number}/receipt/">打印登记回执</a>' in page  # a link, not escaped

    receipt = desk.get(f"/matters/{matter.number}/receipt/").content.decode()
    [number] = NUMBER.findall(receipt)
    [code] = CODE.findall(receipt)
    assert number == matter.number and access.code_hash == hash_code(code)
    for text in ("信访事项登记回执", "深圳市信访局", "第二十二条", "找回查询码", "打印回执", "返回事项"):
        assert text in receipt, text
    assert "<script>" not in receipt and " style=" not in receipt
    for session in Session.objects.all():  # the plain code is in no table
        assert code.replace("-", "") not in str(session.get_decoded()) and code not in str(
            session.get_decoded()
        )

    # The petitioner opens the portal with it, and was told how by SMS.
    citizen = Client()
    assert citizen.post("/portal/query/", {"number": number, "code": code}).status_code == 302
    lines = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    [sms] = [json.loads(line) for line in lines if json.loads(line)["template"] == "matter_registered"]
    assert matter.number in sms["body"] and "查询码（见登记回执" in sms["body"]
    assert code not in sms["body"]


def test_the_receipt_shows_the_code_only_to_the_registrars_browser(world, desk):
    desk.post("/register/", _form())
    number = Matter.objects.get().number
    colleague = Client()
    colleague.force_login(world.users["leader"])  # same bureau, sees the matter
    page = colleague.get(f"/matters/{number}/receipt/").content.decode()
    assert number in page and not CODE.search(page)
    assert "本系统不保存查询码原文" in page


def test_a_repeat_petition_makes_no_new_code(world, desk):
    first = register(world)
    before = PortalAccess.objects.count()
    answer = desk.post("/register/", _form(attach_to=first.matter.number), follow=True)
    assert "已并入事项" in answer.content.decode()
    assert PortalAccess.objects.count() == before
    assert "打印登记回执" not in answer.content.decode()


def test_a_receipt_out_of_sight_is_the_same_404_as_none(world, desk):
    hangzhou = register(world, actor="hz_registrar", region_code="330100")
    outsider = Client()
    outsider.force_login(world.users["ns_registrar"])
    assert outsider.get(f"/matters/{hangzhou.matter.number}/receipt/").status_code == 404
    assert outsider.get("/matters/330100-2099-000001/receipt/").status_code == 404
    assert Client().get(f"/matters/{hangzhou.matter.number}/receipt/")["Location"].startswith("/login/")


def test_the_registration_sms_tells_how_to_query():
    from xinfang.notify.templates import get_template, render

    _subject, body = render(get_template("matter_registered"), {"number": "440300-2026-000123"})
    assert re.search(r"凭事项编号和查询码（见登记回执；遗失可在网上平台凭本手机号找回）", body)
