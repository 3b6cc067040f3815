"""Tell the petitioners of a matter what happened (SMS), queued in the caller's transaction and sent after
commit by ``xinfang.notify``. Phones are decrypted only here, by the system, to address the message."""

from __future__ import annotations

from typing import Any

from xinfang.core import crypto
from xinfang.intake.models import Petitioner
from xinfang.notify.services import notify

from .models import Matter


def notify_petitioners(*, matter: Matter, template: str, context: dict[str, Any], actor: Any = None) -> int:
    phones = (
        Petitioner.objects.filter(contacts__contact__matter=matter)
        .exclude(phone_enc="")
        .values_list("phone_enc", flat=True)
        .distinct()
    )
    sent = 0
    for token in phones:
        phone = crypto.decrypt(token)
        if not phone.startswith("1"):  # SMS goes to mobiles only
            continue
        notify(
            channel="sms",
            to=phone,
            template=template,
            context={"number": matter.number, **context},
            matter_id=matter.pk,
            actor=actor,
        )
        sent += 1
    return sent
