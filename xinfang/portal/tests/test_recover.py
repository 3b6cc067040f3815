"""Issue 21, item 3 (c): 找回查询码 — a new code texted to the phone given on the petition; one answer for
everyone (no oracle), throttled per address and per number, audited; the code is sent, never stored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.notify.models import Notification
from xinfang.notify.templates import contains_id_number, get_template, render, render_secret
from xinfang.portal import security
from xinfang.portal.models import PortalAccess
from xinfang.portal.security import CODE_ALPHABET, hash_code
from xinfang.testing.factories import register

from .helpers import submit, ticket

pytestmark = pytest.mark.django_db

PHONE = "13800138077"  # what helpers.form_data gives
SMS_CODE = re.compile(r"新的查询码为([A-Z0-9-]+)")


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    """The file SMS backend writes here (notify's own tests do the same), and the answer does not wait."""
    settings.VAR_DIR = tmp_path
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.backends.FileBackend"
    settings.XINFANG_PORTAL_RECOVER_ANSWER_SECONDS = 0
    return tmp_path / "outbox" / "sms.jsonl"


def _texts(outbox: Path, template: str = "query_code_reset") -> list[dict]:
    if not outbox.exists():
        return []
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line["template"] == template]


def _recover(client: Client, number: str, phone: str, capture):
    with capture(execute=True):  # the SMS goes out after the commit
        return client.post("/portal/recover/", {"number": number, "phone": phone})


def _opens(number: str, code: str) -> bool:
    return Client().post("/portal/query/", {"number": number, "code": code}).status_code == 302


def test_the_phone_given_gets_a_new_code_which_replaces_the_old(
    portal, outbox, django_capture_on_commit_callbacks
):
    number, old = ticket(submit(Client()))
    before = PortalAccess.objects.get(matter__number=number).code_hash
    answer = _recover(Client(), number, "138-0013-8077", django_capture_on_commit_callbacks)
    assert answer.status_code == 302 and answer["Location"] == "/portal/query/"
    [text] = _texts(outbox)
    assert text["to"] == "138****8077"
    new = SMS_CODE.search(text["body"]).group(1)
    assert number in text["body"] and new != old
    assert PortalAccess.objects.get(matter__number=number).code_hash == hash_code(new) != before
    assert _opens(number, new) and not _opens(number, old)
    event = Event.objects.get(verb="portal.code_reset")
    assert event.matter_id == PortalAccess.objects.get().matter_id and event.new == {"to": "138****8077"}
    assert new not in json.dumps(event.new) + event.reason


def test_the_code_is_sent_but_the_stored_message_leaves_it_out(
    portal, outbox, settings, django_capture_on_commit_callbacks
):
    number, _ = ticket(submit(Client()))
    _recover(Client(), number, PHONE, django_capture_on_commit_callbacks)
    [text] = _texts(outbox)
    code = SMS_CODE.search(text["body"]).group(1)
    stored = Notification.objects.get(template="query_code_reset")
    assert stored.state == "sent"
    assert code not in stored.body and code.replace("-", "") not in stored.body
    assert "如未收到新查询码，请在阳光信访网上平台再次申请找回" in stored.body
    # A delivery that fails is retried from the stored row: the petitioner is told to ask again, and the
    # code still appears nowhere in the database.
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.tests.helpers.BrokenGateway"
    with django_capture_on_commit_callbacks(execute=True):
        Client(REMOTE_ADDR="10.9.9.9").post("/portal/recover/", {"number": number, "phone": PHONE})
    failed = Notification.objects.filter(template="query_code_reset").latest("id")
    assert failed.state == "failed"
    assert not SMS_CODE.search(failed.body)
    assert all(code not in n.body for n in Notification.objects.all())


def test_a_wrong_phone_an_unknown_number_and_the_right_phone_get_the_same_answer(
    portal, outbox, django_capture_on_commit_callbacks
):
    number, code = ticket(submit(Client()))
    tries = [(number, "13900139000"), ("440300-2099-999999", PHONE), (number, PHONE)]
    answers = [
        _recover(Client(REMOTE_ADDR=f"10.0.0.{i}"), n, p, django_capture_on_commit_callbacks)
        for i, (n, p) in enumerate(tries)
    ]
    assert len({(a.status_code, a["Location"], a.content) for a in answers}) == 1
    [text] = _texts(outbox)  # only the match texted
    assert _opens(number, SMS_CODE.search(text["body"]).group(1)) and not _opens(number, code)


def test_the_answer_page_is_one_for_all(portal, outbox, django_capture_on_commit_callbacks):
    number, _ = ticket(submit(Client()))
    pages = []
    for i, phone in enumerate(["13900139000", PHONE]):
        client = Client(REMOTE_ADDR=f"10.1.0.{i}")
        _recover(client, number, phone, django_capture_on_commit_callbacks)
        pages.append(re.sub(r'value="[^"]+"', "", client.get("/portal/query/").content.decode()))
    assert pages[0] == pages[1]
    assert "如果事项编号和手机号码与信访时留下的一致" in pages[0]


def test_misses_write_nothing(portal, outbox, django_capture_on_commit_callbacks):
    number, _ = ticket(submit(Client()))
    events, notes = Event.objects.count(), Notification.objects.count()
    _recover(Client(), number, "13900139000", django_capture_on_commit_callbacks)
    _recover(Client(REMOTE_ADDR="10.2.2.2"), "<script>x</script>", PHONE, django_capture_on_commit_callbacks)
    assert (Event.objects.count(), Notification.objects.count()) == (events, notes)


def test_only_phones_given_on_this_matter_count_not_the_persons_record(
    portal, outbox, django_capture_on_commit_callbacks
):
    """条例第三十条: someone naming a known ID number on a new matter gives their own phone; the person's
    record keeps the old one, and only the phone given on this matter may recover its code."""
    from xinfang.intake.validation import PetitionerInput
    from xinfang.testing.factories import id_number

    person = dict(name="赵六", id_number=id_number(501), address="深圳市南山区某路1号")
    register(portal, petitioners=[PetitionerInput(phone="13700137001", **person)])
    second = register(portal, title="另一件事", petitioners=[PetitionerInput(phone="13700137002", **person)])
    number = second.matter.number
    _recover(Client(), number, "13700137001", django_capture_on_commit_callbacks)
    assert _texts(outbox) == []
    _recover(Client(REMOTE_ADDR="10.3.3.3"), number, "13700137002", django_capture_on_commit_callbacks)
    [text] = _texts(outbox)
    assert text["to"] == "137****7002"
    # Registered by staff through the service (no code yet): the first code is made now.
    assert PortalAccess.objects.filter(matter=second.matter).exists()


def test_a_landline_gets_nothing_and_the_old_code_stays(portal, outbox, django_capture_on_commit_callbacks):
    number, code = ticket(submit(Client(), phone="0755-26610000"))
    _recover(Client(), number, "075526610000", django_capture_on_commit_callbacks)
    assert _texts(outbox) == [] and _opens(number, code)


def test_requests_are_limited_per_address(portal, outbox, settings, django_capture_on_commit_callbacks):
    settings.XINFANG_PORTAL_RECOVERIES_PER_HOUR = 2
    number, _ = ticket(submit(Client()))
    client = Client(REMOTE_ADDR="10.4.4.4")
    for phone in ("13900139000", "13900139001"):
        assert _recover(client, number, phone, django_capture_on_commit_callbacks).status_code == 302
    refused = _recover(client, number, PHONE, django_capture_on_commit_callbacks)  # even the right phone
    assert refused.status_code == 429 and "尝试次数过多" in refused.content.decode()
    assert _texts(outbox) == []
    assert (
        _recover(Client(REMOTE_ADDR="10.4.4.5"), number, PHONE, django_capture_on_commit_callbacks)[
            "Location"
        ]
        == "/portal/query/"
    )
    assert len(_texts(outbox)) == 1


def test_messages_per_number_are_capped_silently(
    portal, outbox, settings, django_capture_on_commit_callbacks
):
    settings.XINFANG_PORTAL_RECOVERY_SMS_PER_DAY = 2
    number, _ = ticket(submit(Client()))
    answers = [
        _recover(Client(REMOTE_ADDR=f"10.5.0.{i}"), number, PHONE, django_capture_on_commit_callbacks)
        for i in range(3)
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/portal/query/")}
    assert len(_texts(outbox)) == 2
    last = SMS_CODE.search(_texts(outbox)[-1]["body"]).group(1)
    assert _opens(number, last)  # the third request changed nothing


def test_the_answer_waits_out_a_fixed_time(portal, outbox, settings, monkeypatch):
    settings.XINFANG_PORTAL_RECOVER_ANSWER_SECONDS = 0.8
    waits: list[float] = []
    monkeypatch.setattr(security.time, "sleep", waits.append)
    Client().post("/portal/recover/", {"number": "440300-2099-000001", "phone": PHONE})
    assert len(waits) == 1 and 0.5 < waits[0] <= 0.8


def test_the_message_texts_pass_the_id_number_guard():
    template = get_template("query_code_reset")
    assert "{code}" not in template.text and "{code}" in template.secret_text
    _subject, stored = render(template, {"number": "440300-2026-000123"})
    assert not contains_id_number(stored)
    for code in ("2345-6789-2345", "ABCD-EFGH-JKLM"):  # even an all-digit code is no ID number
        sent = render_secret(template, {"number": "440300-2026-000123", "code": code})
        assert code in sent and not contains_id_number(sent)
    assert set("23456789") <= set(CODE_ALPHABET)


def test_the_recover_page_is_chinese_and_linked_from_the_query_page(portal):
    query = Client().get("/portal/query/").content.decode()
    assert 'href="/portal/recover/"' in query
    page = Client().get("/portal/recover/").content.decode()
    for text in ("找回查询码", "事项编号", "手机号码", "发送新的查询码", "原查询码就不能再用了"):
        assert text in page
