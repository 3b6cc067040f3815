"""Handling after acceptance (《信访工作条例》Art 31–36): legal channels, extension, opinion, service,
evaluation, 复查, 复核 with hearings, and finality. One transaction per action, events on the timeline, status
moves only through ``workflow.transition``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.core.markup import reject_markup
from xinfang.deadlines.services import compute_clock_due, due_at_for
from xinfang.documents.rules import CHANNEL_ITEM
from xinfang.org.models import Unit, UnitKind

from . import documents
from .clocks import clock_complete, clock_start, local_today
from .legal_basis import require_basis
from .models import (
    Clock,
    ClockState,
    Decision,
    Evaluation,
    Extension,
    FollowUp,
    Hearing,
    Level,
    Matter,
    MatterStatus,
    MatterType,
    Opinion,
    OpinionDraft,
    ReviewOutcome,
    ReviewRequest,
)
from .notices import notify_petitioners
from .workflow import transition

MAX_EXTENSION_DAYS = 30  # Art 34
SIGNING_ROLES = ("unit_head", "leader")
# Art 31(1)–(4): matters that belong in another legal procedure, and the channel each leads into.
LEGAL_CHANNELS = {item: tuple(c for c, i in CHANNEL_ITEM.items() if i == item) for item in (1, 2, 3, 4)}
RATINGS = dict(Evaluation.RATINGS)


def _lock(matter: Matter) -> Matter:
    return (
        Matter.objects.select_for_update(of=("self",))
        .select_related("handling_unit__region")
        .get(pk=matter.pk)
    )


def _handler_of(matter: Matter, actor: Any, roles: tuple[str, ...] = ("handler", "unit_head")) -> None:
    if getattr(actor, "unit_id", None) != matter.handling_unit_id or not actor.has_role(*roles):
        raise PermissionDenied("not_handling_unit", "只有承办单位的工作人员可以办理")


def start_handling_clock(*, matter: Matter, actor: Any) -> None:
    """Art 34: the 60-day limit runs from acceptance, for 申诉求决类 matters handled under Art 31(6)."""
    if matter.matter_type == MatterType.PETITION:
        clock_start(matter=matter, kind="handling", start=local_today(), actor=actor)


def matter_lead_to_channel(
    *, matter: Matter, item: int, channel: str, why: str, actor: Any, competent_body: str = ""
) -> Matter:
    """Art 31(1)–(4): tell the petitioner which legal channel and why; the matter closes as such."""
    if item not in LEGAL_CHANNELS or channel not in LEGAL_CHANNELS[item]:
        raise ValidationFailed("channel_invalid", "法定途径与第三十一条所列项不符", field="channel")
    if len(why.strip()) < 10:
        raise ValidationFailed("reason_required", "请说明导入法定途径的理由（不少于10字）", field="why")
    with transaction.atomic():
        matter = _lock(matter)
        _handler_of(matter, actor)
        if matter.matter_type != MatterType.PETITION:
            raise Conflict("channel_not_for_type", "只有申诉求决类事项导入法定途径（第三十一条）")
        matter.disposition, matter.legal_channel, matter.closed_at = f"31.{item}", channel, timezone.now()
        matter.save(update_fields=["disposition", "legal_channel", "closed_at"])
        transition(
            matter,
            MatterStatus.CLOSED,
            actor=actor,
            action="close",
            reason=why,
            data={"legal_channel": channel, "article": f"第三十一条第（{item}）项"},
        )
        clock_complete(matter=matter, kind="handling", actor=actor, cancel=True)
        documents.issue_legal_channel(
            matter=matter, item=item, channel=channel, why=why, actor=actor, competent_body=competent_body
        )
    return matter


def extension_grant(*, matter: Matter, days: int, reason: str, actor: Any) -> Extension:
    """Art 34: one extension of at most 30 days, approved by the unit head, reasons told to the petitioner."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(
            "extension_too_long", "延长期限不得超过30日（《信访工作条例》第三十四条）", field="days"
        )
    if not reason.strip():
        raise ValidationFailed("reason_required", "请填写延期理由", field="reason")
    with transaction.atomic():
        matter = _lock(matter)
        _handler_of(matter, actor, roles=SIGNING_ROLES)
        if Extension.objects.filter(matter=matter).exists():
            raise Conflict("extension_exists", "办理期限只能延长一次（《信访工作条例》第三十四条）")
        clock = (
            Clock.objects.select_for_update()
            .filter(matter=matter, kind="handling", state=ClockState.RUNNING)
            .first()
        )
        if matter.status != MatterStatus.ACCEPTED or clock is None:
            raise Conflict("extension_not_open", "只有办理期限内的事项可以延期")
        if timezone.now() > clock.due_at:
            raise Conflict("extension_after_due", "办理期限已届满，不能再延期")
        due = compute_clock_due(
            region_code=matter.region_code, clock="extension", start=clock.due_on, days=days
        )
        extension = Extension.objects.create(
            matter=matter,
            days=days,
            reason=reason,
            approved_by=actor,
            approved_at=timezone.now(),
            original_due=clock.due_on,
            new_due=due.due,
        )
        clock.due_on, clock.due_at, clock.alert = due.due, due_at_for(due.due), "none"
        clock.label = f"办理期限（延长{days}日）"
        clock.explanation = {**due.to_dict(), "extended_from": extension.original_due.isoformat()}
        clock.save(update_fields=["due_on", "due_at", "alert", "label", "explanation"])
        documents.issue_extension(extension=extension, actor=actor)  # 延期告知书 (Art 34)
        notify_petitioners(
            matter=matter,
            template="extension_granted",
            context={"due_date": due.due.isoformat()},
            actor=actor,
        )
        record_event(
            actor=actor,
            verb="matter.extended",
            subject=extension,
            matter_id=matter.pk,
            reason=reason,
            new={"days": days, "new_due": due.due.isoformat(), "approved_by": actor.display_label},
            is_public=True,
        )
    return extension


def _review_organ(unit: Unit) -> Unit | None:
    """The organ one level up (Art 35): the unit's parent, else the bureau/government of the region above."""
    if unit.parent_id:
        return unit.parent
    region = unit.region.parent
    while region is not None:
        organ = (
            Unit.objects.filter(
                region=region, kind__in=[UnitKind.GOVERNMENT, UnitKind.BUREAU], is_active=True
            )
            .order_by("kind")
            .first()
        )
        if organ:
            return organ
        region = region.parent
    return None


def opinion_issue(
    *,
    matter: Matter,
    decision: str,
    request: str,
    facts: str,
    reasons: str,
    findings: str,
    decision_text: str,
    legal_basis: list[str],
    actor: Any,
    level: str = Level.OPINION,
) -> Opinion:
    """Sign and issue the 处理意见书 (Art 32) — or, with ``level``, the 复查/复核意见书 (Art 35–36).

    Only the responsible unit's head (or a leader) may sign; a decision without legal basis is refused."""
    for name, text in (
        ("request", request),
        ("facts", facts),
        ("reasons", reasons),
        ("findings", findings),
        ("decision_text", decision_text),
    ):
        reject_markup(text, field=name)
    basis = [line.text for line in require_basis(legal_basis)]
    choices = Decision.values if level == Level.OPINION else ReviewOutcome.values
    if decision not in choices:
        raise ValidationFailed(
            "decision_invalid",
            "处理意见应为支持、解释说明或不予支持"
            if level == Level.OPINION
            else "复查/复核意见应为维持、变更或撤销",
            field="decision",
        )
    for name, value in (
        ("request", request),
        ("facts", facts),
        ("reasons", reasons),
        ("findings", findings),
        ("decision_text", decision_text),
    ):
        if not value.strip():
            raise ValidationFailed(
                "required", "意见书须载明投诉请求、事实和理由、处理意见（第三十二条）", field=name
            )
    with transaction.atomic():
        matter = _lock(matter)
        if level == Level.OPINION:
            _handler_of(matter, actor, roles=SIGNING_ROLES)
            if matter.matter_type != MatterType.PETITION:
                # Art 31(6)/32 are for 申诉求决类; suggestions and accusations are answered (Art 29–30).
                raise Conflict(
                    "opinion_not_for_type", "建议意见类、检举控告类事项以书面答复办结，不出具处理意见书"
                )
            unit, action, to, clock_kind = matter.handling_unit, "opinion", MatterStatus.REPLIED, "handling"
        else:
            req = ReviewRequest.objects.filter(matter=matter, level=level).select_related("organ").first()
            if req is None:
                raise Conflict("review_not_requested", "没有待处理的复查/复核申请")
            if getattr(actor, "unit_id", None) != req.organ_id or not actor.has_role(*SIGNING_ROLES):
                raise PermissionDenied("not_signatory", "只有复查/复核机关负责人可以签发")
            unit = req.organ
            action, to, clock_kind = (
                ("review_decide", MatterStatus.REVIEWED, "review")
                if level == Level.REVIEW
                else ("recheck_decide", MatterStatus.FINAL, "recheck")
            )
        if unit is None:
            raise Conflict("no_handling_unit", "该事项尚无承办单位")
        if Opinion.objects.filter(matter=matter, level=level).exists():
            raise Conflict("opinion_exists", "该意见书已出具")
        OpinionDraft.objects.filter(matter=matter, level=level).delete()  # the draft became the opinion
        opinion = Opinion.objects.create(
            matter=matter,
            level=level,
            unit=unit,
            request=request,
            facts=facts,
            reasons=reasons,
            findings=findings,
            decision=decision,
            decision_text=decision_text,
            legal_basis=basis,
            signed_by=actor,
            signed_at=timezone.now(),
        )
        next_organ = _review_organ(unit)
        documents.issue_opinion(
            opinion=opinion,
            actor=actor,
            review_organ=next_organ if level == Level.OPINION else None,
            recheck_organ=next_organ if level == Level.REVIEW else None,
        )
        label = Decision(decision).label if level == Level.OPINION else ReviewOutcome(decision).label
        transition(
            matter,
            to,
            actor=actor,
            action=action,
            data={"decision": label, "unit": unit.name},
            reason=decision_text,
        )
        clock_complete(matter=matter, kind=clock_kind, actor=actor)
        if level == Level.OPINION:
            notify_petitioners(
                matter=matter, template="opinion_issued", context={"unit": unit.name}, actor=actor
            )
        else:
            notify_petitioners(matter=matter, template="review_decided", context={}, actor=actor)
        if level == Level.OPINION and decision == Decision.SUPPORT:
            FollowUp.objects.create(matter=matter, opinion=opinion)
            record_event(
                actor=actor,
                verb="followup.opened",
                subject=opinion,
                matter_id=matter.pk,
                reason="支持的处理意见须督促落实",
            )
    return opinion


def opinion_served(*, opinion: Opinion, method: str, served_on: dt.date, actor: Any) -> Opinion:
    """Proof of service: the 复查/复核 window counts from the date the petitioner received it (Art 35–36)."""
    if method not in ("electronic", "postal", "in_person"):
        raise ValidationFailed("service_method", "送达方式应为电子、邮寄或直接送达", field="method")
    if served_on > local_today() or served_on < opinion.signed_at.date() - dt.timedelta(days=1):
        raise ValidationFailed("served_on_invalid", "送达日期不能早于签发日期或晚于今天", field="served_on")
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if opinion.served_on:
            raise Conflict("already_served", "该意见书已登记送达")
        opinion.served_method, opinion.served_on = method, served_on
        opinion.save(update_fields=["served_method", "served_on"])
        record_event(
            actor=actor,
            verb="opinion.served",
            subject=opinion,
            matter_id=opinion.matter_id,
            new={"level": opinion.level, "method": method, "served_on": served_on.isoformat()},
            is_public=True,
        )
    return opinion


def _latest_opinion(matter: Matter) -> Opinion | None:
    return matter.opinions.exclude(served_on=None).order_by("-signed_at").first()


def _window(matter: Matter) -> tuple[str | None, dt.date | None]:
    """Which review may be requested now and until when: 复查 after the opinion, 复核 after the 复查."""
    level = {
        MatterStatus.REPLIED: Level.REVIEW,
        MatterStatus.CLOSED: Level.REVIEW,
        MatterStatus.REVIEWED: Level.RECHECK,
    }.get(MatterStatus(matter.status))
    opinion = _latest_opinion(matter)
    if level is None or opinion is None or opinion.served_on is None:
        return None, None
    expected = Level.OPINION if level == Level.REVIEW else Level.REVIEW
    if opinion.level != expected:
        return None, None
    kind = "review_request" if level == Level.REVIEW else "recheck_request"
    return level, compute_clock_due(region_code=matter.region_code, clock=kind, start=opinion.served_on).due


def _evaluation_deadline(matter: Matter, opinion: Opinion) -> dt.date:
    """The evaluation window is a rule row (clock ``evaluation``, default 30 days from receipt)."""
    assert opinion.served_on is not None
    return compute_clock_due(region_code=matter.region_code, clock="evaluation", start=opinion.served_on).due


def portal_options(matter: Matter) -> dict[str, Any]:
    level, deadline = _window(matter)
    opinion = _latest_opinion(matter)
    can_review = level is not None and deadline is not None and local_today() <= deadline
    evaluated = opinion is not None and Evaluation.objects.filter(matter=matter, level=opinion.level).exists()
    open_ = opinion is not None and not evaluated and local_today() <= _evaluation_deadline(matter, opinion)
    return {
        "can_evaluate": open_,
        "can_request_review": can_review,
        "review_level": {Level.REVIEW: "复查", Level.RECHECK: "复核"}.get(level) if can_review else None,  # type: ignore[call-overload]
        "review_deadline": deadline if can_review else None,
    }


def evaluation_record(
    *, matter: Matter, rating: str, comment: str = "", source: str = "portal", actor: Any = None
) -> Evaluation:
    """满意 / 基本满意 / 不满意 on the latest served opinion, once (Art 21¶2)."""
    if rating not in RATINGS:
        raise ValidationFailed("rating_invalid", "评价应为满意、基本满意或不满意", field="rating")
    if source not in ("portal", "phone", "visit"):
        raise ValidationFailed("source_invalid", "未知的评价来源", field="source")
    with transaction.atomic():
        matter = _lock(matter)
        opinion = _latest_opinion(matter)
        if opinion is None:
            raise Conflict("evaluation_not_open", "处理意见送达后才能评价")
        if Evaluation.objects.filter(matter=matter, level=opinion.level).exists():
            raise Conflict("evaluation_exists", "已评价过，不能重复评价")
        window_end = _evaluation_deadline(matter, opinion)
        if local_today() > window_end:
            raise Conflict("evaluation_window_closed", f"评价期限已于{window_end:%Y年%m月%d日}届满")
        evaluation = Evaluation.objects.create(
            matter=matter, level=opinion.level, rating=rating, comment=comment[:2000], source=source
        )
        record_event(
            actor=actor,
            verb="matter.evaluated",
            subject=evaluation,
            matter_id=matter.pk,
            new={"rating": RATINGS[rating], "source": source},
            is_public=True,
        )
    return evaluation


def review_request(
    *,
    matter: Matter,
    reason: str,
    source: str = "portal",
    actor: Any = None,
    received_on: dt.date | None = None,
) -> ReviewRequest:
    """复查 (Art 35) or 复核 (Art 36) within 30 days of receiving the written reply; decided by the organ one
    level up within 30 days (复核: hearing time not counted)."""
    if len(reason.strip()) < 5:
        raise ValidationFailed("reason_required", "请说明申请理由", field="reason")
    received_on = received_on or local_today()
    with transaction.atomic():
        matter = _lock(matter)
        level, deadline = _window(matter)
        if level is None or deadline is None:
            raise Conflict("review_not_open", "当前没有可申请复查或复核的意见书")
        if received_on > deadline:
            label = "复查" if level == Level.REVIEW else "复核"
            raise ValidationFailed(
                "review_window_closed",
                f"{label}申请期限已于{deadline:%Y年%m月%d日}届满（自收到书面答复之日起30日内）",
                field="reason",
            )
        opinion = _latest_opinion(matter)
        assert opinion is not None
        organ = _review_organ(opinion.unit)
        if organ is None:
            raise Conflict("no_review_organ", "未找到上一级复查/复核机关，请联系信访部门")
        req = ReviewRequest.objects.create(
            matter=matter, level=level, organ=organ, reason=reason, source=source, received_on=received_on
        )
        action = "review_request" if level == Level.REVIEW else "recheck_request"
        to = MatterStatus.IN_REVIEW if level == Level.REVIEW else MatterStatus.IN_RECHECK
        transition(matter, to, actor=actor, action=action, reason=reason, data={"unit": organ.name})
        clock = clock_start(
            matter=matter,
            kind="review" if level == Level.REVIEW else "recheck",
            start=received_on,
            actor=actor,
        )
        # The organ that must decide is told at once (its 待办 lists the request too): a 复查 nobody at the
        # organ knows of runs its 30 days out unseen.
        from xinfang.routing.notices import notify_unit

        kind = "复查" if level == Level.REVIEW else "复核"
        notify_unit(
            unit=organ,
            template="review_requested",
            context={
                "kind": kind,
                "opinion": "处理意见书" if level == Level.REVIEW else "复查意见书",
                "due_date": clock.due_on.isoformat(),
            },
            matter=matter,
            actor=actor,
        )
    return req


def hearing_record(
    *,
    matter: Matter,
    held_from: dt.date,
    held_to: dt.date,
    participants: list[str],
    minutes: str,
    outcome: str,
    actor: Any,
) -> Hearing:
    """A 复核 hearing: its days are not counted in the 30-day limit (Art 36¶2), so the clock moves out."""
    if held_to < held_from:
        raise ValidationFailed("dates_invalid", "听证结束日期不能早于开始日期", field="held_to")
    if not minutes.strip() or not outcome.strip():
        raise ValidationFailed("required", "请填写听证笔录和听证结论", field="minutes")
    with transaction.atomic():
        matter = _lock(matter)
        req = ReviewRequest.objects.filter(matter=matter, level=Level.RECHECK).first()
        if matter.status != MatterStatus.IN_RECHECK or req is None:
            raise Conflict("hearing_not_open", "复核期间才能登记听证")
        if getattr(actor, "unit_id", None) != req.organ_id:
            raise PermissionDenied("not_review_organ", "只有复核机关可以登记听证")
        hearing = Hearing.objects.create(
            matter=matter,
            held_from=held_from,
            held_to=held_to,
            participants=participants,
            minutes=minutes,
            outcome=outcome,
        )
        pauses = [(h.held_from, h.held_to) for h in matter.hearings.all()]
        clock = (
            Clock.objects.select_for_update()
            .filter(matter=matter, kind="recheck", state=ClockState.RUNNING)
            .first()
        )
        if clock is not None:
            due = compute_clock_due(
                region_code=matter.region_code, clock="recheck", start=clock.started_on, pauses=pauses
            )
            clock.due_on, clock.due_at, clock.explanation = due.due, due_at_for(due.due), due.to_dict()
            clock.save(update_fields=["due_on", "due_at", "explanation"])
        record_event(
            actor=actor,
            verb="matter.hearing",
            subject=hearing,
            matter_id=matter.pk,
            is_public=True,
            new={
                "from": held_from.isoformat(),
                "to": held_to.isoformat(),
                "due_on": clock.due_on.isoformat() if clock else None,
            },
        )
    return hearing
