"""Input shapes for registration and the checks of 《信访工作条例》Art 19–20, before anything is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xinfang.cases.models import MatterType
from xinfang.core.errors import ValidationFailed
from xinfang.core.pii import clean_id_number, clean_phone

from .models import Channel, PetitionerKind

MAX_REPRESENTATIVES = 5  # Art 20¶3


@dataclass
class PetitionerInput:
    name: str
    kind: str = PetitionerKind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False


@dataclass
class ContactInput:
    channel: str
    title: str
    request: str
    facts: str
    reasons: str
    region_code: str
    petitioners: list[PetitionerInput]
    matter_type: str = MatterType.PETITION
    category: str = ""
    received_at: dt.datetime | None = None
    is_oral: bool = False
    oral_record: str = ""
    identity_unclear: bool = False
    headcount: int = 1
    attach_to: str = ""  # an existing matter number: 重复信访
    accused_unit_id: int | None = None
    is_litigation: bool = False
    is_major: bool = False
    external_ref: str = ""
    errors: list[ValidationFailed] = field(default_factory=list, repr=False)


def _required(value: str, name: str, label: str) -> None:
    if not value or not value.strip():
        raise ValidationFailed("required", f"请填写{label}", field=name)


# The choices' values, read once: ``Choices.values`` builds its list anew on every access.
_CHANNELS = frozenset(Channel.values)
_MATTER_TYPES = frozenset(MatterType.values)
_PETITIONER_KINDS = frozenset(PetitionerKind.values)


def validate_contact(data: ContactInput) -> ContactInput:
    """Normalise and check ``data``; raise the first ValidationFailed. Nothing is written here."""
    if data.channel not in _CHANNELS:
        raise ValidationFailed("unknown_channel", "未知的来源渠道", field="channel")
    if data.matter_type not in _MATTER_TYPES:
        raise ValidationFailed(
            "unknown_matter_type", "事项类型应为建议意见类、检举控告类或申诉求决类", field="matter_type"
        )
    # Art 19¶1: 请求、事实、理由 are required; an oral petition is recorded faithfully on the form.
    _required(data.title, "title", "标题")
    _required(data.request, "request", "诉求（请求）")
    _required(data.facts, "facts", "事实")
    _required(data.reasons, "reasons", "理由")
    if data.is_oral and not data.oral_record.strip():
        raise ValidationFailed("oral_record_required", "口头信访须如实记录口述内容", field="oral_record")
    if len(data.title) > 200:
        raise ValidationFailed("too_long", "标题不能超过200字", field="title")
    for name in ("request", "facts", "reasons", "oral_record"):
        if len(getattr(data, name)) > 20000:
            raise ValidationFailed("too_long", "内容过长（不超过20000字），请作为附件上传", field=name)
    if not data.petitioners:
        raise ValidationFailed("petitioner_required", "请至少填写一名信访人", field="petitioners")
    for index, person in enumerate(data.petitioners):
        prefix = f"petitioners[{index}]"
        person.name = person.name.strip()
        person.address = person.address.strip()
        if person.kind not in _PETITIONER_KINDS:
            raise ValidationFailed(
                "unknown_petitioner_kind", "信访人类型应为个人或组织", field=f"{prefix}.kind"
            )
        if not data.identity_unclear:
            _required(person.name, f"{prefix}.name", "信访人姓名（名称）")
            _required(person.address, f"{prefix}.address", "信访人住址")
        person.id_number = clean_id_number(person.id_number, field=f"{prefix}.id_number")
        person.phone = clean_phone(person.phone, field=f"{prefix}.phone")
        if len(person.address) > 200:
            raise ValidationFailed("too_long", "住址不能超过200字", field=f"{prefix}.address")
    if data.headcount < 1:
        raise ValidationFailed("headcount_invalid", "来访人数至少为1", field="headcount")
    representatives = sum(1 for p in data.petitioners if p.is_representative)
    if representatives > MAX_REPRESENTATIVES:
        raise ValidationFailed(
            "too_many_representatives",
            "多人走访推选的代表不得超过5人（《信访工作条例》第二十条）",
            field="petitioners",
        )
    if (
        data.channel == Channel.VISIT
        and data.headcount >= 5
        and representatives == 0
        and len(data.petitioners) > 5
    ):
        raise ValidationFailed(
            "representatives_required", "多人走访应推选代表（不超过5人）", field="petitioners"
        )
    if data.headcount < len(data.petitioners):
        data.headcount = len(data.petitioners)
    if data.matter_type != MatterType.ACCUSATION:
        data.accused_unit_id = None
    return data
