"""Matter numbers: ``<jurisdiction code>-<year>-<6-digit sequence>``, e.g. 440305-2026-000123.

The counter row is updated (and so row-locked) inside the registering transaction: concurrent registrations
queue on the lock, numbers are unique, and a rolled-back registration releases its number with the lock —
so there are no gaps except the ones a crash mid-commit could leave (none on PostgreSQL or SQLite).

Because the lock is held from the draw until the commit, every registration of a jurisdiction waits for it
in turn. A registration draws the number just before it writes the matter (``number_new_matter``): the lock
covers the registration's last three statements on PostgreSQL (the draw with the keys, the rows, the
events with the commit). Drawing it after an insert under a placeholder held the lock one statement less but
wrote every matter twice — and the second write, changing the indexed number, put a new entry into every
index of the matter table.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from xinfang.core import rows

from .models import Matter, MatterSequence

# The table name is the model's own constant, never input; values go as parameters.
_INCREMENT = (
    f"UPDATE {MatterSequence._meta.db_table} SET last = last + 1 "  # noqa: S608
    "WHERE scope = %s AND year = %s RETURNING last"
)


def _increment(scope: str, year: int) -> int | None:
    # One statement that both takes the row lock and reads the new value (PostgreSQL; SQLite ≥ 3.35).
    with connection.cursor() as cursor:
        cursor.execute(_INCREMENT, [scope, year])
        row = cursor.fetchone()
    return row[0] if row else None


# PostgreSQL: the number and the keys of the registration's new rows in one statement, one round trip. Table
# and column names are the models' own constants, never input; values go as parameters.
_DRAW_WITH_KEYS = (
    f"WITH drawn AS ({_INCREMENT}) SELECT (SELECT last FROM drawn), "  # noqa: S608
    "ARRAY(SELECT nextval(s::regclass) FROM unnest(%s::oid[]) WITH ORDINALITY AS t(s, i) ORDER BY i)"
)


def number_new_matter(matter: Matter, *, scope: str, year: int, keys_for: Iterable[Model] = ()) -> str:
    """Draw the next number of (scope, year) for ``matter`` before it is written, inside the registering
    transaction; sets and returns ``matter.number``. On PostgreSQL the primary keys of the new rows in
    ``keys_for`` (as ``rows.assign_ids``) are drawn by the same statement."""
    todo = rows.without_keys(keys_for)
    last = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_DRAW_WITH_KEYS, [scope, year, rows.sequences_of(todo)])
            last, keys = cursor.fetchone()
        rows.set_keys(todo, keys)
    if last is None:  # not PostgreSQL, or no counter row yet (the jurisdiction's first matter of the year)
        last = next_in_sequence(scope=scope, year=year)
    matter.number = f"{scope}-{year}-{last:06d}"
    return matter.number


def next_in_sequence(*, scope: str, year: int) -> int:
    """Next value of a (scope, year) counter; also used for document numbers (scope ``D<unit><kind>``)."""
    last = _increment(scope, year)
    if last is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first insert wins, we then increment
                MatterSequence.objects.create(scope=scope, year=year, last=1)
                last = 1
        except IntegrityError:
            last = _increment(scope, year)
    assert last is not None
    return last
