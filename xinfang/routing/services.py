"""转送/交办 and the receiving unit's answer (《信访工作条例》Art 22–23). One transaction per action, with its
events; the matter's status moves only through ``cases.workflow.transition``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.cases.clocks import clock_complete, clock_start, local_today
from xinfang.cases.documents import issue_acceptance
from xinfang.cases.handling import start_handling_clock
from xinfang.cases.models import Clock, ClockState, Matter, MatterStatus
from xinfang.cases.notices import notify_petitioners
from xinfang.cases.selectors import matter_for, sees_jurisdiction, shielded_from
from xinfang.cases.workflow import transition
from xinfang.core.actors import as_user
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.org.models import Unit

from .models import Assignment, AssignmentState, Objection, ObjectionDecision, RouteMode, RoutingRule
from .notices import notify_unit

ROUTER_ROLES = ("registrar", "unit_head", "leader")
RECEIVER_ROLES = ("handler", "unit_head")


def routes_here(matter: Matter, actor: Any) -> bool:
    """One owner at a time for 分流 (Art 22): the office that registered the matter routes it; every other
    bureau that oversees its place sees it read-only — two bureaus routing one matter would send it two
    ways at once."""
    return getattr(actor, "unit_id", None) == matter.registering_unit_id


def matter_route(
    *,
    matter: Matter,
    unit: Unit,
    mode: str,
    actor: Any,
    instructions: str = "",
    deadline_days: int | None = None,
    requires_report: bool = False,
    rule: RoutingRule | None = None,
) -> Assignment:
    """转送 or 交办 ``matter`` to ``unit``.

    交办 carries its own deadline and a required 办结报告 (Art 22¶1)."""
    if not (sees_jurisdiction(actor) and actor.has_role(*ROUTER_ROLES)):
        raise PermissionDenied("route_forbidden", "只有信访部门的登记员或负责人可以转送、交办")
    if not routes_here(matter, actor):
        raise PermissionDenied(
            "not_routing_owner", f"该事项由{matter.registering_unit.name}分流，本单位只能查看，不能转送、交办"
        )
    if mode not in RouteMode.values:
        raise ValidationFailed("unknown_mode", "方式应为转送或交办", field="mode")
    if not unit.is_active:
        raise ValidationFailed("unit_inactive", "目标单位已停用", field="unit")
    if unit.pk == actor.unit.pk:
        raise ValidationFailed("route_to_self", "不能转交给本单位，请直接受理", field="unit")
    if mode == RouteMode.ASSIGN:
        if not deadline_days or deadline_days < 1 or deadline_days > 90:
            raise ValidationFailed("deadline_required", "交办须指定办理期限（1–90日）", field="deadline_days")
        requires_report = True
    # Art 30¶3 / Art 46(6): never hand an accusation to the accused unit or one of its sub-units.
    if shielded_from(matter, unit):
        raise ValidationFailed(
            "route_to_accused",
            "检举控告事项不得转交被检举控告单位（《信访工作条例》第三十条）",
            field="unit",
        )
    with transaction.atomic():
        matter = (
            Matter.objects.select_for_update(of=("self",)).select_related("accused_unit").get(pk=matter.pk)
        )
        transition(
            matter,
            MatterStatus.ROUTED,
            actor=actor,
            action="route",
            data={"unit": unit.name, "mode": mode},
            reason=instructions,
        )
        assignment = Assignment.objects.create(
            matter=matter,
            unit=unit,
            from_unit=actor.unit,
            mode=mode,
            instructions=instructions,
            deadline_days=deadline_days if mode == RouteMode.ASSIGN else None,
            requires_report=requires_report,
            rule=rule,
            sent_at=timezone.now(),
            sent_by=as_user(actor),
        )
        record_event(
            actor=actor,
            verb="assignment.sent",
            subject=assignment,
            matter_id=matter.pk,
            new={"unit": unit.name, "mode": mode, "deadline_days": deadline_days},
            reason=instructions,
        )
        clock_complete(matter=matter, kind="routing", actor=actor)
        today = local_today()
        notice = clock_start(matter=matter, kind="notice", start=today, actor=actor, assignment=assignment)
        clock_start(matter=matter, kind="objection", start=today, actor=actor, assignment=assignment)
        notify_unit(
            unit=unit,
            template="assignment_received",
            context={"kind": RouteMode(mode).label, "due_date": notice.due_on.isoformat()},
            matter=matter,
            actor=actor,
        )
    return assignment


def _receiver_check(assignment: Assignment, actor: Any) -> None:
    if getattr(actor, "unit_id", None) != assignment.unit_id or not actor.has_role(*RECEIVER_ROLES):
        raise PermissionDenied("not_receiver", "只有接收单位的承办人或负责人可以办理")


def _locked(assignment: Assignment) -> tuple[Assignment, Matter]:
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("unit", "from_unit")
        .get(pk=assignment.pk)
    )
    matter = Matter.objects.select_for_update().get(pk=assignment.matter_id)
    return assignment, matter


def assignment_accept(
    *, assignment: Assignment, actor: Any, notice_method: str, notice_text: str
) -> Assignment:
    """Accept and tell the petitioner 接收情况以及处理途径和程序 (Art 23¶3)."""
    _receiver_check(assignment, actor)
    if not notice_text.strip():
        raise ValidationFailed("notice_required", "请填写告知信访人的处理途径和程序", field="notice_text")
    with transaction.atomic():
        assignment, matter = _locked(assignment)
        if assignment.state != AssignmentState.PENDING:
            raise Conflict("assignment_not_pending", "该转交件不在待受理状态")
        now = timezone.now()
        assignment.state = AssignmentState.ACCEPTED
        assignment.accepted_at, assignment.notice_method, assignment.notice_text = (
            now,
            notice_method,
            notice_text,
        )
        assignment.accepted_by = as_user(actor)
        assignment.save(update_fields=["state", "accepted_at", "notice_method", "notice_text", "accepted_by"])
        matter.handling_unit, matter.accepted_at = assignment.unit, now
        matter.save(update_fields=["handling_unit", "accepted_at"])
        transition(
            matter,
            MatterStatus.ACCEPTED,
            actor=actor,
            action="accept",
            data={"unit": assignment.unit.name, "notice_method": notice_method},
            reason=notice_text,
        )
        clock_complete(matter=matter, kind="notice", actor=actor, assignment=assignment)
        clock_complete(matter=matter, kind="objection", actor=actor, assignment=assignment, cancel=True)
        start_handling_clock(matter=matter, actor=actor)
        issue_acceptance(matter=matter, unit=assignment.unit, actor=actor, notice_text=notice_text)
        notify_petitioners(
            matter=matter, template="matter_accepted", context={"unit": assignment.unit.name}, actor=actor
        )
        if assignment.mode == RouteMode.ASSIGN and assignment.deadline_days:
            clock_start(
                matter=matter,
                kind="assigned",
                start=local_today(),
                actor=actor,
                assignment=assignment,
                days=assignment.deadline_days,
            )
    return assignment


def assignment_object(*, assignment: Assignment, actor: Any, reason: str) -> Objection:
    """Object that the matter is not within the unit's power: within 5 working days, with detailed reasons
    (Art 23¶3). The sender must approve before the materials go back."""
    _receiver_check(assignment, actor)
    if len(reason.strip()) < 10:
        raise ValidationFailed("reason_required", "请详细说明异议理由（不少于10字）", field="reason")
    with transaction.atomic():
        assignment, matter = _locked(assignment)
        if assignment.state != AssignmentState.PENDING:
            raise Conflict("assignment_not_pending", "该转交件不在待受理状态，不能提出异议")
        clock = Clock.objects.filter(assignment=assignment, kind="objection").order_by("-id").first()
        if clock is None or clock.state != ClockState.RUNNING or timezone.now() > clock.due_at:
            raise ValidationFailed(
                "objection_window_closed",
                f"异议期已过（应在{clock.due_on:%Y年%m月%d日}前提出，《信访工作条例》第二十三条）"
                if clock
                else "异议期已过",
                field="reason",
            )
        objection = Objection.objects.create(
            assignment=assignment,
            reason=reason,
            submitted_at=timezone.now(),
            submitted_by=as_user(actor),
        )
        assignment.state = AssignmentState.OBJECTED
        assignment.save(update_fields=["state"])
        transition(
            matter,
            MatterStatus.OBJECTION,
            actor=actor,
            action="object",
            reason=reason,
            data={"unit": assignment.unit.name},
            is_public=False,
        )
        clock_complete(matter=matter, kind="objection", actor=actor, assignment=assignment)
        notify_unit(
            unit=assignment.from_unit,
            template="objection_filed",
            context={"from_unit": assignment.unit.name},
            matter=matter,
            actor=actor,
        )
    return objection


def objection_decide(*, objection: Objection, approve: bool, actor: Any, reason: str) -> Objection:
    """The sending organ 核实 the objection. Approved: the assignment is returned and the matter goes back to
    分流; rejected: the receiving unit must handle it, and its notice clock keeps running."""
    assignment = objection.assignment
    if getattr(actor, "unit_id", None) != assignment.from_unit_id or not actor.has_role(*ROUTER_ROLES):
        raise PermissionDenied("not_sender", "只有原转交单位可以审核异议")
    if not reason.strip():
        raise ValidationFailed("reason_required", "请填写审核意见", field="reason")
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.decision != ObjectionDecision.PENDING:
            raise Conflict("objection_decided", "该异议已审核")
        assignment, matter = _locked(objection.assignment)
        objection.decision = ObjectionDecision.APPROVED if approve else ObjectionDecision.REJECTED
        objection.decided_at = timezone.now()
        objection.decided_by = as_user(actor)
        objection.decision_reason = reason
        objection.save(update_fields=["decision", "decided_at", "decided_by", "decision_reason"])
        if approve:
            assignment.state = AssignmentState.RETURNED
            assignment.save(update_fields=["state"])
            transition(
                matter,
                MatterStatus.REGISTERED,
                actor=actor,
                action="objection_approved",
                reason=reason,
                data={"unit": assignment.unit.name},
            )
            clock_complete(matter=matter, kind="notice", actor=actor, assignment=assignment, cancel=True)
            clock_start(matter=matter, kind="routing", start=local_today(), actor=actor)
        else:
            assignment.state = AssignmentState.PENDING
            assignment.save(update_fields=["state"])
            transition(
                matter,
                MatterStatus.ROUTED,
                actor=actor,
                action="objection_rejected",
                reason=reason,
                data={"unit": assignment.unit.name},
                is_public=False,
            )
        notify_unit(
            unit=assignment.unit,
            template="objection_decided",
            context={"outcome": "经审核成立，已退回" if approve else "经审核不成立，请继续办理"},
            matter=matter,
            actor=actor,
        )
    return objection


def matter_accept_direct(*, matter: Matter, actor: Any, notice_text: str) -> Matter:
    """An organ with power that received the petition itself accepts it (Art 23¶1–2)."""
    if getattr(actor, "unit_id", None) != matter.registering_unit_id or not actor.has_role(
        *RECEIVER_ROLES, "registrar"
    ):
        raise PermissionDenied("not_registering_unit", "只有登记单位可以直接受理")
    if not notice_text.strip():
        raise ValidationFailed("notice_required", "请填写告知信访人的处理途径和程序", field="notice_text")
    with transaction.atomic():
        matter = Matter.objects.select_for_update().get(pk=matter.pk)
        matter.handling_unit_id, matter.accepted_at = matter.registering_unit_id, timezone.now()
        matter.save(update_fields=["handling_unit", "accepted_at"])
        transition(matter, MatterStatus.ACCEPTED, actor=actor, action="accept_direct", reason=notice_text)
        clock_complete(matter=matter, kind="notice", actor=actor)
        clock_complete(matter=matter, kind="routing", actor=actor)
        start_handling_clock(matter=matter, actor=actor)
        unit = matter.registering_unit
        issue_acceptance(matter=matter, unit=unit, actor=actor, notice_text=notice_text)
        notify_petitioners(
            matter=matter, template="matter_accepted", context={"unit": unit.name}, actor=actor
        )
    return matter


def assignment_for(actor: Any, matter_number: str, assignment_id: int) -> Assignment:
    matter = matter_for(actor, matter_number)
    assignment = (
        Assignment.objects.select_related("unit", "from_unit", "matter")
        .filter(pk=assignment_id, matter=matter)
        .first()
    )
    if assignment is None:
        from xinfang.core.errors import NotFound

        raise NotFound("assignment_not_found", "未找到该转交记录")
    return assignment
