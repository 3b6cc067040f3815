"""Rewriting the audit log of a SQLite deployment with raw SQL, as someone holding the database file could:
the triggers stop some of it, ``verify`` finds the rest."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from xinfang.audit.models import Event, EventSeal
from xinfang.audit.verify import audit_verify
from xinfang.testing.factories import register

from .helpers import hours_ago, seal_now, sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(world) -> list[Event]:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only (PostgreSQL: test_tamper_postgresql.py)")
    register(world)
    seal_now()
    assert audit_verify().ok
    return list(Event.objects.order_by("id"))


def test_update_and_delete_are_refused_by_the_triggers(sealed):
    for statement in (
        "UPDATE audit_event SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql(statement, [sealed[0].pk])
    for statement in ("UPDATE audit_eventseal SET link_hash = 'x'", "DELETE FROM audit_eventseal"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql(statement)
    assert audit_verify().ok


def test_insert_or_replace_passes_the_triggers_and_verify_finds_it(sealed):
    """REPLACE deletes the conflicting row and inserts the new one; with ``recursive_triggers`` off (SQLite's
    default, and this deployment's) the DELETE trigger does not fire, and there is no UPDATE to refuse."""
    victim = sealed[1]
    assert sql("PRAGMA recursive_triggers") == [(0,)]
    columns = [f.column for f in Event._meta.concrete_fields]
    sql(
        f"INSERT OR REPLACE INTO audit_event ({', '.join(columns)}) "  # noqa: S608 — the model's own column names
        f"SELECT {', '.join('%s' if c == 'reason' else c for c in columns)} FROM audit_event WHERE id = %s",
        ["事后补写的理由", victim.pk],
    )
    assert Event.objects.get(pk=victim.pk).reason == "事后补写的理由"
    assert Event.objects.count() == len(sealed)
    report = audit_verify()
    assert dict(report.counts) == {"edited": 1}
    assert report.findings[0][1].startswith(f"事件 {victim.pk}（第 2 环，{victim.verb}，")
    assert "封存后被修改或替换" in report.findings[0][1]


def test_dropped_triggers_then_update_and_delete(sealed):
    edited, deleted = sealed[0], sealed[2]
    sql("DROP TRIGGER audit_event_no_update")
    sql("DROP TRIGGER audit_event_no_delete")
    sql("UPDATE audit_event SET actor_label = '别人' WHERE id = %s", [edited.pk])
    sql("DELETE FROM audit_event WHERE id = %s", [deleted.pk])
    report = audit_verify()
    assert dict(report.counts) == {"guard": 2, "edited": 1, "deleted": 1}
    text = "\n".join(message for _, message in report.findings)
    assert "防篡改触发器 audit_event_no_update 不存在" in text
    assert f"事件 {edited.pk}（第 1 环" in text
    assert f"事件 {deleted.pk}（第 3 环）已不存在" in text


def test_a_removed_link_and_a_removed_chain_tail(sealed):
    sql("DROP TRIGGER audit_eventseal_no_delete")
    last = EventSeal.objects.order_by("seq").last()
    sql("DELETE FROM audit_eventseal WHERE seq IN (2, %s)", [last.seq])
    # as if the removal were found an hour or more later: the two events now have no link
    report = audit_verify(now=hours_ago(-2))
    assert dict(report.counts) == {"guard": 1, "links_missing": 1, "anchor": 1, "unsealed": 2}
    text = "\n".join(message for _, message in report.findings)
    assert "封存链缺少第 2 环" in text
    assert f"链头为第 {last.seq} 环，链上已没有这一环" in text
    assert f"事件 {sealed[1].pk}（" in text and f"事件 {last.event_id}（" in text


def test_an_edited_link(sealed):
    sql("DROP TRIGGER audit_eventseal_no_update")
    sql("UPDATE audit_eventseal SET prev_hash = %s WHERE seq = 3", ["1" * 64])
    sql("UPDATE audit_eventseal SET link_hash = %s WHERE seq = 2", ["2" * 64])
    report = audit_verify()
    # link 2: own hash wrong, and link 3 no longer follows it; link 3: its prev_hash is wrong, so its own too
    assert dict(report.counts) == {"guard": 1, "link_altered": 2, "chain_broken": 1}
