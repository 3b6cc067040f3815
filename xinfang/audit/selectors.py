from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from .models import Event


def matter_timeline(matter_id: int, *, public_only: bool = False) -> QuerySet[Event]:
    events = Event.objects.filter(matter_id=matter_id).order_by("occurred_at", "id")
    if public_only:
        events = events.filter(is_public=True)
    return events


def pii_reveals(*, petitioner_id: int | None = None) -> QuerySet[Event]:
    events = Event.objects.filter(verb="pii.reveal").order_by("-occurred_at")
    if petitioner_id is not None:
        events = events.filter(subject_type="intake.petitioner", subject_id=str(petitioner_id))
    return events


def audit_trail(
    events: QuerySet[Event] | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str = "",
    verbs: Iterable[str] = (),
    matter_number: str = "",
) -> QuerySet[Event]:
    """``events`` (all events by default) newest first, narrowed to ``[since, until)``, an actor (user name,
    or part of the name frozen on the event — a renamed or deleted user is still found), the given verbs and
    one matter (by number)."""
    from xinfang.cases.models import Matter  # cases depends on audit, not the reverse

    events = Event.objects.all() if events is None else events
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if actor:
        events = events.filter(Q(actor__username=actor) | Q(actor_label__icontains=actor))
    verbs = list(verbs)
    if verbs:
        events = events.filter(verb__in=verbs)
    if matter_number:
        events = events.filter(matter_id__in=Matter.objects.filter(number=matter_number).values("pk"))
    return events.order_by("-occurred_at", "-id")
