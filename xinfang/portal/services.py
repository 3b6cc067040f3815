"""Writes of the public portal: an online submission (one matter, its attachments and its query code in one
transaction, once per form), the check of a number + query code, the query code of a matter registered by
staff, and a new code texted to the phone given on the petition (找回查询码)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, transaction

from xinfang.audit.services import record_event
from xinfang.cases.models import Matter
from xinfang.core import crypto
from xinfang.core.actors import as_user
from xinfang.core.errors import ValidationFailed
from xinfang.core.rows import insert_later
from xinfang.intake.attachments import ALLOWED, attachment_add
from xinfang.intake.models import Channel, ContactPetitioner
from xinfang.intake.services import contact_register
from xinfang.intake.validation import ContactInput, PetitionerInput
from xinfang.notify.services import notification_prepare, notification_queue
from xinfang.notify.templates import get_template, render_secret

from . import security
from .actor import PortalActor
from .forms import MAX_ATTACHMENTS
from .models import PortalAccess
from .security import code_matches, format_code, hash_code, new_query_code, reject_markup


@dataclass
class Upload:
    name: str
    stream: IO[bytes]
    size: int


@dataclass
class Submission:
    matter: Matter
    # The new matter's code in plain text, for the receipt only (never stored). None: the form had been
    # submitted before, and ``matter`` is what that first submission registered.
    code: str | None

    @property
    def repeated(self) -> bool:
        return self.code is None


def portal_submitted(token: str) -> Matter | None:
    """The matter registered by an earlier submission of the form that carried this one-time token."""
    if not token:
        return None
    key = security.submission_key(token)
    access = PortalAccess.objects.select_related("matter").filter(submission_key=key).first()
    return access.matter if access is not None else None


def portal_submit(
    *,
    fields: dict[str, Any],
    uploads: list[Upload],
    actor: PortalActor,
    token: str = "",
    on_registered: Callable[[Matter, str], object] | None = None,
) -> Submission:
    """Register an online petition through ``contact_register`` as the portal actor, add up to three
    attachments and store the hash of a new query code. Any failure rolls everything back.

    ``token`` is the form's one-time token: a form submitted again — a double click, a retry after an
    answer lost on the network, a POST resent after going back — registers nothing and answers with the
    first submission's matter (``Submission.repeated``). ``on_registered(matter, code)`` runs inside the
    transaction (the view puts the code on the submitter's receipt there, so that it is in place before any
    repeat of the form can see the matter)."""
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
    key = security.submission_key(token) if token else None
    try:
        with transaction.atomic():
            # On SQLite the write lock is held from here: a racing submission of the same form has committed
            # or has not begun, and the look-up is final. On PostgreSQL both may pass it; the unique
            # submission key then fails the second, below.
            first = portal_submitted(token)
            if first is not None:
                return Submission(matter=first, code=None)
            contact = contact_register(data=data, actor=actor)
            for upload in uploads:
                attachment_add(
                    contact=contact, name=upload.name, stream=upload.stream, size=upload.size, actor=actor
                )
            query_code_issue(matter=contact.matter, actor=actor, code=code, submission_key=key)
            if on_registered is not None:
                on_registered(contact.matter, code)
    except IntegrityError:
        first = portal_submitted(token)
        if first is None:  # not the same form twice: a real integrity failure
            raise
        return Submission(matter=first, code=None)
    return Submission(matter=contact.matter, code=code)


def query_code_issue(
    *, matter: Matter, actor: Any, code: str | None = None, submission_key: str | None = None
) -> str:
    """Store the hash of a query code for a matter just registered and return the code (plain, for the
    receipt only). Runs inside the registration's transaction: from the portal, or from the staff 登记 page
    through ``contact_register(also_in_transaction=…)`` — there the matter's number may still be pending
    (PostgreSQL), and the row goes in with the registration's own (``rows.insert_later``). A staff member
    who issues a code has seen it: that is recorded."""
    code = code or new_query_code()
    insert_later(PortalAccess(matter=matter, code_hash=hash_code(code), submission_key=submission_key))
    if as_user(actor) is not None:
        record_event(
            actor=actor,
            verb="portal.code_issued",
            subject=matter,
            matter_id=matter.pk,
            reason="登记时生成查询码，随登记回执交信访人",
        )
    return code


def query_code_recover(*, number: str, phone: str, actor: PortalActor) -> None:
    """找回查询码: if ``phone`` is a phone given on a contact of matter ``number``, a new query code replaces
    the old one (or is the first, for a matter registered without one) and is texted to that phone.
    Returns nothing either way: the caller's answer must not depend on it.

    The phones compared are those given on the matter's own contacts (what each contact gave, never the
    person's record: 条例第三十条), by blind index. The text with the code is sent once and never stored:
    the notification row keeps the template's text without it (notify.templates.render_secret), which a
    retry of a failed delivery sends and which tells the petitioner to ask again. So the code only reaches
    the phone when the message goes out right after the commit (XINFANG_NOTIFY_SEND_ON_COMMIT, on by
    default)."""
    given = crypto.blind_index("phone", phone)
    matter = Matter.objects.filter(number=number.strip()).first()
    tokens = ContactPetitioner.objects.filter(contact__matter_id=matter.pk if matter else 0).exclude(
        phone_enc=""
    )
    matched = ""
    for token in tokens.values_list("phone_enc", flat=True):
        plain = crypto.decrypt(token)
        if given and hmac.compare_digest(crypto.blind_index("phone", plain), given):
            matched = plain
    if matter is None or not matched:
        return
    try:
        message = notification_prepare(channel="sms", to=matched, template="query_code_reset")
    except ValidationFailed:  # a landline: no text can carry the code, so the old code stays as it is
        return
    sent_for_number = f"number:{matter.number}"
    if security.is_exhausted(security.recover_sms_limit(), sent_for_number):
        return
    code = new_query_code()
    secret = render_secret(
        get_template("query_code_reset"), {"number": matter.number, "code": format_code(code)}
    )
    with transaction.atomic():
        access = PortalAccess.objects.select_for_update().filter(matter=matter).first()
        if access is None:
            PortalAccess.objects.create(matter=matter, code_hash=hash_code(code))
        else:
            PortalAccess.objects.filter(pk=access.pk).update(code_hash=hash_code(code))
        record_event(
            actor=actor,
            verb="portal.code_reset",
            subject=matter,
            matter_id=matter.pk,
            new={"to": message.recipient_masked},
            reason="信访人在网上平台申请找回查询码，新查询码已发送到其在信访事项中留的手机",
        )
        queued = notification_queue(
            message, context={"number": matter.number}, matter_id=matter.pk, actor=actor
        )
        # The row is written with the text without the code; the send after the commit (an on-commit hook
        # holding this very object, as intake's _number_known relies on for the number) sends this one.
        queued.body = secret
    security.count(security.recover_sms_limit(), sent_for_number)


def portal_find(*, number: str, code: str) -> Matter | None:
    """The matter if ``code`` is its query code; ``None`` for a wrong code and for an unknown number alike
    (the hash is computed and compared in both cases)."""
    access = PortalAccess.objects.select_related("matter").filter(matter__number=number.strip()).first()
    stored = access.code_hash if access is not None else None
    if code_matches(code, stored) and access is not None:
        return access.matter
    return None
