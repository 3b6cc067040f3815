"""The auditor's exports. Taking the audit trail or the access log out of the system is itself an act on
personal data (the files name people and what was seen of them), so each export is an audit event with the
filters used and the number of rows. The other writes of this app: ``retention``, ``rights``,
``incidents``."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.db import transaction

from xinfang.audit.services import record_event

from .selectors import AuditFilters, EventRow, audit_log, event_rows, pii_access_log

CHUNK = 1000


def _rows(events: Any) -> Iterator[EventRow]:
    iterator = events.iterator(chunk_size=CHUNK)
    while chunk := list(islice(iterator, CHUNK)):
        yield from event_rows(chunk)


def log_export(*, actor: Any, filters: AuditFilters, pii: bool) -> tuple[int, Iterator[EventRow]]:
    """The rows of the audit log (``pii=False``) or of the access log, for a download; the event is written
    first, in its own transaction, and the rows are read as the file is sent."""
    events = (pii_access_log if pii else audit_log)(actor, filters)
    count = events.count()
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="privacy.pii_log_exported" if pii else "privacy.audit_exported",
            subject=actor,
            new={"rows": count, "filters": filters.as_dict()},
        )
    return count, _rows(events)
