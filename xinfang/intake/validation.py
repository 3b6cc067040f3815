"""Input shapes for registration and the checks of 《信访工作条例》Art 19–20, before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from xinfang.cases.models import Matter, MatterType
from xinfang.core.errors import ValidationFailed
from xinfang.core.pii import clean_id_number, clean_phone

from .models import Channel, Contact, Petitioner, PetitionerKind

MAX_REPRESENTATIVES = 5  # Art 20¶3
#: Named petitioners on one contact. Art 20 has a group visit (5 or more people) recorded with its headcount
#: and at most 5 elected representatives, so the people named on a contact are a handful; a joint letter's
#: signatories stay in the dozens. Each one is sealed, looked up and locked in the registering transaction:
#: 5,000 of them in one request held a worker for 26 s, so the list is capped well above any real contact.
MAX_PETITIONERS = 50
#: 来访人数: far beyond any group visit yet well inside the column (a 32-bit integer on PostgreSQL, where a
#: larger number was a 500 at the INSERT): a bigger number is a typing error.
MAX_HEADCOUNT = 100_000
#: A time of receipt without a zone (``2026-01-05T09:30:00``) is read as Beijing time, the one official time
#: of China, in which the sending systems (12345 hotlines, other bureaus) stamp it — whatever zone the server
#: is configured to display (TIME_ZONE). It used to be compared with the aware "now" and fail with a 500.
CHINA_TIME = ZoneInfo("Asia/Shanghai")
#: An earlier receipt is taken for a typing error and refused: the matter number carries the year and the
#: statutory clocks start from it (year 1900 gave 440300-1900-000001; year 0001 east of UTC overflowed: a
#: 500).
EARLIEST_RECEIVED_AT = dt.datetime(2000, 1, 1, tzinfo=CHINA_TIME)
#: Up to what the columns hold: past it, PostgreSQL refuses the INSERT (a 500 after all the checks).
MAX_TITLE = Contact._meta.get_field("title").max_length or 200
MAX_EXTERNAL_REF = Contact._meta.get_field("external_ref").max_length or 60
MAX_CATEGORY = Matter._meta.get_field("category").max_length or 100
MAX_NAME = Petitioner._meta.get_field("name").max_length or 100
MAX_ADDRESS = 200  # stored encrypted (no column limit): a postal address, not a letter
MAX_TEXT = 20000


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


def _at_most(value: str, limit: int, name: str, label: str) -> None:
    if len(value) > limit:
        raise ValidationFailed("too_long", f"{label}不能超过{limit}字", field=name, max_length=limit)


def _received_at(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=CHINA_TIME)
    # Compared as aware datetimes, which never overflows; year 0001 with a zone east of UTC did overflow
    # when converted to local time or UTC further on (a 500).
    if value < EARLIEST_RECEIVED_AT:
        raise ValidationFailed("received_too_early", "收到时间不能早于2000年1月1日", field="received_at")
    return value


# The choices' values, read once: ``Choices.values`` builds its list anew on every access.
_CHANNELS = frozenset(Channel.values)
_MATTER_TYPES = frozenset(MatterType.values)
_PETITIONER_KINDS = frozenset(PetitionerKind.values)


class _Errors:
    """Every problem of a form at once (a registrar fixed the 登记 form in four submits, one error each): each
    independent check runs under ``check()``, and ``raise_all()`` raises the first with all of them listed in
    ``details["errors"]`` (code, message, field) — the staff form marks every field, the API lists them."""

    def __init__(self) -> None:
        self.found: list[ValidationFailed] = []

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except ValidationFailed as exc:
            self.found.append(exc)

    def raise_all(self) -> None:
        if not self.found:
            return
        first = self.found[0]
        if len(self.found) == 1:
            raise first
        raise ValidationFailed(
            first.code,
            f"{first.message}（共{len(self.found)}处需要修改）",
            field=first.field,
            errors=[e.as_dict() for e in self.found],
        )


def validate_contact(data: ContactInput) -> ContactInput:
    """Normalise and check ``data``; raise a ValidationFailed naming every problem (the first in ``code`` and
    ``field``, all of them in ``details["errors"]``). Nothing is written here."""
    errors = _Errors()
    with errors.check():
        if data.channel not in _CHANNELS:
            raise ValidationFailed("unknown_channel", "未知的来源渠道", field="channel")
    with errors.check():
        if data.matter_type not in _MATTER_TYPES:
            raise ValidationFailed(
                "unknown_matter_type", "事项类型应为建议意见类、检举控告类或申诉求决类", field="matter_type"
            )
    # Art 19¶1: 请求、事实、理由 are required; an oral petition is recorded faithfully on the form.
    for value, name, label in (
        (data.title, "title", "标题"),
        (data.request, "request", "诉求（请求）"),
        (data.facts, "facts", "事实"),
        (data.reasons, "reasons", "理由"),
    ):
        with errors.check():
            _required(value, name, label)
    with errors.check():
        if data.is_oral and not data.oral_record.strip():
            raise ValidationFailed("oral_record_required", "口头信访须如实记录口述内容", field="oral_record")
    with errors.check():
        _at_most(data.title, MAX_TITLE, "title", "标题")
    for name in ("request", "facts", "reasons", "oral_record"):
        with errors.check():
            if len(getattr(data, name)) > MAX_TEXT:
                raise ValidationFailed("too_long", "内容过长（不超过20000字），请作为附件上传", field=name)
    with errors.check():
        _at_most(data.category, MAX_CATEGORY, "category", "内容分类")
    with errors.check():
        _at_most(data.external_ref, MAX_EXTERNAL_REF, "external_ref", "来源系统编号")
    with errors.check():
        data.received_at = _received_at(data.received_at)
    if not data.petitioners:
        errors.found.append(
            ValidationFailed("petitioner_required", "请至少填写一名信访人", field="petitioners")
        )
    # Before any of them is cleaned (the ID-number checksum, the phone format): a refused list costs nothing.
    if len(data.petitioners) > MAX_PETITIONERS:
        errors.found.append(
            ValidationFailed(
                "too_many_petitioners",
                f"一件信访件最多登记{MAX_PETITIONERS}名信访人；多人走访请登记推选的代表（不超过5人）并填写来访人数"
                "（《信访工作条例》第二十条）",
                field="petitioners",
                max_count=MAX_PETITIONERS,
            )
        )
        errors.raise_all()
    for index, person in enumerate(data.petitioners):
        prefix = f"petitioners[{index}]"
        person.name = person.name.strip()
        person.address = person.address.strip()
        with errors.check():
            if person.kind not in _PETITIONER_KINDS:
                raise ValidationFailed(
                    "unknown_petitioner_kind", "信访人类型应为个人或组织", field=f"{prefix}.kind"
                )
        if not data.identity_unclear:
            with errors.check():
                _required(person.name, f"{prefix}.name", "信访人姓名（名称）")
            with errors.check():
                _required(person.address, f"{prefix}.address", "信访人住址")
        with errors.check():
            _at_most(person.name, MAX_NAME, f"{prefix}.name", "信访人姓名（名称）")
        with errors.check():
            _at_most(person.address, MAX_ADDRESS, f"{prefix}.address", "住址")
        with errors.check():
            person.id_number = clean_id_number(person.id_number, field=f"{prefix}.id_number")
        with errors.check():
            person.phone = clean_phone(person.phone, field=f"{prefix}.phone")
    with errors.check():
        if data.headcount < 1:
            raise ValidationFailed("headcount_invalid", "来访人数至少为1", field="headcount")
        if data.headcount > MAX_HEADCOUNT:
            raise ValidationFailed(
                "headcount_invalid",
                f"来访人数不能超过{MAX_HEADCOUNT}",
                field="headcount",
                max_value=MAX_HEADCOUNT,
            )
    representatives = sum(1 for p in data.petitioners if p.is_representative)
    with errors.check():
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
    errors.raise_all()
    if data.headcount < len(data.petitioners):
        data.headcount = len(data.petitioners)
    if data.matter_type != MatterType.ACCUSATION:
        data.accused_unit_id = None
    return data
