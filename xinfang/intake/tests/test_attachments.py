import io

import pytest
from django.test import Client, override_settings

from xinfang.core.errors import ValidationFailed
from xinfang.intake.attachments import attachment_add, attachment_path
from xinfang.intake.models import Attachment
from xinfang.testing.factories import register

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add(world, contact, name, data):
    return attachment_add(
        contact=contact, name=name, stream=io.BytesIO(data), size=len(data), actor=world.users["registrar"]
    )


def test_pdf_is_stored_outside_web_root_and_streamed_in_scope(world, settings):
    contact = register(world)
    att = _add(world, contact, "证明材料.pdf", PDF)
    path = attachment_path(att)
    assert path.read_bytes() == PDF and str(settings.ATTACHMENT_ROOT) in str(path)
    owner = Client()
    owner.force_login(world.users["registrar"])
    r = owner.get(f"/attachments/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    outsider = Client()
    outsider.force_login(world.users["outsider"])
    assert outsider.get(f"/attachments/{att.pk}/").status_code == 404
    assert Client().get(f"/attachments/{att.pk}/").status_code == 302  # to login


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("病毒.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "attachment_disguised"),
        ("照片.jpg", b"%PDF-1.4 not a jpeg", "attachment_disguised"),
        ("脚本.exe", b"MZ", "attachment_type"),
        ("空.pdf", b"", "attachment_empty"),
    ],
)
def test_bad_attachments_are_refused(world, name, data, code):
    contact = register(world)
    with pytest.raises(ValidationFailed) as err:
        _add(world, contact, name, data)
    assert err.value.code == code
    assert Attachment.objects.count() == 0


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_oversized_attachment_is_refused(world):
    contact = register(world)
    with pytest.raises(ValidationFailed) as err:
        _add(world, contact, "大文件.pdf", PDF + b"0" * 2048)
    assert err.value.code == "attachment_too_large"
    assert Attachment.objects.count() == 0
