"""Matter numbers: ``<jurisdiction code>-<year>-<6-digit sequence>``, e.g. 440305-2026-000123.

The counter row is updated (and so row-locked) inside the registering transaction: concurrent registrations
queue on the lock, numbers are unique, and a rolled-back registration releases its number with the lock —
so there are no gaps except the ones a crash mid-commit could leave (none on PostgreSQL or SQLite).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from .models import MatterSequence

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


def next_matter_number(*, scope: str, year: int) -> str:
    return f"{scope}-{year}-{next_in_sequence(scope=scope, year=year):06d}"


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
