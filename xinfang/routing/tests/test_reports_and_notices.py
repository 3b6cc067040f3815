"""办结报告 of a 交办 matter (Art 22¶1(三)) and the e-mails units get when something reaches them."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from xinfang.cases import handling
from xinfang.cases.documents import document_path
from xinfang.cases.models import Clock, ClockState, IssuedDocument
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.notify.models import Notification
from xinfang.routing.models import Assignment
from xinfang.routing.reports import completion_report_submit
from xinfang.routing.services import assignment_accept, assignment_object, matter_route, objection_decide
from xinfang.testing.factories import register


def _mail(world):
    for key, address in (("ns_housing", "zjj@ns.example.gov.cn"), ("city_bureau", "xfj@sz.example.gov.cn")):
        world.units[key].email = address
        world.units[key].save()


def _assigned(world, days=20):
    matter = register(world).matter
    a = matter_route(
        matter=matter,
        unit=world.units["ns_housing"],
        mode="assign",
        deadline_days=days,
        actor=world.users["registrar"],
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter, a


def _opinion(world, matter):
    handling.opinion_issue(
        matter=matter,
        decision="explain",
        request="请求维修电梯",
        facts="电梯停运",
        reasons="影响出行",
        findings="已核查",
        decision_text="物业已承诺维修",
        legal_basis=["《物业管理条例》第五十四条"],
        actor=world.users["colleague"],
    )


def test_units_are_mailed_on_routing_and_objection(world):
    _mail(world)
    matter = register(world).matter
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    sent = Notification.objects.get(template="assignment_received")
    assert (
        sent.recipient_address == "zjj@ns.example.gov.cn"
        and "转送" in sent.body
        and matter.number in sent.body
    )
    objection = assignment_object(
        assignment=a, actor=world.users["handler"], reason="该事项属于街道办事处职责，不属于本局"
    )
    assert Notification.objects.get(template="objection_filed").recipient_address == "xfj@sz.example.gov.cn"
    objection_decide(objection=objection, approve=True, actor=world.users["registrar"], reason="同意")
    assert "退回" in Notification.objects.get(template="objection_decided").body
    # A unit without a mailbox still gets the matter in its inbox; no mail, no error.
    matter2 = register(world).matter
    matter_route(matter=matter2, unit=world.units["ns_hr"], mode="transfer", actor=world.users["registrar"])
    assert Notification.objects.filter(template="assignment_received").count() == 1


def test_completion_report_after_handling(world):
    _mail(world)
    matter, a = _assigned(world)
    with pytest.raises(Conflict) as exc:  # not handled yet
        completion_report_submit(
            assignment=a,
            process="现场核查并约谈物业公司",
            result="电梯已修复",
            actor=world.users["colleague"],
        )
    assert exc.value.code == "report_too_early"
    _opinion(world, matter)
    with pytest.raises(PermissionDenied):
        completion_report_submit(
            assignment=a, process="现场核查并约谈物业公司", result="电梯已修复", actor=world.users["handler"]
        )
    doc = completion_report_submit(
        assignment=a,
        process="现场核查并约谈物业公司，督促维修",
        result="电梯已修复并恢复运行",
        petitioner_feedback="满意",
        actor=world.users["colleague"],
    )
    assert doc.kind == "completion_report" and not doc.is_public
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(document_path(doc, "pdf").read_bytes())).pages
    )
    text = text.replace(" ", "").replace("\n", "")
    for part in ("办结报告", "深圳市信访局", matter.number, "电梯已修复并恢复运行", "解释说明"):
        assert part in text, part
    assert Clock.objects.get(assignment=a, kind="assigned").state == ClockState.MET
    assert Notification.objects.get(template="completion_report_received").recipient_address == (
        "xfj@sz.example.gov.cn"
    )
    with pytest.raises(Conflict):
        completion_report_submit(
            assignment=a,
            process="现场核查并约谈物业公司",
            result="电梯已修复",
            actor=world.users["colleague"],
        )


def test_late_report_needs_a_reason_and_transfer_needs_none(world):
    matter, a = _assigned(world, days=1)
    _opinion(world, matter)
    Assignment.objects.filter(pk=a.pk).update(sent_at=timezone.now() - dt.timedelta(days=10))
    Clock.objects.filter(assignment=a, kind="assigned").update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    with pytest.raises(ValidationFailed) as exc:
        completion_report_submit(
            assignment=a,
            process="现场核查并约谈物业公司",
            result="电梯已修复",
            actor=world.users["colleague"],
        )
    assert exc.value.code == "late_reason_required"
    assert not IssuedDocument.objects.filter(kind="completion_report").exists()
    completion_report_submit(
        assignment=a,
        process="现场核查并约谈物业公司",
        result="电梯已修复",
        late_reason="等待配件到货",
        actor=world.users["colleague"],
    )
    m2 = register(world).matter
    t = matter_route(
        matter=m2, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=t, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    with pytest.raises(Conflict) as exc2:
        completion_report_submit(
            assignment=t,
            process="现场核查并约谈物业公司",
            result="电梯已修复",
            actor=world.users["colleague"],
        )
    assert exc2.value.code == "report_not_required"


def test_sweeper_mails_the_unit_whose_clock_ran_out(world):
    from xinfang.cases.clocks import sweep_clocks

    _mail(world)
    matter = register(world).matter
    matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    later = timezone.now() + dt.timedelta(days=40)
    sweep_clocks(now=later)
    overdue = Notification.objects.filter(template="clock_overdue")
    # 受理告知 of the receiving unit; the lapsed objection period is a window, not a duty
    assert [(n.recipient_address, "受理告知" in n.body) for n in overdue] == [("zjj@ns.example.gov.cn", True)]
    sweep_clocks(now=later)  # recorded once
    assert overdue.count() == 1
