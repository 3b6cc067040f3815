"""Matter numbers: ``<jurisdiction code>-<year>-<6-digit sequence>``, e.g. 440305-2026-000123.

The counter row is updated (and so row-locked) inside the registering transaction: concurrent registrations
queue on the lock, numbers are unique, and a rolled-back registration releases its number with the lock —
so there are no gaps except the ones a crash mid-commit could leave (none on PostgreSQL or SQLite).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import MatterSequence


def next_matter_number(*, scope: str, year: int) -> str:
    counters = MatterSequence.objects.filter(scope=scope, year=year)
    if not counters.update(last=F("last") + 1):
        try:
            with transaction.atomic():  # savepoint: a concurrent first insert wins, we then increment
                MatterSequence.objects.create(scope=scope, year=year, last=1)
        except IntegrityError:
            counters.update(last=F("last") + 1)
    last = counters.values_list("last", flat=True).get()
    return f"{scope}-{year}-{last:06d}"
