"""Staff actions for coordination on the matter page: joint handling, 领导包案, follow-up of a 支持 decision,
the answer that closes an Art 29/30/31(5) matter, and the 办结报告 of a 交办 matter. Each POST calls one
service and comes back to the matter with a Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.cases import answers, coordination
from xinfang.cases.models import FollowUp, Matter
from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound, ServiceError, ValidationFailed
from xinfang.core.http import StaffRequest
from xinfang.org.models import Unit
from xinfang.routing.models import Assignment
from xinfang.routing.reports import completion_report_submit

from .guards import markup_free


def _pk(request: StaffRequest, name: str) -> int:
    try:
        return int(request.POST.get(name) or "")
    except ValueError:
        raise ValidationFailed("choice_required", "请选择", field=name) from None


def _unit(request: StaffRequest) -> Unit:
    unit = Unit.objects.filter(pk=_pk(request, "unit"), is_active=True).first()
    if unit is None:
        raise ValidationFailed("unit_unknown", "请选择有效的单位", field="unit")
    return unit


def _leader(request: StaffRequest) -> Any:
    user = User.objects.filter(pk=_pk(request, "leader"), is_active=True).select_related("unit").first()
    if user is None:
        raise ValidationFailed("leader_unknown", "请选择包案领导", field="leader")
    return user


def _follow_up(matter: Matter, request: StaffRequest) -> Any:
    task = FollowUp.objects.filter(matter=matter, pk=_pk(request, "follow_up")).first()
    if task is None:
        raise ValidationFailed("follow_up_unknown", "未找到该落实任务", field="follow_up")
    return coordination.follow_up_complete(
        follow_up=task, note=request.POST.get("note", ""), actor=request.user
    )


def _report(matter: Matter, request: StaffRequest) -> Any:
    assignment = Assignment.objects.filter(matter=matter, pk=_pk(request, "assignment")).first()
    if assignment is None:
        raise ValidationFailed("assignment_unknown", "未找到该交办记录", field="assignment")
    p = request.POST
    return completion_report_submit(
        assignment=assignment,
        process=p.get("process", ""),
        result=p.get("result", ""),
        petitioner_feedback=p.get("petitioner_feedback", ""),
        late_reason=p.get("late_reason", ""),
        actor=request.user,
    )


ACTIONS: dict[str, tuple[Callable[[Matter, StaffRequest], Any], str]] = {
    "joint": (
        lambda m, r: coordination.joint_unit_add(
            matter=m, unit=_unit(r), duty=r.POST.get("duty", ""), lead=bool(r.POST.get("lead")), actor=r.user
        ),
        "已安排联合办理",
    ),
    "leader": (
        lambda m, r: coordination.case_leader_assign(
            matter=m, leader=_leader(r), goal=r.POST.get("goal", ""), actor=r.user
        ),
        "已安排领导包案",
    ),
    "leader_end": (
        lambda m, r: coordination.case_leader_end(matter=m, note=r.POST.get("note", ""), actor=r.user),
        "包案已结束",
    ),
    "follow_up": (_follow_up, "落实情况已登记"),
    "answer": (
        lambda m, r: answers.matter_answer(
            matter=m, text=r.POST.get("text", ""), adoption=r.POST.get("adoption", ""), actor=r.user
        ),
        "已答复并办结",
    ),
    "report": (_report, "办结报告已提交"),
}


@login_required
@require_POST
def coordinate(request: StaffRequest, number: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("未知操作")
    try:
        matter = matter_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from None
    run, ok = ACTIONS[action]
    try:
        markup_free(request.POST)
        run(matter, request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("web:matter", number=number)


def coordination_context(matter: Matter, user: Any, assignments: list[Assignment]) -> dict[str, Any]:
    """What the matter page needs for the coordination cards (a fixed number of queries)."""
    own = user.unit_id is not None and user.unit_id == matter.handling_unit_id
    signer = user.has_role("unit_head", "leader")
    joint = list(matter.joint_units.select_related("unit").order_by("-is_lead", "added_at"))
    leaders = list(matter.case_leaders.select_related("leader").order_by("-assigned_at"))
    may_coordinate = signer and (own or _oversees(user, matter))
    return {
        "joint_units": joint,
        "lead_is_handler": not any(j.is_lead for j in joint),
        "case_leaders": leaders,
        "active_leader": next((c for c in leaders if c.ended_at is None), None),
        "follow_ups": list(matter.follow_ups.all()),
        "may_coordinate": may_coordinate,
        "leader_choices": [
            u
            for u in User.objects.filter(is_active=True, unit__region__prefix__in=_prefixes(matter))
            .select_related("unit")
            .order_by("unit_id", "username")
            if u.has_role("leader", "unit_head")
        ]
        if may_coordinate
        else [],
        "can_answer": own and signer and matter.status == "accepted",
        "report_due": [
            a
            for a in assignments
            if a.unit_id == user.unit_id and a.requires_report and a.state == "accepted" and not a.reported_at
        ]
        if signer
        else [],
    }


def _oversees(user: Any, matter: Matter) -> bool:
    from xinfang.cases.selectors import sees_jurisdiction

    return sees_jurisdiction(user) and matter.region_code.startswith(user.unit.region.prefix)


def _prefixes(matter: Matter) -> list[str]:
    """Region prefixes above and at the matter's place: leaders there may take the case."""
    code = matter.region_code
    return ["", *{code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)}]
