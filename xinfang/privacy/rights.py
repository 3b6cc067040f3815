"""A person's rights over their data, handled by a registrar at the bureau's window: 查阅、复制
(个人信息保护法第四十五条) — everything held about them, as one file — and 更正 (第四十六条) of their
record's name, phone or address. Both need a reason (how the person's identity and request were checked)
and leave one audit event.

The registrar sees what their unit may see: the matters in its sight
(``cases.selectors.visible_matters``, which keeps 检举控告 from the accused unit, 条例第三十条) and the
person's record through them. A person with no matter in sight is "not found", as elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.services import record_event
from xinfang.cases.models import Matter
from xinfang.cases.selectors import can_see_identity, visible_matters
from xinfang.core import crypto
from xinfang.core.errors import Conflict, NotFound, ValidationFailed
from xinfang.core.pii import clean_id_number, clean_phone, mask_address, mask_name, mask_phone
from xinfang.intake.models import PII_FIELDS, ContactPetitioner, Petitioner
from xinfang.intake.petitioners import petitioner_sealed
from xinfang.intake.validation import MAX_ADDRESS, MAX_NAME, PetitionerInput
from xinfang.notify.models import Audience, Notification

from .retention import ANONYMISED
from .separation import require_role

RIGHTS_ROLES = ("registrar",)
_FORBIDDEN = "只有登记员可以办理个人信息查阅、复制和更正"
_NOT_FOUND = "未找到该信访人，或您无权查看"


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "reason_required",
            "请写明申请人身份的核验方式和申请事由（如本人持身份证当面申请）",
            field="reason",
        )
    return reason


@dataclass
class InSight:
    person: Petitioner
    merged: list[Petitioner]  # records merged into ``person``: the same person's data
    matters: list[Matter]  # the matters in the actor's sight the person is a party to, oldest first


def petitioner_in_sight(*, petitioner_id: int, actor: Any, for_update: bool = False) -> InSight:
    """The record and the matters through which ``actor`` may see it; NotFound otherwise — the same answer
    for a record that does not exist, one out of sight and one merged into another."""
    require_role(actor, *RIGHTS_ROLES, message=_FORBIDDEN)
    people = Petitioner.objects.filter(pk=petitioner_id, merged_into__isnull=True)
    if for_update:
        people = people.select_for_update()
    person = people.first()
    if person is None:
        raise NotFound("petitioner_not_found", _NOT_FOUND)
    merged = list(Petitioner.objects.filter(merged_into=person).order_by("pk"))
    ids = [person.pk, *(m.pk for m in merged)]
    on = ContactPetitioner.objects.filter(petitioner_id__in=ids).values("contact__matter_id")
    matters = [
        m
        for m in visible_matters(actor)
        .filter(pk__in=on)
        .select_related("handling_unit", "registering_unit")
        .order_by("created_at", "id")
        if can_see_identity(actor, m)
    ]
    if not matters:
        raise NotFound("petitioner_not_found", _NOT_FOUND)
    return InSight(person, merged, matters)


def petitioners_find(*, actor: Any, id_number: str = "", phone: str = "") -> list[tuple[Petitioner, int]]:
    """Records found by ID number or phone (blind index, exact) with how many of their matters the actor
    sees; masked values only. Records merged into another lead to that one."""
    require_role(actor, *RIGHTS_ROLES, message=_FORBIDDEN)
    id_number = clean_id_number(id_number) if id_number else ""
    phone = clean_phone(phone) if phone else ""
    if not id_number and not phone:
        raise ValidationFailed("lookup_empty", "请输入证件号码或联系电话", field="id_number")
    hits = Petitioner.objects.none()
    if id_number:
        hits |= Petitioner.objects.filter(id_number_hash=crypto.blind_index("id_number", id_number))
    if phone:
        hits |= Petitioner.objects.filter(phone_hash=crypto.blind_index("phone", phone))
    ids = {merged_into or pk for pk, merged_into in hits.values_list("pk", "merged_into_id")[:50]}
    visible = visible_matters(actor).values("pk")
    counted: dict[int, set[int]] = {}
    parties = ContactPetitioner.objects.filter(
        petitioner_id__in=ids
        | set(Petitioner.objects.filter(merged_into__in=ids).values_list("pk", flat=True)),
        contact__matter__in=visible,
    ).values_list("petitioner_id", "petitioner__merged_into_id", "contact__matter_id")
    for pk, merged_into, matter_id in parties:
        counted.setdefault(merged_into or pk, set()).add(matter_id)
    people = Petitioner.objects.filter(pk__in=list(counted)).order_by("pk")
    return [(p, len(counted[p.pk])) for p in people]


def _decrypted(row: Petitioner | ContactPetitioner) -> dict[str, str]:
    return {label: crypto.decrypt(getattr(row, f"{name}_enc")) for name, label in PII_FIELDS.items()}


def _record(person: Petitioner) -> dict[str, Any]:
    return {
        "编号": person.pk,
        "类型": person.get_kind_display(),
        "姓名（名称）": person.name,
        **_decrypted(person),
        "建档时间": _when(person.created_at),
    }


def _phones(rows: list[Petitioner] | list[ContactPetitioner]) -> set[str]:
    return {crypto.decrypt(r.phone_enc) for r in rows if r.phone_enc}


def petitioner_export(*, petitioner_id: int, actor: Any, reason: str) -> dict[str, Any]:
    """Everything held about the person that the actor's unit holds: the record (decrypted), records merged
    into it, each contact they are a party to with what it gave for them, the matters with dates and status,
    and the messages sent to them (recipient masked). One ``privacy.exported`` event with the counts."""
    reason = _reason(reason)
    sight = petitioner_in_sight(petitioner_id=petitioner_id, actor=actor)
    person, merged, matters = sight.person, sight.merged, sight.matters
    by_id = {m.pk: m for m in matters}
    parties = list(
        ContactPetitioner.objects.filter(
            petitioner_id__in=[person.pk, *(m.pk for m in merged)], contact__matter_id__in=list(by_id)
        )
        .select_related("contact")
        .order_by("contact__received_at", "pk")
    )
    phones = _phones([person, *merged]) | _phones(parties)
    # SMS go to the phones given on a matter (cases.notices.notify_petitioners): a message of one of the
    # person's matters is theirs when it went to one of their numbers.
    messages = [
        n
        for n in Notification.objects.filter(
            matter_id__in=list(by_id), audience=Audience.PETITIONER
        ).order_by("created_at", "pk")
        if n.recipient_encrypted and crypto.decrypt(n.recipient_encrypted) in phones
    ]
    unit = getattr(actor, "unit", None)
    data: dict[str, Any] = {
        "说明": (
            "依据《中华人民共和国个人信息保护法》第四十五条，本文件列出"
            f"{getattr(unit, 'name', '本单位')}处理的您的个人信息：信访人档案、您参与的信访件及其所留信息、"
            "相关信访事项的办理情况和向您发送的通知。"
        ),
        "生成时间": _when(timezone.now()),
        "经办人": getattr(actor, "display_label", str(actor)),
        "信访人档案": _record(person),
        "合并的重复档案": [_record(m) for m in merged],
        "信访件": [
            {
                "事项编号": by_id[p.contact.matter_id].number,
                "信访件序号": p.contact.ordinal,
                "来源渠道": p.contact.get_channel_display(),
                "收到时间": _when(p.contact.received_at),
                "登记时间": _when(p.contact.registered_at),
                "标题": p.contact.title,
                "诉求": p.contact.request,
                "事实": p.contact.facts,
                "理由": p.contact.reasons,
                "代表": "是" if p.is_representative else "否",
                "本件所留信息": _decrypted(p),
            }
            for p in parties
        ],
        "信访事项": [
            {
                "事项编号": m.number,
                "标题": m.title,
                "事项类型": m.get_matter_type_display(),
                "内容分类": m.category,
                "状态": m.get_status_display(),
                "登记单位": m.registering_unit.name,
                "承办单位": m.handling_unit.name if m.handling_unit else "",
                "登记时间": _when(m.created_at),
                "受理时间": _when(m.accepted_at),
                "办结时间": _when(m.closed_at),
            }
            for m in matters
        ],
        "通知": [
            {
                "事项编号": by_id[n.matter_id].number if n.matter_id in by_id else "",
                "渠道": n.get_channel_display(),
                "接收人": n.recipient_masked,
                "内容": n.body,
                "状态": n.get_state_display(),
                "生成时间": _when(n.created_at),
                "发送时间": _when(n.sent_at),
            }
            for n in messages
        ],
    }
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="privacy.exported",
            subject=person,
            new={"contacts": len(parties), "matters": len(matters), "notifications": len(messages)},
            reason=reason,
        )
    return data


def export_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """``petitioner_export``'s result flattened for a spreadsheet: (部分, 序号, 项目, 内容) rows."""
    rows: list[tuple[str, str, str, str]] = []
    for section, value in data.items():
        if isinstance(value, str):
            rows.append((section, "", "", value))
        elif isinstance(value, dict):
            rows.extend((section, "", k, str(v)) for k, v in value.items())
        else:
            for n, item in enumerate(value, start=1):
                for k, v in item.items():
                    if isinstance(v, dict):
                        rows.extend((section, str(n), f"{k}·{kk}", str(vv)) for kk, vv in v.items())
                    else:
                        rows.append((section, str(n), k, str(v)))
    return rows


def petitioner_correct(
    *,
    petitioner_id: int,
    actor: Any,
    reason: str,
    name: str = "",
    phone: str = "",
    address: str = "",
) -> Petitioner:
    """Correct the record's name, phone or address as the person asks (a blank field stays as it is). The
    new values are sealed as a registration seals them (``intake.petitioners.petitioner_sealed``); what the
    contacts gave stays as they gave it. The event holds the old and new values masked."""
    reason = _reason(reason)
    name, address = (name or "").strip(), (address or "").strip()
    phone = clean_phone(phone) if phone else ""
    if len(name) > MAX_NAME:
        raise ValidationFailed("name_too_long", f"姓名（名称）不能超过 {MAX_NAME} 个字", field="name")
    if len(address) > MAX_ADDRESS:
        raise ValidationFailed("address_too_long", f"住址不能超过 {MAX_ADDRESS} 个字", field="address")
    with transaction.atomic():
        person = petitioner_in_sight(petitioner_id=petitioner_id, actor=actor, for_update=True).person
        if person.phone_masked == ANONYMISED:
            raise Conflict("anonymised", "该信访人的个人信息已按保存期限匿名化，不能更正")
        sealed = petitioner_sealed(
            PetitionerInput(name=name or person.name, kind=person.kind, phone=phone, address=address)
        )
        old: dict[str, str] = {}
        new: dict[str, str] = {}
        changed: list[str] = []
        if name and name != person.name:
            old["name"], new["name"] = mask_name(person.name), mask_name(name)
            person.name = name
            changed.append("name")
        if phone and sealed.phone_hash != person.phone_hash:
            old["phone"], new["phone"] = person.phone_masked, mask_phone(phone)
            person.phone_enc, person.phone_hash, person.phone_masked = (
                sealed.phone_enc,
                sealed.phone_hash,
                sealed.phone_masked,
            )
            changed += ["phone_enc", "phone_hash", "phone_masked"]
        if address and address != crypto.decrypt(person.address_enc):
            old["address"], new["address"] = person.address_masked, mask_address(address)
            person.address_enc, person.address_masked = sealed.address_enc, sealed.address_masked
            changed += ["address_enc", "address_masked"]
        if not changed:
            raise ValidationFailed(
                "nothing_to_correct", "填写的信息与档案一致，没有需要更正的内容", field="name"
            )
        person.save(update_fields=changed)
        record_event(actor=actor, verb="privacy.corrected", subject=person, old=old, new=new, reason=reason)
    return person
