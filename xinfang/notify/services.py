"""Queue notifications inside the caller's transaction; deliver them after commit, retried with back-off.

* ``notify`` writes the row and its ``notify.queued`` event in the caller's transaction and registers delivery
  with ``on_commit``: a registration that rolls back never texts anyone.
* ``deliver`` claims a row with one conditional UPDATE (due → ``sending``), so two workers — the on-commit
  hook and the ``notify_send`` worker, or two workers — never send the same row twice. While ``sending``,
  ``next_attempt_at`` is the lease expiry: a worker that died mid-send leaves a row another worker picks up
  after the lease, so delivery is at-least-once only across crashes.
* With send-on-commit the row is inserted already claimed by this process (``sending``, first attempt counted,
  lease running): the claim commits with the caller's transaction, so the on-commit hook owns the row without
  a claim UPDATE and a re-read — one round trip and one commit fewer per message. Nobody else can take it
  before the lease runs out, exactly as after a claim; if the hook runs too late for its lease it claims the
  ordinary way.
* With ``XINFANG_NOTIFY_SEND_IN_BACKGROUND`` (production) the on-commit hook hands the claimed row to this
  process's sender thread (``courier``), which sends in batches and records the outcomes of a batch in one
  transaction; the request returns without waiting for the gateway.
* Every outcome lands on the matter timeline (``notify.sent`` / ``notify.retry`` / ``notify.failed``), never
  public and never with the plaintext recipient.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from xinfang.audit.services import events_batched, record_event
from xinfang.core import crypto
from xinfang.core.errors import ValidationFailed
from xinfang.core.pii import clean_phone, mask_phone
from xinfang.core.rows import insert, insert_later

from .backends import Backend, DeliveryError, Message, get_backend
from .courier import Courier
from .models import Audience, Channel, Notification, State
from .templates import get_template, render

logger = logging.getLogger("xinfang.notify")

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_RETRYABLE = (State.QUEUED, State.FAILED, State.SENDING)
MAX_ERROR = 500


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _clean_recipient(channel: str, to: str) -> tuple[str, str]:
    """(address, masked) or ``ValidationFailed`` — checked before anything is written."""
    raw = (to or "").strip()
    if not raw:
        raise ValidationFailed("notify_recipient_missing", "缺少通知接收人", field="to")
    if channel == Channel.SMS:
        phone = clean_phone(raw, field="to")
        if not _MOBILE_RE.fullmatch(phone):  # a landline cannot receive a text
            raise ValidationFailed("notify_sms_needs_mobile", "短信只能发送到手机号码", field="to")
        return phone, mask_phone(phone)
    try:
        validate_email(raw)
    except ValidationError:
        raise ValidationFailed("email_format", "电子邮件地址格式不正确", field="to") from None
    return raw, mask_email(raw)


def notify(
    *,
    channel: str,
    to: str,
    template: str,
    context: Mapping[str, Any],
    matter_id: int | None = None,
    actor: Any = None,
) -> Notification:
    """Queue one message to ``to`` (phone for ``sms``, address for ``email``); it is sent after commit.

    Whether ``to`` is a petitioner (stored encrypted) or a unit (stored as is) follows from the template's
    audience, so a caller cannot store a petitioner's number in clear by mistake.
    """
    prepared = notification_prepare(channel=channel, to=to, template=template)
    return notification_queue(prepared, context=context, matter_id=matter_id, actor=actor)


def notification_prepare(*, channel: str, to: str, template: str) -> Notification:
    """The unsaved message: channel, template and recipient checked, the recipient encrypted. No database —
    a registration prepares its SMS before taking the write lock; ``notification_queue`` then fills and
    writes it."""
    if channel not in Channel.values:
        raise ValidationFailed("notify_channel_unknown", f"未知的通知渠道：{channel}", field="channel")
    tpl = get_template(template)
    address, masked = _clean_recipient(channel, to)
    is_unit = tpl.audience == Audience.UNIT
    return Notification(
        channel=channel,
        audience=tpl.audience,
        recipient_encrypted="" if is_unit else crypto.encrypt(address),
        recipient_masked=address if is_unit else masked,
        recipient_address=address if is_unit else "",
        template=tpl.key,
    )


def notification_queue(
    notification: Notification, *, context: Mapping[str, Any], matter_id: int | None = None, actor: Any = None
) -> Notification:
    """Render ``notification`` (from ``notification_prepare``) with ``context`` and write it with its
    ``notify.queued`` event in the caller's transaction; it is sent after commit."""
    notification.subject, notification.body = render(get_template(notification.template), context)
    notification.matter_id = matter_id
    send_on_commit = _setting("XINFANG_NOTIFY_SEND_ON_COMMIT", True)
    now = timezone.now()
    notification.next_attempt_at = now
    queued = _summary(notification)  # as queued: no attempt yet
    if send_on_commit:
        # Claimed at insert by this process (see the module docstring): the hook below sends it.
        notification.state, notification.attempts = State.SENDING, 1
        notification.next_attempt_at = now + _lease()
    # savepoint=False: join the caller's transaction without a savepoint; alone it is its own transaction.
    with transaction.atomic(savepoint=False):
        if notification.pk is None:
            insert(notification)
        else:  # its key drawn already (rows.assign_ids): it may go in with the caller's other rows
            insert_later(notification)
        record_event(
            actor=actor,
            verb="notify.queued",
            subject=notification,
            matter_id=matter_id,
            new=queued,
            is_public=False,
        )
        if send_on_commit:
            # robust: a failing send must not turn the caller's committed request into an error page.
            transaction.on_commit(partial(_deliver_claimed, notification), robust=True)
    return notification


def _summary(n: Notification) -> dict[str, Any]:
    return {
        "channel": n.channel,
        "template": n.template,
        "to": n.recipient_masked,
        "attempts": n.attempts,
    }


def _due(now: dt.datetime) -> Q:
    # queued/failed rows whose time has come, and ``sending`` rows whose lease ran out (crashed worker).
    return Q(state__in=_RETRYABLE, next_attempt_at__lte=now)


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 1, 5, 30 minutes … then the last step repeated."""
    steps = _setting("XINFANG_NOTIFY_BACKOFF_MINUTES", [1, 5, 30, 120])
    return dt.timedelta(minutes=steps[min(max(attempts, 1), len(steps)) - 1])


def _plain_recipient(n: Notification) -> str:
    return n.recipient_address if n.audience == Audience.UNIT else crypto.decrypt(n.recipient_encrypted)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("XINFANG_NOTIFY_LEASE_SECONDS", 600))


def _deliver_claimed(n: Notification) -> str | None:
    """The on-commit hook for a row ``notify`` inserted already claimed; ``n`` is that row as written."""
    if _setting("XINFANG_NOTIFY_SEND_IN_BACKGROUND", False):
        courier.submit(n)
        return None
    return _send_claimed([n]).get(n.pk)


def _keep_lease(n: Notification, now: dt.datetime) -> bool:
    """Whether ``n`` (claimed by us) is still ours to send at ``now``; renews a lease that is nearly over."""
    lease = _lease()
    assert n.next_attempt_at is not None
    if now < n.next_attempt_at - lease / 2:
        return True
    # The caller's transaction (or the queue) took so long that the lease is nearly over: renew it, on the
    # condition that the row is still exactly as we claimed it (a worker's claim changes attempts and lease).
    renewed = Notification.objects.filter(
        pk=n.pk, state=State.SENDING, attempts=n.attempts, next_attempt_at=n.next_attempt_at
    ).update(next_attempt_at=now + lease)
    if renewed:
        n.next_attempt_at = now + lease
    return bool(renewed)


def _send_claimed(batch: list[Notification]) -> dict[int, str]:
    """Send rows this process has claimed; successes are recorded together. Returns pk → new state."""
    now = timezone.now()
    backends: dict[str, Backend] = {}
    outcome: dict[int, str] = {}
    sent: list[Notification] = []
    for n in batch:
        if not _keep_lease(n, now):
            continue  # a worker took it over
        error = _attempt(n, backends)
        if error is None:
            sent.append(n)
        else:
            outcome[n.pk] = _record_failure(n, error, now)
    if sent:
        _record_success(sent)
        outcome.update((n.pk, State.SENT) for n in sent)
    return outcome


courier = Courier(_send_claimed)


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str | None:
    """Send one due notification. Returns its new state, or ``None`` when it was not ours to send."""
    now = now or timezone.now()
    # The attempt is counted at claim time, so a message that crashes the worker still runs out of attempts.
    claimed = Notification.objects.filter(_due(now), pk=notification_id).update(
        state=State.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + _lease()
    )
    if not claimed:
        return None
    n = Notification.objects.get(pk=notification_id)
    error = _attempt(n, {})
    if error is not None:
        return _record_failure(n, error, now)
    _record_success([n])
    return State.SENT


def _attempt(n: Notification, backends: dict[str, Backend]) -> str | None:
    """Hand one claimed row to its backend: ``None`` when it went out, else the (masked) error text."""
    plain = ""
    try:
        plain = _plain_recipient(n)
        message = Message(
            notification_id=n.pk,
            channel=n.channel,
            to=plain,
            to_masked=n.recipient_masked,
            subject=n.subject,
            body=n.body,
            template=n.template,
        )
        backend = backends.get(n.channel)
        if backend is None:
            backend = backends[n.channel] = get_backend(n.channel)
        backend.send(message)
    except Exception as exc:  # any backend failure, not only DeliveryError, must end in retry or give-up
        logger.warning("notify #%s attempt %s failed", n.pk, n.attempts, exc_info=True)
        return _describe(exc, plain, n.recipient_masked)
    return None


def _describe(exc: Exception, plain: str, masked: str) -> str:
    text = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
    if plain:  # provider replies may quote the number or address; the audit log is append-only
        text = text.replace(plain, masked)
    return text[:MAX_ERROR]


def _record_success(rows: list[Notification]) -> None:
    """Mark ``rows`` sent and put ``notify.sent`` on their timelines, in one transaction."""
    with transaction.atomic(), events_batched():
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
            state=State.SENT, sent_at=now, next_attempt_at=None, last_error=""
        )
        for n in rows:
            n.state, n.sent_at, n.next_attempt_at, n.last_error = State.SENT, now, None, ""
            record_event(actor=None, verb="notify.sent", subject=n, matter_id=n.matter_id, new=_summary(n))


def _record_failure(n: Notification, error: str, now: dt.datetime) -> str:
    give_up = n.attempts >= _setting("XINFANG_NOTIFY_MAX_ATTEMPTS", 5)
    with transaction.atomic():
        n.last_error = error
        if give_up:
            n.state, n.next_attempt_at = State.GAVE_UP, None
        else:
            n.state, n.next_attempt_at = State.FAILED, now + backoff(n.attempts)
        n.save(update_fields=["state", "next_attempt_at", "last_error"])
        new = {**_summary(n), "error": error}
        if not give_up:
            new["next_attempt_at"] = n.next_attempt_at
        verb = "notify.failed" if give_up else "notify.retry"
        record_event(actor=None, verb=verb, subject=n, matter_id=n.matter_id, new=new)
    return n.state


def send_due(*, now: dt.datetime | None = None, limit: int = 200) -> Counter[str]:
    """The retry worker's pass: deliver every due row (oldest first); counts by outcome."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(_due(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts: Counter[str] = Counter()
    for pk in ids:
        counts[deliver(pk, now=now) or "skipped"] += 1
    return counts
