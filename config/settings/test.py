"""Test settings: fixed throw-away keys, fast hashing, in-memory mail. DATABASE_URL switches to PostgreSQL."""

import tempfile
from pathlib import Path

from . import env
from .base import *  # noqa: F403
from .base import database_from_env

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
XINFANG_PII_KEYS = ["rG2nL5bV0sY1e8k3m0QkA9m6Jm2v8Z3HcZ9wq2X1y0M="]
XINFANG_BLIND_INDEX_KEY = "test-blind-index-key"
XINFANG_DEV_KEYS_IN_USE = True  # published in the repository: `xinfang serve` refuses them like dev keys
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
_tmp = Path(tempfile.mkdtemp(prefix="xinfang-test-"))
ATTACHMENT_ROOT = _tmp / "attachments"
DOCUMENT_ROOT = _tmp / "documents"
STATIC_ROOT = _tmp / "static"
STATIC_ROOT.mkdir()
DATABASES = {"default": database_from_env(_tmp / "test.sqlite3")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # per test process
DEBUG = env.flag("XINFANG_DEBUG", False)
# A fixed throw-away SM4 key, so that any test (or the whole suite, XINFANG_PII_ALGORITHM=sm4) can write SM4.
XINFANG_PII_SM4_KEYS = ["a0a3e8c8d6275fcc4f9b83b0ca7a3ace"]
