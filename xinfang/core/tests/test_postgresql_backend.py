"""The PostgreSQL backend's health check (xinfang/core/postgresql): no round trip for an idle, open
connection; a connection the server ended is found unusable and replaced, as with Django's ``SELECT 1``."""

from __future__ import annotations

import time

import pytest
from django.db import connection


@pytest.fixture
def second_connection(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    other = connection.copy()
    other.ensure_connection()
    yield other
    other.close()


def _count_cursors(wrapper, monkeypatch) -> list[str]:
    """Record every cursor opened on the raw psycopg connection (Django's check runs its SELECT on one)."""
    opened: list[str] = []
    raw = wrapper.connection
    real = raw.cursor
    monkeypatch.setattr(raw, "cursor", lambda *a, **k: opened.append("cursor") or real(*a, **k))
    return opened


def test_the_backend_in_use_is_xinfangs(second_connection):
    assert type(second_connection).__module__ == "xinfang.core.postgresql.base"


def test_an_idle_open_connection_is_usable_without_a_statement(second_connection, monkeypatch):
    asked = _count_cursors(second_connection, monkeypatch)
    assert second_connection.is_usable()
    assert asked == []


def test_a_connection_the_server_ended_is_unusable_and_replaced(second_connection):
    pid = second_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    deadline = time.monotonic() + 5
    while second_connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's goodbye arrives asynchronously
    assert not second_connection.is_usable()
    # What Django does at the start of a request: close it, and the next cursor connects afresh.
    second_connection.health_check_done = False
    second_connection.close_if_health_check_failed()
    with second_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_inside_a_transaction_is_asked_as_django_does(second_connection, monkeypatch):
    second_connection.set_autocommit(False)
    with second_connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # opens the transaction
    asked = _count_cursors(second_connection, monkeypatch)
    assert second_connection.is_usable()
    assert asked == ["cursor"]  # Django's SELECT 1 runs on a cursor of the raw connection
    second_connection.rollback()
    second_connection.set_autocommit(True)
