from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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


# Events that a service writes as the consequences of one act, in the same transaction: they are shown folded
# under that act, not as acts of their own (a 转送 wrote "转送/交办", "发出转交", two clocks and a mail).
_CONSEQUENCES = ("clock.started", "clock.completed", "notify.queued", "assignment.sent", "document.issued")
# A consequence belongs to the act before it when the same actor wrote it within this many seconds.
_SAME_ACT_SECONDS = 5
# Acts that people repeat without anything else happening in between (saving a draft again, revealing again):
# one line with a count.
_REPEATABLE = ("opinion.drafted", "pii.reveal")


@dataclass
class Act:
    """One line of a matter's timeline: the act, what it set in motion, and how often it was repeated."""

    event: Event
    folded: list[Event] = field(default_factory=list)
    repeated: int = 1
    last_at: datetime | None = None


def matter_acts(events: Iterable[Event]) -> list[Act]:
    """The matter's events (oldest first) as acts: consequences folded under their act, the delivery of a
    queued notice folded under the act that queued it, consecutive repeats counted. Every event stays
    reachable (the audit trail itself is untouched)."""
    acts: list[Act] = []
    queued: dict[tuple[str, str], Act] = {}  # the notification → the act it is folded under
    for event in events:
        key = (event.subject_type, event.subject_id)
        if event.verb.startswith("notify.") and event.verb != "notify.queued" and key in queued:
            queued[key].folded.append(event)  # sent / failed / retry: the fate of a notice already shown
            continue
        last = acts[-1] if acts else None
        same_hand = (
            last is not None
            and last.event.actor_label == event.actor_label
            and (event.occurred_at - (last.last_at or last.event.occurred_at)).total_seconds()
            <= _SAME_ACT_SECONDS
        )
        if last is not None and same_hand and event.verb in _CONSEQUENCES:
            last.folded.append(event)
            last.last_at = event.occurred_at
            if event.verb == "notify.queued":
                queued[key] = last
            continue
        if (
            last is not None
            and event.verb in _REPEATABLE
            and last.event.verb == event.verb
            and last.event.actor_label == event.actor_label
            and not last.folded
        ):
            last.repeated += 1
            last.last_at = event.occurred_at
            continue
        act = Act(event=event, last_at=event.occurred_at)
        acts.append(act)
        if event.verb == "notify.queued":
            queued[key] = act
    return acts
