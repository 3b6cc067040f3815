"""办结报告 (《信访工作条例》Art 22¶1(三)): the unit a matter was 交办 to reports the result to the office
that assigned it, within the period that office set. A late report must say why."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.cases.clocks import clock_complete, local_today
from xinfang.cases.documents import issue_completion_report
from xinfang.cases.models import Clock, IssuedDocument, MatterStatus
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed

from .models import Assignment, AssignmentState, RouteMode
from .notices import notify_unit

HANDLED = (
    MatterStatus.REPLIED,
    MatterStatus.CLOSED,
    MatterStatus.IN_REVIEW,
    MatterStatus.REVIEWED,
    MatterStatus.IN_RECHECK,
    MatterStatus.FINAL,
)


def completion_report_submit(
    *,
    assignment: Assignment,
    process: str,
    result: str,
    actor: Any,
    petitioner_feedback: str = "",
    late_reason: str = "",
) -> IssuedDocument:
    if len(process.strip()) < 10 or len(result.strip()) < 4:
        raise ValidationFailed("report_required", "请写明办理过程和办理结果", field="process")
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("unit", "from_unit", "matter")
            .get(pk=assignment.pk)
        )
        if actor.unit_id != assignment.unit_id or not actor.has_role("unit_head", "leader"):
            raise PermissionDenied("not_signatory", "办结报告须由承办单位负责人签发")
        if assignment.mode != RouteMode.ASSIGN or not assignment.requires_report:
            raise Conflict("report_not_required", "只有交办事项需要提交办结报告")
        if assignment.state != AssignmentState.ACCEPTED:
            raise Conflict("report_not_open", "受理后才能提交办结报告")
        if assignment.reported_at is not None:
            raise Conflict("report_exists", "办结报告已提交")
        matter = assignment.matter
        if matter.status not in HANDLED:
            raise Conflict("report_too_early", "事项办结（出具处理意见或答复）后才能提交办结报告")
        clock = Clock.objects.filter(assignment=assignment, kind="assigned").order_by("-id").first()
        due_on = clock.due_on if clock else local_today()
        if local_today() > due_on and not late_reason.strip():
            raise ValidationFailed(
                "late_reason_required",
                f"交办期限已于{due_on:%Y年%m月%d日}届满，请说明逾期理由",
                field="late_reason",
            )
        document = issue_completion_report(
            assignment=assignment,
            actor=actor,
            process=process.strip(),
            result=result.strip(),
            due_on=due_on,
            petitioner_feedback=petitioner_feedback.strip(),
            late_reason=late_reason.strip(),
        )
        assignment.reported_at = timezone.now()
        assignment.save(update_fields=["reported_at"])
        clock_complete(matter=matter, kind="assigned", actor=actor, assignment=assignment)
        record_event(
            actor=actor,
            verb="assignment.reported",
            subject=assignment,
            matter_id=matter.pk,
            new={"doc_number": document.doc_number, "to": assignment.from_unit.name},
            reason=late_reason.strip(),
        )
        notify_unit(
            unit=assignment.from_unit,
            template="completion_report_received",
            context={"from_unit": assignment.unit.name},
            matter=matter,
            actor=actor,
        )
    return document
