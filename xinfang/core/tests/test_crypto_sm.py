"""国密 in ``xinfang.core.crypto``: the SM4, SM3 and HMAC-SM3 of the installed `cryptography` against the
standards' published examples; SM4 tokens written, read, rotated and refused; Fernet and SM4 tokens read
whichever algorithm writes; the production settings' requirement of SM4 keys."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured

from xinfang.core import crypto

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _defaults(settings):
    """Start from the default algorithms whatever the environment chose (the suite also runs with
    XINFANG_PII_ALGORITHM=sm4 XINFANG_BLIND_INDEX_ALGORITHM=hmac-sm3)."""
    settings.XINFANG_PII_ALGORITHM = "fernet"
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sha256"


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


# --- The primitives against the standards --------------------------------------------------------------


def test_sm4_block_gbt_32907_2016_example():
    # GB/T 32907-2016 附录 A, 示例 1: key = plaintext.
    # ECB of one block is the bare block cipher the example is about, not a mode anything here uses.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"
    decryptor = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()  # noqa: S305
    assert decryptor.update(bytes.fromhex("681edf34d206965e86b3e94f536e4246")) == key


def test_sm4_gcm_rfc_8998_example():
    # The mode the SM4 tokens use: RFC 8998 Appendix A.1 (SM4-GCM), as in pyca/cryptography's vectors.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    nonce = bytes.fromhex("00001234567800000000abcd")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plain = bytes.fromhex("".join(c * 16 for c in "abcdefea"))  # 8 bytes of 0xaa, of 0xbb, … of 0xaa
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plain) + encryptor.finalize()
    assert body.hex() == (
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
        "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
    )
    assert encryptor.tag.hex() == "83de3541e4c2b58177e065a9bf7b62ec"


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        # GB/T 32905-2016 附录 A, 示例 1 and 示例 2 (512 bits).
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_gbt_32905_2016_examples(message: bytes, digest: str):
    assert _sm3(message).hex() == digest


# GM/T 0042-2015 附录 D.3, as carried in OpenSSL's test/recipes/30-test_evp_data/evpmac_sm3.txt.
_HMAC_SM3 = [
    (
        "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a",
    ),
    (
        "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425",
        b"\xcd" * 50,
        "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae",
    ),
    ("0b" * 32, b"Hi There", "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"),
    (
        b"Jefe Jeferson Jr".hex(),
        b"what do ya want for nothing?",
        "ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c",
    ),
]


@pytest.mark.parametrize(("key", "message", "mac"), _HMAC_SM3)
def test_hmac_sm3_gmt_0042_2015_examples(key: str, message: bytes, mac: str):
    assert crypto.hmac_sm3(bytes.fromhex(key), message).hex() == mac


def test_hmac_sm3_hashes_a_key_longer_than_the_block_like_rfc_2104():
    # The published examples have keys of at most 37 bytes; a longer key is first hashed (RFC 2104 §2).
    # Built by hand from SM3: ipad/opad over the 64-byte block.
    key, message = bytes(range(100)), b"id_number:440305198001010011"
    block = _sm3(key).ljust(64, b"\0")
    inner = _sm3(bytes(b ^ 0x36 for b in block) + message)
    expected = _sm3(bytes(b ^ 0x5C for b in block) + inner)
    assert crypto.hmac_sm3(key, message) == expected


# --- Blind index -----------------------------------------------------------------------------------------


def test_blind_index_hmac_sm3(settings):
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sm3"
    digest = crypto.blind_index("phone", "+86 138-0013-8000")
    key = settings.XINFANG_BLIND_INDEX_KEY.encode()
    assert digest == crypto.hmac_sm3(key, b"phone:13800138000").hex()[:40]
    assert len(digest) == 40 and digest == crypto.blind_index("phone", "13800138000")
    assert digest != crypto.blind_index("id_number", "13800138000")  # the kind is mixed in
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "hmac-sha256"
    assert crypto.blind_index("phone", "13800138000") != digest
    assert len(crypto.blind_index("phone", "13800138000")) == 40


def test_unknown_blind_index_algorithm_is_refused(settings):
    settings.XINFANG_BLIND_INDEX_ALGORITHM = "sha1"
    with pytest.raises(ImproperlyConfigured, match="XINFANG_BLIND_INDEX_ALGORITHM"):
        crypto.blind_index("phone", "13800138000")


# --- SM4 tokens ------------------------------------------------------------------------------------------

TEXTS = ["440305198001010011", "13800138000", "深圳市南山区桂庙路1号 3栋 1201", "x", "长" * 2000]


@pytest.mark.parametrize("algorithm", ["fernet", "sm4"])
def test_round_trip(settings, algorithm: str):
    settings.XINFANG_PII_ALGORITHM = algorithm
    for text in TEXTS:
        token = crypto.encrypt(text)
        assert token.startswith("sm4:" if algorithm == "sm4" else "gAAAA")
        assert crypto.decrypt(token) == text
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_sm4_token_names_format_and_key_and_never_repeats(settings):
    settings.XINFANG_PII_ALGORITHM = "sm4"
    first, second = crypto.encrypt("13800138000"), crypto.encrypt("13800138000")
    assert first != second  # a fresh nonce per token: equal values are not visible as equal ciphertexts
    raw = base64.urlsafe_b64decode(first[4:])
    key = bytes.fromhex(settings.XINFANG_PII_SM4_KEYS[0])
    assert raw[0] == 1 and raw[1:5] == crypto.sm4_key_id(key)
    assert len(raw) == 5 + 12 + len("13800138000") + 16


def test_each_algorithm_reads_the_others_tokens(settings):
    settings.XINFANG_PII_ALGORITHM = "fernet"
    fernet_token = crypto.encrypt("某路9号")
    settings.XINFANG_PII_ALGORITHM = "sm4"
    sm4_token = crypto.encrypt("某路9号")
    assert crypto.decrypt(fernet_token) == "某路9号"
    settings.XINFANG_PII_ALGORITHM = "fernet"
    assert crypto.decrypt(sm4_token) == "某路9号"


def test_rotate_moves_fernet_to_sm4_and_back(settings):
    settings.XINFANG_PII_ALGORITHM = "fernet"
    fernet_token = crypto.encrypt("440305198001010011")
    settings.XINFANG_PII_ALGORITHM = "sm4"
    sm4_token = crypto.rotate(fernet_token)
    assert sm4_token.startswith("sm4:")
    fernet_keys = settings.XINFANG_PII_KEYS
    settings.XINFANG_PII_KEYS = []  # the Fernet keys retired: the rotated token no longer needs them
    assert crypto.decrypt(sm4_token) == "440305198001010011"
    with pytest.raises(crypto.DecryptionError, match="未配置 XINFANG_PII_KEYS"):
        crypto.decrypt(fernet_token)

    settings.XINFANG_PII_KEYS = fernet_keys
    settings.XINFANG_PII_ALGORITHM = "fernet"
    back = crypto.rotate(sm4_token)
    assert back.startswith("gAAAA")
    settings.XINFANG_PII_SM4_KEYS = []
    assert crypto.decrypt(back) == "440305198001010011"
    with pytest.raises(crypto.DecryptionError, match="密钥不匹配"):
        crypto.decrypt(sm4_token)


def test_rotate_moves_sm4_tokens_to_the_newest_key(settings):
    settings.XINFANG_PII_ALGORITHM = "sm4"
    old = settings.XINFANG_PII_SM4_KEYS[0]
    token = crypto.encrypt("13800138000")
    new = secrets.token_hex(16)
    settings.XINFANG_PII_SM4_KEYS = [new, old]
    assert crypto.decrypt(token) == "13800138000"  # the old key still listed
    rotated = crypto.rotate(token)
    assert base64.urlsafe_b64decode(rotated[4:])[1:5] == crypto.sm4_key_id(bytes.fromhex(new))
    settings.XINFANG_PII_SM4_KEYS = [new]
    assert crypto.decrypt(rotated) == "13800138000"
    with pytest.raises(crypto.DecryptionError, match="密钥不匹配"):
        crypto.decrypt(token)


def _altered(token: str, position: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[4:]))
    raw[position] ^= 0x01
    return "sm4:" + base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    ("position", "message"),
    [
        (0, "格式错误"),  # format byte
        (1, "密钥不匹配"),  # key id
        (6, "篡改"),  # nonce
        (5 + 12, "篡改"),  # ciphertext
        (-1, "篡改"),  # tag
    ],
)
def test_a_tampered_sm4_token_is_refused(settings, position: int, message: str):
    settings.XINFANG_PII_ALGORITHM = "sm4"
    token = crypto.encrypt("440305198001010011")
    with pytest.raises(crypto.DecryptionError, match=message):
        crypto.decrypt(_altered(token, position))


@pytest.mark.parametrize("token", ["sm4:", "sm4:AQ==", "sm4:%%%%", "sm4:é"])
def test_a_malformed_sm4_token_is_refused(token: str):
    with pytest.raises(crypto.DecryptionError, match="格式错误"):
        crypto.decrypt(token)


def test_an_sm4_token_under_another_key_is_refused(settings):
    settings.XINFANG_PII_ALGORITHM = "sm4"
    token = crypto.encrypt("13800138000")
    settings.XINFANG_PII_SM4_KEYS = [secrets.token_hex(16)]
    with pytest.raises(crypto.DecryptionError, match="密钥不匹配"):
        crypto.decrypt(token)
    settings.XINFANG_PII_SM4_KEYS = []
    with pytest.raises(crypto.DecryptionError, match="密钥不匹配"):
        crypto.decrypt(token)


def test_a_fernet_token_under_another_key_is_refused(settings):
    token = crypto.encrypt("13800138000")
    settings.XINFANG_PII_ALGORITHM = "sm4"  # the setting does not matter for reading
    settings.XINFANG_PII_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError, match="密钥不匹配"):
        crypto.decrypt(token)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"XINFANG_PII_ALGORITHM": "aes"}, "XINFANG_PII_ALGORITHM 只能是"),
        ({"XINFANG_PII_ALGORITHM": "fernet", "XINFANG_PII_KEYS": []}, "需要设置 XINFANG_PII_KEYS"),
        ({"XINFANG_PII_ALGORITHM": "sm4", "XINFANG_PII_SM4_KEYS": []}, "需要设置 XINFANG_PII_SM4_KEYS"),
        ({"XINFANG_PII_ALGORITHM": "sm4", "XINFANG_PII_SM4_KEYS": ["00" * 15]}, "第 1 个密钥应为 32 位"),
        ({"XINFANG_PII_ALGORITHM": "sm4", "XINFANG_PII_SM4_KEYS": ["zz" * 16]}, "第 1 个密钥应为 32 位"),
        ({"XINFANG_PII_ALGORITHM": "sm4", "XINFANG_PII_SM4_KEYS": ["ab" * 16, "AB" * 16]}, "第 2 个密钥重复"),
    ],
)
def test_misconfiguration_stops_encryption(settings, changes: dict, message: str):
    for name, value in changes.items():
        setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.encrypt("13800138000")


# --- Production settings ---------------------------------------------------------------------------------


def _production(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Load the production settings in a fresh interpreter (settings load once) with only the given keys."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XINFANG_", "DJANGO_", "DATABASE_URL")) and k != "PYTEST_CURRENT_TEST"
    }
    clean |= {
        "XINFANG_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "XINFANG_SECRET_KEY": secrets.token_urlsafe(50),
        "XINFANG_PII_KEYS": Fernet.generate_key().decode(),
        "XINFANG_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    } | env
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.XINFANG_PII_ALGORITHM, s.XINFANG_BLIND_INDEX_ALGORITHM, len(s.XINFANG_PII_SM4_KEYS))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_production_requires_sm4_keys_only_when_sm4_writes(tmp_path: Path):
    assert _production(tmp_path).stdout.split() == ["fernet", "hmac-sha256", "0"]
    missing = _production(tmp_path, XINFANG_PII_ALGORITHM="sm4")
    assert missing.returncode != 0 and "需要设置 XINFANG_PII_SM4_KEYS" in missing.stderr
    keys = f"{secrets.token_hex(16)},{secrets.token_hex(16).upper()}"
    both = _production(
        tmp_path,
        XINFANG_PII_ALGORITHM="SM4",
        XINFANG_BLIND_INDEX_ALGORITHM="hmac-sm3",
        XINFANG_PII_SM4_KEYS=keys,
    )
    assert both.stdout.split() == ["sm4", "hmac-sm3", "2"], both.stderr
    bad = _production(tmp_path, XINFANG_PII_SM4_KEYS=Fernet.generate_key().decode())
    assert bad.returncode != 0 and "第 1 个密钥应为 32 位十六进制数" in bad.stderr
    unknown = _production(tmp_path, XINFANG_BLIND_INDEX_ALGORITHM="hmac-md5")
    assert unknown.returncode != 0 and "只能是 hmac-sha256 或 hmac-sm3" in unknown.stderr
