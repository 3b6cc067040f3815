"""The one way to write an audit event. Callers run it inside their own ``transaction.atomic`` block so the
change and its event commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.db import models

from xinfang.core.actors import as_user

from .models import Event


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
    return Event.objects.create(
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
