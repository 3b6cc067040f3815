"""Local/demo settings: development keys that are generated once and kept under var/ (never committed)."""

from . import env
from .base import *  # noqa: F403
from .base import VAR_DIR
from .devkeys import dev_keys

DEBUG = env.flag("XINFANG_DEBUG", True)
_keys = dev_keys(VAR_DIR)
SECRET_KEY = env.get("XINFANG_SECRET_KEY") or _keys["secret_key"]
XINFANG_PII_KEYS = env.listing("XINFANG_PII_KEYS") or [_keys["pii_key"]]
XINFANG_BLIND_INDEX_KEY = env.get("XINFANG_BLIND_INDEX_KEY") or _keys["blind_index_key"]
# The demo and development machine has no mail relay: unit e-mails go to VAR_DIR/outbox/email.jsonl like SMS.
XINFANG_EMAIL_BACKEND = env.get("XINFANG_EMAIL_BACKEND") or "xinfang.notify.backends.FileBackend"
