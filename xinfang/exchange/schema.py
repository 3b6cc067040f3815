"""The exchange format for 转送/交办 between levels: ``xinfang-exchange/1``.

One JSON document describes one matter as the sending level holds it — what was asked (each contact's
request, facts and reasons, Art 19), who asked, where it is (region, category, type), how it was sent
(mode, deadline, instructions) and its statutory clocks. ``GET /matters/{number}/export`` writes it,
``POST /exchange/import`` registers it at the receiving level; both are in the OpenAPI document, so these
models are the published schema.

Versioned by ``format``: a reader refuses a format it does not know. A later version adds fields (readers of
version 1 ignore what they do not know, pydantic's default) or, for a change of meaning, takes a new format
string.

**Personal data.** Each petitioner always carries the masked identifiers (as lists show them). The clear
ID number, phone and address — what the receiving organ needs to contact the petitioner and handle the
matter (Art 22–23: it must tell them it accepted) — are in the document only when the bureau that sent the
matter exports it *to* the unit it was sent to (``?to=<unit id>``, an assignment of that bureau to that unit):
``contact_details_included`` is then true and every disclosure is an audited ``pii.reveal`` event in the
personal-data access log (个人信息保护法第二十三条: provision to another processor, for the purpose of
handling the petition). Any other export — to read, to archive — is masked."""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from pydantic import BaseModel, Field

from xinfang.cases.models import MatterType
from xinfang.intake.models import Channel, PetitionerKind
from xinfang.intake.validation import MAX_ADDRESS, MAX_NAME, MAX_TEXT
from xinfang.routing.models import RouteMode

FORMAT: Final = "xinfang-exchange/1"
#: Far above a real matter's contacts, and what one request may make the receiving side register at once.
MAX_CONTACTS = 100


class ExchangeUnit(BaseModel):
    name: str = Field(..., max_length=100, description="单位名称")
    region_code: str = Field(..., max_length=12, description="单位所在区划代码（GB/T 2260）")


class ExchangePetitioner(BaseModel):
    name: str = Field(..., max_length=MAX_NAME, description="姓名（名称）")
    kind: PetitionerKind = PetitionerKind.PERSON
    is_representative: bool = False
    id_number_masked: str = Field(default="", max_length=24)
    phone_masked: str = Field(default="", max_length=20)
    address_masked: str = Field(default="", max_length=40)
    id_number: str | None = Field(
        default=None, max_length=30, description="证件号码，仅在 contact_details_included 时提供"
    )
    phone: str | None = Field(
        default=None, max_length=30, description="联系电话，仅在 contact_details_included 时提供"
    )
    address: str | None = Field(
        default=None, max_length=MAX_ADDRESS, description="住址，仅在 contact_details_included 时提供"
    )


class ExchangeContact(BaseModel):
    ordinal: int = Field(..., ge=1, le=10_000, description="第几件信访件")
    channel: Channel
    received_at: dt.datetime
    title: str = Field(..., max_length=200)
    request: str = Field(..., max_length=MAX_TEXT, description="诉求（请求）")
    facts: str = Field(..., max_length=MAX_TEXT, description="事实")
    reasons: str = Field(..., max_length=MAX_TEXT, description="理由")
    is_oral: bool = False
    oral_record: str = Field(default="", max_length=MAX_TEXT)
    identity_unclear: bool = Field(default=False, description="姓名（名称）、住址不清")
    headcount: int = Field(default=1, ge=1, le=100_000)
    external_ref: str = Field(default="", max_length=60, description="来源系统编号（如12345工单号）")
    petitioners: list[ExchangePetitioner] = Field(default_factory=list, max_length=50)


class ExchangeMatter(BaseModel):
    number: str = Field(..., max_length=32, description="发出方事项编号")
    matter_type: MatterType
    category: str = Field(default="", max_length=100)
    region_code: str = Field(..., max_length=12, description="问题属地区划代码（GB/T 2260）")
    title: str = Field(..., max_length=200)
    is_litigation: bool = False
    is_major: bool = False
    status: str = Field(default="", max_length=20, description="发出方的事项状态")
    first_received_at: dt.datetime
    accused_unit: ExchangeUnit | None = Field(
        default=None, description="检举控告类：被检举控告单位（接收方据此回避，《信访工作条例》第三十条）"
    )


class ExchangeAssignment(BaseModel):
    mode: RouteMode = Field(..., description="transfer 转送 / assign 交办")
    from_unit: ExchangeUnit
    to_unit: ExchangeUnit
    sent_at: dt.datetime = Field(..., description="转送/交办时间")
    deadline_days: int | None = Field(default=None, ge=1, le=365, description="交办办理期限（日）")
    requires_report: bool = Field(default=False, description="须报送办结报告")
    instructions: str = Field(default="", max_length=MAX_TEXT, description="转交意见")


class ExchangeClock(BaseModel):
    kind: str = Field(..., max_length=20)
    label: str = Field(..., max_length=40)
    started_on: dt.date
    due_on: dt.date
    state: str = Field(..., max_length=10)


class ExchangeDocument(BaseModel):
    """信访事项交换文件（xinfang-exchange/1）。"""

    format: Literal["xinfang-exchange/1"] = Field(..., description="格式及版本")
    exported_at: dt.datetime
    sender: ExchangeUnit = Field(..., description="导出单位")
    contact_details_included: bool = Field(
        default=False, description="是否含信访人证件号码、电话、住址（仅向转送/交办的接收单位导出时）"
    )
    matter: ExchangeMatter
    contacts: list[ExchangeContact] = Field(..., min_length=1, max_length=MAX_CONTACTS)
    assignment: ExchangeAssignment | None = Field(
        default=None, description="转送/交办（指定接收单位时为该次）"
    )
    clocks: list[ExchangeClock] = Field(default_factory=list, max_length=100)
