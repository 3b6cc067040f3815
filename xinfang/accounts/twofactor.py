"""The staff's second factor (等保 2.0 三级, GB/T 22239-2019 8.1.4.1 d: two or more authentication techniques
combined, one of them cryptographic): a TOTP authenticator app (RFC 6238, django-otp's ``TOTPDevice``) and ten
one-time recovery codes (django-otp's ``StaticDevice``) for a lost phone.

Who must have one is XINFANG_2FA_REQUIRED_ROLES; whoever has one enters a code after the password at every
sign-in (xinfang/accounts/middleware.py keeps everything else out until then). Wrong codes are throttled by
django-otp per device (OTP_*_THROTTLE_FACTOR: 1, 2, 4 … seconds) and every attempt, right or wrong, is an
audit event. A failed attempt is committed — its throttle count with its event — before the error is raised,
so that an error never rolls the count back.
"""

from __future__ import annotations

import math
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.audit.services import record_event
from xinfang.core.errors import PermissionDenied, ValidationFailed

from .models import Role, User

EVERYONE = "all"
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"
TOTP_DIGITS = 6  # django-otp's default; a recovery code is 8 letters and digits (StaticToken.random_token)


def otp_required(user: User) -> bool:
    """Whether XINFANG_2FA_REQUIRED_ROLES obliges this user to enrol an authenticator."""
    required: list[str] = settings.XINFANG_2FA_REQUIRED_ROLES
    if not required:
        return False
    if EVERYONE in required:
        return True
    # A superuser made by `createsuperuser` has no roles but every power of the 管理员.
    if user.is_superuser and Role.ADMIN in required:
        return True
    return user.has_role(*required)


def otp_enrolled(user: User) -> bool:
    """Whether the user has a confirmed authenticator, and so must enter its code at sign-in. Recovery codes
    exist only beside one (enrolment makes both, removal deletes both)."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def otp_authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def otp_recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator the enrolment page offers, unconfirmed: the same key on every reload until a code
    from it confirms it. No audit event: an unconfirmed device is never asked for and protects nothing yet;
    the confirmation is the event (``otp_enrol_confirm``)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app instead of scanning the code."""
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as an inline SVG QR code, drawn here by the pure-Python ``qrcode``: no image
    service, no script, nothing fetched (the page's CSP allows none)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=12,
        border=4,  # the quiet zone scanners need
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    return image.to_string(encoding="unicode")


@dataclass(frozen=True)
class Attempt:
    """What one code did: ``device`` accepted it, or None; ``retry_in``: django-otp's throttle refused it
    unread, try again in that many seconds; ``failures``: the device's failures in a row afterwards."""

    device: Device | None
    kind: str  # "totp" or "recovery"
    retry_in: int = 0
    failures: int | None = None


def _normalise(token: str) -> str:
    # Apps show "123 456"; recovery codes are shown in lower case but may be typed in upper.
    return "".join(token.split()).replace("-", "").lower()


def _try(device: TOTPDevice | StaticDevice, token: str, kind: str) -> Attempt:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until") or timezone.now()
        wait = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        return Attempt(None, kind, retry_in=wait, failures=device.throttling_failure_count)
    # verify_token saves a failure (throttle_increment) or resets the count and, for a TOTP code, keeps its
    # time step so that the same code is not taken twice; a recovery code is deleted as it is used.
    accepted = device.verify_token(token)
    return Attempt(device if accepted else None, kind, failures=device.throttling_failure_count)


def _check(user: User, token: str) -> Attempt:
    """Try ``token`` on the user's authenticator (six digits) or recovery codes (anything else), inside the
    caller's transaction with the device row locked: two requests with one code cannot both pass."""
    is_totp = len(token) == TOTP_DIGITS and token.isdigit()
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if is_totp else StaticDevice
    kind = "totp" if is_totp else "recovery"
    device = model.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
    if device is None:
        return Attempt(None, kind)
    return _try(device, token, kind)


def _record_failure(*, user: User, attempt: Attempt, purpose: str, address: str | None) -> None:
    record_event(
        actor=user,
        verb="accounts.otp_failed",
        subject=user,
        new={
            "ip": address,
            "purpose": purpose,
            "device": attempt.kind,
            "throttled": bool(attempt.retry_in),
            "failures": attempt.failures,
        },
    )


def _refused(attempt: Attempt) -> ValidationFailed:
    if attempt.retry_in:
        return ValidationFailed(
            "otp_throttled",
            f"验证码错误次数过多，请 {attempt.retry_in} 秒后再试",
            field="token",
            retry_in=attempt.retry_in,
        )
    return ValidationFailed("otp_invalid", "验证码不正确或已使用，请重新输入", field="token")


def otp_verify(*, user: User, token: str, address: str | None) -> Device:
    """The second step of a sign-in: return the device that accepted ``token`` (the caller marks the session
    verified with it), or raise ``ValidationFailed`` (``otp_invalid``, ``otp_throttled``) once the failure
    and its audit event are committed."""
    token = _normalise(token)
    with transaction.atomic():
        attempt = _check(user, token)
        if attempt.device is not None:
            new: dict[str, Any] = {"ip": address, "device": attempt.kind}
            if attempt.kind == "recovery":
                new["recovery_codes_left"] = otp_recovery_codes_left(user)
            record_event(actor=user, verb="accounts.otp_verified", subject=user, new=new)
            return attempt.device
        _record_failure(user=user, attempt=attempt, purpose="sign_in", address=address)
    raise _refused(attempt)


def otp_enrol_confirm(*, user: User, token: str, address: str | None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code read from it and issue ten recovery codes, returned in
    plain text to be shown once. (django-otp stores them as they are, like the authenticator's key: the
    database backups are as sensitive as the PII keys' — docs/deployment.md §6.)"""
    token = _normalise(token)
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).exists():
            raise ValidationFailed("otp_already_enrolled", "已启用双因素验证；更换手机请先停用再重新绑定")
        pending = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False)
        device = pending.order_by("pk").first()
        if device is None:
            raise ValidationFailed("otp_no_pending", "绑定页面已过期，请重新打开“双因素验证”页面")
        attempt = _try(device, token, "totp")
        if attempt.device is not None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
            codes = _issue_recovery_codes(user)
            record_event(
                actor=user,
                verb="accounts.otp_enrolled",
                subject=user,
                new={"ip": address, "recovery_codes": len(codes)},
            )
            return device, codes
        _record_failure(user=user, attempt=attempt, purpose="enrol", address=address)
    raise _refused(attempt)


def _issue_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:  # ten different ones: a duplicate would be one code fewer
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in sorted(codes))
    return sorted(codes)


def _delete_devices(user: User) -> int:
    totp, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
    static, _ = StaticDevice.objects.filter(user_id=user.pk).delete()
    return totp + static


def otp_remove(*, user: User, token: str, address: str | None) -> None:
    """The user turns the second factor off (a new phone: remove, then enrol again). It takes a current code
    or a recovery code, so that a session left open is not enough to strip it."""
    token = _normalise(token)
    with transaction.atomic():
        attempt = _check(user, token)
        if attempt.device is not None:
            _delete_devices(user)
            record_event(
                actor=user, verb="accounts.otp_removed", subject=user, new={"ip": address, "by": "self"}
            )
            return
        _record_failure(user=user, attempt=attempt, purpose="remove", address=address)
    raise _refused(attempt)


def otp_reset(*, user: User, actor: User, reason: str = "") -> bool:
    """An administrator removes a user's authenticator and recovery codes (phone and codes lost); the user
    signs in with the password alone, or is sent to enrolment again if their role requires it. Returns
    whether there was anything to remove."""
    if not (actor.is_superuser or actor.has_role(Role.ADMIN)):
        raise PermissionDenied("not_admin", "只有管理员可以重置双因素验证")
    with transaction.atomic():
        if not _delete_devices(user):
            return False
        record_event(
            actor=actor, verb="accounts.otp_removed", subject=user, new={"by": "admin"}, reason=reason
        )
    return True
