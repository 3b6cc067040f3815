"""Coordination on a matter after acceptance: joint handling with a lead unit (Art 24 协商受理), a leader
taking personal charge (领导包案), and carrying out a 支持 decision (Art 32, the follow-up task).

One transaction per action with its event; notices to units go out after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.core.actors import as_user
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.org.models import Unit

from .models import CaseLeader, FollowUp, JointUnit, Matter, MatterStatus, MatterType
from .selectors import sees_jurisdiction, shielded_from, visible_matters

OPEN_STATUSES = (MatterStatus.ACCEPTED, MatterStatus.IN_REVIEW, MatterStatus.IN_RECHECK)
COORDINATOR_ROLES = ("unit_head", "leader")


def _lock(matter: Matter) -> Matter:
    return (
        Matter.objects.select_for_update(of=("self",))
        .select_related("handling_unit", "accused_unit")
        .get(pk=matter.pk)
    )


def _may_coordinate(matter: Matter, actor: Any) -> None:
    """The handling unit's head, or a leader/head of the bureau overseeing the matter's place."""
    if not getattr(actor, "has_role", lambda *_: False)(*COORDINATOR_ROLES):
        raise PermissionDenied("not_coordinator", "只有承办单位负责人或信访部门负责人、领导可以安排")
    own = actor.unit_id == matter.handling_unit_id
    overseeing = sees_jurisdiction(actor) and matter.region_code.startswith(actor.unit.region.prefix)
    if not (own or overseeing):
        raise PermissionDenied("not_coordinator", "只有承办单位负责人或信访部门负责人、领导可以安排")


def joint_unit_add(*, matter: Matter, unit: Unit, duty: str, actor: Any, lead: bool = False) -> JointUnit:
    """Add a unit to the joint handling of ``matter`` with its share of the work; ``lead`` makes it the
    牵头单位 instead of the handling unit. The unit then sees the matter in its scope."""
    from xinfang.routing.notices import notify_unit

    if len(duty.strip()) < 4:
        raise ValidationFailed("duty_required", "请写明该单位的分工（不少于4字）", field="duty")
    if not unit.is_active:
        raise ValidationFailed("unit_inactive", "该单位已停用", field="unit")
    with transaction.atomic():
        matter = _lock(matter)
        _may_coordinate(matter, actor)
        if matter.status not in OPEN_STATUSES:
            raise Conflict("joint_not_open", "只有办理中的事项可以安排联合办理")
        if unit.pk == matter.handling_unit_id:
            raise ValidationFailed("joint_is_handler", "承办单位已在办理，无需重复添加", field="unit")
        # Art 30¶3: the accused unit may not take part in handling the accusation against it.
        if shielded_from(matter, unit):
            raise ValidationFailed(
                "joint_accused", "被检举控告单位不得参与办理（《信访工作条例》第三十条）", field="unit"
            )
        if JointUnit.objects.filter(matter=matter, unit=unit).exists():
            raise Conflict("joint_exists", "该单位已在联合办理单位中")
        if lead:
            JointUnit.objects.filter(matter=matter, is_lead=True).update(is_lead=False)
        joint = JointUnit.objects.create(
            matter=matter,
            unit=unit,
            is_lead=lead,
            duty=duty.strip(),
            added_by=as_user(actor),
            added_at=timezone.now(),
        )
        lead_name = unit.name if lead else (matter.handling_unit.name if matter.handling_unit else "")
        record_event(
            actor=actor,
            verb="matter.joint_added",
            subject=joint,
            matter_id=matter.pk,
            new={"unit": unit.name, "lead": lead, "duty": joint.duty},
            is_public=matter.matter_type != MatterType.ACCUSATION,
        )
        notify_unit(
            unit=unit,
            template="joint_handling",
            context={"lead": lead_name, "duty": joint.duty},
            matter=matter,
            actor=actor,
        )
    return joint


def lead_unit(matter: Matter) -> Unit | None:
    joint = matter.joint_units.filter(is_lead=True).select_related("unit").first()
    return joint.unit if joint else matter.handling_unit


def case_leader_assign(*, matter: Matter, leader: Any, goal: str, actor: Any) -> CaseLeader:
    """领导包案: ``leader`` takes charge of ``matter``; a previous 包案 ends with a note naming the
    successor."""
    if not leader.has_role("leader", "unit_head"):
        raise ValidationFailed("not_a_leader", "包案人应为领导或单位负责人", field="leader")
    if len(goal.strip()) < 4:
        raise ValidationFailed("goal_required", "请写明包案目标（不少于4字）", field="goal")
    with transaction.atomic():
        matter = _lock(matter)
        _may_coordinate(matter, actor)
        if matter.status in (MatterStatus.FINAL, MatterStatus.NOT_ACCEPTED):
            raise Conflict("case_leader_not_open", "已终结或不予受理的事项不能安排包案")
        if not visible_matters(leader).filter(pk=matter.pk).exists():
            raise ValidationFailed("leader_out_of_scope", "该领导无权查看此事项，不能包案", field="leader")
        now = timezone.now()
        current = CaseLeader.objects.select_for_update().filter(matter=matter, ended_at=None).first()
        if current is not None:
            if current.leader_id == leader.pk:
                raise Conflict("case_leader_exists", "该领导已在包案")
            current.ended_at, current.end_note = now, f"改由{leader.display_label}包案"
            current.save(update_fields=["ended_at", "end_note"])
        row = CaseLeader.objects.create(
            matter=matter,
            leader=leader,
            goal=goal.strip(),
            assigned_by=as_user(actor),
            assigned_at=now,
        )
        record_event(
            actor=actor,
            verb="matter.case_leader",
            subject=row,
            matter_id=matter.pk,
            old={"leader": current.leader.display_label} if current else None,
            new={"leader": leader.display_label, "goal": row.goal},
        )
    return row


def case_leader_end(*, matter: Matter, note: str, actor: Any) -> CaseLeader:
    if len(note.strip()) < 4:
        raise ValidationFailed("note_required", "请写明包案化解情况（不少于4字）", field="note")
    with transaction.atomic():
        matter = _lock(matter)
        row = CaseLeader.objects.select_for_update().filter(matter=matter, ended_at=None).first()
        if row is None:
            raise Conflict("case_leader_missing", "该事项没有在办的包案")
        if actor.pk != row.leader_id:
            _may_coordinate(matter, actor)
        row.ended_at, row.end_note = timezone.now(), note.strip()[:200]
        row.save(update_fields=["ended_at", "end_note"])
        record_event(
            actor=actor,
            verb="matter.case_leader_ended",
            subject=row,
            matter_id=matter.pk,
            new={"leader": row.leader.display_label},
            reason=row.end_note,
        )
    return row


def follow_up_complete(*, follow_up: FollowUp, note: str, actor: Any) -> FollowUp:
    """A 支持 decision is carried out (Art 32): the handling unit records how, and the task closes."""
    if len(note.strip()) < 6:
        raise ValidationFailed("note_required", "请写明落实情况（不少于6字）", field="note")
    with transaction.atomic():
        matter = _lock(follow_up.matter)
        if actor.unit_id != matter.handling_unit_id or not actor.has_role("handler", "unit_head"):
            raise PermissionDenied("not_handling_unit", "只有承办单位的工作人员可以登记落实情况")
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.is_done:
            raise Conflict("follow_up_done", "该落实任务已完成")
        follow_up.is_done, follow_up.note = True, note.strip()
        follow_up.done_at, follow_up.done_by = timezone.now(), as_user(actor)
        follow_up.save(update_fields=["is_done", "note", "done_at", "done_by"])
        record_event(
            actor=actor,
            verb="followup.done",
            subject=follow_up,
            matter_id=matter.pk,
            reason=follow_up.note,
            is_public=True,
        )
    return follow_up
