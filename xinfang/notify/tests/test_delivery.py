"""Queued in the caller's transaction, sent after commit exactly once, retried with back-off, all on the
timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.notify.models import Notification, State
from xinfang.notify.services import backoff, deliver, notify, send_due

from .helpers import CONTEXT, PHONE, BrokenGateway, RecordingGateway, outbox_lines

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _verbs(n: Notification) -> list[str]:
    return list(
        Event.objects.filter(subject_id=str(n.pk), verb__startswith="notify.").values_list("verb", flat=True)
    )


def test_rolled_back_transaction_sends_nothing(outbox_dir, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(_Rollback),
        transaction.atomic(),
    ):
        notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT, matter_id=7)
        raise _Rollback
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert not Event.objects.filter(verb__startswith="notify.").exists()
    assert outbox_lines(outbox_dir) == []


def test_committed_notification_is_sent_once_through_the_file_backend(
    outbox_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        n = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT, matter_id=7)
        assert outbox_lines(outbox_dir) == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    n.refresh_from_db()
    assert (n.state, n.attempts, n.next_attempt_at) == (State.SENT, 1, None)
    assert n.sent_at is not None
    [line] = outbox_lines(outbox_dir)
    assert line["id"] == n.pk
    assert line["to"] == "139****5678"
    assert line["body"].startswith("您的信访事项已登记，编号440305-2026-000123")
    # the worker finds nothing left to do, and a second deliver of the same row is refused
    assert send_due(now=timezone.now() + dt.timedelta(days=1)) == {}
    assert deliver(n.pk) is None
    assert len(outbox_lines(outbox_dir)) == 1
    assert _verbs(n) == ["notify.queued", "notify.sent"]
    events = Event.objects.filter(matter_id=7, verb__startswith="notify.")
    assert not any(e.is_public for e in events)


def test_failing_backend_is_retried_with_backoff_then_given_up(settings, django_capture_on_commit_callbacks):
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.tests.helpers.BrokenGateway"
    settings.XINFANG_NOTIFY_MAX_ATTEMPTS = 4
    BrokenGateway.calls = 0
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(
            channel="sms", to=PHONE, template="matter_accepted", context={**CONTEXT, "unit": "南山区住建局"}
        )
    n.refresh_from_db()
    assert (n.state, n.attempts) == (State.FAILED, 1)
    assert start + dt.timedelta(minutes=1) <= n.next_attempt_at <= timezone.now() + dt.timedelta(minutes=1)
    # the provider quoted the number: what is stored (and put on the append-only timeline) is masked
    assert n.last_error == "gateway 503 for 139****5678"

    # not due yet: the worker leaves it alone
    assert send_due(now=n.next_attempt_at - dt.timedelta(seconds=1)) == {}
    waits = []
    for _ in range(3):
        due = n.next_attempt_at
        assert send_due(now=due) in ({"failed": 1}, {"gave_up": 1})
        n.refresh_from_db()
        if n.next_attempt_at:
            waits.append(n.next_attempt_at - due)
    assert waits == [dt.timedelta(minutes=5), dt.timedelta(minutes=30)]
    assert (n.state, n.attempts, n.next_attempt_at) == (State.GAVE_UP, 4, None)
    assert BrokenGateway.calls == 4
    assert send_due(now=timezone.now() + dt.timedelta(days=30)) == {}
    assert _verbs(n) == ["notify.queued", "notify.retry", "notify.retry", "notify.retry", "notify.failed"]
    failed = Event.objects.get(subject_id=str(n.pk), verb="notify.failed")
    assert failed.new["attempts"] == 4
    assert PHONE not in str(list(Event.objects.values_list("new", flat=True)))


def test_backoff_steps():
    assert [backoff(i) for i in (1, 2, 3, 4, 9)] == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120, 120)]


def test_unexpected_backend_exception_counts_as_a_failed_attempt(
    settings, django_capture_on_commit_callbacks
):
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.tests.helpers.CrashingGateway"
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT)
    n.refresh_from_db()
    assert n.state == State.FAILED
    assert n.last_error == "KeyError: 'token'"


def test_a_claimed_row_is_not_sent_by_a_second_worker(settings, django_capture_on_commit_callbacks):
    """While worker A is inside the backend call, worker B (on-commit hook or sweep) gets nothing."""
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.tests.helpers.RecordingGateway"
    RecordingGateway.sent = []
    seen: list[object] = []
    original = RecordingGateway.send

    def send_and_race(self, message):
        seen.append(deliver(message.notification_id))
        seen.append(send_due(now=timezone.now() + dt.timedelta(minutes=1)))
        original(self, message)

    RecordingGateway.send = send_and_race  # type: ignore[method-assign]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            n = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT)
    finally:
        RecordingGateway.send = original  # type: ignore[method-assign]
    assert seen == [None, {}]
    assert len(RecordingGateway.sent) == 1
    n.refresh_from_db()
    assert n.state == State.SENT


def test_a_crashed_workers_lease_expires_and_the_row_is_sent(settings, outbox_dir):
    settings.XINFANG_NOTIFY_SEND_ON_COMMIT = False
    n = notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT)
    # a worker claimed it and died before sending
    leased_until = timezone.now() + dt.timedelta(minutes=10)
    Notification.objects.filter(pk=n.pk).update(state=State.SENDING, attempts=1, next_attempt_at=leased_until)
    assert send_due() == {}
    assert send_due(now=leased_until) == {"sent": 1}
    n.refresh_from_db()
    assert (n.state, n.attempts) == (State.SENT, 2)
    assert len(outbox_lines(outbox_dir)) == 1


def test_email_goes_through_django_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(
            channel="email",
            to="zhang.san@example.com",
            template="opinion_issued",
            context={**CONTEXT, "unit": "南山区住房和建设局"},
            matter_id=9,
        )
    [message] = mail.outbox
    assert message.to == ["zhang.san@example.com"]
    assert message.subject == "信访事项处理意见告知"
    assert "30日内请求复查" in message.body
    n.refresh_from_db()
    assert (n.state, n.recipient_masked) == (State.SENT, "z***@example.com")


def test_notify_send_command(settings, outbox_dir, capsys):
    settings.XINFANG_NOTIFY_SEND_ON_COMMIT = False
    notify(channel="sms", to=PHONE, template="matter_registered", context=CONTEXT)
    notify(channel="sms", to="13800000001", template="matter_registered", context=CONTEXT)
    call_command("notify_send")
    assert "已发送 2 条" in capsys.readouterr().out
    assert len(outbox_lines(outbox_dir)) == 2
