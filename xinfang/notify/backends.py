"""Delivery backends: where a rendered message actually goes.

A backend is any class with ``send(message) -> None`` that raises :class:`DeliveryError` when the message did
not go out (the service then retries with back-off). Backends are chosen by dotted path in settings
(``XINFANG_SMS_BACKEND``, ``XINFANG_EMAIL_BACKEND``) and built without arguments, so one reads its own
settings.

Development backends log or spool only the *masked* recipient: a log file or outbox directory must not become
a second, unencrypted copy of petitioners' phone numbers.
"""

from __future__ import annotations

import abc
import json
import logging
import smtplib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("xinfang.notify")

DEFAULT_BACKENDS = {
    "sms": "xinfang.notify.backends.FileBackend",
    "email": "xinfang.notify.backends.SmtpEmailBackend",
}


class DeliveryError(Exception):
    """The message was not delivered; ``str(exc)`` is stored as the notification's last error."""


@dataclass(frozen=True)
class Message:
    notification_id: int
    channel: str
    to: str  # plaintext address, decrypted just for this send; never log it
    to_masked: str
    subject: str
    body: str
    template: str


class Backend(Protocol):
    def send(self, message: Message) -> None: ...


class SmsProvider(abc.ABC):
    """Plug an SMS gateway here.

    Subclass, implement :meth:`send` against the provider's API and name the class in
    ``XINFANG_SMS_BACKEND``. ``message.to`` is the mobile number, ``message.body`` the text (the gateway
    normally adds the registered 【签名】). Pass ``message.notification_id`` as the provider's client
    reference where it has one, so a resend after a crashed worker is de-duplicated by the gateway. Raise
    :class:`DeliveryError` on any failure — timeouts included — and return only when the gateway accepted it.
    """

    @abc.abstractmethod
    def send(self, message: Message) -> None: ...


class ConsoleBackend:
    """Logs each message (development)."""

    def send(self, message: Message) -> None:
        logger.info(
            "notify %s #%s to %s: %s %s",
            message.channel,
            message.notification_id,
            message.to_masked,
            message.subject,
            message.body,
        )


class FileBackend:
    """Appends one JSON line per message to ``VAR_DIR/outbox/<channel>.jsonl`` (development, demos, tests)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or Path(settings.VAR_DIR) / "outbox")

    def path_for(self, channel: str) -> Path:
        return self.directory / f"{channel}.jsonl"

    def send(self, message: Message) -> None:
        record = {
            "id": message.notification_id,
            "channel": message.channel,
            "to": message.to_masked,
            "template": message.template,
            "subject": message.subject,
            "body": message.body,
            "at": timezone.now().isoformat(),
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self.path_for(message.channel).open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise DeliveryError(f"写入发件箱失败：{exc.strerror or exc}") from exc


class SmtpEmailBackend:
    """E-mail through Django's mail layer, i.e. whatever ``EMAIL_BACKEND`` is (SMTP in production)."""

    def send(self, message: Message) -> None:
        sender = getattr(settings, "XINFANG_NOTIFY_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
        email = EmailMessage(subject=message.subject, body=message.body, from_email=sender, to=[message.to])
        try:
            sent = email.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            # Only the class and SMTP code: server replies often quote the recipient's address.
            code = getattr(exc, "smtp_code", "")
            raise DeliveryError(f"邮件发送失败：{type(exc).__name__} {code}".strip()) from exc
        if not sent:
            raise DeliveryError("邮件发送失败：服务器未接收")


def get_backend(channel: str) -> Backend:
    """A fresh instance per send: backends are cheap and then always see the current settings."""
    setting = "XINFANG_SMS_BACKEND" if channel == "sms" else "XINFANG_EMAIL_BACKEND"
    backend: Backend = import_string(getattr(settings, setting, "") or DEFAULT_BACKENDS[channel])()
    return backend
