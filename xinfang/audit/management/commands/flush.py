"""Django's ``flush``, able to empty a test database past the audit log's guards.

The test framework flushes the database after every transactional test (``transactional_db``, the browser
tests' live server). The audit tables refuse that — ``DELETE`` on SQLite, and on PostgreSQL ``TRUNCATE``
(migration 0006) — as they should in production, where ``xinfang flush`` must not be a way to wipe the log.
So on a database Django's test runner created, and only there, the audit tables' triggers are lifted for the
flush and put back exactly as they were, in the same transaction; anywhere else this is Django's command and
the triggers refuse it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.core.management.commands import flush
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

# tgenabled → the ALTER TABLE clause that sets it back
_PG_STATES = {"O": "ENABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA", "D": "DISABLE"}


def is_test_database(connection: BaseDatabaseWrapper) -> bool:
    """A database the test runner made: SQLite in memory (no deployment runs on one), or a name it gives."""
    if connection.vendor == "sqlite":
        return bool(connection.is_in_memory_db())  # type: ignore[attr-defined]
    name = connection.settings_dict.get("NAME") or ""
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    return name.startswith(TEST_DATABASE_PREFIX) or (test_name is not None and name == test_name)


@contextmanager
def audit_guards_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Inside a transaction: the audit tables' triggers off, then back as they were."""
    tables = [model._meta.db_table for model in apps.get_app_config("audit").get_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
                " WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal",
                [tables],
            )
            triggers = cursor.fetchall()
            for table, name, _ in triggers:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
            yield
            for table, name, state in triggers:
                cursor.execute(f'ALTER TABLE "{table}" {_PG_STATES[state]} TRIGGER "{name}"')
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            triggers = [(name, sql) for name, sql, table in cursor.fetchall() if table in tables]
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _, sql in triggers:
                cursor.execute(sql)
        else:
            yield


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if not is_test_database(connection):
            super().handle(**options)
            return
        with transaction.atomic(using=connection.alias), audit_guards_lifted(connection):
            super().handle(**options)
