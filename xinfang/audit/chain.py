"""The audit hash chain: what makes a rewritten audit log show.

The append-only triggers (migrations 0002, 0006) stop the application and honest mistakes, not someone who
holds the database: on SQLite ``INSERT OR REPLACE`` passes them (REPLACE deletes the old row without firing
DELETE triggers unless ``recursive_triggers`` is on), and anyone with the file can drop them; on PostgreSQL
the table owner or a superuser can ``DISABLE`` or ``DROP`` them, and ``session_replication_role = replica``
skips triggers not enabled ALWAYS. The chain cannot stop that; it makes it visible afterwards
(``verify.audit_verify``, ``xinfang audit verify``).

**The links.** Each sealed event has one ``EventSeal``:

    content_hash = sha256(canonical JSON of the event's columns)                       ``content_hash``
    link_hash    = sha256(bytes(prev_hash) + bytes(content_hash))                      ``link_hash``

``prev_hash`` is the previous link's ``link_hash`` (64 zeros before the first link); hashes are lowercase hex
and ``bytes()`` is the 32 bytes a hex string stands for. The canonical JSON is the object of ``EVENT_FIELDS``
(``occurred_at`` as UTC ISO 8601 with microseconds, ``…+00:00``; ``old``/``new`` as stored) with sorted keys,
no whitespace, non-ASCII characters as themselves, UTF-8. So an auditor can recompute any link with any
sha256 tool, and a link covers its event's id, time, actor, change and reason: changing any column changes
the content hash, removing a link breaks ``prev_hash``, and the head names everything before it.

**Built after the fact.** Registrations write their events in batched multi-row INSERTs inside their one
statement, with no lock shared between them (``services.events_batched``, ``core/rows.py``): chaining them
there would serialise every registration on the chain head. Instead ``audit_seal`` (run by ``xinfang sweep``
and ``xinfang audit seal``) takes the events not yet sealed, in id order, and appends their links, under a
lock only sealers take (a PostgreSQL advisory lock; on SQLite the write lock of its IMMEDIATE transaction).

**Late events.** PostgreSQL hands out event ids from a sequence and transactions commit in any order, so an
event with a smaller id can become visible after larger ones were sealed. The sealer therefore leaves the
last ``SEAL_GRACE`` alone (transactions still in flight), and each run looks for unsealed events from
``SEAL_LOOKBACK`` before the point the previous run swept to: an event that committed late is sealed by a
later run, in a later link that names it — the chain is over seal order, not event order. An event older
than that window and still unsealed was written behind the sealer's back (or the sealer does not run):
``verify`` reports it; ``xinfang audit seal --all`` seals it after someone has looked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Event, EventSeal, SealAnchor

GENESIS = "0" * 64
# Every column of an event, in the order read; the canonical JSON sorts them anyway.
EVENT_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_unit_id",
    "verb",
    "subject_type",
    "subject_id",
    "matter_id",
    "old",
    "new",
    "reason",
    "is_public",
)
# An event's time is set just before its INSERT, and every transaction that writes events commits within
# milliseconds to seconds of it: a minute leaves room for the slowest without delaying the chain much.
SEAL_GRACE = dt.timedelta(seconds=60)
# How far before the previous run's sweep point a run looks again for events that committed late. The cost
# is an index range scan of that span each run; what falls outside it waits for ``seal --all``.
SEAL_LOOKBACK = dt.timedelta(minutes=15)
# Links written per transaction: on SQLite the sealer holds the write lock meanwhile, which registrations
# wait for, so a long catch-up goes in short transactions — 200 links took 15 ms (SQLite) and 19 ms
# (PostgreSQL, where nothing else waits for it) on the development machine, about 10 000 events a second.
SEAL_BATCH = 200
_PAGE = 500  # event ids looked at per query while looking for unsealed ones (SQLite: < 999 parameters)
# pg_advisory_xact_lock(int, int): the two-key space never meets the one-key locks of
# intake.petitioners.lock_new_people. 0x61756474 is "audt".
_SEAL_LOCK = (0x61756474, 1)


def canonical_content(row: dict[str, Any]) -> bytes:
    """The bytes an event's content hash is taken of: ``row`` holds ``EVENT_FIELDS`` as the ORM reads them."""
    doc = dict(row)
    occurred: dt.datetime = doc["occurred_at"]
    doc["occurred_at"] = occurred.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_content(row)).hexdigest()


def link_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + bytes.fromhex(content)).hexdigest()


def event_rows(events: Any) -> Iterable[dict[str, Any]]:
    """Events of a queryset as dicts of ``EVENT_FIELDS``, read through the fields' own converters (JSON
    decoded, times aware) exactly as the sealer and ``verify`` both see them."""
    for values in events.values_list(*EVENT_FIELDS):
        yield dict(zip(EVENT_FIELDS, values, strict=True))


def unsealed_events() -> Any:
    return Event.objects.filter(~Exists(EventSeal.objects.filter(event_id=OuterRef("pk"))))


@dataclass(frozen=True)
class Head:
    seq: int
    link_hash: str
    event_id: int
    sealed_at: dt.datetime


@dataclass(frozen=True)
class SealRun:
    sealed: int
    head: Head | None


def chain_head() -> Head | None:
    """The last link: printed by ``xinfang audit head`` to be kept outside the database."""
    seal = EventSeal.objects.order_by("-seq").first()
    if seal is None:
        return None
    return Head(seq=seal.seq, link_hash=seal.link_hash, event_id=seal.event_id, sealed_at=seal.sealed_at)


def _take_sealer_lock() -> None:
    """Sealers one at a time: two would both append after the same head (the second then fails on the seq
    key). Registrations never take this lock. On SQLite the IMMEDIATE transaction already holds the write
    lock, which every writer shares."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(_SEAL_LOCK))


def audit_seal(
    *, now: dt.datetime | None = None, grace: dt.timedelta = SEAL_GRACE, everything: bool = False
) -> SealRun:
    """Append a link for every committed event older than ``grace`` that has none, in id order, and record
    the new head in a ``SealAnchor`` per transaction. Without ``everything`` only events from
    ``SEAL_LOOKBACK`` before the previous run's sweep point are looked at (an index range, not the whole
    table); ``everything`` looks at the whole table (the first run does anyway)."""
    cutoff = (now or timezone.now()) - grace
    # Read without the lock: a run that ends meanwhile only moves the sweep point on, making ours wider.
    base = (
        None if everything else SealAnchor.objects.order_by("-id").values_list("swept_to", flat=True).first()
    )
    since = None if base is None else base - SEAL_LOOKBACK
    sealed = 0
    after_id = 0  # within a run: every unsealed event in the window up to this id has been sealed
    while True:
        ids, after_id, last = _unsealed_ids(cutoff=cutoff, since=since, after_id=after_id)
        if ids:
            # An intermediate batch keeps the previous sweep point: if the run stops after it, the next
            # one starts from where this one did, not from a cutoff it never reached.
            sealed += _append(ids, swept_to=cutoff if last else base)
        if last:
            return SealRun(sealed=sealed, head=chain_head())


def _unsealed_ids(
    *, cutoff: dt.datetime, since: dt.datetime | None, after_id: int
) -> tuple[list[int], int, bool]:
    """Up to ``SEAL_BATCH`` ids of unsealed events in the window after ``after_id``, in id order; the id to
    continue after; whether they are the last. Reads only, outside the sealer's transaction, so SQLite's
    write lock is not held for the search. Two index look-ups per page rather than one ``NOT EXISTS``:
    PostgreSQL plans that as a hash join over the whole seal table once the table is large, every batch."""
    found: list[int] = []
    while True:
        page = Event.objects.filter(occurred_at__lte=cutoff, pk__gt=after_id)
        if since is not None:
            page = page.filter(occurred_at__gt=since)
        ids = list(page.order_by("pk").values_list("pk", flat=True)[:_PAGE])
        sealed = set(EventSeal.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
        found += [pk for pk in ids if pk not in sealed]
        # One more than a batch tells whether this batch is the last, so that the last batch (not an empty
        # transaction after it) records the sweep point.
        if len(found) > SEAL_BATCH:
            return found[:SEAL_BATCH], found[SEAL_BATCH - 1], False
        if len(ids) < _PAGE:
            return found, after_id if not ids else ids[-1], True
        after_id = ids[-1]


def _append(ids: list[int], *, swept_to: dt.datetime | None) -> int:
    with transaction.atomic():
        _take_sealer_lock()
        # Looked up outside the lock: another sealer may have taken some since.
        taken = set(EventSeal.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
        rows = list(
            event_rows(Event.objects.filter(pk__in=[pk for pk in ids if pk not in taken]).order_by("pk"))
        )
        if not rows:
            return 0
        seq, prev = EventSeal.objects.order_by("-seq").values_list("seq", "link_hash").first() or (0, GENESIS)
        at = timezone.now()
        seals = []
        for row in rows:
            seq += 1
            content = content_hash(row)
            link = link_hash(prev, content)
            seal = EventSeal(
                seq=seq, event_id=row["id"], content_hash=content, prev_hash=prev, link_hash=link
            )
            seal.sealed_at = at
            seals.append(seal)
            prev = link
        EventSeal.objects.bulk_create(seals)
        SealAnchor.objects.create(seq=seq, link_hash=prev, sealed=len(seals), swept_to=swept_to)
        return len(seals)
