"""Rewriting the audit log of a PostgreSQL deployment with raw SQL, as its superuser or table owner could
(the test database's user is both): the triggers stop what they can, ``verify`` finds the rest; and the
two-role deployment of docs/deployment.md leaves the application's role none of it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from xinfang.audit.models import Event, EventSeal
from xinfang.audit.verify import audit_verify
from xinfang.testing.factories import register

from .helpers import checks_done, seal_now, sql

pytestmark = pytest.mark.postgres

DEPLOYMENT = Path(__file__).resolve().parents[3] / "docs" / "deployment.md"


@pytest.fixture
def sealed(world) -> list[Event]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite: test_tamper_sqlite.py)")
    register(world)
    seal_now()
    assert audit_verify().ok
    checks_done()
    return list(Event.objects.order_by("id"))


def _not_allowed(statement: str, params: list | None = None) -> None:
    """Refused for want of a privilege — not by a trigger, which the owner could lift."""
    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic():
        sql(statement, params)


def _messages(report) -> str:
    return "\n".join(message for _, message in report.findings)


def test_truncate_is_refused_on_every_audit_table_also_in_replica_mode(sealed):
    for table in ("audit_event", "audit_eventseal", "audit_sealanchor"):
        with pytest.raises(DatabaseError, match=f"{table} is append-only"), transaction.atomic():
            sql(f"TRUNCATE {table}")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql("SET LOCAL session_replication_role = replica")
            sql(f"TRUNCATE {table}")
    assert audit_verify().ok


def test_replica_mode_skips_no_trigger_and_when_one_is_made_skippable_verify_finds_both(sealed):
    victim = sealed[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")
        sql("UPDATE audit_event SET reason = '改' WHERE id = %s", [victim.pk])
    sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")  # the default: skipped by replicas
    sql("SET LOCAL session_replication_role = replica")
    sql("UPDATE audit_event SET reason = '改' WHERE id = %s", [victim.pk])
    sql("SET LOCAL session_replication_role = origin")
    report = audit_verify()
    assert dict(report.counts) == {"guard": 1, "edited": 1}
    assert "audit_event_no_change（audit_event）未设为 ENABLE ALWAYS" in _messages(report)
    assert f"事件 {victim.pk}（第 1 环" in _messages(report)


def test_a_disabled_trigger_then_update_and_delete(sealed):
    edited, deleted = sealed[1], sealed[2]
    sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
    sql('UPDATE audit_event SET new = \'{"status": "closed"}\'::jsonb WHERE id = %s', [edited.pk])
    sql("DELETE FROM audit_event WHERE id = %s", [deleted.pk])
    report = audit_verify()
    assert dict(report.counts) == {"guard": 1, "edited": 1, "deleted": 1}
    text = _messages(report)
    assert "audit_event_no_change（audit_event）已被停用" in text
    assert f"事件 {edited.pk}（第 2 环" in text and f"事件 {deleted.pk}（第 3 环）已不存在" in text


def test_a_dropped_trigger_then_update(sealed):
    sql("DROP TRIGGER audit_event_no_change ON audit_event")
    sql("UPDATE audit_event SET actor_label = '别人' WHERE id = %s", [sealed[0].pk])
    report = audit_verify()
    assert dict(report.counts) == {"guard": 1, "edited": 1}
    assert "audit_event_no_change（audit_event）不存在" in _messages(report)


def test_truncate_with_its_guard_disabled(sealed):
    sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate")
    sql("TRUNCATE audit_event")
    report = audit_verify()
    assert dict(report.counts) == {"guard": 1, "deleted": len(sealed)}


def test_a_removed_and_an_edited_seal_link(sealed):
    sql("ALTER TABLE audit_eventseal DISABLE TRIGGER audit_eventseal_no_change")
    sql("DELETE FROM audit_eventseal WHERE seq = 2")
    sql("UPDATE audit_eventseal SET content_hash = %s WHERE seq = 3", ["3" * 64])
    report = audit_verify()
    assert dict(report.counts) == {"guard": 1, "links_missing": 1, "link_altered": 1, "edited": 1}
    assert "封存链缺少第 2 环" in _messages(report)


def _deployment_sql(marker: str) -> str:
    """The SQL block of docs/deployment.md that starts with ``marker``: the test runs what the page says."""
    for block in re.findall(r"```sql\n(.*?)```", DEPLOYMENT.read_text(), flags=re.S):
        if block.startswith(marker):
            return block
    raise AssertionError(f"docs/deployment.md has no ```sql block starting {marker!r}")


def test_the_documented_application_role_can_register_and_seal_but_not_rewrite(sealed, world):
    """The two-role deployment of docs/deployment.md. The tables here exist already, so the default
    privileges the page sets before the first migration are granted directly; then the page's own block for
    after each migration, and the application's work under that role. Roles are cluster-wide: created in the
    test's transaction, they go with its rollback."""
    app = f"xinfang_app_test_{os.getpid()}"
    sql(f"CREATE ROLE {app} NOLOGIN")
    sql(f"GRANT USAGE ON SCHEMA public TO {app}")
    sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}")
    sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
    block = _deployment_sql("-- as xinfang_owner, after every `xinfang migrate`")
    sql(block.replace("xinfang_app", app))
    check = _deployment_sql("SELECT table_name, string_agg(privilege_type")
    assert sorted(sql(check.replace("xinfang_app", app))) == [
        ("audit_event", "INSERT, SELECT"),
        ("audit_eventseal", "INSERT, SELECT"),
        ("audit_sealanchor", "INSERT, SELECT"),
    ]

    sql(f"SET LOCAL ROLE {app}")
    assert sql("SELECT current_user") == [(app,)]
    register(world)  # the registration's batched events, as the application's role
    assert seal_now().sealed > 0  # the sweeper's seal run, as the same role
    event = Event.objects.order_by("id").first()
    for statement in (
        "UPDATE audit_event SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
        "TRUNCATE audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
        "DROP TRIGGER audit_event_no_change ON audit_event",
        "UPDATE audit_eventseal SET link_hash = 'x' WHERE seq = %s",
        "DELETE FROM audit_sealanchor WHERE id = %s",
        "SET session_replication_role = replica",
    ):
        _not_allowed(statement, [event.pk] if "%s" in statement else None)
    sql("RESET ROLE")
    checks_done()
    assert audit_verify().ok
    assert EventSeal.objects.count() == Event.objects.count()
