"""Evaluation and 复查/复核 on the portal, through ``xinfang.cases.handling`` (written separately). These run
once the services exist."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.core.errors import Conflict
from xinfang.portal import views

from .helpers import submit, ticket

try:
    from xinfang.cases import handling
except ImportError:  # the handling services have not landed yet
    handling = None  # type: ignore[assignment]

pytestmark = pytest.mark.django_db

needs_evaluation = pytest.mark.skipif(
    not hasattr(handling, "evaluation_record"),
    reason="xinfang.cases.handling.evaluation_record not written yet",
)
needs_review = pytest.mark.skipif(
    not hasattr(handling, "review_request"), reason="xinfang.cases.handling.review_request not written yet"
)


def _opened(portal) -> tuple[Client, str]:
    number, code = ticket(submit(Client()))
    client = Client()
    assert client.post("/portal/query/", {"number": number, "code": code}).status_code == 302
    return client, number


@needs_evaluation
def test_evaluation_on_a_matter_not_yet_replied_is_refused(portal):
    from xinfang.cases.models import Matter

    client, number = _opened(portal)
    matter = Matter.objects.get(number=number)
    options = handling.portal_options(matter)
    assert options["can_evaluate"] is False
    body = client.get(f"/portal/progress/{number}/").content.decode()
    assert "评价办理结果" not in body
    response = client.post(f"/portal/progress/{number}/evaluate/", {"rating": "satisfied"}, follow=True)
    assert response.status_code == 200
    assert "感谢您的评价" not in response.content.decode()


@needs_evaluation
def test_evaluation_form_calls_the_service_and_a_second_one_is_refused(portal, monkeypatch):
    calls = []

    def fake_record(*, matter, rating, comment="", source="portal", actor=None):
        if calls:
            raise Conflict("evaluation_exists", "您已评价过该事项，不能重复评价")
        calls.append((matter.number, rating, comment, source))
        return object()

    monkeypatch.setattr(handling, "evaluation_record", fake_record)
    monkeypatch.setattr(
        handling,
        "portal_options",
        lambda m: {
            "can_evaluate": True,
            "can_request_review": False,
            "review_level": None,
            "review_deadline": None,
        },
    )
    client, number = _opened(portal)
    assert "评价办理结果" in client.get(f"/portal/progress/{number}/").content.decode()
    url = f"/portal/progress/{number}/evaluate/"
    first = client.post(url, {"rating": "basically_satisfied", "comment": "处理及时"}, follow=True)
    assert "感谢您的评价" in first.content.decode()
    second = client.post(url, {"rating": "unsatisfied"}, follow=True)
    assert "您已评价过该事项，不能重复评价" in second.content.decode()
    assert calls == [(number, "basically_satisfied", "处理及时", "portal")]
    bad = client.post(url, {"rating": "satisfied", "comment": "<script>x</script>"}, follow=True)
    assert "不能包含网页代码" in bad.content.decode()
    assert len(calls) == 1


@needs_review
def test_review_form_calls_the_service_when_the_window_is_open(portal, monkeypatch):
    import datetime as dt

    calls = []

    def fake_review(*, matter, reason, source="portal", actor=None):
        calls.append((matter.number, reason, source))
        return object()

    monkeypatch.setattr(handling, "review_request", fake_review)
    monkeypatch.setattr(
        handling,
        "portal_options",
        lambda m: {
            "can_evaluate": False,
            "can_request_review": True,
            "review_level": "复查",
            "review_deadline": dt.date(2030, 1, 31),
        },
    )
    client, number = _opened(portal)
    body = client.get(f"/portal/progress/{number}/").content.decode()
    assert "请求复查" in body and "2030年1月31日" in body
    response = client.post(
        f"/portal/progress/{number}/review/", {"reason": "处理意见认定事实不清"}, follow=True
    )
    assert "您的请求已提交" in response.content.decode()
    assert calls == [(number, "处理意见认定事实不清", "portal")]


@needs_review
def test_review_on_a_fresh_matter_is_refused(portal):
    client, number = _opened(portal)
    response = client.post(f"/portal/progress/{number}/review/", {"reason": "不服处理意见"}, follow=True)
    assert "您的请求已提交" not in response.content.decode()


def test_views_find_the_handling_module_lazily():
    assert (views._handling() is None) == (handling is None)
