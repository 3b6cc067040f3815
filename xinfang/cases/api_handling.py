"""The handling chain through the API (《信访工作条例》Art 31–36): extension, 意见书 drafts and signing (处理/
复查/复核 — a 复查 or 复核 decision is the organ's signed 意见书 at that level), proof of service, evaluation,
复查/复核 requests, hearings and the legal channels of Art 31(1)–(4).

Each endpoint finds the matter through ``selectors.matter_for`` (out of sight, shielded under Art 30 and
non-existent are the same 404) and calls one service of ``handling`` / ``drafts``, which checks who may act.
Where a service leaves that to its caller — the proof of service, a 回访 evaluation, a 复查/复核 request taken
at the desk (the portal calls them for the petitioner) — the endpoint checks it, and it bounds the dates the
clocks would count from. Every POST honours ``Idempotency-Key`` (``core.idempotency``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Router, Schema, Status
from pydantic import BaseModel, StringConstraints

from xinfang.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinfang.core.http import ApiRequest
from xinfang.core.idempotency import idempotent
from xinfang.intake.api import ErrorOut
from xinfang.intake.validation import MAX_TEXT

from . import drafts, handling
from .clocks import local_today
from .models import (
    Decision,
    Evaluation,
    IssuedDocument,
    Level,
    Matter,
    MatterStatus,
    Opinion,
    ReviewOutcome,
    ReviewRequest,
)
from .selectors import matter_for

router = Router(tags=["办理"])

#: The answers every write may give besides its own: refused role, matter not found, state conflict, input.
ERRORS: dict[int, type[Schema]] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
#: Staff who act on a matter's course (a 回访 evaluation, a 复查/复核 request received at the desk). The
#: auditor, the administrator and the security officer only watch (三员分立, GB/T 22239-2019 三级).
ACTING_ROLES = ("registrar", "handler", "unit_head", "leader", "supervisor")
#: Dates before this are typing errors (the statutory clocks count from them: year 1 reached the calendar).
EARLIEST = dt.date(2000, 1, 1)
#: An 意见书's kind of issued document, per level (cases.documents.NUMBERING).
OPINION_DOCUMENT = {
    Level.OPINION: "opinion_letter",
    Level.REVIEW: "review_opinion",
    Level.RECHECK: "recheck_opinion",
}


class DocumentRef(Schema):
    id: int
    kind: str
    title: str
    doc_number: str


def _document(matter: Matter, kind: str) -> DocumentRef | None:
    doc = IssuedDocument.objects.filter(matter=matter, kind=kind).order_by("-id").first()
    if doc is None:
        return None
    return DocumentRef(id=doc.pk, kind=doc.kind, title=doc.title, doc_number=doc.doc_number)


def _status_of(matter: Matter) -> tuple[str, str]:
    status = Matter.objects.filter(pk=matter.pk).values_list("status", flat=True).get()
    return status, MatterStatus(status).label


def _date_in_range(value: dt.date, field: str, label: str) -> None:
    if value < EARLIEST or value > local_today():
        raise ValidationFailed("date_invalid", f"{label}应在2000年1月1日至今天之间", field=field)


def _acting(request: ApiRequest) -> None:
    if not request.auth.has_role(*ACTING_ROLES):
        raise PermissionDenied("role_required", "审计员、系统管理员和安全管理员只能查看，不能办理")


# -- 延期 (Art 34) ----------------------------------------------------------------------------------


class ExtensionIn(BaseModel):
    days: int = Field(..., description="延长天数（1–30日，《信访工作条例》第三十四条）")
    reason: str = Field(..., max_length=MAX_TEXT, description="延期理由（告知信访人）")


class ExtensionOut(Schema):
    matter_number: str
    days: int
    original_due: dt.date
    new_due: dt.date
    document: DocumentRef | None


@router.post(
    "/matters/{number}/extension",
    response={201: ExtensionOut, 200: ExtensionOut, **ERRORS},
    summary="延长办理期限（第三十四条，单位负责人批准，仅一次）",
)
@idempotent
def extension(request: ApiRequest, number: str, payload: ExtensionIn):
    matter = matter_for(request.auth, number)
    ext = handling.extension_grant(
        matter=matter, days=payload.days, reason=payload.reason, actor=request.auth
    )
    return Status(
        201,
        ExtensionOut(
            matter_number=matter.number,
            days=ext.days,
            original_due=ext.original_due,
            new_due=ext.new_due,
            document=_document(matter, "extension_notice"),
        ),
    )


# -- 意见书: 拟稿 and 签发 (Art 32, 35, 36) ---------------------------------------------------------


class OpinionIn(BaseModel):
    """The 意见书's parts. For signing, a part left out is taken from the unit's saved draft (拟稿)."""

    decision: str | None = Field(
        None,
        max_length=20,
        description="处理意见：support 支持 / explain 解释说明 / reject 不予支持；复查、复核：uphold 维持 / "
        "revise 变更 / revoke 撤销",
    )
    request: str | None = Field(None, max_length=MAX_TEXT, description="投诉请求")
    facts: str | None = Field(None, max_length=MAX_TEXT, description="事实")
    reasons: str | None = Field(None, max_length=MAX_TEXT, description="理由")
    findings: str | None = Field(None, max_length=MAX_TEXT, description="调查核实情况")
    decision_text: str | None = Field(None, max_length=MAX_TEXT, description="处理意见内容")
    legal_basis: list[Annotated[str, StringConstraints(max_length=500)]] | None = Field(
        None, max_length=50, description="法律法规依据，每项一条（如《物业管理条例》第五十四条）"
    )


class DraftOut(Schema):
    matter_number: str
    level: str
    decision: str
    request: str
    facts: str
    reasons: str
    findings: str
    decision_text: str
    legal_basis: list[str]
    drafted_by: str
    updated_at: dt.datetime


def _lines(text: str) -> list[str]:
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def _draft_out(matter: Matter, draft: Any) -> DraftOut:
    data = {name: str(draft.data.get(name, "")) for name in drafts.FIELDS}
    return DraftOut(
        matter_number=matter.number,
        level=draft.level,
        **{k: v for k, v in data.items() if k != "legal_basis"},
        legal_basis=_lines(data["legal_basis"]),
        drafted_by=draft.drafted_by.display_label,
        updated_at=draft.updated_at,
    )


def _drafting_unit_id(matter: Matter, level: str) -> int | None:
    """The unit whose draft this is: the handling unit's 处理意见书, the organ asked for a 复查/复核."""
    if level == Level.OPINION:
        return matter.handling_unit_id
    return ReviewRequest.objects.filter(matter=matter, level=level).values_list("organ_id", flat=True).first()


@router.get(
    "/matters/{number}/opinions/{level}/draft",
    response={200: DraftOut, 403: ErrorOut, 404: ErrorOut},
    summary="读取意见书草稿（仅拟稿单位）",
)
def draft_get(request: ApiRequest, number: str, level: Level):
    matter = matter_for(request.auth, number)
    # A draft is the unit's working paper, never shown outside it (cases.models.OpinionDraft).
    unit_id = getattr(request.auth, "unit_id", None)
    if unit_id is None or unit_id != _drafting_unit_id(matter, level):
        raise PermissionDenied("not_drafting_unit", "只有拟稿单位可以查看意见书草稿")
    draft = drafts.opinion_draft_for(matter, level)
    if draft is None:
        raise NotFound("draft_not_found", "该意见书尚无草稿")
    return _draft_out(matter, draft)


@router.post(
    "/matters/{number}/opinions/{level}/draft",
    response={200: DraftOut, **ERRORS},
    summary="保存意见书草稿（拟稿，整份替换，待负责人签发）",
)
@idempotent
def draft_save(request: ApiRequest, number: str, level: Level, payload: OpinionIn):
    matter = matter_for(request.auth, number)
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    if "legal_basis" in data:
        data["legal_basis"] = "\n".join(data["legal_basis"])  # as the form keeps it: one line each
    draft = drafts.opinion_draft_save(matter=matter, level=level, data=data, actor=request.auth)
    return Status(200, _draft_out(matter, draft))


class OpinionOut(Schema):
    matter_number: str
    level: str
    decision: str
    decision_label: str
    unit: str
    signed_by: str
    signed_at: dt.datetime
    status: str
    status_label: str
    document: DocumentRef | None


def _opinion_out(matter: Matter, opinion: Opinion) -> OpinionOut:
    labels = dict(Decision.choices if opinion.level == Level.OPINION else ReviewOutcome.choices)
    status, status_label = _status_of(matter)
    return OpinionOut(
        matter_number=matter.number,
        level=opinion.level,
        decision=opinion.decision,
        decision_label=labels.get(opinion.decision, ""),
        unit=opinion.unit.name,
        signed_by=opinion.signed_by.display_label,
        signed_at=opinion.signed_at,
        status=status,
        status_label=status_label,
        document=_document(matter, OPINION_DOCUMENT[Level(opinion.level)]),
    )


@router.post(
    "/matters/{number}/opinions/{level}/sign",
    response={201: OpinionOut, 200: OpinionOut, **ERRORS},
    summary="签发意见书：处理意见书（承办单位），复查/复核意见书即复查、复核决定（复查/复核机关）；"
    "仅单位负责人或领导",
)
@idempotent
def opinion_sign(request: ApiRequest, number: str, level: Level, payload: OpinionIn):
    matter = matter_for(request.auth, number)
    draft = drafts.opinion_draft_for(matter, level)
    saved: dict[str, Any] = dict(draft.data) if draft is not None else {}

    def part(name: str) -> str:
        given = getattr(payload, name)
        return str(given if given is not None else saved.get(name, ""))

    basis = payload.legal_basis if payload.legal_basis is not None else _lines(saved.get("legal_basis", ""))
    opinion = handling.opinion_issue(
        matter=matter,
        level=level,
        decision=part("decision"),
        request=part("request"),
        facts=part("facts"),
        reasons=part("reasons"),
        findings=part("findings"),
        decision_text=part("decision_text"),
        legal_basis=basis,
        actor=request.auth,
    )
    return Status(201, _opinion_out(matter, opinion))


# -- 送达 -------------------------------------------------------------------------------------------


class ServiceIn(BaseModel):
    method: Literal["electronic", "postal", "in_person"] = Field(
        ..., description="送达方式：electronic 电子送达 / postal 邮寄送达 / in_person 直接送达"
    )
    served_on: dt.date = Field(..., description="信访人收到的日期（复查/复核申请期限自此起算）")


class ServiceOut(Schema):
    matter_number: str
    level: str
    method: str
    served_on: dt.date


@router.post(
    "/matters/{number}/opinions/{level}/service",
    response={200: ServiceOut, **ERRORS},
    summary="登记意见书送达（仅出具单位）",
)
@idempotent
def opinion_service(request: ApiRequest, number: str, level: Level, payload: ServiceIn):
    matter = matter_for(request.auth, number)
    opinion = Opinion.objects.filter(matter=matter, level=level).first()
    if opinion is None:
        raise NotFound("opinion_not_found", "该事项尚未出具此意见书")
    # handling.opinion_served checks no actor: the issuing unit's staff record how their 意见书 reached the
    # petitioner — the date from which the 30 days for 复查/复核 run (Art 35–36).
    if getattr(request.auth, "unit_id", None) != opinion.unit_id or not request.auth.has_role(
        "handler", "unit_head", "leader"
    ):
        raise PermissionDenied("not_issuing_unit", "只有出具意见书的单位可以登记送达")
    opinion = handling.opinion_served(
        opinion=opinion, method=payload.method, served_on=payload.served_on, actor=request.auth
    )
    assert opinion.served_on is not None
    return Status(
        200,
        ServiceOut(
            matter_number=matter.number,
            level=opinion.level,
            method=opinion.served_method,
            served_on=opinion.served_on,
        ),
    )


# -- 评价 (Art 21¶2) --------------------------------------------------------------------------------


class EvaluationIn(BaseModel):
    rating: Literal["satisfied", "basically_satisfied", "unsatisfied"] = Field(
        ..., description="满意 / 基本满意 / 不满意"
    )
    comment: str = Field("", max_length=2000)
    source: Literal["phone", "visit"] = Field("phone", description="phone 电话回访 / visit 当面评价")


class EvaluationOut(Schema):
    matter_number: str
    level: str
    rating: str
    rating_label: str
    source: str
    created_at: dt.datetime


@router.post(
    "/matters/{number}/evaluation",
    response={201: EvaluationOut, 200: EvaluationOut, **ERRORS},
    summary="记录回访评价（对最近送达的意见书，每份一次）",
)
@idempotent
def evaluation(request: ApiRequest, number: str, payload: EvaluationIn):
    matter = matter_for(request.auth, number)
    _acting(request)
    ev = handling.evaluation_record(
        matter=matter,
        rating=payload.rating,
        comment=payload.comment,
        source=payload.source,
        actor=request.auth,
    )
    return Status(
        201,
        EvaluationOut(
            matter_number=matter.number,
            level=ev.level,
            rating=ev.rating,
            rating_label=dict(Evaluation.RATINGS)[ev.rating],
            source=ev.source,
            created_at=ev.created_at,
        ),
    )


# -- 复查/复核申请 (Art 35–36) ----------------------------------------------------------------------


class ReviewRequestIn(BaseModel):
    reason: str = Field(..., max_length=MAX_TEXT, description="申请理由")
    received_on: dt.date | None = Field(None, description="收到申请的日期；缺省为今天")
    source: Literal["letter", "visit", "online", "phone"] = Field(
        "letter", description="申请方式：来信 / 来访 / 网上 / 来电"
    )


class ReviewRequestOut(Schema):
    matter_number: str
    level: str
    level_label: str
    organ: str
    received_on: dt.date
    due_on: dt.date | None
    status: str
    status_label: str


@router.post(
    "/matters/{number}/review-requests",
    response={201: ReviewRequestOut, 200: ReviewRequestOut, **ERRORS},
    summary="登记复查/复核申请（收到书面答复之日起30日内）",
)
@idempotent
def review_request(request: ApiRequest, number: str, payload: ReviewRequestIn):
    matter = matter_for(request.auth, number)
    _acting(request)
    if payload.received_on is not None:
        _date_in_range(payload.received_on, "received_on", "收到申请的日期")
        # Asked for after the written reply reached the petitioner (Art 35–36): an earlier date would start
        # the 30 days before there was anything to review (the 意见书 then refuses the dates when signed).
        reply = Opinion.objects.filter(matter=matter).exclude(served_on=None).order_by("-signed_at").first()
        if reply is not None and reply.served_on is not None:
            earliest = max(reply.served_on, local_today(reply.signed_at))
        else:
            earliest = EARLIEST
        if payload.received_on < earliest:
            raise ValidationFailed(
                "received_before_reply", "收到申请的日期不能早于意见书签发和送达日期", field="received_on"
            )
    req = handling.review_request(
        matter=matter,
        reason=payload.reason,
        source=payload.source,
        actor=request.auth,
        received_on=payload.received_on,
    )
    clock = matter.clocks.filter(kind=req.level).order_by("-id").first()
    status, status_label = _status_of(matter)
    return Status(
        201,
        ReviewRequestOut(
            matter_number=matter.number,
            level=req.level,
            level_label="复查" if req.level == Level.REVIEW else "复核",
            organ=req.organ.name,
            received_on=req.received_on,
            due_on=clock.due_on if clock else None,
            status=status,
            status_label=status_label,
        ),
    )


# -- 听证 (Art 36¶2) --------------------------------------------------------------------------------

#: A hearing lasts days; a longer span is a typing error (the clock would be moved out by it).
MAX_HEARING_DAYS = 90


class HearingIn(BaseModel):
    held_from: dt.date
    held_to: dt.date
    participants: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=100, description="参加人员"
    )
    minutes: str = Field(..., max_length=MAX_TEXT, description="听证笔录")
    outcome: str = Field(..., max_length=MAX_TEXT, description="听证结论")


class HearingOut(Schema):
    id: int
    matter_number: str
    held_from: dt.date
    held_to: dt.date
    recheck_due_on: dt.date | None


@router.post(
    "/matters/{number}/hearings",
    response={201: HearingOut, 200: HearingOut, **ERRORS},
    summary="登记复核听证（听证时间不计入复核期限，仅复核机关）",
)
@idempotent
def hearing(request: ApiRequest, number: str, payload: HearingIn):
    matter = matter_for(request.auth, number)
    _date_in_range(payload.held_from, "held_from", "听证开始日期")
    _date_in_range(payload.held_to, "held_to", "听证结束日期")
    if (payload.held_to - payload.held_from).days > MAX_HEARING_DAYS:
        raise ValidationFailed("dates_invalid", f"听证期间不能超过{MAX_HEARING_DAYS}日", field="held_to")
    h = handling.hearing_record(
        matter=matter,
        held_from=payload.held_from,
        held_to=payload.held_to,
        participants=list(payload.participants),
        minutes=payload.minutes,
        outcome=payload.outcome,
        actor=request.auth,
    )
    clock = matter.clocks.filter(kind="recheck").order_by("-id").first()
    return Status(
        201,
        HearingOut(
            id=h.pk,
            matter_number=matter.number,
            held_from=h.held_from,
            held_to=h.held_to,
            recheck_due_on=clock.due_on if clock else None,
        ),
    )


# -- 导入法定途径 (Art 31(1)–(4)) -------------------------------------------------------------------


class LegalChannelIn(BaseModel):
    item: int = Field(..., description="第三十一条第（一）至（四）项")
    channel: str = Field(
        ..., max_length=20, description="法定途径：诉讼、仲裁、行政复议、党员申诉、申请复审等（与所列项对应）"
    )
    why: str = Field(..., max_length=MAX_TEXT, description="导入法定途径的理由（不少于10字）")
    competent_body: str = Field("", max_length=100, description="有权处理的机关（缺省按途径）")


class LegalChannelOut(Schema):
    matter_number: str
    status: str
    status_label: str
    legal_channel: str
    article: str
    document: DocumentRef | None


@router.post(
    "/matters/{number}/legal-channel",
    response={200: LegalChannelOut, **ERRORS},
    summary="导入法定途径并办结（第三十一条第一至四项）",
)
@idempotent
def legal_channel(request: ApiRequest, number: str, payload: LegalChannelIn):
    matter = matter_for(request.auth, number)
    closed = handling.matter_lead_to_channel(
        matter=matter,
        item=payload.item,
        channel=payload.channel,
        why=payload.why,
        actor=request.auth,
        competent_body=payload.competent_body,
    )
    return Status(
        200,
        LegalChannelOut(
            matter_number=closed.number,
            status=closed.status,
            status_label=MatterStatus(closed.status).label,
            legal_channel=closed.legal_channel,
            article=f"第三十一条第（{payload.item}）项",
            document=_document(closed, "legal_channel_notice"),
        ),
    )
