"""Field encryption and blind indexes for sensitive personal information (PIPL Art 28, 51).

* Encryption, as ``XINFANG_PII_ALGORITHM`` says:

  - ``fernet`` (the default): AES-128-CBC + HMAC-SHA256 through ``MultiFernet``; the first key in
    ``XINFANG_PII_KEYS`` encrypts, every listed key decrypts.
  - ``sm4`` (国密, GB/T 39786-2021): SM4 (GB/T 32907-2016) in GCM mode with the first key in
    ``XINFANG_PII_SM4_KEYS``; every listed key decrypts.

  Every token says what wrote it: a Fernet token is URL-safe base64 beginning ``gAAAA``, an SM4 token begins
  ``sm4:`` and names its key. So ``decrypt`` reads both whatever the setting, and ``rotate`` re-encrypts any
  token under the current algorithm and its newest key — the key-rotation command is also how stored data
  moves from one algorithm to the other.
* Blind index: a keyed hash (``XINFANG_BLIND_INDEX_ALGORITHM``: HMAC-SHA256, or HMAC-SM3 of GB/T 32905-2016)
  with a separate key over a normalised value. Equality look-ups (same ID number, same phone) match without
  decrypting anything and without a plain hash that could be brute-forced from the small space of phone
  numbers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache
from typing import NamedTuple

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PII_ALGORITHMS = ("fernet", "sm4")
BLIND_INDEX_ALGORITHMS = ("hmac-sha256", "hmac-sm3")
# The stored hashes are this many hex digits (the columns hold 40): 160 bits of either HMAC, far beyond any
# collision between the petitioners of one deployment.
BLIND_INDEX_LENGTH = 40

# An SM4 token: "sm4:" + URL-safe base64 of
#     format (1 byte) | key id (4) | nonce (12) | ciphertext (as long as the plaintext) | GCM tag (16)
# Format 1 is SM4-GCM with these sizes; another layout would take another format byte, so tokens already
# stored stay readable. The format byte and key id are authenticated as associated data.
SM4_PREFIX = "sm4:"
_SM4_GCM = 1
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12  # random per token: GCM stays sound up to 2^32 tokens per key (NIST SP 800-38D §8.3)
_TAG_BYTES = 16
_HEADER_BYTES = 1 + _KEY_ID_BYTES
_SM4_KEY_HEX_DIGITS = 32  # 128-bit keys, the only size SM4 has


class DecryptionError(RuntimeError):
    pass


def _algorithm() -> str:
    algorithm = settings.XINFANG_PII_ALGORITHM
    if algorithm not in PII_ALGORITHMS:
        raise ImproperlyConfigured(
            f"XINFANG_PII_ALGORITHM 只能是 {' 或 '.join(PII_ALGORITHMS)}：{algorithm!r}"
        )
    return algorithm


# --- Fernet -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _fernet_keys() -> MultiFernet | None:
    # None rather than MultiFernet([]), which raises a bare ValueError: with no Fernet key listed, writing
    # Fernet is a configuration error and a Fernet token met is a key mismatch.
    keys = tuple(settings.XINFANG_PII_KEYS)
    return _fernet(keys) if keys else None


# --- SM4 --------------------------------------------------------------------------------------------------


def sm4_key_id(key: bytes) -> bytes:
    """The id an SM4 token names its key by: the first bytes of SM3 over the key. Derived rather than numbered
    by hand, so an operator lists keys as they list Fernet keys, and a key's position in the list (which every
    rotation shifts) never matters; a few bytes of a hash of a 128-bit random key tell nothing of the key."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"xinfang-sm4-key-id:" + key)
    return digest.finalize()[:_KEY_ID_BYTES]


class _Sm4Keys(NamedTuple):
    newest: tuple[bytes, algorithms.SM4] | None  # (key id, key) that encrypts
    by_id: dict[bytes, algorithms.SM4]


@lru_cache(maxsize=4)
def _sm4(keys: tuple[str, ...]) -> _Sm4Keys:
    by_id: dict[bytes, algorithms.SM4] = {}
    ordered = []
    for position, text in enumerate(keys, start=1):
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
        if len(raw) * 2 != _SM4_KEY_HEX_DIGITS:
            raise ImproperlyConfigured(
                f"XINFANG_PII_SM4_KEYS 第 {position} 个密钥应为 {_SM4_KEY_HEX_DIGITS} 位十六进制数"
                '（16 字节；生成：python -c "import secrets; print(secrets.token_hex(16))"）'
            )
        key_id = sm4_key_id(raw)
        if key_id in by_id:
            raise ImproperlyConfigured(f"XINFANG_PII_SM4_KEYS 第 {position} 个密钥重复")
        by_id[key_id] = algorithms.SM4(raw)
        ordered.append((key_id, by_id[key_id]))
    if ordered:
        # SM4-GCM needs OpenSSL 3 with SM4 compiled in (the wheels of `cryptography` bundle one). A build
        # without it must stop here, on the first use, not write Fernet or fail on some later registration.
        try:
            Cipher(ordered[0][1], modes.GCM(bytes(_NONCE_BYTES))).encryptor()
        except UnsupportedAlgorithm as exc:
            raise ImproperlyConfigured(
                "此环境的 OpenSSL 不支持 SM4-GCM：请使用自带 OpenSSL 的 cryptography 发行包，或改用 fernet"
            ) from exc
    return _Sm4Keys(newest=ordered[0] if ordered else None, by_id=by_id)


def _sm4_keys() -> _Sm4Keys:
    return _sm4(tuple(settings.XINFANG_PII_SM4_KEYS))


def _sm4_encrypt(plain: bytes) -> str:
    newest = _sm4_keys().newest
    if newest is None:
        raise ImproperlyConfigured("XINFANG_PII_ALGORITHM=sm4 需要设置 XINFANG_PII_SM4_KEYS")
    key_id, key = newest
    header = bytes([_SM4_GCM]) + key_id
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(key, modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header)
    body = encryptor.update(plain) + encryptor.finalize()
    # GCM keeps the plaintext's length (Fernet rounds it up to 16 bytes); the masked columns stored beside
    # each ciphertext already show more than that.
    return SM4_PREFIX + base64.urlsafe_b64encode(header + nonce + body + encryptor.tag).decode("ascii")


def _sm4_decrypt(token: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token[len(SM4_PREFIX) :])
    except (ValueError, binascii.Error) as exc:
        raise DecryptionError("无法解密：密文格式错误") from exc
    if len(raw) < _HEADER_BYTES + _NONCE_BYTES + _TAG_BYTES or raw[0] != _SM4_GCM:
        raise DecryptionError("无法解密：密文格式错误")
    header, nonce = raw[:_HEADER_BYTES], raw[_HEADER_BYTES : _HEADER_BYTES + _NONCE_BYTES]
    body, tag = raw[_HEADER_BYTES + _NONCE_BYTES : -_TAG_BYTES], raw[-_TAG_BYTES:]
    key = _sm4_keys().by_id.get(header[1:])
    if key is None:  # written under a key that is no longer (or not yet) listed
        raise DecryptionError("无法解密：密钥不匹配（XINFANG_PII_SM4_KEYS 中没有写入该密文的密钥）")
    decryptor = Cipher(key, modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(header)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:  # never hand out unauthenticated plaintext
        raise DecryptionError("无法解密：密文已被篡改或密钥不匹配") from exc


# --- What the rest of xinfang calls -------------------------------------------------------------------------


def _encrypt_bytes(plain: bytes) -> str:
    if _algorithm() == "sm4":
        return _sm4_encrypt(plain)
    fernet = _fernet_keys()
    if fernet is None:
        raise ImproperlyConfigured("XINFANG_PII_ALGORITHM=fernet 需要设置 XINFANG_PII_KEYS")
    return fernet.encrypt(plain).decode("ascii")


def _decrypt_bytes(token: str) -> bytes:
    if token.startswith(SM4_PREFIX):  # Fernet's URL-safe base64 has no ":"
        return _sm4_decrypt(token)
    fernet = _fernet_keys()
    if fernet is None:
        raise DecryptionError("无法解密：密钥不匹配（未配置 XINFANG_PII_KEYS）")
    try:
        return fernet.decrypt(token.encode("ascii"))
    except InvalidToken as exc:  # wrong key set: fail loudly, never return ciphertext as if it were text
        raise DecryptionError("无法解密：密钥不匹配") from exc


def encrypt(value: str) -> str:
    if value == "":
        return ""
    return _encrypt_bytes(value.encode("utf-8"))


def decrypt(token: str) -> str:
    """The text of ``token``, whichever algorithm and listed key wrote it; ``DecryptionError`` otherwise."""
    if token == "":
        return ""
    return _decrypt_bytes(token).decode("utf-8")


def rotate(token: str) -> str:
    """Re-encrypt ``token`` — Fernet or SM4, under any listed key — with the current ``XINFANG_PII_ALGORITHM``
    and its newest key (used by the key-rotation command)."""
    if token == "":
        return ""
    return _encrypt_bytes(_decrypt_bytes(token))


# --- Blind indexes ------------------------------------------------------------------------------------------


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


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC (RFC 2104) over SM3 — from `cryptography`'s OpenSSL, which has SM3 wherever it has SM4, unlike
    ``hashlib``, whose OpenSSL is the operating system's."""
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize()


def blind_index(kind: str, value: str) -> str:
    """Keyed hash of ``value``; ``kind`` is mixed in so an ID number never matches a phone number.

    Both algorithms give 40 hex digits and nothing in a hash says which one made it: look-ups compare one
    hash per value, so the stored hashes must all come from the configured algorithm. Changing
    ``XINFANG_BLIND_INDEX_ALGORITHM`` (or ``XINFANG_BLIND_INDEX_KEY``) is therefore done with the service
    stopped and ``xinfang pii_reindex`` run before it starts again (docs/deployment.md)."""
    if not value:
        return ""
    message = f"{kind}:{normalise_for_index(kind, value)}".encode()
    key = settings.XINFANG_BLIND_INDEX_KEY.encode()
    algorithm = settings.XINFANG_BLIND_INDEX_ALGORITHM
    if algorithm == "hmac-sha256":
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:BLIND_INDEX_LENGTH]
    if algorithm == "hmac-sm3":
        return hmac_sm3(key, message).hex()[:BLIND_INDEX_LENGTH]
    raise ImproperlyConfigured(
        f"XINFANG_BLIND_INDEX_ALGORITHM 只能是 {' 或 '.join(BLIND_INDEX_ALGORITHMS)}：{algorithm!r}"
    )
