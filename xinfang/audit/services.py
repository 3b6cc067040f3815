"""The one way to write an audit event. Callers run it inside their own ``transaction.atomic`` block so the
change and its event commit or roll back together.

A service that writes several events in one transaction (registration: matter, notification, clock) may
wrap its work in ``events_batched()``: the events are then written in one multi-row INSERT at the end of that
block, still inside the caller's transaction — one statement instead of one per event, same rows, same
atomicity.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction

from xinfang.core.actors import as_user
from xinfang.core.rows import insert_later

from .models import Event

_pending = threading.local()  # per thread: each thread has its own connection and transaction


@contextmanager
def events_batched() -> Iterator[None]:
    """Collect the events recorded inside the block and INSERT them together when it ends without an error.

    Must run inside ``transaction.atomic``: the rows are written before the caller's commit, so the change and
    its events still commit or roll back together. On an exception nothing is written (the transaction is
    rolling back anyway). Nested blocks join the outermost one. Inside the block ``record_event`` returns the
    event unsaved (no pk until the block ends); nothing on the batched paths reads events back meanwhile."""
    if getattr(_pending, "events", None) is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events_batched() needs an enclosing transaction.atomic()")
    _pending.events = []
    try:
        yield
        events: list[Event] = _pending.events
    finally:
        _pending.events = None
    if events:
        # Event.save() only refuses updates of existing rows; these are new. Inside rows.batched() they go in
        # with the block's other rows (nothing reads a batched event's key).
        insert_later(*events, save_override_is_update_guard=True)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def record_event(
    *,
    actor: Any,
    verb: str,
    subject: models.Model,
    matter_id: int | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
    is_public: bool = False,
) -> Event:
    label = ""
    unit_id = None
    user = None
    if actor is not None:
        label = getattr(actor, "display_label", None) or str(actor)
        unit_id = getattr(actor, "unit_id", None)
        # API tokens act for a unit but are not users.
        user = as_user(actor)
    event = Event(
        actor=user,
        actor_label=label[:100] or "系统",
        actor_unit_id=unit_id,
        verb=verb,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        matter_id=matter_id,
        old=_jsonable(old),
        new=_jsonable(new),
        reason=reason,
        is_public=is_public,
    )
    pending = getattr(_pending, "events", None)
    if pending is not None:
        pending.append(event)
    else:
        event.save(force_insert=True)
    return event
