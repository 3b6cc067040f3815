"""Closing a matter with a written answer outside the 意见书 → 复查 → 复核 track:

* 建议意见类 (Art 29): studied, 采纳 / 部分采纳 / 未采纳, and answered;
* 检举控告类 (Art 30): the result told to the complainant, whose identity never leaves the handling organ;
* 申诉求决类 under Art 31(5): the organ performs its duty (查处、履职) or answers.

Signed by the handling unit's head; the matter closes in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed

from .clocks import clock_complete
from .models import Answer, AnswerKind, Matter, MatterStatus, MatterType
from .notices import notify_petitioners
from .workflow import transition

# Which answer closes which type of matter, and the disposition it records.
KIND_FOR_TYPE = {
    MatterType.SUGGESTION: (AnswerKind.SUGGESTION, "29"),
    MatterType.ACCUSATION: (AnswerKind.ACCUSATION, "30"),
    MatterType.PETITION: (AnswerKind.DUTY, "31.5"),
}
ADOPTION = dict(Answer.ADOPTION)


def matter_answer(*, matter: Matter, text: str, actor: Any, adoption: str = "") -> Answer:
    if len(text.strip()) < 10:
        raise ValidationFailed("answer_required", "请填写答复内容（不少于10字）", field="text")
    with transaction.atomic():
        matter = (
            Matter.objects.select_for_update(of=("self",)).select_related("handling_unit").get(pk=matter.pk)
        )
        if actor.unit_id != matter.handling_unit_id or not actor.has_role("unit_head", "leader"):
            raise PermissionDenied("not_signatory", "答复须由承办单位负责人签发")
        if matter.status != MatterStatus.ACCEPTED:
            raise Conflict("answer_not_open", "只有办理中的事项可以答复办结")
        kind, disposition = KIND_FOR_TYPE[MatterType(matter.matter_type)]
        if kind == AnswerKind.SUGGESTION and adoption not in ADOPTION:
            raise ValidationFailed(
                "adoption_required",
                "建议意见类事项须写明采纳、部分采纳或未采纳（第二十九条）",
                field="adoption",
            )
        if kind != AnswerKind.SUGGESTION:
            adoption = ""
        assert matter.handling_unit is not None
        answer = Answer.objects.create(
            matter=matter,
            kind=kind,
            adoption=adoption,
            text=text.strip(),
            unit=matter.handling_unit,
            signed_by=actor,
            signed_at=timezone.now(),
        )
        matter.disposition, matter.closed_at = disposition, timezone.now()
        matter.save(update_fields=["disposition", "closed_at"])
        transition(
            matter,
            MatterStatus.CLOSED,
            actor=actor,
            action="close",
            reason=answer.text,
            data={"answer": AnswerKind(kind).label, "adoption": ADOPTION.get(adoption, "")},
        )
        # Art 34's 60 days bind only Art 31(6) matters: a matter answered under 31(5) stops that clock unmet.
        clock_complete(matter=matter, kind="handling", actor=actor, cancel=True)
        record_event(
            actor=actor,
            verb="matter.answered",
            subject=answer,
            matter_id=matter.pk,
            new={"kind": kind, "adoption": adoption},
        )
        notify_petitioners(
            matter=matter, template="matter_answered", context={"unit": answer.unit.name}, actor=actor
        )
    return answer
