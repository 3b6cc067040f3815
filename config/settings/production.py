"""Production: every secret must come from the environment; nothing is defaulted."""

from . import env
from .base import *  # noqa: F403

SECRET_KEY = env.secret("XINFANG_SECRET_KEY")
# Comma-separated Fernet keys, newest first: decrypt with any, encrypt with the first (key rotation).
XINFANG_PII_KEYS = env.listing("XINFANG_PII_KEYS") or [env.secret("XINFANG_PII_KEYS")]
XINFANG_BLIND_INDEX_KEY = env.secret("XINFANG_BLIND_INDEX_KEY")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = env.flag("XINFANG_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env.flag("XINFANG_SECURE_COOKIES", True)
# Web workers send notifications from a background thread after commit (xinfang/notify/courier.py).
XINFANG_NOTIFY_SEND_IN_BACKGROUND = env.flag("XINFANG_NOTIFY_SEND_IN_BACKGROUND", True)
