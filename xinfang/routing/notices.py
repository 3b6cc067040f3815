"""Tell a unit what reached it (转送/交办, objections, joint handling, 办结报告, overdue clocks) by e-mail
to its official mailbox, queued in the caller's transaction and sent after commit by ``xinfang.notify``.

A unit without a mailbox is simply not mailed: its inbox in the workspace is the authoritative channel, and
the notice is a convenience on top of it."""

from __future__ import annotations

from typing import Any

from xinfang.notify.models import Notification
from xinfang.notify.services import notify
from xinfang.org.models import Unit


def notify_unit(
    *, unit: Unit, template: str, context: dict[str, Any], matter: Any, actor: Any = None
) -> Notification | None:
    if not unit.email:
        return None
    return notify(
        channel="email",
        to=unit.email,
        template=template,
        context={"unit": unit.name, "number": matter.number, **context},
        matter_id=matter.pk,
        actor=actor,
    )
