"""Issue 21, item 3 (a)(b): one submission is one matter whatever the browser does, and its 登记回执 is a page
of its own — reloaded, printed, saved — with the query code for a short time, never in the database."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from xinfang.cases.models import Matter
from xinfang.portal import receipts, services
from xinfang.portal.models import PortalAccess
from xinfang.portal.security import hash_code, submission_key

from .helpers import CODE, NUMBER, form_data, nonce, submit, ticket

pytestmark = pytest.mark.django_db


def _posted(client: Client, **overrides):
    """The POST alone (no redirect followed), with a fresh form's token; and the data sent."""
    data = form_data(**overrides)
    data.setdefault("nonce", nonce(client))
    return client.post("/portal/submit/", data), data


def test_the_answer_is_a_redirect_to_a_receipt_that_reloads_with_number_and_code(portal):
    client = Client()
    answer, _ = _posted(client)
    assert answer.status_code == 302
    number = Matter.objects.get().number
    assert answer["Location"] == f"/portal/receipt/{number}/"
    before = Matter.objects.count()
    pages = [client.get(answer["Location"]) for _ in range(3)]  # reloaded twice
    shown = {ticket(page) for page in pages}
    assert len(shown) == 1
    [(shown_number, code)] = shown
    assert shown_number == number
    assert PortalAccess.objects.get(matter__number=number).code_hash == hash_code(code)
    assert Matter.objects.count() == before
    assert all(page.status_code == 200 and "no-store" in page["Cache-Control"] for page in pages)


def test_the_plain_code_is_in_no_table_the_session_included(portal):
    client = Client()
    _, code = ticket(submit(client))
    plain = code.replace("-", "")
    for session in Session.objects.all():
        decoded = str(session.get_decoded())
        assert code not in decoded and plain not in decoded
    access = PortalAccess.objects.get()
    assert plain not in access.code_hash and access.submission_key and len(access.submission_key) == 64


def test_the_same_post_twice_is_one_matter_and_the_second_answer_leads_to_the_first(portal):
    client = Client()
    first, data = _posted(client)
    again = client.post("/portal/submit/", data)  # a double click, or the POST resent after going back
    assert Matter.objects.count() == 1
    assert again.status_code == 302 and again["Location"] == first["Location"]
    page = client.get(again["Location"])
    body = page.content.decode()
    assert "已经提交过，没有重复登记" in body
    number, code = ticket(page)
    assert PortalAccess.objects.get(matter__number=number).code_hash == hash_code(code)


def test_a_retry_from_a_browser_that_lost_its_session_still_makes_no_second_matter(portal):
    client = Client()
    first, data = _posted(client)
    stranger = Client()  # the same form sent from elsewhere: no receipt there, and no second matter
    again = stranger.post("/portal/submit/", data)
    assert again["Location"] == first["Location"] and Matter.objects.count() == 1
    assert stranger.get(again["Location"])["Location"] == "/portal/query/"


def test_the_same_petition_sent_again_with_a_new_token_is_not_registered_twice(portal):
    # Going back to the form after a submission: the browser refills the fields, the page draws a new token.
    client = Client()
    first, _ = _posted(client)
    again, _ = _posted(client)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Matter.objects.count() == 1
    assert "内容相同的信访事项，没有重复登记" in client.get(again["Location"]).content.decode()
    other, _ = _posted(client, title="另一件事：路灯不亮")  # a different petition is registered
    assert other["Location"] != first["Location"] and Matter.objects.count() == 2


def test_a_race_the_look_up_missed_is_stopped_by_the_unique_submission_key(portal, monkeypatch):
    """Two copies of one form in flight at once on PostgreSQL both pass the look-up; the second then fails
    on the unique key, rolls back its whole registration and answers with the first matter."""
    client = Client()
    _answer, data = _posted(client)
    matter = Matter.objects.get()
    seen = iter([None])  # the in-transaction look-up misses the first, as a racing transaction's would
    real = services.portal_submitted
    monkeypatch.setattr(services, "portal_submitted", lambda token: next(seen, real(token)))
    from xinfang.portal.actor import portal_actor

    fields = {**data, "region_code": "440305"}
    actor = portal_actor()
    assert actor is not None
    result = services.portal_submit(fields=fields, uploads=[], actor=actor, token=data["nonce"])
    assert result.repeated and result.matter == matter
    assert Matter.objects.count() == 1
    assert PortalAccess.objects.get().submission_key == submission_key(data["nonce"])


def test_the_code_is_shown_only_for_a_while_and_only_to_the_browser_holding_the_key(portal, monkeypatch):
    client = Client()
    answer, _ = _posted(client)
    number = Matter.objects.get().number
    without_key = Client()  # the same session, but not the key: the sealed code stays shut
    for name, morsel in client.cookies.items():
        if name != receipts.COOKIE:
            without_key.cookies[name] = morsel.value
    gone = without_key.get(answer["Location"])
    assert gone.status_code == 302 and gone["Location"] == "/portal/query/"
    assert ticket(client.get(answer["Location"]))[0] == number  # the submitter's browser still has it
    later = receipts._now() + receipts.shown_seconds() + 1
    monkeypatch.setattr(receipts, "_now", lambda: later)  # time is up
    late = client.get(answer["Location"])
    assert late.status_code == 302 and late["Location"] == "/portal/query/"
    page = client.get("/portal/query/").content.decode()
    assert "登记回执只在提交信访事项的浏览器上保留一段时间" in page
    assert number not in page


def test_the_receipt_says_what_happens_next_and_how_to_query(portal):
    client = Client()
    page = submit(client).content.decode()
    number, _code = ticket(submit(Client(), title="同一浏览器外的另一件事"))
    assert number not in page
    for text in (
        "信访事项登记回执",
        "收到时间",
        "登记机关",
        "深圳市信访局",
        "第二十二条",
        "第二十三条",
        "15日内",
        "怎样查询办理进度",
        "找回查询码",
        "http://testserver/portal/",
        "打印回执",
        "另存为 PDF",
    ):
        assert text in page, text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日前（收到之日起15日内）", page)
    assert "/static/portal/receipt.css" in page and "/static/portal/receipt.js" in page
    assert "<script>" not in page and " style=" not in page  # CSP: no inline script, no inline style
    assert len(NUMBER.findall(page)) == len(CODE.findall(page)) == 1


def test_a_session_that_opened_the_matter_with_its_code_gets_the_receipt_without_it(portal):
    number, code = ticket(submit(Client()))
    reader = Client()
    assert reader.post("/portal/query/", {"number": number, "code": code}).status_code == 302
    progress = reader.get(f"/portal/progress/{number}/").content.decode()
    assert f'href="/portal/receipt/{number}/"' in progress
    page = reader.get(f"/portal/receipt/{number}/").content.decode()
    assert "信访事项登记回执" in page and number in page
    assert code not in page and 'id="query-code"' not in page
    assert "找回" in page
