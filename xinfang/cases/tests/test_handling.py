"""End to end through the statutory lifecycle (《信访工作条例》Art 22–36), on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.cases import handling
from xinfang.cases.models import Clock, ClockState, FollowUp, Level, MatterStatus
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.intake.validation import PetitionerInput
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import id_number, register

BASIS = ["《物业管理条例》第五十四条", "《住宅专项维修资金管理办法》第二十二条"]


def _person():
    return [
        PetitionerInput(name="林一", id_number=id_number(501), phone="13912345678", address="南山区某路1号")
    ]


def _accepted(world):
    matter = register(world, petitioners=_person()).matter
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter


def _opinion(world, matter, level=Level.OPINION, decision="support", actor="colleague"):
    return handling.opinion_issue(
        matter=matter,
        level=level,
        decision=decision,
        request="请求维修电梯",
        facts="电梯停运两个月",
        reasons="影响老人出行",
        findings="经现场核查属实",
        decision_text="责令物业于30日内修复",
        legal_basis=BASIS,
        actor=world.users[actor],
    )


def test_full_path_to_finality_and_not_accepted_again(world):
    matter = _accepted(world)
    handling_clock = Clock.objects.get(matter=matter, kind="handling")
    assert handling_clock.state == ClockState.RUNNING

    ext = handling.extension_grant(
        matter=matter, days=30, reason="需委托第三方鉴定", actor=world.users["colleague"]
    )
    handling_clock.refresh_from_db()
    assert handling_clock.due_on == ext.new_due and ext.new_due > ext.original_due

    opinion = _opinion(world, matter)
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REPLIED and FollowUp.objects.filter(matter=matter).exists()
    handling.opinion_served(
        opinion=opinion, method="postal", served_on=timezone.localdate(), actor=world.users["handler"]
    )
    assert handling.portal_options(matter)["review_level"] == "复查"
    handling.evaluation_record(matter=matter, rating="unsatisfied", comment="不满意", source="portal")

    req = handling.review_request(matter=matter, reason="原处理意见未落实", source="portal")
    assert req.organ == world.units["city_bureau"]
    review = _opinion(world, matter, level=Level.REVIEW, decision="uphold", actor="leader")
    handling.opinion_served(
        opinion=review, method="electronic", served_on=timezone.localdate(), actor=world.users["leader"]
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REVIEWED

    recheck = handling.review_request(matter=matter, reason="仍不服复查意见", source="portal")
    assert recheck.organ == world.units["gd_bureau"]
    clock = Clock.objects.get(matter=matter, kind="recheck")
    before = clock.due_on
    today = timezone.localdate()
    handling.hearing_record(
        matter=matter,
        held_from=today,
        held_to=today + dt.timedelta(days=2),
        participants=["律师 张律师", "人大代表 王代表", "社区代表 李某"],
        minutes="听证笔录……",
        outcome="多数意见维持",
        actor=world.users["gd_leader"],
    )
    clock.refresh_from_db()
    assert clock.due_on > before  # hearing days are not counted (Art 36¶2)
    _opinion(world, matter, level=Level.RECHECK, decision="uphold", actor="gd_leader")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.FINAL

    # Same petitioner, same facts and reasons, at another level: registered but not accepted, linked.
    again = register(world, actor="ns_registrar", petitioners=_person()).matter
    assert again.status == MatterStatus.NOT_ACCEPTED and again.final_matter == matter
    assert Event.objects.filter(matter_id=again.pk, verb="matter.not_accepted_final", is_public=True).exists()
    assert not Clock.objects.filter(matter=again).exists()
    # A different matter of the same petitioner is accepted normally.
    other = register(
        world,
        petitioners=_person(),
        title="社保转移问题",
        request="请求办理社保转移",
        facts="调动工作后社保无法转移",
        reasons="影响退休待遇",
    ).matter
    assert other.status == MatterStatus.REGISTERED


@pytest.mark.parametrize(("item", "channel"), [(1, "诉讼"), (2, "仲裁"), (3, "党员申诉"), (4, "行政复议")])
def test_art31_items_1_to_4_close_into_legal_channel(world, item, channel):
    matter = _accepted(world)
    handling.matter_lead_to_channel(
        matter=matter,
        item=item,
        channel=channel,
        why="该请求应当通过法定途径解决，已告知信访人途径和理由",
        actor=world.users["handler"],
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.CLOSED and matter.legal_channel == channel
    assert matter.disposition == f"31.{item}"
    assert Clock.objects.get(matter=matter, kind="handling").state == ClockState.CANCELLED


def test_bad_inputs_change_nothing(world):
    matter = _accepted(world)
    with pytest.raises(ValidationFailed) as err:
        handling.extension_grant(matter=matter, days=31, reason="复杂", actor=world.users["colleague"])
    assert err.value.code == "extension_too_long"
    with pytest.raises(PermissionDenied):  # a handler may not approve an extension
        handling.extension_grant(matter=matter, days=10, reason="复杂", actor=world.users["handler"])
    handling.extension_grant(matter=matter, days=10, reason="复杂", actor=world.users["colleague"])
    with pytest.raises(Conflict) as err:
        handling.extension_grant(matter=matter, days=5, reason="再次", actor=world.users["colleague"])
    assert err.value.code == "extension_exists"
    with pytest.raises(ValidationFailed) as err:
        handling.opinion_issue(
            matter=matter,
            decision="support",
            request="r",
            facts="f",
            reasons="r",
            findings="f",
            decision_text="d",
            legal_basis=[" "],
            actor=world.users["colleague"],
        )
    assert err.value.code == "legal_basis_required"
    with pytest.raises(PermissionDenied):  # a handler may not sign
        _opinion(world, matter, actor="handler")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ACCEPTED
    with pytest.raises(Conflict):
        handling.evaluation_record(matter=matter, rating="satisfied")
    opinion = _opinion(world, matter, decision="explain")
    handling.opinion_served(
        opinion=opinion, method="in_person", served_on=timezone.localdate(), actor=world.users["handler"]
    )
    handling.evaluation_record(matter=matter, rating="satisfied")
    with pytest.raises(Conflict) as err:
        handling.evaluation_record(matter=matter, rating="unsatisfied")
    assert err.value.code == "evaluation_exists"


def test_review_after_thirty_days_is_refused(world):
    matter = _accepted(world)
    opinion = _opinion(world, matter, decision="reject")
    served = timezone.localdate() - dt.timedelta(days=1)
    handling.opinion_served(opinion=opinion, method="postal", served_on=served, actor=world.users["handler"])
    late = served + dt.timedelta(days=45)
    with pytest.raises(ValidationFailed) as err:
        handling.review_request(matter=matter, reason="不服处理意见", received_on=late)
    assert err.value.code == "review_window_closed"
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REPLIED
    assert handling.portal_options(matter)["can_request_review"] is True  # still open today


def test_review_decided_only_by_organ_one_level_up(world):
    matter = _accepted(world)
    opinion = _opinion(world, matter)
    handling.opinion_served(
        opinion=opinion, method="postal", served_on=timezone.localdate(), actor=world.users["handler"]
    )
    handling.review_request(matter=matter, reason="不服处理意见")
    with pytest.raises(PermissionDenied):
        _opinion(world, matter, level=Level.REVIEW, decision="uphold", actor="colleague")
    with pytest.raises(ValidationFailed):
        _opinion(world, matter, level=Level.REVIEW, decision="support", actor="leader")


def test_evaluation_window_is_a_rule(world, django_capture_on_commit_callbacks):
    from xinfang.deadlines.services import deadline_rule_set

    matter = _accepted(world)
    opinion = _opinion(world, matter, decision="explain")
    opinion.signed_at -= dt.timedelta(days=20)
    opinion.save(update_fields=["signed_at"])
    served = timezone.localdate() - dt.timedelta(days=12)
    handling.opinion_served(opinion=opinion, method="postal", served_on=served, actor=world.users["handler"])
    assert handling.portal_options(matter)["can_evaluate"] is True  # default window: 30 days
    with django_capture_on_commit_callbacks(execute=True):  # the rule cache is refreshed on commit
        deadline_rule_set(
            clock="evaluation", days=3, working=False, actor=world.users["registrar"], reason="测试"
        )
    assert handling.portal_options(matter)["can_evaluate"] is False
    with pytest.raises(Conflict) as err:
        handling.evaluation_record(matter=matter, rating="satisfied")
    assert err.value.code == "evaluation_window_closed"
