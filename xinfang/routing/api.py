from __future__ import annotations

from ninja import Field, Router, Schema, Status

from xinfang.cases.selectors import matter_for
from xinfang.core.errors import NotFound
from xinfang.core.http import ApiRequest
from xinfang.core.idempotency import idempotent
from xinfang.intake.api import ErrorOut
from xinfang.org.models import Unit

from .models import Assignment, Objection
from .resolver import propose_routes
from .services import assignment_accept, assignment_for, assignment_object, matter_route, objection_decide

router = Router(tags=["分流转交"])


class ProposalOut(Schema):
    unit_id: int
    unit_name: str
    mode: str
    reason: str
    deadline_days: int | None
    requires_report: bool


class RouteIn(Schema):
    unit_id: int
    mode: str = "transfer"
    instructions: str = ""
    # Bounded by its column (a small integer). A transfer stores no deadline, yet its event recorded the
    # number as sent, 2**70 included; the service checks the 1–90 days of a 交办 itself.
    deadline_days: int | None = Field(None, ge=0, le=32767)


class AssignmentOut(Schema):
    id: int
    unit_id: int
    mode: str
    state: str


class AcceptIn(Schema):
    # No longer than its column: past it PostgreSQL refused the UPDATE (a 500).
    notice_method: str = Field("书面", max_length=Assignment._meta.get_field("notice_method").max_length)
    notice_text: str


class ObjectIn(Schema):
    reason: str


class DecideIn(Schema):
    approve: bool
    reason: str


class ObjectionOut(Schema):
    id: int
    decision: str


@router.get("/matters/{number}/route-proposals", response=list[ProposalOut], summary="分流建议")
def route_proposals(request: ApiRequest, number: str):
    matter = matter_for(request.auth, number)
    return [
        ProposalOut(
            unit_id=p.unit.pk,
            unit_name=p.unit.name,
            mode=p.mode,
            reason=p.reason,
            deadline_days=p.deadline_days,
            requires_report=p.requires_report,
        )
        for p in propose_routes(matter)
    ]


# Every write honours Idempotency-Key (core.idempotency): a retried 转送 or 受理 answers the first result.
_ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/matters/{number}/route",
    response={201: AssignmentOut, 200: AssignmentOut, **_ERRORS},
    summary="转送/交办",
)
@idempotent
def route(request: ApiRequest, number: str, payload: RouteIn):
    matter = matter_for(request.auth, number)
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise NotFound("unit_not_found", "目标单位不存在", field="unit_id")
    a = matter_route(
        matter=matter,
        unit=unit,
        mode=payload.mode,
        actor=request.auth,
        instructions=payload.instructions,
        deadline_days=payload.deadline_days,
    )
    return Status(201, AssignmentOut(id=a.pk, unit_id=a.unit_id, mode=a.mode, state=a.state))


@router.post(
    "/matters/{number}/assignments/{assignment_id}/accept",
    response={200: AssignmentOut, **_ERRORS},
    summary="受理并告知",
)
@idempotent
def accept(request: ApiRequest, number: str, assignment_id: int, payload: AcceptIn):
    a = assignment_accept(
        assignment=assignment_for(request.auth, number, assignment_id),
        actor=request.auth,
        notice_method=payload.notice_method,
        notice_text=payload.notice_text,
    )
    return Status(200, AssignmentOut(id=a.pk, unit_id=a.unit_id, mode=a.mode, state=a.state))


@router.post(
    "/matters/{number}/assignments/{assignment_id}/object",
    response={201: ObjectionOut, 200: ObjectionOut, **_ERRORS},
    summary="提出异议（5个工作日内）",
)
@idempotent
def object_(request: ApiRequest, number: str, assignment_id: int, payload: ObjectIn):
    o = assignment_object(
        assignment=assignment_for(request.auth, number, assignment_id),
        actor=request.auth,
        reason=payload.reason,
    )
    return Status(201, ObjectionOut(id=o.pk, decision=o.decision))


@router.post(
    "/matters/{number}/objections/{objection_id}/decide",
    response={200: ObjectionOut, **_ERRORS},
    summary="审核异议",
)
@idempotent
def decide(request: ApiRequest, number: str, objection_id: int, payload: DecideIn):
    matter = matter_for(request.auth, number)
    objection = (
        Objection.objects.select_related("assignment")
        .filter(pk=objection_id, assignment__matter=matter)
        .first()
    )
    if objection is None:
        raise NotFound("objection_not_found", "未找到该异议")
    o = objection_decide(
        objection=objection, approve=payload.approve, actor=request.auth, reason=payload.reason
    )
    return Status(200, ObjectionOut(id=o.pk, decision=o.decision))
