"""Matter numbers: ``<jurisdiction code>-<year>-<6-digit sequence>``, e.g. 440305-2026-000123.

The counter row is updated (and so row-locked) inside the registering transaction: concurrent registrations
queue on the lock, numbers are unique, and a rolled-back registration releases its number with the lock —
so there are no gaps except the ones a crash mid-commit could leave (none on PostgreSQL or SQLite).

Because the lock is held from the draw until the commit, every registration of a jurisdiction waits for it
in turn: a registration inserts its matter under a placeholder number and draws the real one as late as
it can (``number_matter``), so the lock covers only the statements that need the number.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, connection, transaction

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


# PostgreSQL: draw and write the number in one statement, i.e. one round trip under the lock. Table and
# column names are the models' own constants, never input; values go as parameters.
_DRAW_INTO_MATTER = (
    f"WITH drawn AS ({_INCREMENT}) "  # noqa: S608
    f"UPDATE {Matter._meta.db_table} SET number = %s || lpad(drawn.last::text, 6, '0') "
    "FROM drawn WHERE id = %s RETURNING number"
)
_SET_NUMBER = f"UPDATE {Matter._meta.db_table} SET number = %s WHERE id = %s"  # noqa: S608


def placeholder_number() -> str:
    """A unique stand-in for a matter inserted before its number is drawn; never committed (the same
    transaction replaces it through ``number_matter``). ``~`` sorts after every real number."""
    return f"~{uuid.uuid4().hex}"[:32]


def number_matter(matter: Matter, *, scope: str, year: int) -> str:
    """Draw the next number of (scope, year) and write it onto ``matter``, already inserted in this
    transaction under a ``placeholder_number()``; returns it and sets ``matter.number``."""
    prefix = f"{scope}-{year}-"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_DRAW_INTO_MATTER, [scope, year, prefix, matter.pk])
            row = cursor.fetchone()
        if row is not None:
            matter.number = row[0]
            return matter.number
        # No counter row yet (the jurisdiction's first matter of the year): the general path creates it.
    number = f"{prefix}{next_in_sequence(scope=scope, year=year):06d}"
    with connection.cursor() as cursor:
        cursor.execute(_SET_NUMBER, [number, matter.pk])
    matter.number = number
    return number


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
