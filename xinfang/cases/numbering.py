"""Matter numbers: ``<jurisdiction code>-<year>-<6-digit sequence>``, e.g. 440305-2026-000123.

The counter row is updated (and so row-locked) inside the registering transaction: concurrent registrations
queue on the lock, numbers are unique, and a rolled-back registration releases its number with the lock —
so there are no gaps except the ones a crash mid-commit could leave (none on PostgreSQL or SQLite).

Because the lock is held from the draw until the commit, every registration of a jurisdiction waits for it
in turn. On SQLite the number is drawn just before the matter is written (``number_new_matter``), under the
database's write lock anyway. On PostgreSQL a registration in its own transaction has the number drawn by
the very statement that writes its rows (``number_drawn_with_batch``), sent with the COMMIT in one round
trip (``core.transactions.committed_in_pipeline``): the counter row is locked for that round trip only, not
also for the one before it and the Python in between, over which concurrent registrations had queued on it
(sampling ``pg_stat_activity`` under bench/intake.py found one waiting half as often since). Until the
statement runs the matter's number is ``PENDING``; the statement writes the real one wherever ``PENDING``
stands — the matter, its events, its SMS and the API's idempotency record — and the caller learns it after
the commit. (Drawing it after an insert
under a placeholder and updating the matter would have written every matter twice, with a new entry in
every index of the matter table.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Model

from xinfang.core import rows
from xinfang.core.writepath import fast_writes

from .models import Matter, MatterSequence

# The table name is the model's own constant, never input; values go as parameters. One statement whether or
# not the counter row exists yet (the jurisdiction's first matter of the year): it inserts the row or, on the
# (scope, year) unique constraint, increments it — taking the row lock either way (PostgreSQL; SQLite ≥ 3.35
# under its write lock). No savepoint and no error to recover from, which a pipelined transaction
# (core/transactions.py) could not recover from in place. (PostgreSQL spends a value of the counter table's
# own id sequence on every draw; the matter numbers are the ``last`` column, unaffected.)
_SEQUENCE = MatterSequence._meta.db_table
_INCREMENT = (
    f"INSERT INTO {_SEQUENCE} (scope, year, last) VALUES (%s, %s, 1) "  # noqa: S608
    f"ON CONFLICT (scope, year) DO UPDATE SET last = {_SEQUENCE}.last + 1 RETURNING last"
)


# PostgreSQL: the number and the keys of the registration's new rows in one statement, one round trip. Table
# and column names are the models' own constants, never input; values go as parameters.
_DRAW_WITH_KEYS = (
    f"WITH drawn AS ({_INCREMENT}) SELECT (SELECT last FROM drawn), "  # noqa: S608
    "ARRAY(SELECT nextval(s::regclass) FROM unnest(%s::oid[]) WITH ORDINALITY AS t(s, i) ORDER BY i)"
)


#: What a matter's number reads until its registration's statement draws it (``number_drawn_with_batch``).
PENDING = "XF-MATTER-NUMBER-PENDING"

# The drawn counter, formatted as number_new_matter formats it (six digits at least, more when needed).
_DRAW_FORMATTED = (
    f"{_INCREMENT.removesuffix(' RETURNING last')} RETURNING "
    "scope || '-' || year || '-' || lpad(last::text, greatest(6, length(last::text)), '0') AS value"
)


def number_drawn_with_batch(
    matter: Matter, *, scope: str, year: int, carried_by: Iterable[tuple[type[Model], str]] = ()
) -> rows.DrawnWithBatch:
    """PostgreSQL, inside ``rows.batched()``: the next number of (scope, year) is drawn by the statement that
    writes the block's rows, and written wherever ``PENDING`` stands in ``matter.number`` and in the columns
    ``carried_by`` ((model, attname)). ``matter.number`` is ``PENDING`` until the caller sets it from
    ``value()`` after the commit. A rolled-back registration gives its number back, as with
    ``number_new_matter``."""
    drawn = rows.DrawnWithBatch(
        sql=_DRAW_FORMATTED,
        params=[scope, year],
        marker=PENDING,
        columns=frozenset({(Matter, "number"), *carried_by}),
    )
    rows.draw_with_batch(drawn)
    matter.number = PENDING
    return drawn


def number_new_matter(matter: Matter, *, scope: str, year: int, keys_for: Iterable[Model] = ()) -> str:
    """Draw the next number of (scope, year) for ``matter`` before it is written, inside the registering
    transaction; sets and returns ``matter.number``. On PostgreSQL's fast write path the primary keys of the
    new rows in ``keys_for`` (as ``rows.assign_ids``) are drawn by the same statement."""
    todo = rows.without_keys(keys_for)
    if connection.vendor == "postgresql" and fast_writes():
        with connection.cursor() as cursor:
            cursor.execute(_DRAW_WITH_KEYS, [scope, year, rows.sequences_of(todo)])
            last, keys = cursor.fetchone()
        rows.set_keys(todo, keys)
    else:
        last = next_in_sequence(scope=scope, year=year)
    matter.number = f"{scope}-{year}-{last:06d}"
    return matter.number


def next_in_sequence(*, scope: str, year: int) -> int:
    """Next value of a (scope, year) counter; also used for document numbers (scope ``D<unit><kind>``)."""
    with connection.cursor() as cursor:
        cursor.execute(_INCREMENT, [scope, year])
        (last,) = cursor.fetchone()
    return last
