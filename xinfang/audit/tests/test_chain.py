"""The seal chain (audit/chain.py) and its verification (audit/verify.py), on either database: links as
documented, late and forged events, anchors. The attacks that need raw DDL are in test_tamper_*.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.utils import timezone

from xinfang.audit.chain import GENESIS, SEAL_GRACE, SEAL_LOOKBACK, audit_seal, chain_head
from xinfang.audit.management.commands.flush import audit_guards_lifted
from xinfang.audit.models import AppendOnlyError, Event, EventSeal, SealAnchor
from xinfang.audit.verify import audit_verify
from xinfang.testing.factories import register

from .helpers import checks_done, hours_ago, insert_event_raw, seal_now, sql

pytestmark = pytest.mark.django_db


def _kinds(report) -> dict[str, int]:
    return dict(report.counts)


def test_every_event_gets_one_link_in_id_order_as_documented(world):
    register(world)
    run = seal_now()
    events = list(Event.objects.order_by("id"))
    seals = list(EventSeal.objects.order_by("seq"))
    assert run.sealed == len(events) == len(seals) > 3
    assert [s.seq for s in seals] == list(range(1, len(events) + 1))
    assert [s.event_id for s in seals] == [e.pk for e in events]
    # Recomputed here from the model, by the formula in chain.py's docstring — not through its functions.
    prev = GENESIS
    for event, seal in zip(events, seals, strict=True):
        doc = {
            "id": event.pk,
            "occurred_at": event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "actor_unit_id": event.actor_unit_id,
            "verb": event.verb,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "matter_id": event.matter_id,
            "old": event.old,
            "new": event.new,
            "reason": event.reason,
            "is_public": event.is_public,
        }
        canonical = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        content = hashlib.sha256(canonical.encode()).hexdigest()
        assert (seal.content_hash, seal.prev_hash) == (content, prev)
        assert seal.link_hash == hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(content)).hexdigest()
        prev = seal.link_hash
    anchor = SealAnchor.objects.get()
    assert (anchor.seq, anchor.link_hash, anchor.sealed) == (len(events), prev, len(events))
    assert run.head == chain_head() and run.head.link_hash == prev
    report = audit_verify()
    assert report.ok and report.links == len(events), report.findings


def test_a_second_run_adds_only_what_is_new():
    first = insert_event_raw(occurred_at=hours_ago(0.1))
    assert seal_now().sealed == 1
    assert seal_now().sealed == 0
    second = insert_event_raw(occurred_at=timezone.now())
    run = seal_now()
    assert run.sealed == 1 and run.head.seq == 2
    assert list(EventSeal.objects.values_list("event_id", flat=True)) == [first, second]
    assert SealAnchor.objects.count() == 2  # one per run that added links, none for the empty one
    assert audit_verify().ok


def test_events_of_the_last_minute_wait_for_a_later_run():
    insert_event_raw(occurred_at=timezone.now())
    assert audit_seal().sealed == 0  # perhaps a transaction still in flight
    assert audit_seal(now=timezone.now() + SEAL_GRACE + dt.timedelta(seconds=1)).sealed == 1


def test_an_event_that_commits_late_is_sealed_by_the_next_run_in_a_later_link():
    """PostgreSQL ids come from a sequence: a transaction that drew a smaller id can commit after larger
    ones were sealed. Its event then sits behind the sweep point, inside the look-back window."""
    swept = insert_event_raw(occurred_at=hours_ago(0.05))
    seal_now()
    late = insert_event_raw(occurred_at=hours_ago(0.1))  # older than what was sealed, committed after it
    run = seal_now()
    assert run.sealed == 1
    assert list(EventSeal.objects.order_by("seq").values_list("event_id", flat=True)) == [swept, late]
    assert audit_verify().ok


def test_an_event_dated_before_the_sealers_window_is_reported_not_sealed():
    """Inserted behind the sealer's back with a back-dated time: the sealer never picks it up on its own
    and ``verify`` names it until someone has looked and sealed it with ``--all``."""
    insert_event_raw(occurred_at=hours_ago(0.01))
    seal_now()
    forged = insert_event_raw(occurred_at=hours_ago(3), verb="forged.backdated")
    assert hours_ago(3) < SealAnchor.objects.get().swept_to - SEAL_LOOKBACK
    assert seal_now().sealed == 0
    report = audit_verify()
    assert _kinds(report) == {"unsealed": 1}
    assert f"事件 {forged}（forged.backdated" in report.findings[0][1]
    assert audit_seal(grace=dt.timedelta(0), everything=True).sealed == 1
    assert audit_verify().ok


def test_an_unsealed_event_is_not_reported_before_its_time():
    insert_event_raw(occurred_at=hours_ago(0.5))
    assert audit_verify().ok  # the sealer may simply not have run yet
    assert _kinds(audit_verify(unsealed_after=dt.timedelta(minutes=10))) == {"unsealed": 1}


def test_a_long_catch_up_goes_in_batches_each_recording_where_it_may_resume(monkeypatch):
    monkeypatch.setattr("xinfang.audit.chain.SEAL_BATCH", 2)
    for hours in (5, 4, 3, 2, 1):
        insert_event_raw(occurred_at=hours_ago(hours))
    run = seal_now()
    assert run.sealed == 5 and run.head.seq == 5
    anchors = list(SealAnchor.objects.order_by("id").values_list("seq", "sealed", "swept_to"))
    assert [(seq, n) for seq, n, _ in anchors] == [(2, 2), (4, 2), (5, 1)]
    # A first run has no sweep point until its last batch: a crash before it means a full look next time.
    assert [to is None for _, _, to in anchors] == [True, True, False]
    assert audit_verify().ok


def test_recorded_and_external_anchors_are_checked():
    insert_event_raw(occurred_at=hours_ago(1))
    head = seal_now().head
    assert audit_verify(anchors=[(head.seq, head.link_hash)]).ok
    report = audit_verify(anchors=[(head.seq, "0" * 64), (head.seq + 5, head.link_hash)])
    assert _kinds(report) == {"anchor": 2}
    assert "外部锚点的第 1 环哈希为 0000" in report.findings[0][1]
    assert "外部锚点的链头为第 6 环，链上已没有这一环" in report.findings[1][1]


def test_a_rewrite_of_chain_and_anchors_together_is_caught_only_by_an_anchor_kept_outside(world):
    """Someone who can lift every trigger edits an event and rebuilds the chain from it, anchors included:
    the database is consistent again, which is why the head is printed and kept elsewhere."""
    register(world)
    outside = seal_now().head
    victim = EventSeal.objects.order_by("seq")[2]
    checks_done()
    with audit_guards_lifted(connection):
        sql("UPDATE audit_event SET reason = %s WHERE id = %s", ["改写", victim.event_id])
        assert audit_verify().counts["edited"] == 1
        sql("DELETE FROM audit_eventseal WHERE seq >= %s", [victim.seq])
        sql("DELETE FROM audit_sealanchor")
        assert seal_now().sealed > 0
    assert audit_verify().ok
    report = audit_verify(anchors=[(outside.seq, outside.link_hash)])
    assert _kinds(report) == {"anchor": 1}


def test_the_models_refuse_changes_before_the_database_does():
    insert_event_raw(occurred_at=hours_ago(1))
    seal_now()
    seal, anchor = EventSeal.objects.get(), SealAnchor.objects.get()
    for row in (seal, anchor):
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
    for manager in (EventSeal.objects, SealAnchor.objects):
        with pytest.raises(AppendOnlyError):
            manager.all().update(seq=9)
        with pytest.raises(AppendOnlyError):
            manager.all().delete()
