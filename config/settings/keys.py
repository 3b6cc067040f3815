"""What a production key must be. Checked when the production settings load (a weak key stops start-up) and
again by ``xinfang serve`` whatever settings module it runs with."""

from __future__ import annotations

from cryptography.fernet import Fernet

# Django's own measure of a usable SECRET_KEY (its deployment check security.W009): it signs sessions,
# CSRF tokens and password-reset links, so a short or low-variety key can be guessed offline.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
# HMAC-SHA256 over ID numbers and phones (xinfang/core/crypto.py): those values are few enough to enumerate,
# so the key is all that keeps the blind indexes from being reversed. 32 bytes = the hash's own strength.
BLIND_INDEX_KEY_MIN_BYTES = 32


def key_problems(*, secret_key: str, pii_keys: list[str], blind_index_key: str) -> list[str]:
    """Every way the given keys fall short, in words an operator can act on; empty when they are fine."""
    problems = []
    if (
        len(secret_key) < SECRET_KEY_MIN_LENGTH
        or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE
        or secret_key.startswith("django-insecure-")
    ):
        problems.append(
            f"XINFANG_SECRET_KEY 至少 {SECRET_KEY_MIN_LENGTH} 个字符、{SECRET_KEY_MIN_UNIQUE} 种以上不同字符"
            '（生成：python -c "import secrets; print(secrets.token_urlsafe(50))"）'
        )
    if not pii_keys:
        problems.append("XINFANG_PII_KEYS 未设置")
    for position, key in enumerate(pii_keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(
                f"XINFANG_PII_KEYS 第 {position} 个密钥不是有效的 Fernet 密钥"
                "（32 字节的 URL 安全 Base64；生成："
                'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"）'
            )
    if len(blind_index_key.encode()) < BLIND_INDEX_KEY_MIN_BYTES:
        problems.append(
            f"XINFANG_BLIND_INDEX_KEY 至少 {BLIND_INDEX_KEY_MIN_BYTES} 字节"
            '（生成：python -c "import secrets; print(secrets.token_urlsafe(32))"）'
        )
    return problems
