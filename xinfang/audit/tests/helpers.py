"""Raw SQL on the audit tables, as someone bypassing the application would write it."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from xinfang.audit.chain import SealRun, audit_seal

_INSERT = (
    "INSERT INTO audit_event (occurred_at, actor_label, actor_unit_id, verb, subject_type, subject_id, "
    "matter_id, old, new, reason, is_public, actor_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def seal_now() -> SealRun:
    """Seal everything written so far: no grace, the test's events are committed or in its transaction."""
    return audit_seal(grace=dt.timedelta(0))


def sql(statement: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def checks_done() -> None:
    """PostgreSQL refuses ALTER TABLE on a table with foreign-key checks still deferred in the transaction
    (the events' actor): run them now, as the commit would."""
    if connection.vendor == "postgresql":
        sql("SET CONSTRAINTS ALL IMMEDIATE")


def insert_event_raw(*, occurred_at: dt.datetime, verb: str = "forged.entry", reason: str = "") -> int:
    """An event INSERTed past the application, dated as the writer likes; its id."""
    at = connection.ops.adapt_datetimefield_value(occurred_at)
    values = [at, "伪造", None, verb, "cases.matter", "1", None, None, None, reason, False, None]
    sql(_INSERT, values)
    return sql("SELECT max(id) FROM audit_event")[0][0]


def hours_ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)
