"""Claimed at insert, sent after commit: inline or from the per-process sender thread (courier)."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.notify.courier import Courier
from xinfang.notify.models import Notification, State
from xinfang.notify.services import _send_claimed, deliver, notify, send_due

from .helpers import CONTEXT, PHONE, outbox_lines

pytestmark = pytest.mark.django_db


def test_row_is_claimed_by_the_inserting_process_until_its_commit_hook_sends_it(
    outbox_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        n = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT, matter_id=7)
    row = Notification.objects.get(pk=n.pk)
    assert (row.state, row.attempts) == (State.SENDING, 1)
    assert row.next_attempt_at > timezone.now()  # leased: no worker takes it meanwhile
    assert deliver(n.pk) is None and send_due() == {}
    queued = Event.objects.get(subject_id=str(n.pk), verb="notify.queued")
    assert queued.new["attempts"] == 0
    [hook] = hooks
    hook()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (State.SENT, 1, None)
    assert len(outbox_lines(outbox_dir)) == 1


def test_a_late_hook_renews_its_lease_or_leaves_the_row_to_the_worker_that_took_it(outbox_dir):
    n = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT)  # hook never runs here
    # The hook's view of the row is older than half a lease: it renews on the unchanged row and sends.
    n.next_attempt_at = timezone.now()
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=n.next_attempt_at)
    assert _send_claimed([n]) == {n.pk: State.SENT}
    # A row a worker re-claimed after the lease (attempts moved on) is not sent a second time.
    m = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT)
    m.next_attempt_at = timezone.now()
    Notification.objects.filter(pk=m.pk).update(attempts=2, next_attempt_at=m.next_attempt_at)
    assert _send_claimed([m]) == {}
    assert [line["id"] for line in outbox_lines(outbox_dir)] == [n.pk]
    assert Notification.objects.get(pk=m.pk).state == State.SENDING  # the worker's, until it reports


def test_a_batch_records_every_success_in_one_transaction(outbox_dir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        rows = [
            notify(
                channel="sms",
                to=f"1380000{i:04d}",
                template="matter_registered",
                context=CONTEXT,
                matter_id=i,
            )
            for i in range(3)
        ]
    assert _send_claimed(rows) == {n.pk: State.SENT for n in rows}
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}
    sent = Event.objects.filter(verb="notify.sent").order_by("matter_id")
    assert [e.matter_id for e in sent] == [0, 1, 2]
    assert sorted(line["id"] for line in outbox_lines(outbox_dir)) == sorted(n.pk for n in rows)


def test_courier_sends_batches_on_its_thread_and_drains_on_stop():
    seen: list[tuple[str, list[int]]] = []
    courier = Courier(lambda batch: seen.append((threading.current_thread().name, list(batch))), linger=0.2)
    for i in range(5):
        courier.submit(i)
    courier.flush()
    assert [item for _, batch in seen for item in batch] == [0, 1, 2, 3, 4]
    assert len(seen) < 5  # batched while lingering
    assert {name for name, _ in seen} == {"xinfang-notify-courier"}
    courier.submit(5)
    courier.stop()
    assert seen[-1][1] == [5]


def test_courier_survives_a_failing_batch():
    calls: list[list[int]] = []

    def send(batch: list[int]) -> None:
        calls.append(batch)
        if batch == [1]:
            raise RuntimeError("gateway down")

    courier = Courier(send, linger=0)
    courier.submit(1)
    courier.flush()
    courier.submit(2)
    courier.flush()
    courier.stop()
    assert calls == [[1], [2]]
