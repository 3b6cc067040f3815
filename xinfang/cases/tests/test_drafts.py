"""拟稿 → 签发: the handler's draft reaches the head, is never an opinion by itself, and goes when signed."""

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases import drafts, handling
from xinfang.cases.models import Opinion, OpinionDraft
from xinfang.core.errors import Conflict, PermissionDenied
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register

FORM = {
    "decision": "explain",
    "request": "请求维修电梯",
    "facts": "电梯停运两个月",
    "reasons": "影响老人出行",
    "findings": "经核查，维修需业主大会表决",
    "decision_text": "已督促物业召集业主大会表决",
    "legal_basis": "《物业管理条例》第五十四条",
}


def _accepted(world):
    matter = register(world).matter
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter


def test_draft_by_handler_is_signed_by_head_and_then_gone(world):
    matter = _accepted(world)
    with pytest.raises(PermissionDenied):
        drafts.opinion_draft_save(matter=matter, level="opinion", data=FORM, actor=world.users["outsider"])
    draft = drafts.opinion_draft_save(matter=matter, level="opinion", data=FORM, actor=world.users["handler"])
    assert draft.data["findings"] == FORM["findings"] and not Opinion.objects.exists()
    again = drafts.opinion_draft_save(
        matter=matter, level="opinion", data={**FORM, "decision": "reject"}, actor=world.users["handler"]
    )
    assert again.pk == draft.pk and OpinionDraft.objects.get().data["decision"] == "reject"
    assert Event.objects.filter(matter_id=matter.pk, verb="opinion.drafted", is_public=False).count() == 2
    with pytest.raises(Conflict):  # no 复查 is pending
        drafts.opinion_draft_save(matter=matter, level="review", data=FORM, actor=world.users["handler"])
    handling.opinion_issue(
        matter=matter,
        **{k: v for k, v in FORM.items() if k != "legal_basis"},
        legal_basis=[FORM["legal_basis"]],
        actor=world.users["colleague"],
    )
    assert not OpinionDraft.objects.exists()


def test_handler_post_to_sign_saves_a_draft_the_head_sees(world):
    matter = _accepted(world)
    handler = Client()
    handler.force_login(world.users["handler"])
    r = handler.post(f"/matters/{matter.number}/handle/opinion/", FORM, follow=True)
    assert "意见书草稿已保存，待负责人审核签发" in r.content.decode()
    assert not Opinion.objects.exists()
    head = Client()
    head.force_login(world.users["colleague"])
    page = head.get(f"/matters/{matter.number}/").content.decode()
    assert "经核查，维修需业主大会表决" in page and "拟稿，待负责人审核签发" in page
    r = head.post(f"/matters/{matter.number}/handle/opinion/", {**FORM, "confirm": "1"}, follow=True)
    assert "处理意见书已签发" in r.content.decode()
    assert Opinion.objects.get().signed_by == world.users["colleague"]
