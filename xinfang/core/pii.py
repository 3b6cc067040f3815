"""Validation and masking of personal identifiers."""

from __future__ import annotations

import re

from .errors import ValidationFailed

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")


def id_check_digit(body: str) -> str:
    """GB 11643-1999 check digit (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_checksum_ok(number: str) -> bool:
    return bool(_ID_RE.match(number)) and id_check_digit(number) == number[17]


def clean_id_number(raw: str, *, field: str = "id_number") -> str:
    number = raw.strip().replace(" ", "").upper()
    if not number:
        return ""
    if not _ID_RE.match(number):
        raise ValidationFailed("id_number_format", "身份证号码应为18位（最后一位可为X）", field=field)
    if not id_checksum_ok(number):
        raise ValidationFailed("id_number_checksum", "身份证号码校验位错误，请核对", field=field)
    return number


def clean_phone(raw: str, *, field: str = "phone") -> str:
    phone = "".join(ch for ch in raw if ch.isdigit())
    if not phone:
        return ""
    if phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if not (_MOBILE_RE.match(phone) or _LANDLINE_RE.match(phone)):
        raise ValidationFailed(
            "phone_format", "电话号码格式不正确（手机11位或带区号的固定电话）", field=field
        )
    return phone


def mask_id_number(number: str) -> str:
    if len(number) < 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_address(address: str) -> str:
    if not address:
        return ""
    keep = min(6, max(2, len(address) // 3))
    return address[:keep] + "****"


def mask_name(name: str) -> str:
    """For the accused unit and public pages: 张三 → 张*, 欧阳娜娜 → 欧***."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
