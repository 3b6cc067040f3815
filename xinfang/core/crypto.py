"""Field encryption and blind indexes for sensitive personal information (PIPL Art 28, 51).

* Encryption: Fernet (AES-128-CBC + HMAC-SHA256) through ``MultiFernet`` so keys can be rotated: the first key
  in ``XINFANG_PII_KEYS`` encrypts, every listed key decrypts, and ``rotate`` re-encrypts under the first.
* Blind index: HMAC-SHA256 with a separate key over a normalised value. Equality look-ups (same ID number,
  same phone) match without decrypting anything and without a plain hash that could be brute-forced from the
  small space of phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(RuntimeError):
    pass


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.XINFANG_PII_KEYS))


def encrypt(value: str) -> str:
    if value == "":
        return ""
    return _current().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if token == "":
        return ""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # wrong key set: fail loudly, never return ciphertext as if it were text
        raise DecryptionError("无法解密：密钥不匹配") from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the newest key (used by the key-rotation command)."""
    if token == "":
        return ""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def normalise_for_index(kind: str, value: str) -> str:
    value = value.strip().replace(" ", "").replace("-", "")
    if kind == "id_number":
        return value.upper()
    if kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        # +86 / 0086 prefixes name the same mobile number
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        if len(digits) == 15 and digits.startswith("0086"):
            digits = digits[4:]
        return digits
    return value


def blind_index(kind: str, value: str) -> str:
    """Keyed hash of ``value``; ``kind`` is mixed in so an ID number never matches a phone number."""
    if not value:
        return ""
    normalised = normalise_for_index(kind, value)
    key = settings.XINFANG_BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:40]
