"""拟稿 → 签发: the handler drafts an 意见书 and the head signs it. A draft is data for the form only; the
opinion's statutory checks (Art 32) run when it is signed in ``handling.opinion_issue``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from xinfang.audit.services import record_event
from xinfang.core.actors import as_user
from xinfang.core.errors import Conflict, PermissionDenied
from xinfang.core.markup import reject_markup

from .models import Level, Matter, MatterStatus, OpinionDraft, ReviewRequest

FIELDS = ("decision", "request", "facts", "reasons", "findings", "decision_text", "legal_basis")
MAX_FIELD = 20000


def _drafting_unit(matter: Matter, level: str) -> int | None:
    if level == Level.OPINION:
        return matter.handling_unit_id if matter.status == MatterStatus.ACCEPTED else None
    req = ReviewRequest.objects.filter(matter=matter, level=level).first()
    open_status = MatterStatus.IN_REVIEW if level == Level.REVIEW else MatterStatus.IN_RECHECK
    return req.organ_id if req and matter.status == open_status else None


def opinion_draft_save(*, matter: Matter, level: str, data: dict[str, str], actor: Any) -> OpinionDraft:
    if level not in Level.values:
        raise Conflict("level_invalid", "未知的意见书类型")
    with transaction.atomic():
        matter = Matter.objects.select_for_update(of=("self",)).get(pk=matter.pk)
        unit_id = _drafting_unit(matter, level)
        if unit_id is None:
            raise Conflict("draft_not_open", "当前不能拟写该意见书")
        if getattr(actor, "unit_id", None) != unit_id or not actor.has_role("handler", "unit_head", "leader"):
            raise PermissionDenied("not_drafting_unit", "只有办理单位的工作人员可以拟稿")
        clean = {name: str(data.get(name, ""))[:MAX_FIELD] for name in FIELDS}
        for name, text in clean.items():
            reject_markup(text, field=name)
        draft, created = OpinionDraft.objects.update_or_create(
            matter=matter, level=level, defaults={"data": clean, "drafted_by": as_user(actor)}
        )
        record_event(
            actor=actor,
            verb="opinion.drafted",
            subject=draft,
            matter_id=matter.pk,
            new={"level": level, "created": created},
        )
    return draft


def opinion_draft_for(matter: Matter, level: str) -> OpinionDraft | None:
    return OpinionDraft.objects.filter(matter=matter, level=level).select_related("drafted_by").first()
