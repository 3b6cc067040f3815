"""Keeping the full-text index current: ``search_index_catch_up`` re-cuts the rows of the matters whose
contacts changed since its last run. Run by ``xinfang search_index --loop 10`` beside the other loops.

Why a poller, and not a hook in the registration. Registration (``intake.services.contact_register``) is the
measured hot path (≥ 300/s): it writes its rows with statements compiled once and refuses models with save
signals, and its transaction holds SQLite's single write lock. Cutting the words there with jieba (2–5 ms a
petition) would add that time to every registration, under the lock; a database trigger queueing the matter
would add a row, an index entry and a WAL page to each, on a table another app owns (and Django drops
SQLite's triggers whenever it rebuilds a table). Reading what the registration wrote anyway costs it nothing.
The price is a lag — a new contact is in the index after the next run, ``--loop`` seconds at most — which
the search hides: it also looks at the contacts above the cursor directly (``selectors._text_sql``).

What the poller reads, by primary key, each from a cursor:
* ``intake_contact`` — a new contact (a new matter, or a repeat petition attached to one);
* ``audit_event`` rows naming a matter — whatever else changes which contacts a matter holds writes one (habit
  4): 并入 moves a matter's contacts into another and its undoing moves them back (``cases.merging``).
A matter either stream names is re-cut only if its row is missing or holds another number of contacts than
the matter has now; contacts are otherwise never edited, and a matter's title is its first contact's.

On PostgreSQL ids are drawn before the transaction commits, so a row may commit after a run has moved the
cursor past its id. Each run therefore also looks ``LOOK_BACK`` ids below both cursors, with the same
staleness test (a late contact leaves its matter's row one contact short). On SQLite ids are given out
under the write lock, in commit order, and the look-back finds nothing.

Jieba works before any transaction; the write is one short transaction per run that first moves both
cursors with a conditional UPDATE from the values the run started at. Two indexers at once: the second
one's UPDATE matches no row and it writes nothing (habit 6). On SQLite the write lock is held for the upsert
of one run's rows only, never while jieba works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from xinfang.audit.models import Event
from xinfang.cases.models import Matter
from xinfang.intake.models import Contact

from .models import IndexCursor, MatterText
from .tokens import document_tokens, region_tokens

CONTACTS, EVENTS = "contacts", "events"
#: How far below each cursor a run looks for rows that committed after it passed their id. A PostgreSQL
#: registration holds its transaction for milliseconds; at 300 registrations/s 10,000 contacts are half a
#: minute, and as many events ten seconds.
LOOK_BACK = 10_000
#: New contacts per run (events: five times as many, a registration writes several). Each run's upsert holds
#: SQLite's write lock, FTS5 included: 200 rows held it for ~115 ms (p95) on the shared 2-core bench host,
#: more than a registration may wait (p95 ≤ 50 ms); 50 rows hold it for about a quarter of that.
BATCH = 50


@dataclass(frozen=True)
class IndexRun:
    contacts: int  # new contacts read above the cursor
    events: int  # new events read above the cursor
    matters: int  # rows written
    cursor: int  # the contacts cursor after the run
    written: bool  # False: another indexer moved the cursors first; this run wrote nothing
    caught_up: bool  # nothing was left above either cursor


def _cursors() -> dict[str, int]:
    found = dict(IndexCursor.objects.values_list("name", "last_id"))
    if CONTACTS not in found:
        # A new index starts from the first contact, which covers every matter; the events before now told
        # of changes that the contacts as they stand already show.
        found = {CONTACTS: 0, EVENTS: Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0}
        for name, last_id in found.items():
            IndexCursor.objects.update_or_create(name=name, defaults={"last_id": last_id})
    return found


def _next(table: str, start: int, limit: int, where: str = "") -> tuple[int, int, bool]:
    """The id up to which a run reads ``table`` from ``start`` (at most ``limit`` rows), how many rows that
    is, and whether they were the last."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Table names come from the models; the values are parameters.
        cursor.execute(
            f"SELECT id FROM {qn(table)} WHERE id > %s {where} ORDER BY id LIMIT %s",  # noqa: S608
            [start, limit + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) > limit:
        return ids[limit - 1], limit, False
    return (ids[-1] if ids else start), len(ids), True


def _stale(lo_contact: int, hi_contact: int, lo_event: int, hi_event: int) -> set[int]:
    """The matters named by a contact or event with an id in (lo, hi] whose row is missing or holds another
    number of contacts than the matter has now."""
    qn = connection.ops.quote_name
    contact, event, text = (qn(m._meta.db_table) for m in (Contact, Event, MatterText))
    # Table names come from the models; the values are parameters.
    named = (
        f"SELECT matter_id FROM {contact} WHERE id > %s AND id <= %s "  # noqa: S608
        f"UNION SELECT matter_id FROM {event} WHERE id > %s AND id <= %s AND matter_id IS NOT NULL"
    )
    sql = (
        f"SELECT n.matter_id FROM ({named}) n WHERE NOT EXISTS ("  # noqa: S608
        f"SELECT 1 FROM {text} t WHERE t.matter_id = n.matter_id "
        f"AND t.contacts = (SELECT COUNT(*) FROM {contact} c WHERE c.matter_id = n.matter_id))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lo_contact, hi_contact, lo_event, hi_event])
        return {row[0] for row in cursor.fetchall()}


def _matter_rows(matter_ids: set[int]) -> list[MatterText]:
    """Each matter's row from its title and every contact's title, 诉求 and 事实, as committed now."""
    found = Matter.objects.filter(pk__in=matter_ids).values_list(
        "pk", "title", "region_code", "first_received_at"
    )
    texts: dict[int, list[str]] = {}
    fixed: dict[int, tuple[str, Any]] = {}  # what registration fixed: the place and the first receipt
    for pk, title, region_code, received in found:
        texts[pk], fixed[pk] = [title], (region_code, received)
    counts = dict.fromkeys(texts, 0)
    contacts = (
        Contact.objects.filter(matter_id__in=texts)
        .order_by("matter_id", "ordinal")
        .values_list("matter_id", "title", "request", "facts")
    )
    for matter_id, title, request, facts in contacts:
        texts[matter_id] += [title, request, facts]
        counts[matter_id] += 1
    return [
        MatterText(
            matter_id=pk,
            tokens=matter_tokens(parts, fixed[pk][0]),
            contacts=counts[pk],
            first_received_at=fixed[pk][1],
        )
        for pk, parts in texts.items()
    ]


def matter_tokens(texts: list[str], region_code: str) -> str:
    """A matter's row: the words of its texts, then the tokens of its place (fixed at registration)."""
    return " ".join(filter(None, (document_tokens(texts), *region_tokens(region_code))))


def search_index_catch_up(*, batch: int = BATCH, look_back: bool = True) -> IndexRun:
    """Re-cut the rows of the matters that up to ``batch`` new contacts and ``5 × batch`` new events name —
    and those the look-back finds behind the cursors — and move the cursors past them. A loop catching up
    batch after batch looks back on its first run only: what the later runs pass, the first run of the
    next loop looks back on."""
    start = _cursors()
    end_contact, contacts, contacts_done = _next(Contact._meta.db_table, start[CONTACTS], batch)
    named = "AND matter_id IS NOT NULL"
    end_event, events, events_done = _next(Event._meta.db_table, start[EVENTS], 5 * batch, named)
    back = LOOK_BACK if look_back else 0
    lo_contact, lo_event = max(0, start[CONTACTS] - back), max(0, start[EVENTS] - back)
    stale = _stale(lo_contact, end_contact, lo_event, end_event)
    rows = _matter_rows(stale) if stale else []
    with transaction.atomic():
        moved = sum(
            IndexCursor.objects.filter(name=name, last_id=start[name]).update(last_id=end)
            for name, end in ((CONTACTS, end_contact), (EVENTS, end_event))
        )
        if moved < 2:
            transaction.set_rollback(True)  # the other indexer's run stands; this one's rows are no newer
            return IndexRun(contacts, events, 0, start[CONTACTS], written=False, caught_up=False)
        if rows:
            fields = ["tokens", "contacts", "first_received_at", "indexed_at"]
            MatterText.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["matter"], update_fields=fields
            )
    done = contacts_done and events_done
    return IndexRun(contacts, events, len(rows), end_contact, written=True, caught_up=done)


def search_index_rebuild() -> int:
    """Forget the index and start again from the first contact (after a change to ``tokens.py``, which would
    otherwise leave the old rows cut the old way). Runs of ``search_index_catch_up`` refill it; until they
    have, the search reads the contacts above the cursor as its tail — complete, but slow."""
    with transaction.atomic():
        IndexCursor.objects.all().delete()
        deleted, _ = MatterText.objects.all().delete()
    return deleted
