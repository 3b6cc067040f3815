"""POST /contacts registers a 信访件; ``Idempotency-Key`` makes retries safe."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.db import DatabaseError, IntegrityError
from ninja import Field, Router, Schema, Status
from pydantic import BaseModel

from xinfang.accounts.models import ApiToken
from xinfang.cases.models import MatterType
from xinfang.core.errors import Conflict, ServiceError, ValidationFailed
from xinfang.core.http import ApiRequest
from xinfang.core.rows import insert_later
from xinfang.smart.services import record_decisions

from . import selectors
from .models import Channel, IdempotencyRecord
from .services import contact_register
from .validation import (
    MAX_ADDRESS,
    MAX_CATEGORY,
    MAX_EXTERNAL_REF,
    MAX_HEADCOUNT,
    MAX_NAME,
    MAX_PETITIONERS,
    MAX_TITLE,
    ContactInput,
    PetitionerInput,
)

router = Router(tags=["登记"])
log = logging.getLogger(__name__)
#: Request fields about the suggestion shown, not about the petition (not passed to the registration).
SUGGESTION_FIELDS = ("suggestion_id", "duplicate_rejected")


def _documented_max(limit: int) -> dict:
    """``maxLength`` in the OpenAPI document only: validation.py enforces it, with a message naming the field
    in Chinese (the same as the staff form's), instead of the schema's general "malformed"."""
    return {"maxLength": limit}


# Request bodies are plain pydantic models: ninja's Schema wraps every input in a DjangoGetter so that ORM
# objects validate too, which a JSON body never is — about a tenth of a registration's Python time.
class PetitionerIn(BaseModel):
    name: str = Field("", description="姓名（名称）", json_schema_extra=_documented_max(MAX_NAME))
    kind: str = "person"
    id_number: str = Field("", max_length=30, description="身份证号码（18位，校验位检查）")
    phone: str = Field("", max_length=30)
    address: str = Field("", json_schema_extra=_documented_max(MAX_ADDRESS))
    is_representative: bool = False


class ContactIn(BaseModel):
    channel: Channel
    title: str = Field(..., json_schema_extra=_documented_max(MAX_TITLE))
    request: str = Field(..., description="诉求（请求）")
    facts: str
    reasons: str
    region_code: str = Field(..., description="问题属地区划代码（GB/T 2260）")
    petitioners: list[PetitionerIn] = Field(
        ..., description=f"信访人，至多{MAX_PETITIONERS}名（多人走访登记代表并填写 headcount）"
    )
    matter_type: MatterType = MatterType.PETITION
    category: str = Field("", json_schema_extra=_documented_max(MAX_CATEGORY))
    received_at: dt.datetime | None = Field(
        None, description="收到时间（ISO 8601）；不带时区的按北京时间（Asia/Shanghai）理解；缺省为登记时"
    )
    is_oral: bool = False
    oral_record: str = ""
    identity_unclear: bool = False
    headcount: int = Field(1, description=f"来访人数（1–{MAX_HEADCOUNT}）")
    attach_to: str = Field("", description="并入已有事项编号（重复信访）")
    accused_unit_id: int | None = None
    is_litigation: bool = False
    external_ref: str = Field(
        "", description="来源系统编号，如12345工单号", json_schema_extra=_documented_max(MAX_EXTERNAL_REF)
    )
    suggestion_id: int | None = Field(
        None, description="登记前取得的智能建议编号（POST /suggestions），用于留存采纳情况"
    )
    duplicate_rejected: list[str] = Field(
        [], description="登记员否定的判重候选事项编号（“不是同一事项”），用于调整判重阈值"
    )


class ContactOut(Schema):
    matter_number: str
    contact_id: int
    ordinal: int
    status: str
    is_repeat: bool


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    details: dict | None = None


def _to_input(data: dict) -> ContactInput:
    people = [PetitionerInput(**p) for p in data["petitioners"]]
    return ContactInput(**{**data, "petitioners": people})


def _out(contact) -> ContactOut:
    return ContactOut(
        matter_number=contact.matter.number,
        contact_id=contact.pk,
        ordinal=contact.ordinal,
        status=contact.matter.status,
        is_repeat=contact.is_repeat,
    )


def _register(request: ApiRequest, data: dict, also_in_transaction=None):
    """Register; returns the contact (the caller answers with ``_out`` of it)."""
    token = request.auth if isinstance(request.auth, ApiToken) else None
    fields = {k: v for k, v in data.items() if k not in SUGGESTION_FIELDS}
    contact = contact_register(
        data=_to_input(fields), actor=request.auth, token=token, also_in_transaction=also_in_transaction
    )
    if data.get("suggestion_id"):
        # After the registration committed: a failure here loses a statistic, never the petition.
        try:
            record_decisions(
                suggestion_id=data["suggestion_id"],
                contact=contact,
                actor=request.auth,
                rejected=data.get("duplicate_rejected") or (),
            )
        except DatabaseError:
            log.exception("suggestion decisions not recorded for contact %s", contact.pk)
    return contact


@router.post(
    "/contacts",
    response={201: ContactOut, 200: ContactOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="登记信访件",
)
def register_contact(request: ApiRequest, payload: ContactIn):
    key = request.headers.get("Idempotency-Key", "").strip()
    data = payload.model_dump()
    if not key:
        return Status(201, _out(_register(request, data)))
    if len(key) > 100:
        raise ValidationFailed(
            "idempotency_key_invalid", "Idempotency-Key 不能超过100个字符", field="Idempotency-Key"
        )
    if "\x00" in key:  # stored in a text column: PostgreSQL refuses NUL (a 500)
        raise ValidationFailed(
            "idempotency_key_invalid", "Idempotency-Key 不能含有空字符", field="Idempotency-Key"
        )
    # The key belongs to who sent it: a system by its token, a staff member calling with the session by the
    # user (keys of different callers never meet). The token path, the hot one, is as it was: no look-up.
    token = request.auth if isinstance(request.auth, ApiToken) else None
    owner: dict[str, Any] = {"token": token} if token is not None else {"user_id": request.auth.pk}
    body_hash = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def replay(record: IdempotencyRecord):
        if record.body_hash != body_hash:
            raise Conflict(
                "idempotency_key_reused", "该 Idempotency-Key 已用于内容不同的请求", field="Idempotency-Key"
            )
        return Status(200, record.response)

    def earlier() -> IdempotencyRecord | None:
        return IdempotencyRecord.objects.filter(**owner, key=key).first()

    def write_record(contact) -> None:
        # Inside the registration's transaction: the petition and its record commit together or not at all.
        # On PostgreSQL the matter number is still numbering.PENDING here: the statement that writes this
        # record draws it and writes it in (intake.services._CARRY_NUMBER).
        response = _out(contact).model_dump()
        # With the registration's last rows (rows.batched): a used key fails that INSERT's unique constraint.
        insert_later(
            IdempotencyRecord(**owner, key=key, body_hash=body_hash, status_code=201, response=response)
        )

    # Optimistic: no look-up first. A new key (nearly every request) costs one INSERT; a used key makes that
    # INSERT fail on the (token, key) or (user, key) unique constraint, the registration rolls back with it,
    # and the first result is replayed — whether the first request committed long ago or a moment ago on
    # another worker.
    try:
        contact = _register(request, data, also_in_transaction=write_record)
    except IntegrityError:
        first = earlier()
        if first is None:  # not a retry: a real integrity failure, surface it
            raise
        return replay(first)
    except ServiceError:
        # A retry is answered from its key even when registering it again would now be refused (e.g. the
        # matter it attached to has moved on, or a changed body is also invalid): the key decides first.
        first = earlier()
        if first is None:
            raise
        return replay(first)
    return Status(201, _out(contact))  # as recorded; the number is known once committed


class HistoryOut(Schema):
    matter_number: str
    title: str
    status: str
    status_label: str
    received_at: dt.datetime
    matched_by: list[str]


@router.get("/petitioners/history", response=list[HistoryOut], summary="信访人既往事项（按证件号/电话/姓名）")
def petitioner_history(request: ApiRequest, id_number: str = "", phone: str = "", name: str = ""):
    return selectors.petitioner_history(request.auth, id_number=id_number, phone=phone, name=name)
