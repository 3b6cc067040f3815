from __future__ import annotations

from django.db.models import QuerySet

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
