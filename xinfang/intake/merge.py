"""Merging two records of one petitioner (信访人合并).

The same person is registered twice more often than any system would like: once with an ID number and once
by phone and name only, with a mistyped name at a window, or — before ``lock_new_people`` — by two
simultaneous registrations on PostgreSQL. Two records split the person's history: the registrar's 重复信访
check, the repeat-petitioner statistics and the finality check (条例第三十六条第三款) each see half of it.

A merge keeps one record and folds the other into it, in one transaction with its audit events:
- every contact the duplicate is a party to moves to the kept record (a contact naming both keeps one party);
- identity the kept record lacks (ID number, phone, address) is taken over, ciphertext and blind index as
  they are — nothing is decrypted;
- the duplicate's row stays, marked ``merged_into`` (nothing is deleted: the trail of who was merged into
  whom, when and why is complete), and keeps its blind indexes, so that a later registration with the
  duplicate's phone or a look-up by it still finds the person — ``petitioners.petitioner_known`` and
  ``selectors.petitioner_history`` follow ``merged_into`` to the kept record;
- two different ID numbers are two people: refused;
- a merge found to be wrong is undone exactly (``petitioner_unmerge``, 拆分) from what its event recorded.

Only staff who may see the petitioner's identity on every matter either record is a party to may merge
(检举控告: 条例第三十条 — an accused unit never sees, and so never merges, the complainant).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.audit.services import events_batched, record_event
from xinfang.cases.models import Matter
from xinfang.cases.selectors import can_see_identity, visible_matters
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.nlp.dedup.person import name_similarity

from .models import ContactPetitioner, Petitioner

MERGE_ROLES = ("registrar", "admin")
#: Names at least this alike (``nlp.dedup.person.name_similarity``: one of two characters) are listed as
#: possibly one person when they share a phone.
SIMILAR_NAME = 0.5
#: Identity a kept record takes over from the duplicate when it has none: (label, ciphertext, blind index,
#: mask).
_IDENTITY = (
    ("证件号码", "id_number_enc", "id_number_hash", "id_number_masked"),
    ("联系电话", "phone_enc", "phone_hash", "phone_masked"),
    ("住址", "address_enc", None, "address_masked"),
)


def _matters_of(petitioners: Iterable[int]) -> list[Matter]:
    return list(
        Matter.objects.filter(contacts__parties__petitioner_id__in=list(petitioners))
        .distinct()
        .order_by("pk")
    )


def _check_in_sight(actor: Any, people: dict[str, Petitioner | None]) -> None:
    """Scope before anything else, and errors that name nothing out of sight: a record the actor may not see
    gets the same answer as one that does not exist, and a record also named on matters out of sight is
    refused without saying which. ``people``: form field → record (None: no such record). A record merged
    into another is in sight through that one's matters (its own contacts moved there)."""
    if not (getattr(actor, "has_role", None) and actor.has_role(*MERGE_ROLES)):
        raise PermissionDenied("merge_forbidden", "只有登记员或管理员可以合并信访人")
    found = [p for p in people.values() if p is not None]
    holder = {p.pk: p.merged_into_id or p.pk for p in found}
    links = ContactPetitioner.objects.filter(petitioner_id__in=set(holder.values()))
    matters: dict[int, set[int]] = {}
    for petitioner_id, matter_id in links.values_list("petitioner_id", "contact__matter_id"):
        matters.setdefault(petitioner_id, set()).add(matter_id)
    every = set().union(*matters.values()) if matters else set()
    in_sight = {m.pk for m in visible_matters(actor).filter(pk__in=every) if can_see_identity(actor, m)}
    for field_name, person in people.items():
        mine = matters.get(holder[person.pk], set()) if person is not None else set()
        if not mine & in_sight:
            raise ValidationFailed("not_found", "信访人不存在，或您无权查看", field=field_name)
    if every - in_sight:
        raise PermissionDenied(
            "merge_out_of_scope", "该信访人还涉及您无权查看其身份信息的信访事项，不能由您合并或撤销合并"
        )


def _record_everywhere(
    actor: Any, verb: str, subject: Petitioner, matters: list[Matter], **event: Any
) -> None:
    """The event on the person and on each matter's timeline, written in one INSERT."""
    with events_batched():
        for matter_id in [None, *(m.pk for m in matters)]:
            record_event(actor=actor, verb=verb, subject=subject, matter_id=matter_id, **event)


def petitioner_merge(*, keep_id: int, duplicate_id: int, actor: Any, reason: str) -> Petitioner:
    """Fold petitioner ``duplicate_id`` into ``keep_id`` (see the module docstring); returns the kept one."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", "请填写合并理由", field="reason")
    if keep_id == duplicate_id:
        raise ValidationFailed("merge_same_record", "不能将信访人与其自身合并", field="duplicate_id")
    with transaction.atomic():
        # Both rows locked, lower id first, so that two merges of the same pair cannot deadlock.
        locked = Petitioner.objects.select_for_update().filter(pk__in=[keep_id, duplicate_id]).order_by("pk")
        rows = {p.pk: p for p in locked}
        _check_in_sight(actor, {"keep_id": rows.get(keep_id), "duplicate_id": rows.get(duplicate_id)})
        keep, dup = rows[keep_id], rows[duplicate_id]
        for p, field in ((keep, "keep_id"), (dup, "duplicate_id")):
            if p.merged_into_id is not None:
                raise ValidationFailed("already_merged", f"信访人“{p.name}”已合并到其他记录", field=field)
        if keep.kind != dup.kind:
            raise ValidationFailed("merge_kind_differs", "个人与组织不能合并", field="duplicate_id")
        if keep.id_number_hash and dup.id_number_hash and keep.id_number_hash != dup.id_number_hash:
            raise ValidationFailed(
                "merge_identity_differs", "两条记录的证件号码不同，是不同的人，不能合并", field="duplicate_id"
            )
        matters = _matters_of([keep.pk, dup.pk])

        taken: list[str] = []
        changed: list[str] = []
        for label, enc, digest, masked in _IDENTITY:
            if not getattr(keep, enc) and getattr(dup, enc):
                for name in (enc, digest, masked):
                    if name:
                        setattr(keep, name, getattr(dup, name))
                        changed.append(name)
                taken.append(label)
        if changed:
            keep.save(update_fields=changed)

        links = list(ContactPetitioner.objects.filter(petitioner=dup))
        keeps = {
            link.contact_id: link
            for link in ContactPetitioner.objects.filter(
                petitioner=keep, contact_id__in=[link.contact_id for link in links]
            )
        }
        both = [link for link in links if link.contact_id in keeps]
        # One party per person on a contact; a representative (Art 20) stays one.
        raised = [
            link.contact_id
            for link in both
            if link.is_representative and not keeps[link.contact_id].is_representative
        ]
        ContactPetitioner.objects.filter(petitioner=keep, contact_id__in=raised).update(
            is_representative=True
        )
        ContactPetitioner.objects.filter(pk__in=[link.pk for link in both]).delete()
        moved = [link.contact_id for link in links if link.contact_id not in keeps]
        ContactPetitioner.objects.filter(petitioner=dup).update(petitioner=keep)

        dup.merged_into, dup.merged_at = keep, timezone.now()
        dup.save(update_fields=["merged_into", "merged_at"])
        # Records merged into the duplicate earlier now point at the kept one: every chain is one hop.
        earlier = list(Petitioner.objects.filter(merged_into=dup).values_list("pk", flat=True))
        Petitioner.objects.filter(pk__in=earlier).update(merged_into=keep)

        # Masked values only: the events are read by auditors, the identity itself stays encrypted. The ids
        # are what ``petitioner_unmerge`` needs to undo exactly this merge.
        old = {"duplicate": dup.pk, "duplicate_name": dup.name, "duplicate_id_number": dup.id_number_masked}
        new = {
            "kept": keep.pk,
            "kept_name": keep.name,
            "contacts_moved": len(moved),
            "contacts_named_both": len(both),
            "taken_over": taken,
            "undo": {
                "moved": moved,
                "named_both": {str(link.contact_id): link.is_representative for link in both},
                "raised": raised,
                "taken_fields": changed,
                "repointed": earlier,
            },
        }
        _record_everywhere(actor, "petitioner.merged", keep, matters, old=old, new=new, reason=reason)
    return keep


@dataclass
class DuplicateGroup:
    """Records the blind indexes say are one person, oldest first, each with the matters it is a party to."""

    why: str  # 证件号码相同 | 电话和姓名相同
    people: list[Petitioner]
    matters: dict[int, list[str]] = field(
        default_factory=dict
    )  # petitioner id → matter numbers, newest first


def _phone_cluster(records: list[Petitioner]) -> tuple[str, list[Petitioner]] | None:
    """Records sharing one phone that may be the oldest one's person: the same name, or a name one typo away
    (name_similarity ≥ 0.5: 张三/张叁), and no ID number that contradicts the oldest's. Those that only repeat
    the oldest's ID number are the ID-number group's already."""
    oldest, rest = records[0], records[1:]
    members = [oldest]
    for p in rest:
        if p.id_number_hash and oldest.id_number_hash and p.id_number_hash != oldest.id_number_hash:
            continue  # two ID numbers: two people, whatever the phone says
        if p.id_number_hash and p.id_number_hash == oldest.id_number_hash:
            continue
        if p.name == oldest.name or name_similarity(p.name, oldest.name) >= SIMILAR_NAME:
            members.append(p)
    if len(members) < 2:
        return None
    same = all(p.name == oldest.name for p in members)
    return ("电话和姓名相同" if same else "电话相同、姓名相近"), members


def petitioner_duplicates(actor: Any, *, limit: int = 100) -> list[DuplicateGroup]:
    """Groups of records that may be one person — the same ID number (blind index), or the same phone with
    the same or a nearly same name and no contradicting ID number — among the petitioners of matters the
    actor may see; oldest record first, the natural one to keep. Candidates for :func:`petitioner_merge`,
    never merged automatically: a shared phone may be a family's. Four queries however many groups."""
    mine = Petitioner.objects.filter(
        merged_into__isnull=True, contacts__contact__matter__in=visible_matters(actor)
    )

    def shared(column: str) -> list[str]:
        return list(
            mine.exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("pk", distinct=True))
            .filter(n__gt=1)
            .values_list(column, flat=True)
            .order_by()[:limit]
        )

    ids, phones = shared("id_number_hash"), shared("phone_hash")
    if not ids and not phones:
        return []
    rows = list(mine.filter(Q(id_number_hash__in=ids) | Q(phone_hash__in=phones)).distinct().order_by("pk"))
    found: list[DuplicateGroup] = []
    for key in ids:
        people = [p for p in rows if p.id_number_hash == key]
        if len(people) > 1:
            found.append(DuplicateGroup("证件号码相同", people))
    for key in phones:
        cluster = _phone_cluster([p for p in rows if p.phone_hash == key])
        if cluster is not None:
            found.append(DuplicateGroup(*cluster))
    found = found[:limit]
    wanted = [p.pk for g in found for p in g.people]
    numbers = (
        ContactPetitioner.objects.filter(petitioner_id__in=wanted, contact__matter__in=visible_matters(actor))
        .order_by("-contact__received_at")
        .values_list("petitioner_id", "contact__matter__number")
    )
    for g in found:
        for p in g.people:
            g.matters[p.pk] = []
    for pk, number in numbers:
        for g in found:  # a record can be in an ID group and a phone group
            listed = g.matters.get(pk)
            if listed is not None and number not in listed:
                listed.append(number)
    return found


def petitioner_unmerge(*, duplicate_id: int, actor: Any, reason: str) -> Petitioner:
    """Undo the merge of ``duplicate_id`` (拆分, a merge found to be wrong): its contacts go back, the
    identity the kept record took over from it is given back, records merged into it point at it again. Only
    what that merge did is undone (read from its ``petitioner.merged`` event); a contact registered for the
    kept record since stays with it. Returns the restored record."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", "请填写撤销合并的理由", field="reason")
    with transaction.atomic():
        dup = Petitioner.objects.select_for_update().filter(pk=duplicate_id).first()
        _check_in_sight(actor, {"duplicate_id": dup})
        if dup is None or dup.merged_into_id is None:
            raise ValidationFailed("not_merged", "该信访人记录未被合并，无需撤销", field="duplicate_id")
        keep = Petitioner.objects.select_for_update().get(pk=dup.merged_into_id)
        merge = (
            Event.objects.filter(
                verb="petitioner.merged",
                subject_type=Petitioner._meta.label_lower,
                subject_id=str(keep.pk),
                matter_id__isnull=True,
                old__duplicate=dup.pk,
            )
            .order_by("-pk")
            .first()
        )
        undo = (merge.new or {}).get("undo") if merge is not None else None
        if not undo:
            raise ValidationFailed(
                "unmerge_unknown", "找不到这次合并的记录，不能自动撤销", field="duplicate_id"
            )
        moved = [int(c) for c in undo["moved"]]
        ContactPetitioner.objects.filter(petitioner=keep, contact_id__in=moved).update(petitioner=dup)
        for contact_id, representative in undo["named_both"].items():
            ContactPetitioner.objects.get_or_create(
                contact_id=int(contact_id), petitioner=dup, defaults={"is_representative": representative}
            )
        ContactPetitioner.objects.filter(petitioner=keep, contact_id__in=undo["raised"]).update(
            is_representative=False
        )
        given_back = [f for f in undo["taken_fields"] if getattr(keep, f) == getattr(dup, f)]
        for name in given_back:
            setattr(keep, name, "")
        if given_back:
            keep.save(update_fields=given_back)
        Petitioner.objects.filter(pk__in=undo["repointed"], merged_into=keep).update(merged_into=dup)
        dup.merged_into, dup.merged_at = None, None
        dup.save(update_fields=["merged_into", "merged_at"])

        old = {"kept": keep.pk, "kept_name": keep.name}
        new = {"restored": dup.pk, "restored_name": dup.name, "contacts_returned": len(moved)}
        matters = _matters_of([keep.pk, dup.pk])
        _record_everywhere(actor, "petitioner.unmerged", dup, matters, old=old, new=new, reason=reason)
    return dup


@dataclass
class RecentMerge:
    duplicate: Petitioner
    kept: Petitioner
    at: Any
    by: str
    reason: str


def recent_merges(actor: Any, *, limit: int = 20) -> list[RecentMerge]:
    """Merges still in force on matters the actor may see, newest first — what the page offers to undo.
    Three queries."""
    events = (
        Event.objects.filter(
            verb="petitioner.merged",
            matter_id__in=visible_matters(actor).values("pk"),
        )
        .order_by("-pk")
        .values("old", "new", "occurred_at", "actor_label", "reason")[: limit * 5]
    )
    seen: dict[int, tuple[int, Any, str, str]] = {}  # duplicate → (kept, when, who, why)
    for e in events:
        dup_id, kept_id = (e["old"] or {}).get("duplicate"), (e["new"] or {}).get("kept")
        if isinstance(dup_id, int) and isinstance(kept_id, int) and dup_id not in seen:
            seen[dup_id] = (kept_id, e["occurred_at"], e["actor_label"], e["reason"])
    people = Petitioner.objects.in_bulk([*seen, *(kept_id for kept_id, *_ in seen.values())])
    out = []
    for dup_id, (kept_id, at, by, why) in seen.items():
        dup, kept = people.get(dup_id), people.get(kept_id)
        if dup is not None and kept is not None and dup.merged_into_id == kept.pk:
            out.append(RecentMerge(dup, kept, at, by, why))
    return out[:limit]
