"""Production: every secret must come from the environment; nothing is defaulted.

``xinfang serve`` loads these settings unless DJANGO_SETTINGS_MODULE says otherwise. The keys are checked
here (length, Fernet format) and the generated development keys of var/dev-keys.json are refused unless
XINFANG_ALLOW_DEV_KEYS is set — which ``xinfang serve --allow-dev-keys`` does, for trying the server out on a
development machine, and which also lets missing keys be taken from that file.
"""

from . import env
from .base import *  # noqa: F403
from .base import VAR_DIR
from .devkeys import dev_keys, existing_dev_keys, uses_dev_keys
from .keys import key_problems

DEBUG = False

XINFANG_ALLOW_DEV_KEYS = env.flag("XINFANG_ALLOW_DEV_KEYS")
_dev = dev_keys(VAR_DIR) if XINFANG_ALLOW_DEV_KEYS else existing_dev_keys(VAR_DIR)


def _key(name: str, dev_name: str) -> str:
    value = env.get(name)
    if value:
        return value
    if XINFANG_ALLOW_DEV_KEYS and _dev:
        return _dev[dev_name]
    return env.secret(name)  # raises: no production default for a secret


SECRET_KEY = _key("XINFANG_SECRET_KEY", "secret_key")
# Comma-separated Fernet keys, newest first: decrypt with any, encrypt with the first (key rotation).
XINFANG_PII_KEYS = env.listing("XINFANG_PII_KEYS") or [_key("XINFANG_PII_KEYS", "pii_key")]
XINFANG_BLIND_INDEX_KEY = _key("XINFANG_BLIND_INDEX_KEY", "blind_index_key")
XINFANG_DEV_KEYS_IN_USE = uses_dev_keys(
    _dev, secret_key=SECRET_KEY, pii_keys=XINFANG_PII_KEYS, blind_index_key=XINFANG_BLIND_INDEX_KEY
)
if XINFANG_DEV_KEYS_IN_USE and not XINFANG_ALLOW_DEV_KEYS:
    raise env.ImproperlyConfiguredError(
        f"生产环境使用了开发密钥（{VAR_DIR / 'dev-keys.json'}）：请为 XINFANG_SECRET_KEY、XINFANG_PII_KEYS、"
        "XINFANG_BLIND_INDEX_KEY 生成新的密钥（docs/deployment.md 第 2 节）。仅在开发机上试用时可用 "
        "xinfang serve --allow-dev-keys。"
    )
_problems = key_problems(
    secret_key=SECRET_KEY, pii_keys=XINFANG_PII_KEYS, blind_index_key=XINFANG_BLIND_INDEX_KEY
)
if _problems:
    raise env.ImproperlyConfiguredError("密钥不符合要求：" + "；".join(_problems))

# --- HTTPS -----------------------------------------------------------------------------------------------
# XINFANG_TLS=1: the staff and the public reach the server over HTTPS only, through a reverse proxy that ends
# TLS in front of `xinfang serve` (which binds 127.0.0.1 and speaks plain HTTP to it).
XINFANG_TLS = env.flag("XINFANG_TLS")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Session and CSRF cookies are HTTPS-only by default; XINFANG_SECURE_COOKIES=0 only where staff reach the
# server over plain HTTP on the intranet (nobody could log in otherwise). Never off with TLS.
SESSION_COOKIE_SECURE = XINFANG_TLS or env.flag("XINFANG_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if XINFANG_TLS:
    # The browser refuses plain HTTP to this host for a year once it has seen the site over HTTPS: no
    # downgrade on a hostile network, no session cookie sent in clear by a typed http:// address.
    SECURE_HSTS_SECONDS = env.integer("XINFANG_HSTS_SECONDS", 365 * 24 * 3600)
    # Covers hosts *below* this one (*.xinfang.example.gov.cn), not its siblings.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("XINFANG_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading puts the whole registrable domain into the browsers' built-in list for months: a decision
    # for the owner of the domain (usually not the petition bureau), so off unless asked for, and Django's
    # reminder (security.W021) is silenced accordingly.
    SECURE_HSTS_PRELOAD = env.flag("XINFANG_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_SSL_REDIRECT = env.flag("XINFANG_SSL_REDIRECT", True)
    # Behind the proxy every request reaches Django as plain HTTP; the proxy says what the browser used.
    # Safe only because the proxy sets X-Forwarded-Proto itself (nginx: proxy_set_header X-Forwarded-Proto
    # $scheme) and nobody reaches gunicorn around it (it listens on 127.0.0.1).
    if env.flag("XINFANG_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Web workers send notifications from a background thread after commit (xinfang/notify/courier.py).
XINFANG_NOTIFY_SEND_IN_BACKGROUND = env.flag("XINFANG_NOTIFY_SEND_IN_BACKGROUND", True)

# --- 国密 SM4 (docs/deployment.md, 国密算法) -------------------------------------------------------------
# Read in base, where they may be empty (SM4 keys can stay listed after moving back to Fernet, to read old
# tokens); required here once SM4 writes. Imported down here to keep this block apart from the rest.
from .base import XINFANG_PII_ALGORITHM, XINFANG_PII_SM4_KEYS  # noqa: E402

if XINFANG_PII_ALGORITHM == "sm4" and not XINFANG_PII_SM4_KEYS:
    raise env.ImproperlyConfiguredError(
        "XINFANG_PII_ALGORITHM=sm4 需要设置 XINFANG_PII_SM4_KEYS（或 XINFANG_PII_SM4_KEYS_FILE）"
    )
for _position, _sm4_key in enumerate(XINFANG_PII_SM4_KEYS, start=1):
    if len(_sm4_key) != 32 or set(_sm4_key.lower()) - set("0123456789abcdef"):
        raise env.ImproperlyConfiguredError(
            f"XINFANG_PII_SM4_KEYS 第 {_position} 个密钥应为 32 位十六进制数"
            '（生成：python -c "import secrets; print(secrets.token_hex(16))"）'
        )
