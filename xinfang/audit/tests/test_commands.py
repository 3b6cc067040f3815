"""``xinfang audit seal|verify|head``, the sweeper's seal run, and ``flush`` past the audit guards."""

from __future__ import annotations

import types

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from xinfang.audit.management.commands.flush import audit_guards_lifted, is_test_database
from xinfang.audit.models import Event, EventSeal, SealAnchor
from xinfang.audit.verify import SHOWN_PER_KIND, audit_verify

from .helpers import checks_done, hours_ago, insert_event_raw, seal_now, sql

pytestmark = pytest.mark.django_db


def test_seal_head_and_verify(capsys):
    first = insert_event_raw(occurred_at=hours_ago(0.5))
    call_command("audit", "head")
    assert "审计链为空" in capsys.readouterr().out
    call_command("audit", "seal")
    assert capsys.readouterr().out.startswith("封存审计事件 1 条，链头第 1 环 ")
    seal = EventSeal.objects.get(event_id=first)
    call_command("audit", "head")
    out = capsys.readouterr().out
    assert f"审计链头：第 1 环（事件 {first}），封存于 " in out
    assert f"xinfang audit verify --anchor 1:{seal.link_hash}" in out
    call_command("audit", "verify", "--anchor", f"1:{seal.link_hash.upper()}")
    assert capsys.readouterr().out == f"审计日志核验通过：1 环，链头第 1 环 {seal.link_hash}\n"


def test_verify_prints_each_finding_and_exits_non_zero(capsys):
    insert_event_raw(occurred_at=hours_ago(0.5))
    seal_now()
    forged = insert_event_raw(occurred_at=hours_ago(5))
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", "--anchor", "1:" + "a" * 64)
    assert failed.value.returncode == 1
    assert str(failed.value) == "审计日志核验未通过：锚点不符 1 处、未封存事件 1 处"
    out = capsys.readouterr().out
    assert "外部锚点的第 1 环哈希为 aaaa" in out
    assert f"事件 {forged}（forged.entry，发生于 " in out and "超过 1 小时仍未封存" in out
    with pytest.raises(CommandError, match="未封存事件 1 处"):
        call_command("audit", "verify", "--unsealed-after", "18000")  # 5 h: reported
    call_command("audit", "verify", "--unsealed-after", "19000")  # not yet


def test_verify_lists_a_bounded_number_of_findings_of_one_kind(capsys):
    for _ in range(SHOWN_PER_KIND + 3):
        insert_event_raw(occurred_at=hours_ago(2))
    with pytest.raises(CommandError, match=f"未封存事件 {SHOWN_PER_KIND + 3} 处"):
        call_command("audit", "verify")
    out = capsys.readouterr().out.splitlines()
    assert sum("仍未封存" in line for line in out) == SHOWN_PER_KIND
    assert "……另有 3 处同类问题（未封存事件）" in out


def test_a_malformed_anchor_is_refused():
    with pytest.raises(CommandError, match="锚点应为 环序号:64位十六进制哈希"):
        call_command("audit", "verify", "--anchor", "12:abc")


def test_seal_all_takes_what_the_window_leaves(capsys):
    insert_event_raw(occurred_at=hours_ago(0.5))
    seal_now()
    insert_event_raw(occurred_at=hours_ago(6))
    call_command("audit", "seal")
    assert capsys.readouterr().out.startswith("封存审计事件 0 条")
    call_command("audit", "seal", "--all")
    assert capsys.readouterr().out.startswith("封存审计事件 1 条，链头第 2 环")


def test_the_sweeper_seals(capsys):
    earlier = insert_event_raw(occurred_at=hours_ago(0.1))
    insert_event_raw(occurred_at=hours_ago(0))  # within the grace: perhaps not committed yet
    call_command("sweep")
    assert "封存审计事件 1 条" in capsys.readouterr().out
    assert list(EventSeal.objects.values_list("event_id", flat=True)) == [earlier]


def test_the_test_database_is_told_apart():
    def wrapper(vendor: str, name: str, test_name: str | None = None, memory: bool = False):
        return types.SimpleNamespace(
            vendor=vendor,
            settings_dict={"NAME": name, "TEST": {"NAME": test_name}},
            is_in_memory_db=lambda: memory,
        )

    assert is_test_database(connection)
    assert is_test_database(wrapper("postgresql", "test_xinfang"))
    assert is_test_database(wrapper("postgresql", "audit_ci", test_name="audit_ci"))
    assert not is_test_database(wrapper("postgresql", "xinfang"))
    assert not is_test_database(wrapper("postgresql", "test"))  # .ci's own database, not one made by a runner
    assert not is_test_database(wrapper("sqlite", "/srv/xinfang/var/xinfang.sqlite3"))


def test_lifted_guards_come_back_exactly_as_they_were():
    checks_done()
    with audit_guards_lifted(connection):
        assert audit_verify().counts["guard"] == 6
    assert audit_verify().ok
    if connection.vendor == "postgresql":
        sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")  # a state other than ALWAYS
        with audit_guards_lifted(connection):
            pass
        assert sql("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_event_no_change'") == [("O",)]


@pytest.mark.django_db(transaction=True)
def test_flush_empties_a_test_database_and_puts_the_guards_back():
    """What the test framework does after each transactional test: committed events, links and anchors do
    not stop it, and the triggers refuse a DELETE again afterwards."""
    insert_event_raw(occurred_at=hours_ago(1))
    seal_now()
    call_command("flush", verbosity=0, interactive=False)
    assert not Event.objects.exists() and not EventSeal.objects.exists() and not SealAnchor.objects.exists()
    insert_event_raw(occurred_at=hours_ago(0))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("DELETE FROM audit_event")
    assert audit_verify().ok
