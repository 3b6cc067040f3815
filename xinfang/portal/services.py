"""Writes of the public portal: an online submission (one matter, its attachments and its query code in one
transaction) and the check of a number + query code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction

from xinfang.cases.models import Matter
from xinfang.core.errors import ValidationFailed
from xinfang.intake.attachments import ALLOWED, attachment_add
from xinfang.intake.models import Channel
from xinfang.intake.services import contact_register
from xinfang.intake.validation import ContactInput, PetitionerInput

from .actor import PortalActor
from .forms import MAX_ATTACHMENTS
from .models import PortalAccess
from .security import code_matches, hash_code, new_query_code, reject_markup


@dataclass
class Upload:
    name: str
    stream: IO[bytes]
    size: int


@dataclass
class Submission:
    matter: Matter
    code: str  # plain text: returned once for the success page, never stored


def portal_submit(*, fields: dict[str, Any], uploads: list[Upload], actor: PortalActor) -> Submission:
    """Register an online petition through ``contact_register`` as the portal actor, add up to three
    attachments and store the hash of a new query code. Any failure rolls everything back."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationFailed("too_many_attachments", f"附件最多{MAX_ATTACHMENTS}个", field="attachments")
    for upload in uploads:
        reject_markup(upload.name, field="attachments")
        ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if ext not in ALLOWED:
            raise ValidationFailed(
                "attachment_type",
                f"附件“{upload.name[:40]}”类型不允许（允许：PDF、JPG、PNG、DOC/DOCX、XLSX、MP3、TXT）",
                field="attachments",
            )
    for name in ("name", "id_number", "phone", "address", "title", "request", "facts", "reasons"):
        reject_markup(str(fields.get(name) or ""), field=name)
    data = ContactInput(
        channel=Channel.ONLINE,
        title=fields["title"],
        request=fields["request"],
        facts=fields["facts"],
        reasons=fields["reasons"],
        region_code=fields["region_code"],
        matter_type=fields["matter_type"],
        petitioners=[
            PetitionerInput(
                name=fields["name"],
                id_number=fields.get("id_number") or "",
                phone=fields["phone"],
                address=fields["address"],
            )
        ],
    )
    if not (fields.get("phone") or "").strip():
        raise ValidationFailed("required", "请填写联系电话", field="phone")
    code = new_query_code()
    with transaction.atomic():
        contact = contact_register(data=data, actor=actor)
        for upload in uploads:
            attachment_add(
                contact=contact, name=upload.name, stream=upload.stream, size=upload.size, actor=actor
            )
        PortalAccess.objects.create(matter=contact.matter, code_hash=hash_code(code))
    return Submission(matter=contact.matter, code=code)


def portal_find(*, number: str, code: str) -> Matter | None:
    """The matter if ``code`` is its query code; ``None`` for a wrong code and for an unknown number alike
    (the hash is computed and compared in both cases)."""
    access = PortalAccess.objects.select_related("matter").filter(matter__number=number.strip()).first()
    stored = access.code_hash if access is not None else None
    if code_matches(code, stored) and access is not None:
        return access.matter
    return None
