"""Tell the petitioners of a matter what happened (SMS), queued in the caller's transaction and sent after
commit by ``xinfang.notify``. Phones are decrypted only here, by the system, to address the message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xinfang.core import crypto
from xinfang.intake.models import Petitioner
from xinfang.notify.services import notify

from .models import Matter


def notify_petitioners(*, matter: Matter, template: str, context: dict[str, Any], actor: Any = None) -> int:
    """Text every petitioner of ``matter`` who gave a mobile number; returns how many messages were queued."""
    tokens = (
        Petitioner.objects.filter(contacts__contact__matter=matter)
        .exclude(phone_enc="")
        .values_list("phone_enc", flat=True)
        .distinct()
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
    sent: set[str] = set()
    for phone in phones:
        if not phone.startswith("1") or phone in sent:  # SMS goes to mobiles only, once per number
            continue
        notify(
            channel="sms",
            to=phone,
            template=template,
            context={"number": matter.number, **context},
            matter_id=matter.pk,
            actor=actor,
        )
        sent.add(phone)
    return len(sent)
