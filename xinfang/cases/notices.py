"""Tell the petitioners of a matter what happened (SMS), queued in the caller's transaction and sent after
commit by ``xinfang.notify``. Phones are decrypted only here, by the system, to address the message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xinfang.core import crypto
from xinfang.intake.models import ContactPetitioner
from xinfang.notify.models import Notification
from xinfang.notify.services import notification_prepare, notification_queue

from .models import Matter


def notify_petitioners(*, matter: Matter, template: str, context: dict[str, Any], actor: Any = None) -> int:
    """Text every mobile number given on ``matter``'s contacts; returns how many messages were queued.

    The numbers given on this matter, not the person's record: whoever registered a contact naming a known ID
    number gave these, and news of the person's other matters never reaches them (条例第三十条)."""
    tokens = (
        ContactPetitioner.objects.filter(contact__matter=matter)
        .exclude(phone_enc="")
        .values_list("phone_enc", flat=True)
    )
    return notify_phones(
        matter=matter,
        phones=(crypto.decrypt(t) for t in tokens),
        template=template,
        context=context,
        actor=actor,
    )


def notify_phones(
    *, matter: Matter, phones: Iterable[str], template: str, context: dict[str, Any], actor: Any = None
) -> int:
    """Text these numbers about ``matter`` — for a caller that already holds its petitioners' phones (a
    registration has them in hand, so it needs no query and no decryption). One message per number."""
    prepared = sms_prepare(phones=phones, template=template)
    return sms_queue(matter=matter, prepared=prepared, context=context, actor=actor)


def sms_prepare(*, phones: Iterable[str], template: str) -> list[Notification]:
    """One unsaved SMS per distinct mobile number (landlines cannot receive one), recipients encrypted — no
    database, so a registration does it before its write lock."""
    seen: set[str] = set()
    out = []
    for phone in phones:
        if not phone.startswith("1") or phone in seen:  # SMS goes to mobiles only, once per number
            continue
        out.append(notification_prepare(channel="sms", to=phone, template=template))
        seen.add(phone)
    return out


def sms_queue(
    *, matter: Matter, prepared: list[Notification], context: dict[str, Any], actor: Any = None
) -> int:
    """Fill and write messages from ``sms_prepare`` about ``matter`` in the caller's transaction."""
    for notification in prepared:
        notification_queue(
            notification, context={"number": matter.number, **context}, matter_id=matter.pk, actor=actor
        )
    return len(prepared)
