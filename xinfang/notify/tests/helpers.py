"""Test backends and helpers shared by the notify tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from xinfang.notify.backends import DeliveryError, Message, SmsProvider

PHONE = "13912345678"
CONTEXT = {"number": "440305-2026-000123"}


def outbox_lines(outbox: Path, channel: str = "sms") -> list[dict]:
    path = outbox / f"{channel}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class BrokenGateway(SmsProvider):
    """A provider that is always down; its error quotes the number, as real gateways do."""

    calls: ClassVar[int] = 0

    def send(self, message: Message) -> None:
        BrokenGateway.calls += 1
        raise DeliveryError(f"gateway 503 for {message.to}")


class CrashingGateway(SmsProvider):
    """A buggy provider that raises something other than DeliveryError."""

    def send(self, message: Message) -> None:
        raise KeyError("token")


class RecordingGateway(SmsProvider):
    sent: ClassVar[list[Message]] = []

    def send(self, message: Message) -> None:
        RecordingGateway.sent.append(message)
