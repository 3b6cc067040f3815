"""The handling chain through the API (cases/api_handling.py): each action for the caller who may take it,
refused for the caller who may not (403) and invisible to the caller who does not see the matter or from
whom it is shielded (404, nothing written); retries with Idempotency-Key answer the first result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.cases.models import (
    Clock,
    Evaluation,
    Extension,
    Hearing,
    MatterStatus,
    Opinion,
    OpinionDraft,
    ReviewRequest,
)
from xinfang.intake.models import IdempotencyRecord

from .api_world import OPINION, REVIEW, accepted, accusation_against_city, bearer, get, post, session

pytestmark = pytest.mark.django_db


def _events(matter) -> int:
    return Event.objects.filter(matter_id=matter.pk).count()


def _refused_everywhere(client, matter) -> None:
    """Every handling write answers a matter out of sight with the 404 of a number that does not exist, and
    writes nothing."""
    before = _events(matter)
    for path, body in [
        ("extension", {"days": 10, "reason": "需鉴定"}),
        ("opinions/opinion/draft", OPINION),
        ("opinions/opinion/sign", OPINION),
        ("opinions/opinion/service", {"method": "postal", "served_on": timezone.localdate().isoformat()}),
        ("evaluation", {"rating": "satisfied"}),
        ("review-requests", {"reason": "不服处理意见"}),
        ("hearings", {"held_from": "2026-01-05", "held_to": "2026-01-05", "minutes": "m", "outcome": "o"}),
        ("legal-channel", {"item": 1, "channel": "诉讼", "why": "应当通过诉讼途径解决该争议"}),
    ]:
        r = post(client, f"/matters/{matter.number}/{path}", body)
        assert (r.status_code, r.json()["code"]) == (404, "matter_not_found"), (path, r.content)
        assert matter.number not in r.content.decode() or "未找到信访事项" in r.json()["message"]
    assert get(client, f"/matters/{matter.number}/opinions/opinion/draft").status_code == 404
    assert _events(matter) == before


def test_the_head_grants_an_extension_once_and_a_retry_answers_the_first_result(world):
    matter = accepted(world)
    head = session(world, "colleague")  # 单位负责人 of the handling unit
    body = {"days": 20, "reason": "需委托第三方鉴定"}
    first = post(head, f"/matters/{matter.number}/extension", body, key="ext-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["days"] == 20 and data["new_due"] > data["original_due"]
    assert data["document"]["kind"] == "extension_notice" and "信延" in data["document"]["doc_number"]
    again = post(head, f"/matters/{matter.number}/extension", body, key="ext-1")
    assert again.status_code == 200 and again.json() == data
    assert Extension.objects.filter(matter=matter).count() == 1
    # Without the key a second request is a second extension: refused by Art 34.
    r = post(head, f"/matters/{matter.number}/extension", body)
    assert (r.status_code, r.json()["code"]) == (409, "extension_exists")
    # The key names that request: another body or another endpoint with it is refused, nothing done.
    other = post(head, f"/matters/{matter.number}/extension", {**body, "days": 5}, key="ext-1")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    elsewhere = post(head, f"/matters/{matter.number}/evaluation", {"rating": "satisfied"}, key="ext-1")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "idempotency_key_reused")
    assert IdempotencyRecord.objects.filter(user=world.users["colleague"]).count() == 1


def test_a_handler_may_not_approve_an_extension_and_a_token_acts_for_registration_only(world):
    matter = accepted(world)
    r = post(session(world, "handler"), f"/matters/{matter.number}/extension", {"days": 5, "reason": "复杂"})
    assert (r.status_code, r.json()["code"]) == (403, "not_handling_unit")
    r = post(
        bearer(world, "ns_housing"), f"/matters/{matter.number}/extension", {"days": 5, "reason": "复杂"}
    )
    assert r.status_code == 403
    r = post(
        session(world, "colleague"), f"/matters/{matter.number}/extension", {"days": 31, "reason": "复杂"}
    )
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "extension_too_long", "days")
    assert not Extension.objects.filter(matter=matter).exists()
    assert not IdempotencyRecord.objects.exists()


def test_the_handler_drafts_and_the_head_signs_the_draft(world):
    matter = accepted(world)
    handler, head = session(world, "handler"), session(world, "colleague")
    r = post(handler, f"/matters/{matter.number}/opinions/opinion/draft", OPINION)
    assert r.status_code == 200, r.content
    assert r.json()["legal_basis"] == OPINION["legal_basis"] and r.json()["drafted_by"] == "handler"
    # The draft is the unit's paper: the head reads it, the city bureau (which sees the matter) may not.
    assert get(head, f"/matters/{matter.number}/opinions/opinion/draft").json()["facts"] == OPINION["facts"]
    r = get(session(world, "leader"), f"/matters/{matter.number}/opinions/opinion/draft")
    assert (r.status_code, r.json()["code"]) == (403, "not_drafting_unit")
    # Only the signing roles sign.
    r = post(handler, f"/matters/{matter.number}/opinions/opinion/sign", {})
    assert (r.status_code, r.json()["code"]) == (403, "not_handling_unit")
    assert not Opinion.objects.filter(matter=matter).exists()
    # An empty body signs the draft as saved; a part given replaces the draft's.
    r = post(head, f"/matters/{matter.number}/opinions/opinion/sign", {"decision": "explain"}, key="sign-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["decision"] == "explain" and data["decision_label"] == "解释说明"
    assert data["status"] == MatterStatus.REPLIED and data["document"]["kind"] == "opinion_letter"
    opinion = Opinion.objects.get(matter=matter)
    assert opinion.facts == OPINION["facts"] and opinion.legal_basis == OPINION["legal_basis"]
    assert not OpinionDraft.objects.filter(matter=matter).exists()
    replay = post(
        head, f"/matters/{matter.number}/opinions/opinion/sign", {"decision": "explain"}, key="sign-1"
    )
    assert replay.status_code == 200 and replay.json() == data


def test_signing_without_legal_basis_is_refused_and_writes_nothing(world):
    matter = accepted(world)
    before = _events(matter)
    body = {**OPINION, "legal_basis": []}
    r = post(session(world, "colleague"), f"/matters/{matter.number}/opinions/opinion/sign", body, key="k")
    assert (r.status_code, r.json()["code"]) == (422, "legal_basis_required")
    assert _events(matter) == before and not IdempotencyRecord.objects.exists()
    # Corrected, the same key goes through: a refusal is not recorded against it.
    r = post(session(world, "colleague"), f"/matters/{matter.number}/opinions/opinion/sign", OPINION, key="k")
    assert r.status_code == 201, r.content


def test_service_evaluation_review_hearing_and_recheck_through_the_api(world):
    matter = accepted(world)
    today = timezone.localdate()
    n = matter.number
    assert (
        post(session(world, "colleague"), f"/matters/{n}/opinions/opinion/sign", OPINION).status_code == 201
    )

    # Service: the issuing unit only (the city bureau sees the matter but did not issue the opinion).
    service = {"method": "postal", "served_on": today.isoformat()}
    r = post(session(world, "leader"), f"/matters/{n}/opinions/opinion/service", service)
    assert (r.status_code, r.json()["code"]) == (403, "not_issuing_unit")
    r = post(session(world, "handler"), f"/matters/{n}/opinions/review/service", service)
    assert (r.status_code, r.json()["code"]) == (404, "opinion_not_found")
    r = post(session(world, "handler"), f"/matters/{n}/opinions/opinion/service", service, key="srv")
    assert r.status_code == 200 and r.json()["served_on"] == today.isoformat(), r.content

    # A phone 回访 evaluation, by staff who act on matters — not by the auditor (三员分立).
    r = post(session(world, "auditor"), f"/matters/{n}/evaluation", {"rating": "satisfied"})
    assert (r.status_code, r.json()["code"]) == (403, "role_required")
    r = post(
        session(world, "handler"), f"/matters/{n}/evaluation", {"rating": "unsatisfied", "source": "phone"}
    )
    assert r.status_code == 201 and r.json()["rating_label"] == "不满意", r.content
    assert Evaluation.objects.get(matter=matter).source == "phone"

    # 复查 request received at the city bureau's desk, decided by the city bureau (one level up).
    r = post(session(world, "registrar"), f"/matters/{n}/review-requests", {"reason": "原处理意见未落实"})
    assert r.status_code == 201, r.content
    assert r.json()["level"] == "review" and r.json()["organ"] == "深圳市信访局" and r.json()["due_on"]
    r = post(session(world, "colleague"), f"/matters/{n}/opinions/review/sign", REVIEW)
    assert (r.status_code, r.json()["code"]) == (403, "not_signatory")
    r = post(session(world, "leader"), f"/matters/{n}/opinions/review/sign", REVIEW)
    assert r.status_code == 201 and r.json()["status"] == MatterStatus.REVIEWED, r.content
    assert r.json()["document"]["kind"] == "review_opinion"
    r = post(session(world, "leader"), f"/matters/{n}/opinions/review/service", service)
    assert r.status_code == 200, r.content

    # 复核 by the province's bureau, with a hearing (its days are not counted: handling.hearing_record).
    early = {"reason": "仍不服复查意见", "received_on": (today - dt.timedelta(days=1)).isoformat()}
    r = post(bearer(world, "gd_bureau"), f"/matters/{n}/review-requests", early)
    assert (r.status_code, r.json()["code"]) == (422, "received_before_reply")
    r = post(bearer(world, "gd_bureau"), f"/matters/{n}/review-requests", {"reason": "仍不服复查意见"})
    assert r.status_code == 201 and r.json()["organ"] == "广东省信访局", r.content
    hearing = {
        "held_from": today.isoformat(),
        "held_to": today.isoformat(),
        "participants": ["律师 张律师"],
        "minutes": "听证笔录",
        "outcome": "多数意见维持",
    }
    r = post(session(world, "leader"), f"/matters/{n}/hearings", hearing)
    assert (r.status_code, r.json()["code"]) == (403, "not_review_organ")
    r = post(session(world, "gd_leader"), f"/matters/{n}/hearings", hearing, key="h-1")
    assert r.status_code == 201, r.content
    assert r.json()["recheck_due_on"] == Clock.objects.get(matter=matter, kind="recheck").due_on.isoformat()
    assert post(session(world, "gd_leader"), f"/matters/{n}/hearings", hearing, key="h-1").status_code == 200
    assert Hearing.objects.filter(matter=matter).count() == 1
    r = post(session(world, "gd_leader"), f"/matters/{n}/opinions/recheck/sign", REVIEW)
    assert r.status_code == 201 and r.json()["status"] == MatterStatus.FINAL, r.content
    assert ReviewRequest.objects.filter(matter=matter).count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("held_from", "1900-01-01"),
        ("held_to", (dt.date.today() + dt.timedelta(days=400)).isoformat()),
    ],
)
def test_hearing_dates_outside_reason_are_refused_before_the_clock(world, field, value):
    matter = accepted(world)
    body = {"held_from": "2025-01-01", "held_to": "2025-01-02", "minutes": "m", "outcome": "o", field: value}
    r = post(session(world, "gd_leader"), f"/matters/{matter.number}/hearings", body)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "date_invalid", field)


def test_the_handler_leads_a_matter_into_its_legal_channel(world):
    matter = accepted(world)
    body = {"item": 1, "channel": "诉讼", "why": "该请求属于民事纠纷，应当通过诉讼途径解决"}
    r = post(session(world, "outsider"), f"/matters/{matter.number}/legal-channel", body)
    assert (r.status_code, r.json()["code"]) == (404, "matter_not_found")
    r = post(session(world, "handler"), f"/matters/{matter.number}/legal-channel", body, key="ch")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == MatterStatus.CLOSED and r.json()["legal_channel"] == "诉讼"
    assert r.json()["document"]["kind"] == "legal_channel_notice"
    again = post(session(world, "handler"), f"/matters/{matter.number}/legal-channel", body, key="ch")
    assert again.status_code == 200 and again.json() == r.json()


@pytest.mark.parametrize("persona", ["outsider", "hz_registrar"])
def test_a_caller_who_does_not_see_the_matter_gets_404_and_changes_nothing(world, persona):
    _refused_everywhere(session(world, persona), accepted(world))


@pytest.mark.parametrize("persona", ["registrar", "leader", "ns_registrar"])
def test_the_accused_bureau_and_its_sub_unit_get_404_and_change_nothing(world, persona):
    _refused_everywhere(session(world, persona), accusation_against_city(world))


def test_the_unit_handling_an_accusation_acts_on_it(world):
    matter = accusation_against_city(world)
    r = post(session(world, "jiwei"), f"/matters/{matter.number}/extension", {"days": 5, "reason": "需调查"})
    # Art 34's extension is for 申诉求决类 only (no handling clock here): refused for the state, not scope.
    assert (r.status_code, r.json()["code"]) == (409, "extension_not_open")
