"""What the handling chain asks of a unit now, for its 待办: 复查/复核 requests it must decide (Art 35–36),
and 意见书 drafts waiting for its head's signature (拟稿 → 签发). Each a few queries whatever the length, and
only matters the user may see (``visible_matters``: an accusation stays shielded from the accused)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from .handling import SIGNING_ROLES
from .models import Level, MatterStatus, Opinion, OpinionDraft, ReviewRequest
from .selectors import visible_matters

_OPEN = {Level.REVIEW: MatterStatus.IN_REVIEW, Level.RECHECK: MatterStatus.IN_RECHECK}


def reviews_to_decide(actor: Any) -> QuerySet[ReviewRequest]:
    """复查/复核 requests addressed to the actor's unit and not yet answered with an opinion, oldest first."""
    unit_id = getattr(actor, "unit_id", None)
    if unit_id is None:
        return ReviewRequest.objects.none()
    answered = Opinion.objects.filter(matter=OuterRef("matter"), level=OuterRef("level"))
    open_now = Q(level=Level.REVIEW, matter__status=MatterStatus.IN_REVIEW) | Q(
        level=Level.RECHECK, matter__status=MatterStatus.IN_RECHECK
    )
    return (
        ReviewRequest.objects.filter(open_now, organ_id=unit_id, matter__in=visible_matters(actor))
        .exclude(Exists(answered))
        .select_related("matter")
        .order_by("received_on", "pk")
    )


def drafts_to_sign(actor: Any) -> QuerySet[OpinionDraft]:
    """Drafts of the actor's unit waiting for a signature (待签发) — for the heads who sign, empty for others.
    The drafting unit is the handling unit for a 处理意见书 and the organ asked for a 复查/复核 otherwise
    (``drafts._drafting_unit``)."""
    unit_id = getattr(actor, "unit_id", None)
    if unit_id is None or not actor.has_role(*SIGNING_ROLES):
        return OpinionDraft.objects.none()
    organ_here = ReviewRequest.objects.filter(
        matter=OuterRef("matter"), level=OuterRef("level"), organ_id=unit_id
    )
    mine = Q(level=Level.OPINION, matter__handling_unit_id=unit_id, matter__status=MatterStatus.ACCEPTED)
    for level, status in _OPEN.items():
        mine |= Q(Exists(organ_here), level=level, matter__status=status)
    return (
        OpinionDraft.objects.filter(mine, matter__in=visible_matters(actor))
        .select_related("matter", "drafted_by")
        .order_by("updated_at", "pk")
    )
