"""Online submission: one matter per success, nothing written on any refusal."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import Clock, Matter
from xinfang.intake.models import Attachment, Contact, Petitioner
from xinfang.org.models import Unit
from xinfang.portal.actor import PORTAL_LABEL, PortalActor, portal_unit
from xinfang.portal.models import PortalAccess
from xinfang.portal.security import CODE_ALPHABET, hash_code, normalise_code

from .helpers import form_data, nonce, submit, ticket

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Matter.objects.count(),
        Contact.objects.count(),
        Petitioner.objects.count(),
        PortalAccess.objects.count(),
        Attachment.objects.count(),
        Event.objects.count(),
        Clock.objects.count(),
    )


def test_home_has_privacy_notice_and_two_buttons(portal):
    body = Client().get("/portal/").content.decode()
    for text in (
        "个人信息处理告知",
        "处理目的",
        "收集的信息",
        "保存期限",
        "深圳市信访局",
        "我要信访",
        "查询办理进度",
    ):
        assert text in body
    assert 'name="viewport"' in body and "width=device-width" in body
    assert "/static/portal/portal.css" in body
    assert "http://" not in body and "https://" not in body  # no CDN, no external asset


def test_submission_creates_one_online_matter_with_number_and_code(portal):
    client = Client()
    before = Matter.objects.count()
    response = submit(client)
    assert response.status_code == 200
    body = response.content.decode()
    assert "请妥善保存查询码" in body
    number, code = ticket(response)
    assert response.redirect_chain == [(f"/portal/receipt/{number}/", 302)]  # post/redirect/get
    assert Matter.objects.count() == before + 1
    matter = Matter.objects.get(number=number)
    contact = matter.contacts.get()
    assert contact.channel == "online"
    assert contact.registered_by is None
    assert matter.registering_unit == portal.units["city_bureau"]
    assert matter.region_code == "440305"
    code = normalise_code(code)
    assert len(code) == 12 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1I")
    access = PortalAccess.objects.get(matter=matter)
    assert access.code_hash == hash_code(code)
    assert code not in access.code_hash
    registered = Event.objects.get(matter_id=matter.pk, verb="matter.registered")
    assert registered.actor_label == PORTAL_LABEL and registered.actor is None
    assert registered.actor_unit_id == portal.units["city_bureau"].pk
    assert "no-store" in response["Cache-Control"]


def test_codes_differ_between_submissions(portal):
    client = Client()
    _, first = ticket(submit(client))
    _, second = ticket(submit(client, title="另一件事：路灯不亮"))
    assert first != second


def test_resubmitting_the_same_form_writes_nothing_and_leads_to_the_first_receipt(portal):
    # Before issue 21 the second POST answered 400 "页面已过期…" with the form refilled; the citizen sent it
    # once more (a new token) and had two matters. Now the same form is always the first matter.
    client = Client()
    data = form_data(nonce=nonce(client))
    first = client.post("/portal/submit/", data)
    assert first.status_code == 302
    before = _counts()
    again = client.post("/portal/submit/", data)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert _counts() == before
    page = client.get(again["Location"]).content.decode()
    assert "已经提交过，没有重复登记" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "这个字段是必填项"),
        ({"facts": "   "}, "这个字段是必填项"),
        ({"phone": ""}, "这个字段是必填项"),
        ({"id_number": "440305198001010010"}, "身份证号码校验位错误"),
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"region_code": "330100"}, "选择一个有效的选项"),  # outside the portal unit's jurisdiction
        ({"facts": "<script>alert(1)</script>"}, "不能包含网页代码"),
        ({"title": "点击<a href=x>这里</a>"}, "不能包含网页代码"),
        ({"request": "javascript:alert(1)"}, "不能包含网页代码"),
        ({"consent": None}, "请阅读个人信息处理告知并勾选同意"),
        ({"website": "http://spam.example"}, "提交未通过校验"),
    ],
)
def test_bad_submission_is_refused_and_writes_nothing(portal, overrides, message):
    client = Client()
    token = nonce(client)
    before = _counts()
    response = client.post("/portal/submit/", form_data(nonce=token, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before


def test_script_is_never_echoed_unescaped(portal):
    client = Client()
    response = client.post(
        "/portal/submit/", form_data(nonce=nonce(client), facts="<script>alert(1)</script>")
    )
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body  # shown back escaped in the textarea


def test_attachments_are_stored_with_the_contact(portal):
    client = Client()
    pdf = io.BytesIO(b"%PDF-1.4 test file")
    pdf.name = "现场照片说明.pdf"
    data = form_data(nonce=nonce(client), attachments=[pdf])
    response = client.post("/portal/submit/", data, follow=True)
    assert response.status_code == 200
    number, _ = ticket(response)
    attachment = Attachment.objects.get(contact__matter__number=number)
    assert attachment.original_name == "现场照片说明.pdf"
    assert attachment.uploaded_by is None


def test_disguised_attachment_rolls_back_the_whole_submission(portal):
    client = Client()
    fake = io.BytesIO(b"MZ\x90\x00 this is an exe")
    fake.name = "合同.pdf"
    token = nonce(client)
    before = _counts()
    response = client.post("/portal/submit/", form_data(nonce=token, attachments=[fake]))
    assert response.status_code == 400
    assert "附件内容与扩展名不符" in response.content.decode()
    assert _counts() == before


def test_more_than_three_attachments_are_refused(portal):
    client = Client()
    files = []
    for i in range(4):
        f = io.BytesIO(b"%PDF-1.4 x")
        f.name = f"材料{i}.pdf"
        files.append(f)
    token = nonce(client)
    before = _counts()
    response = client.post("/portal/submit/", form_data(nonce=token, attachments=files))
    assert response.status_code == 400
    assert "附件最多3个" in response.content.decode()
    assert _counts() == before


def test_submissions_are_rate_limited_per_ip(portal, settings):
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 2
    client = Client()
    for i in range(2):
        assert submit(client, title=f"第{i}件事").status_code == 200
    before = _counts()
    response = submit(client, title="第三件事")
    assert response.status_code == 429
    assert "提交过于频繁，请稍后再试" in response.content.decode()
    assert _counts() == before
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert submit(other, title="另一个地址").status_code == 200


def test_portal_actor_and_unit_fallback(world, settings):
    settings.XINFANG_PORTAL_UNIT = None
    unit = portal_unit()
    shortest = min(len(u.region.prefix) for u in Unit.objects.filter(kind="bureau", is_active=True))
    assert unit is not None and unit.kind == "bureau" and len(unit.region.prefix) == shortest
    actor = PortalActor(unit)
    assert actor.has_role("registrar", "handler") and not actor.has_role("admin")
    assert actor.is_user is False and actor.unit_id == unit.pk
    assert actor.display_label == "阳光信访网上平台"
    settings.XINFANG_PORTAL_UNIT = world.units["ns_bureau"].pk
    assert portal_unit() == world.units["ns_bureau"]


def test_region_select_lists_only_the_jurisdiction(portal):
    body = Client().get("/portal/submit/").content.decode()
    assert 'value="440305"' in body and 'value="440305001"' in body
    assert 'value="330100"' not in body
