"""What is stored: ciphertext and a mask for petitioners, the address for units; bad input writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from xinfang.audit.models import Event
from xinfang.core import crypto
from xinfang.core.errors import ValidationFailed
from xinfang.notify.models import Audience, Notification
from xinfang.notify.services import notify
from xinfang.testing.factories import id_number

from .helpers import CONTEXT, PHONE

pytestmark = pytest.mark.django_db


def test_petitioner_phone_is_stored_encrypted_never_in_clear(settings):
    settings.XINFANG_NOTIFY_SEND_ON_COMMIT = False
    n = notify(channel="sms", to="139 1234 5678", template="matter_registered", context=CONTEXT, matter_id=3)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Notification._meta.db_table}")  # noqa: S608 — model constant
        columns = [c[0] for c in cursor.description]
        [row] = cursor.fetchall()
    raw = dict(zip(columns, row, strict=True))
    assert not any(PHONE in str(value) for value in raw.values())
    assert raw["recipient_masked"] == "139****5678"
    assert raw["recipient_address"] == ""
    assert crypto.decrypt(raw["recipient_encrypted"]) == PHONE
    assert n.audience == Audience.PETITIONER
    queued = Event.objects.get(verb="notify.queued", matter_id=3)
    assert PHONE not in str(queued.new)
    assert queued.is_public is False


def test_petitioner_email_is_encrypted_too(settings):
    settings.XINFANG_NOTIFY_SEND_ON_COMMIT = False
    notify(channel="email", to="li.si@example.com", template="review_decided", context=CONTEXT)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Notification._meta.db_table}")  # noqa: S608 — model constant
        [row] = cursor.fetchall()
    assert not any("li.si" in str(value) for value in row)


def test_unit_recipient_is_the_address(settings):
    settings.XINFANG_NOTIFY_SEND_ON_COMMIT = False
    n = notify(
        channel="email",
        to="xfb@nanshan.gov.cn",
        template="assignment_received",
        context={**CONTEXT, "unit": "南山区住房和建设局", "kind": "转送", "due_date": "2026年3月20日"},
    )
    assert (n.audience, n.recipient_address, n.recipient_encrypted) == (
        Audience.UNIT,
        "xfb@nanshan.gov.cn",
        "",
    )
    assert n.subject == "信访事项转送通知"
    assert n.body.startswith("南山区住房和建设局：信访事项440305-2026-000123已转送贵单位")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"channel": "fax"}, "notify_channel_unknown"),
        ({"template": "nope"}, "notify_template_unknown"),
        ({"context": {}}, "notify_context_missing"),
        ({"to": ""}, "notify_recipient_missing"),
        ({"to": "075512345678"}, "notify_sms_needs_mobile"),
        ({"to": "12"}, "phone_format"),
        ({"channel": "email", "to": "not-an-address"}, "email_format"),
        (
            {"template": "matter_accepted", "context": {**CONTEXT, "unit": id_number(5)}},
            "notify_contains_id_number",
        ),
    ],
)
def test_invalid_input_writes_nothing(kwargs, code):
    args = {"channel": "sms", "to": PHONE, "template": "matter_registered", "context": CONTEXT, **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        notify(**args)
    assert exc.value.code == code
    assert not Notification.objects.exists()
    assert not Event.objects.filter(verb__startswith="notify.").exists()
