"""并入: a matter registered again for a problem already on record — the same citizen submitting three times
on the portal, a 12345 hand-over of a letter already registered — is folded into the matter it repeats, and
a wrong 并入 is undone exactly.

Folding moves the duplicate's contacts to the other matter as repeat contacts (重复信访, with their parties
and attachments), stops the duplicate's running clocks (cancelled, not met: nothing was done on it) and sets
it 已并入其他事项 through the guarded transition; both timelines say so. Only a matter still waiting to be
routed is folded, by the office that routes it (``routing.services.routes_here``), into a matter it may see:
once a matter is routed, another unit is working on it and the two are coordinated instead (联合办理).
Undoing reads the move back from the 并入 event and returns every contact to its place and number."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.audit.services import record_event
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed

from .clocks import clock_complete, clock_start, local_today
from .models import ClockState, Matter, MatterStatus
from .selectors import visible_matters
from .workflow import transition

MERGE_ROLES = ("registrar", "unit_head", "leader")


def _may_fold(matter: Matter, actor: Any) -> None:
    from xinfang.routing.services import routes_here

    if not (getattr(actor, "has_role", None) and actor.has_role(*MERGE_ROLES)) or not routes_here(
        matter, actor
    ):
        raise PermissionDenied("merge_forbidden", "只有负责分流该事项的信访部门可以并入或撤销并入")


def matter_merge_into(*, matter: Matter, target_number: str, actor: Any, reason: str) -> Matter:
    """Fold ``matter`` into the matter numbered ``target_number``; returns the target."""
    from xinfang.intake.models import Contact

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "reason_required", "请写明并入的理由（如：同一信访人同一诉求重复提交）", field="reason"
        )
    _may_fold(matter, actor)
    target = visible_matters(actor).filter(number=(target_number or "").strip()).first()
    if target is None:
        raise ValidationFailed("target_not_found", "未找到要并入的事项，或您无权查看", field="target")
    if target.pk == matter.pk:
        raise ValidationFailed("merge_into_self", "不能并入事项本身", field="target")
    with transaction.atomic():
        # Both rows locked, lower id first, so that two merges of the same pair cannot deadlock.
        locked = {
            m.pk: m
            for m in Matter.objects.select_for_update().filter(pk__in=[matter.pk, target.pk]).order_by("pk")
        }
        matter, target = locked[matter.pk], locked[target.pk]
        if target.status == MatterStatus.MERGED:
            raise Conflict("target_merged", f"事项{target.number}已并入其他事项，请并入其所并入的事项")
        contacts = list(Contact.objects.filter(matter=matter).order_by("ordinal"))
        moved = []
        for offset, contact in enumerate(contacts, start=1):
            moved.append({"contact": contact.pk, "ordinal": contact.ordinal, "is_repeat": contact.is_repeat})
            Contact.objects.filter(pk=contact.pk).update(
                matter=target, ordinal=target.contact_count + offset, is_repeat=True
            )
        latest = max([c.received_at for c in contacts] + [target.last_contact_at])
        Matter.objects.filter(pk=target.pk).update(
            contact_count=F("contact_count") + len(contacts), last_contact_at=latest
        )
        stopped = [
            clock.kind
            for clock in matter.clocks.filter(state__in=[ClockState.RUNNING, ClockState.PAUSED])
            if clock_complete(matter=matter, kind=clock.kind, actor=actor, cancel=True)
        ]
        # The transition's own event (matter.merge) carries what undoing needs.
        transition(
            matter,
            MatterStatus.MERGED,
            actor=actor,
            action="merge",
            reason=reason,
            data={
                "into": target.number,
                "contacts": len(contacts),
                "undo": {"moved": moved, "clocks": stopped},
            },
        )
        matter.merged_into = target
        matter.save(update_fields=["merged_into"])
        record_event(
            actor=actor,
            verb="matter.merged_in",
            subject=target,
            matter_id=target.pk,
            new={"from": matter.number, "contacts": len(contacts)},
            reason=reason,
        )
    return target


def matter_unmerge(*, matter: Matter, actor: Any, reason: str) -> Matter:
    """Undo the 并入 of ``matter`` exactly: its contacts go back with their numbers, its routing clock runs
    again from the day it was received, and it is waiting to be routed again. Returns the matter."""
    from xinfang.intake.models import Contact

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", "请写明撤销并入的理由", field="reason")
    _may_fold(matter, actor)
    with transaction.atomic():
        matter = Matter.objects.select_for_update().get(pk=matter.pk)
        if matter.status != MatterStatus.MERGED or matter.merged_into_id is None:
            raise Conflict("not_merged", "该事项未并入其他事项")
        target = Matter.objects.select_for_update().get(pk=matter.merged_into_id)
        merge = (
            Event.objects.filter(verb="matter.merge", matter_id=matter.pk, new__into=target.number)
            .order_by("-pk")
            .first()
        )
        undo = (merge.new or {}).get("undo") if merge is not None else None
        if not undo:
            raise Conflict("unmerge_unknown", "找不到这次并入的记录，不能自动撤销")
        for row in undo["moved"]:
            Contact.objects.filter(pk=row["contact"], matter=target).update(
                matter=matter, ordinal=row["ordinal"], is_repeat=row["is_repeat"]
            )
        back = len(undo["moved"])
        Matter.objects.filter(pk=target.pk).update(contact_count=F("contact_count") - back)
        transition(
            matter,
            MatterStatus.REGISTERED,
            actor=actor,
            action="unmerge",
            reason=reason,
            data={"from": target.number},
        )
        matter.merged_into = None
        matter.save(update_fields=["merged_into"])
        if "routing" in undo["clocks"]:
            # Art 22: the 15 days count from receipt, as they did before the 并入.
            start = min(local_today(), timezone.localtime(matter.first_received_at).date())
            clock_start(matter=matter, kind="routing", start=start, actor=actor)
        record_event(
            actor=actor,
            verb="matter.unmerged_from",
            subject=target,
            matter_id=target.pk,
            new={"from": matter.number, "contacts": back},
            reason=reason,
        )
    return matter
