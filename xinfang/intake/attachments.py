"""Attachments: type checked by content (magic bytes), not by the name the uploader chose; stored outside the
web root under a random name; streamed only through a view that checks the matter's scope."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from xinfang.audit.services import record_event
from xinfang.core.actors import as_user
from xinfang.core.errors import PermissionDenied, ValidationFailed

from .models import Attachment, Contact

# extension → (content type, magic-byte test)
ALLOWED: dict[str, tuple[str, Any]] = {
    "pdf": ("application/pdf", lambda h: h.startswith(b"%PDF-")),
    "jpg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "png": ("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda h: h.startswith(b"PK\x03\x04"),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda h: h.startswith(b"PK\x03\x04"),
    ),
    "doc": ("application/msword", lambda h: h.startswith(b"\xd0\xcf\x11\xe0")),
    "mp3": ("audio/mpeg", lambda h: h.startswith(b"ID3") or h[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "txt": ("text/plain", lambda h: _is_text(h)),
}


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the sniff boundary
    return True


# Who adds material to a petition: the desk that registers it and the units that handle it. The auditor, the
# administrator and the security officer only watch (三员分立, GB/T 22239-2019 三级).
UPLOAD_ROLES = ("registrar", "handler", "unit_head", "leader", "supervisor")


def attachment_add(*, contact: Contact, name: str, stream: IO[bytes], size: int, actor: Any) -> Attachment:
    if not (getattr(actor, "has_role", None) and actor.has_role(*UPLOAD_ROLES)):
        raise PermissionDenied("upload_forbidden", "审计员、系统管理员和安全管理员只能查看，不能上传附件")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationFailed(
            "attachment_type", "附件类型不允许（允许：PDF、JPG、PNG、DOC/DOCX、XLSX、MP3、TXT）", field="file"
        )
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            "attachment_too_large",
            f"附件不能超过 {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB",
            field="file",
        )
    if size == 0:
        raise ValidationFailed("attachment_empty", "附件为空文件", field="file")
    content_type, sniff = ALLOWED[ext]
    head = stream.read(512)
    if not sniff(head):
        raise ValidationFailed("attachment_disguised", "附件内容与扩展名不符，已拒绝", field="file")
    root = Path(settings.ATTACHMENT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    storage_name = secrets.token_hex(16)
    path = root / storage_name
    digest = hashlib.sha256(head)
    written = len(head)
    with open(path, "wb") as out:
        out.write(head)
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            written += len(chunk)
            if written > settings.ATTACHMENT_MAX_BYTES:
                out.close()
                path.unlink(missing_ok=True)
                raise ValidationFailed("attachment_too_large", "附件超过大小限制", field="file")
            digest.update(chunk)
            out.write(chunk)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                contact=contact,
                original_name=name[:200],
                content_type=content_type,
                size=written,
                sha256=digest.hexdigest(),
                storage_name=storage_name,
                uploaded_by=as_user(actor),
            )
            record_event(
                actor=actor,
                verb="attachment.added",
                subject=attachment,
                matter_id=contact.matter_id,
                new={"name": name, "size": written},
            )
    except Exception:
        path.unlink(missing_ok=True)  # nothing orphaned on disk when the row is not written
        raise
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.ATTACHMENT_ROOT) / attachment.storage_name
