"""Joint handling (Art 24), 领导包案, carrying out a 支持 decision (Art 32), and answers closing Art 29 / 30 /
31(5) matters — each with its permission personas and its refusals that change nothing."""

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases import answers, coordination, handling
from xinfang.cases.models import (
    Answer,
    CaseLeader,
    Clock,
    ClockState,
    FollowUp,
    JointUnit,
    MatterStatus,
    MatterType,
)
from xinfang.cases.selectors import visible_matters
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.notify.models import Notification
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register


def _accepted(world, unit="ns_housing", **overrides):
    matter = register(world, **overrides).matter
    a = matter_route(matter=matter, unit=world.units[unit], mode="transfer", actor=world.users["registrar"])
    receiver = "jiwei" if unit == "discipline" else "handler"
    assignment_accept(assignment=a, actor=world.users[receiver], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter


def test_joint_unit_sees_matter_and_is_notified(world):
    matter = _accepted(world)
    hr = world.units["ns_hr"]
    hr.email = "rsj@ns.example.gov.cn"
    hr.save()
    outsider = world.users["outsider"]  # works at ns_hr
    assert not visible_matters(outsider).filter(pk=matter.pk).exists()
    with pytest.raises(PermissionDenied):  # a plain handler may not arrange joint handling
        coordination.joint_unit_add(matter=matter, unit=hr, duty="核查欠薪情况", actor=world.users["handler"])
    joint = coordination.joint_unit_add(
        matter=matter, unit=hr, duty="核查欠薪情况", actor=world.users["colleague"], lead=True
    )
    assert joint.is_lead and coordination.lead_unit(matter) == hr
    assert visible_matters(outsider).filter(pk=matter.pk).exists()
    assert not visible_matters(world.users["hz_registrar"]).filter(pk=matter.pk).exists()
    note = Notification.objects.get(template="joint_handling")
    assert note.recipient_address == "rsj@ns.example.gov.cn" and "牵头" in note.body
    assert Event.objects.filter(matter_id=matter.pk, verb="matter.joint_added", is_public=True).exists()
    with pytest.raises(Conflict):
        coordination.joint_unit_add(matter=matter, unit=hr, duty="再次添加", actor=world.users["colleague"])
    with pytest.raises(ValidationFailed):
        coordination.joint_unit_add(matter=matter, unit=hr, duty="", actor=world.users["colleague"])
    # The bureau overseeing the place may arrange it too; a bureau elsewhere may not.
    coordination.joint_unit_add(
        matter=matter, unit=world.units["ns_bureau"], duty="协调督促", actor=world.users["leader"]
    )
    with pytest.raises(PermissionDenied):
        coordination.joint_unit_add(
            matter=matter, unit=world.units["ft_bureau"], duty="协调督促", actor=world.users["hz_registrar"]
        )
    assert JointUnit.objects.filter(matter=matter).count() == 2
    assert JointUnit.objects.filter(matter=matter, is_lead=True).count() == 1


def test_accused_unit_never_joins_an_accusation(world):
    matter = _accepted(
        world,
        unit="discipline",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["ns_housing"].pk,
    )
    for unit in ("ns_housing", "ns_housing_team"):
        with pytest.raises(ValidationFailed) as exc:
            coordination.joint_unit_add(
                matter=matter, unit=world.units[unit], duty="协助调查", actor=world.users["jiwei"]
            )
        assert exc.value.code == "joint_accused"
    assert not JointUnit.objects.exists()
    assert not visible_matters(world.users["handler"]).filter(pk=matter.pk).exists()


def test_case_leader_assign_replace_and_end(world):
    matter = _accepted(world)
    leader, gd = world.users["leader"], world.users["gd_leader"]
    with pytest.raises(ValidationFailed):  # a handler is not a leader
        coordination.case_leader_assign(
            matter=matter, leader=world.users["handler"], goal="化解矛盾", actor=leader
        )
    with pytest.raises(PermissionDenied):
        coordination.case_leader_assign(
            matter=matter, leader=leader, goal="化解矛盾", actor=world.users["outsider"]
        )
    first = coordination.case_leader_assign(matter=matter, leader=leader, goal="一个月内化解", actor=leader)
    second = coordination.case_leader_assign(matter=matter, leader=gd, goal="省级督导化解", actor=leader)
    first.refresh_from_db()
    assert first.ended_at is not None and "gd_leader" in first.end_note
    assert CaseLeader.objects.filter(matter=matter, ended_at=None).get() == second
    with pytest.raises(PermissionDenied):
        coordination.case_leader_end(matter=matter, note="已化解完毕", actor=world.users["outsider"])
    coordination.case_leader_end(matter=matter, note="矛盾已化解，信访人息诉", actor=gd)
    assert not CaseLeader.objects.filter(matter=matter, ended_at=None).exists()
    assert Event.objects.filter(matter_id=matter.pk, verb="matter.case_leader").count() == 2


def test_case_leader_must_see_the_matter(world):
    matter = _accepted(world)
    hz = world.users["hz_registrar"]
    hz.roles = ["leader"]
    hz.save()
    with pytest.raises(ValidationFailed) as exc:
        coordination.case_leader_assign(
            matter=matter, leader=hz, goal="化解矛盾", actor=world.users["leader"]
        )
    assert exc.value.code == "leader_out_of_scope"


def test_follow_up_of_a_support_decision(world):
    matter = _accepted(world)
    handling.opinion_issue(
        matter=matter,
        decision="support",
        request="请求维修电梯",
        facts="电梯停运",
        reasons="影响出行",
        findings="属实",
        decision_text="责令物业修复",
        legal_basis=["《物业管理条例》第五十四条"],
        actor=world.users["colleague"],
    )
    task = FollowUp.objects.get(matter=matter)
    with pytest.raises(PermissionDenied):
        coordination.follow_up_complete(
            follow_up=task, note="电梯已修复并验收", actor=world.users["outsider"]
        )
    with pytest.raises(ValidationFailed):
        coordination.follow_up_complete(follow_up=task, note="好", actor=world.users["handler"])
    coordination.follow_up_complete(follow_up=task, note="电梯已修复并通过验收", actor=world.users["handler"])
    task.refresh_from_db()
    assert task.is_done and task.done_by == world.users["handler"]
    with pytest.raises(Conflict):
        coordination.follow_up_complete(
            follow_up=task, note="电梯已修复并通过验收", actor=world.users["handler"]
        )


def test_suggestion_answered_with_adoption(world):
    matter = _accepted(world, matter_type=MatterType.SUGGESTION)
    with pytest.raises(ValidationFailed) as exc:
        answers.matter_answer(
            matter=matter, text="感谢您的建议，我们将研究改进", actor=world.users["colleague"]
        )
    assert exc.value.code == "adoption_required"
    with pytest.raises(PermissionDenied):  # a handler may not sign the answer
        answers.matter_answer(
            matter=matter,
            text="感谢您的建议，我们将研究改进",
            adoption="partly",
            actor=world.users["handler"],
        )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ACCEPTED and not Answer.objects.exists()
    answer = answers.matter_answer(
        matter=matter, text="感谢您的建议，已纳入明年计划", adoption="partly", actor=world.users["colleague"]
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.CLOSED and matter.disposition == "29"
    assert answer.get_adoption_display() == "部分采纳"
    assert Notification.objects.filter(matter_id=matter.pk, template="matter_answered").count() == 1


def test_duty_answer_stops_the_60_day_clock_unmet(world):
    matter = _accepted(world)
    answers.matter_answer(matter=matter, text="已责令物业依法履行维修义务", actor=world.users["colleague"])
    matter.refresh_from_db()
    assert matter.disposition == "31.5"
    assert Clock.objects.get(matter=matter, kind="handling").state == ClockState.CANCELLED
    with pytest.raises(Conflict):
        answers.matter_answer(
            matter=matter, text="已责令物业依法履行维修义务", actor=world.users["colleague"]
        )


def test_staff_pages_for_coordination(world):
    matter = _accepted(world)
    head = Client()
    head.force_login(world.users["colleague"])
    r = head.post(
        f"/matters/{matter.number}/coordinate/joint/",
        {"unit": world.units["ns_hr"].pk, "duty": "核查欠薪情况", "lead": "on"},
        follow=True,
    )
    assert r.status_code == 200 and "已安排联合办理" in r.content.decode()
    page = head.get(f"/matters/{matter.number}/").content.decode()
    assert "南山区人力资源局" in page and "牵头" in page
    r = head.post(f"/matters/{matter.number}/coordinate/answer/", {"text": "短"}, follow=True)
    assert "请填写答复内容" in r.content.decode()
    outsider = Client()
    outsider.force_login(world.users["hz_registrar"])
    r = outsider.post(f"/matters/{matter.number}/coordinate/joint/", {"unit": world.units["ns_hr"].pk})
    assert r.status_code == 404


def test_suggestions_get_no_opinion_letter_nor_legal_channel(world):
    """Art 31–32 are for 申诉求决类; a suggestion is answered under Art 29 instead."""
    matter = _accepted(world, matter_type=MatterType.SUGGESTION)
    with pytest.raises(Conflict) as exc:
        handling.opinion_issue(
            matter=matter,
            decision="support",
            request="建议增设公交线路",
            facts="现有线路不足",
            reasons="出行不便",
            findings="已研究",
            decision_text="采纳",
            legal_basis=["《信访工作条例》第二十九条"],
            actor=world.users["colleague"],
        )
    assert exc.value.code == "opinion_not_for_type"
    with pytest.raises(Conflict):
        handling.matter_lead_to_channel(
            matter=matter,
            item=1,
            channel="诉讼",
            why="应当通过诉讼途径解决该问题",
            actor=world.users["handler"],
        )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ACCEPTED
