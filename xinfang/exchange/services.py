"""Export a matter as an ``xinfang-exchange/1`` document, and register such a document at the receiving level
(schema.py says what the document holds and when it carries the petitioners' contact details)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.cases.models import Matter, MatterType
from xinfang.cases.selectors import can_see_identity, sees_jurisdiction, shielded_from
from xinfang.core import crypto
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.intake.attachments import attachment_add
from xinfang.intake.models import Channel, Contact, PetitionerKind
from xinfang.intake.services import contact_register
from xinfang.intake.validation import MAX_TEXT, ContactInput, PetitionerInput
from xinfang.org.models import Unit
from xinfang.routing.models import Assignment, AssignmentState, RouteMode
from xinfang.routing.services import ROUTER_ROLES

from .schema import (
    FORMAT,
    ExchangeAssignment,
    ExchangeClock,
    ExchangeContact,
    ExchangeDocument,
    ExchangeMatter,
    ExchangePetitioner,
    ExchangeUnit,
)

#: The personal data a party carries, as ``<name>_enc`` / ``<name>_masked`` (intake.models.PII_FIELDS).
PII = ("id_number", "phone", "address")
SLIP_NAME = "上级交办单.txt"


def _unit(unit: Unit) -> ExchangeUnit:
    return ExchangeUnit(name=unit.name, region_code=unit.region.code)


def _disclosed_to(matter: Matter, actor: Any, unit: Unit) -> Assignment:
    """The assignment by which ``actor``'s bureau sent ``matter`` to ``unit``: the one ground for giving that
    unit the petitioners' contact details. Refused for anyone else — the auditor too (三员分立)."""
    if (
        not sees_jurisdiction(actor)
        or not actor.has_role(*ROUTER_ROLES)
        or actor.has_role("auditor")
        or not can_see_identity(actor, matter)
    ):
        raise PermissionDenied(
            "export_forbidden", "只有转送/交办该事项的信访部门登记员或负责人可以导出信访人联系方式"
        )
    assignment = (
        Assignment.objects.filter(matter=matter, unit=unit, from_unit_id=actor.unit_id)
        .exclude(state=AssignmentState.RETURNED)
        .select_related("unit__region", "from_unit__region")
        .order_by("-sent_at")
        .first()
    )
    # 条例第三十条: never the accused unit, nor one below it (routing refuses such an assignment already).
    if assignment is None or shielded_from(matter, unit):
        raise PermissionDenied(
            "export_not_routed", f"本单位未向{unit.name}转送或交办该事项，不能向其提供信访人联系方式"
        )
    return assignment


def _assignment(a: Assignment) -> ExchangeAssignment:
    return ExchangeAssignment(
        mode=RouteMode(a.mode),
        from_unit=_unit(a.from_unit),
        to_unit=_unit(a.unit),
        sent_at=a.sent_at,
        deadline_days=a.deadline_days,
        requires_report=a.requires_report,
        instructions=a.instructions,
    )


def matter_export(*, matter: Matter, actor: Any, to: Unit | None = None) -> ExchangeDocument:
    """``matter`` as an exchange document. With ``to`` (the unit the actor's bureau sent it to) the
    petitioners' contact details are included and each person's disclosure is recorded (``pii.reveal``, in
    the personal-data access log); without, masked values only and nothing is written."""
    assignment = _disclosed_to(matter, actor, to) if to is not None else None
    if assignment is None:
        assignment = (
            Assignment.objects.filter(matter=matter)
            .exclude(state=AssignmentState.RETURNED)
            .select_related("unit__region", "from_unit__region")
            .order_by("-sent_at")
            .first()
        )
    contacts = list(matter.contacts.order_by("ordinal").prefetch_related("parties__petitioner"))
    disclose = to is not None
    out_contacts = []
    for c in contacts:
        people = []
        for party in sorted(c.parties.all(), key=lambda p: p.pk):
            person = ExchangePetitioner(
                name=party.petitioner.name,
                kind=PetitionerKind(party.petitioner.kind),
                is_representative=party.is_representative,
                id_number_masked=party.id_number_masked,
                phone_masked=party.phone_masked,
                address_masked=party.address_masked,
            )
            if disclose:
                # What this contact gave for the person, not the record's fields (ContactPetitioner).
                person.id_number, person.phone, person.address = (
                    crypto.decrypt(getattr(party, f"{name}_enc")) for name in PII
                )
            people.append(person)
        out_contacts.append(
            ExchangeContact(
                ordinal=c.ordinal,
                channel=Channel(c.channel),
                received_at=c.received_at,
                title=c.title,
                request=c.request,
                facts=c.facts,
                reasons=c.reasons,
                is_oral=c.is_oral,
                oral_record=c.oral_record,
                identity_unclear=c.identity_unclear,
                headcount=c.headcount,
                external_ref=c.external_ref,
                petitioners=people,
            )
        )
    accused = matter.accused_unit
    document = ExchangeDocument(
        format=FORMAT,
        exported_at=timezone.now(),
        sender=_unit(actor.unit),
        contact_details_included=disclose,
        matter=ExchangeMatter(
            number=matter.number,
            matter_type=MatterType(matter.matter_type),
            category=matter.category,
            region_code=matter.region_code,
            title=matter.title,
            is_litigation=matter.is_litigation,
            is_major=matter.is_major,
            status=matter.status,
            first_received_at=matter.first_received_at,
            accused_unit=_unit(accused) if accused is not None else None,
        ),
        contacts=out_contacts,
        assignment=_assignment(assignment) if assignment is not None else None,
        clocks=[
            ExchangeClock(kind=k.kind, label=k.label, started_on=k.started_on, due_on=k.due_on, state=k.state)
            for k in matter.clocks.order_by("created_at", "id")
        ],
    )
    if disclose:
        assert to is not None
        with transaction.atomic():
            for c in contacts:
                for party in c.parties.all():
                    given = [name for name in PII if getattr(party, f"{name}_enc")]
                    if not given:
                        continue
                    record_event(
                        actor=actor,
                        verb="pii.reveal",
                        subject=party.petitioner,
                        matter_id=matter.pk,
                        new={"fields": given, "contact": c.ordinal, "to": to.name},
                        reason=f"转送/交办交换文件：向{to.name}提供信访人联系方式，供其依法办理",
                    )
    return document


# -- import ------------------------------------------------------------------------------------------


def _lock(unit: Unit, number: str) -> None:
    """Two imports of one document by one office at once register it once. SQLite: every writing
    transaction holds the database's write lock (BEGIN IMMEDIATE), so the look-up below is already alone.
    PostgreSQL: a transaction-scoped advisory lock on (office, sender's number)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"exchange|{unit.pk}|{number}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def imported_contact(unit: Unit, number: str) -> Contact | None:
    """The contact an office registered for the sender's matter ``number`` (its external reference)."""
    return (
        Contact.objects.filter(channel=Channel.ASSIGNED, external_ref=number, registering_unit=unit)
        .select_related("matter")
        .order_by("pk")
        .first()
    )


def _accused(document: ExchangeDocument) -> int | None:
    named = document.matter.accused_unit
    if document.matter.matter_type != MatterType.ACCUSATION or named is None:
        return None
    unit = Unit.objects.filter(name=named.name, region__code=named.region_code).first()
    if unit is None:
        # Registered without it, the accusation could be routed to the accused unit (条例第三十条).
        raise ValidationFailed(
            "accused_unit_unknown",
            f"本系统中没有被检举控告单位“{named.name}”（{named.region_code}），"
            "无法确保该事项不转交被检举控告单位，请先核对单位信息",
            field="matter.accused_unit",
        )
    return unit.pk


def _petitioners(document: ExchangeDocument) -> list[PetitionerInput]:
    """Everyone named on the document's contacts, each once."""
    people: dict[tuple[str, str, str], PetitionerInput] = {}
    for contact in document.contacts:
        for p in contact.petitioners:
            key = (p.name, p.id_number or "", p.phone or "")
            if key in people:
                people[key].is_representative |= p.is_representative
                continue
            people[key] = PetitionerInput(
                name=p.name,
                kind=p.kind,
                id_number=p.id_number or "",
                phone=p.phone or "",
                address=p.address or "",
                is_representative=p.is_representative,
            )
    return list(people.values())


def _facts(document: ExchangeDocument) -> str:
    """The first contact's facts, then what each later contact (重复信访 at the sending level) asked and said,
    so that the receiving level has the whole petition."""
    first, *later = document.contacts
    parts = [first.facts]
    for c in later:
        parts.append(
            f"\n\n——来文事项第{c.ordinal}件信访件（{timezone.localtime(c.received_at):%Y-%m-%d}，"
            f"{Channel(c.channel).label}）——\n诉求：{c.request}\n事实：{c.facts}\n理由：{c.reasons}"
        )
    return "".join(parts)


def _slip(document: ExchangeDocument) -> str:
    """The 交办单 kept with the registration: how the matter came, no personal data."""
    a, m = document.assignment, document.matter
    lines = [
        f"上级转送/交办单（{document.format}）",
        f"来文单位：{document.sender.name}（{document.sender.region_code}）",
        f"来文事项编号：{m.number}",
        f"导出时间：{timezone.localtime(document.exported_at):%Y-%m-%d %H:%M}",
    ]
    if a is not None:
        lines += [
            f"方式：{RouteMode(a.mode).label}（{a.from_unit.name} → {a.to_unit.name}）",
            f"发出时间：{timezone.localtime(a.sent_at):%Y-%m-%d %H:%M}",
            f"办理期限：{a.deadline_days}日" if a.deadline_days else "办理期限：按法定期限",
            f"须报送办结报告：{'是' if a.requires_report else '否'}",
            f"转交意见：{a.instructions or '无'}",
        ]
    for k in document.clocks:
        lines.append(f"来文方时限：{k.label}，{k.started_on} 起算，{k.due_on} 届满（{k.state}）")
    return "\n".join(lines) + "\n"


def _contact_input(document: ExchangeDocument) -> ContactInput:
    first = document.contacts[0]
    unclear = first.identity_unclear
    if not document.contact_details_included and not unclear:
        raise ValidationFailed(
            "contact_details_missing",
            "该交换文件不含信访人联系方式，不能登记：请来文单位向本单位转送/交办后，指定本单位导出",
            field="contact_details_included",
        )
    facts = _facts(document)
    if len(facts) > MAX_TEXT:
        raise ValidationFailed(
            "too_long", "来文事项的信访件合计过长（事实不超过20000字），请来文单位分件交办", field="contacts"
        )
    a = document.assignment
    return ContactInput(
        channel=Channel.ASSIGNED,
        title=document.matter.title,
        request=first.request,
        facts=facts,
        reasons=first.reasons,
        region_code=document.matter.region_code,
        petitioners=_petitioners(document),
        matter_type=document.matter.matter_type,
        category=document.matter.category,
        # Received when it was sent: a 交办 deadline counts from then (Art 22).
        received_at=a.sent_at if a is not None else document.exported_at,
        identity_unclear=unclear,
        is_litigation=document.matter.is_litigation,
        is_major=document.matter.is_major,
        external_ref=document.matter.number,
        accused_unit_id=_accused(document),
    )


def exchange_import(*, document: ExchangeDocument, actor: Any, token: Any = None) -> tuple[Contact, bool]:
    """Register ``document`` at the actor's office as a contact through channel 上级交办 whose external
    reference is the sender's matter number; returns it and whether it was registered now. A document of a
    matter this office registered before is not registered again: the first contact is returned (once per
    sender's number and office)."""
    unit = getattr(actor, "unit", None)
    if unit is None:
        raise PermissionDenied("no_unit", "您的账号未关联单位，不能登记")
    number = document.matter.number
    with transaction.atomic():
        _lock(unit, number)
        first = imported_contact(unit, number)
        if first is not None:
            return first, False
        contact = contact_register(data=_contact_input(document), actor=actor, token=token)
        slip = _slip(document).encode()
        attachment_add(contact=contact, name=SLIP_NAME, stream=io.BytesIO(slip), size=len(slip), actor=actor)
    return contact, True
