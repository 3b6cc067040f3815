"""Settings shared by every environment. Environment variables are read only through ``env``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from . import env

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env.get("XINFANG_VAR_DIR") or BASE_DIR / "var")

DEBUG = False
ALLOWED_HOSTS = env.listing("XINFANG_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env.listing("XINFANG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    # TOTP authenticators and their recovery codes: the staff's second factor (xinfang/accounts/twofactor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "xinfang.core",
    "xinfang.org",
    "xinfang.accounts",
    "xinfang.audit",
    "xinfang.deadlines",
    "xinfang.intake",
    "xinfang.cases",
    "xinfang.routing",
    "xinfang.web",
    "xinfang.demo",
    "xinfang.smart",
    "xinfang.notify",
    "xinfang.portal",
    "xinfang.search",
    "xinfang.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise: static files keep their own caching; every other answer gets CSP, Permissions-Policy
    # and Cache-Control: no-store (xinfang/core/headers.py).
    "xinfang.core.headers.SecurityHeadersMiddleware",
    # Before anything reads a cookie: one carrying a NUL is dropped (PostgreSQL refuses NUL in text).
    "xinfang.core.cookies.NulCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xinfang.accounts.sessions.IdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then a session past the password but not its second factor reaches only the
    # code (or enrolment) page, and the API treats it as no session (xinfang/accounts/middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "xinfang.accounts.middleware.SecondFactorMiddleware",
    "xinfang.accounts.password_age.PasswordAgeMiddleware",  # an expired password: the change page only
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.web.context.workspace",
                "xinfang.core.headers.csp_nonce",
            ],
        },
    }
]


def sqlite_database(name: Path | str) -> dict:
    """The SQLite settings every SQLite database of the project gets, the default file or one named by
    ``DATABASE_URL=sqlite:///…`` alike."""
    return {
        # Django's SQLite backend whose IMMEDIATE transactions queue on a file lock instead of SQLite's
        # polling busy handler (xinfang/core/sqlite/base.py): concurrent writers wake as soon as one commits.
        "ENGINE": "xinfang.core.sqlite",
        "NAME": name,
        # Keep the connection across requests: reconnecting runs the PRAGMAs and a WAL checkpoint each time.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so two
            # registrations never deadlock upgrading a read lock (the classic "database is locked").
            # synchronous=FULL: a commit is on disk before the petitioner is given its number. With NORMAL
            # alone a power cut could roll back acknowledged petitions and hand their numbers out again.
            # The backend's queued transactions commit under NORMAL and flush the WAL themselves once the
            # write lock is free, before atomic() returns (xinfang/core/sqlite/base.py): as durable, and the
            # 0.4–0.6 ms flush no longer holds up the next writer.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
        },
    }


def database_from_env(default_sqlite: Path) -> dict:
    """SQLite (WAL, IMMEDIATE transactions) unless DATABASE_URL names another engine."""
    url = env.get("DATABASE_URL")
    if not url:
        return sqlite_database(default_sqlite)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    options: dict[str, Any] = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A SQLite URL names the file, nothing else: without this it got Django's stock backend with
        # neither WAL nor IMMEDIATE nor FULL sync — concurrent registrations failing with "database is
        # locked" and acknowledged petitions lost at a power cut. Options in the URL's query string win.
        tuned = sqlite_database(config["NAME"])
        tuned["OPTIONS"].update(options)
        return tuned
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that costs no round trip (xinfang/core/postgresql).
        config["ENGINE"] = "xinfang.core.postgresql"
    if config["ENGINE"] == "xinfang.core.postgresql" and not env.flag("XINFANG_PG_TRANSACTION_POOLER"):
        # Server-side binding + prepared statements: the registration path repeats the same few
        # statements, so PostgreSQL plans them once per connection. (A transaction-mode pooler older
        # than pgbouncer 1.21 cannot carry prepared statements: set XINFANG_PG_TRANSACTION_POOLER=1.)
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 2)
    return config


DATABASES = {"default": database_from_env(VAR_DIR / "xinfang.sqlite3")}


def cache_from_env(default_dir: Path) -> dict:
    """The cache every worker process shares: the portal's rate limits and the deadline-rule version token
    must be the same in all gunicorn workers, or each worker counts and invalidates on its own.

    XINFANG_CACHE_URL: ``redis://host:6379/0`` (atomic counters; several machines), ``locmem`` (one process
    only), or unset — a file cache under VAR_DIR/cache that the workers of one machine share."""
    url = env.get("XINFANG_CACHE_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    elif url == "locmem":
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    elif url:
        raise ImproperlyConfigured(f"XINFANG_CACHE_URL 应为 redis://…、locmem 或留空：{url!r}")
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(default_dir),
        }
    return {"default": backend}


CACHES = cache_from_env(VAR_DIR / "cache")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where Django validates a password (admin forms, changepassword, createsuperuser): 等保 2.0 complexity —
# 10 characters from 3 of the 4 classes (xinfang/accounts/passwords.py). user_create/set_password (the demo
# accounts, tests) do not validate.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "xinfang.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

# --- Sign-in throttling (django-axes) and its audit (xinfang/accounts/logins.py) ---------------------------
# The axes backend goes first: it refuses a locked-out client before the password is even checked, so the
# right password does not get in during a lock-out either. authenticate() must be given the request.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.integer("XINFANG_LOGIN_FAILURE_LIMIT", 5)
# Locked for this long after the last failure; every try during the lock-out starts it again, so a script
# that keeps guessing stays locked out while a person who waits gets back in.
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("XINFANG_LOGIN_LOCKOUT_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# Failures count per (user name, client address) pair: an attacker at one address cannot lock a colleague
# out at another by mistyping the colleague's name on purpose, and behind one NAT'd address each member of
# staff has their own count. Guessing one account's password from many addresses is the gap this leaves
# — on an intranet the addresses are few, and every failure is in the audit trail.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears that pair's count
# The address the portal's throttles use (XINFANG_PORTAL_TRUSTED_PROXIES decides whose X-Forwarded-For
# counts); REMOTE_ADDR alone would make everyone behind a reverse proxy one client.
AXES_CLIENT_IP_CALLABLE = "xinfang.accounts.logins.client_address"
AXES_LOCKOUT_CALLABLE = "xinfang.accounts.logins.lockout_response"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，已暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，已锁定，请联系系统管理员解锁。"
# Successful sign-ins and sign-outs are audit events already; axes keeps only the running failure counts.
AXES_DISABLE_ACCESS_LOG = True
# Quiet: no "AXES: BEGIN …" banner at the head of every command's output (`xinfang deadline …` prints there).
AXES_VERBOSE = False

# --- Second factor for staff (等保 2.0 三级, GB/T 22239-2019 8.1.4.1 d): TOTP, xinfang/accounts/twofactor.py
# Whoever has enrolled an authenticator enters its code after the password at every sign-in. These roles must
# enrol one before anything else (comma-separated role codes, e.g. admin,auditor,leader; "all": everyone;
# "admin" also covers superusers without roles). Empty by default: enrolment is each user's own choice.
XINFANG_2FA_REQUIRED_ROLES = env.listing("XINFANG_2FA_REQUIRED_ROLES")
# The name the authenticator app shows next to the account.
OTP_TOTP_ISSUER = env.get("XINFANG_2FA_ISSUER") or "xinfang 法治信访"
# django-otp's own throttle of wrong codes, per device: after n failures in a row the next try is refused
# for 2^(n-1) seconds (1, 2, 4 … ten failures: 8.5 minutes), a right code resets it; 0 would switch it off.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin never shows an authenticator's key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# The workspace, the portal and the API speak Chinese only: no LocaleMiddleware negotiating a language per
# request (an English browser would have got Django's own messages in English; it cost ~3 % of a request).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env.get("XINFANG_TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Attachments live outside the web root and are streamed by a view that checks scope first.
ATTACHMENT_ROOT = Path(env.get("XINFANG_ATTACHMENT_ROOT") or VAR_DIR / "attachments")
# Issued documents (.docx/PDF), written once under their SHA-256 and never overwritten.
DOCUMENT_ROOT = Path(env.get("XINFANG_DOCUMENT_ROOT") or VAR_DIR / "documents")
ATTACHMENT_MAX_BYTES = env.integer("XINFANG_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
# Idle time-out (等保 2.0): a staff session ends this long after its last request, renewed at most once per
# XINFANG_SESSION_TOUCH_SECONDS (xinfang/accounts/sessions.py).
SESSION_COOKIE_AGE = env.integer("XINFANG_SESSION_IDLE_MINUTES", 30) * 60
XINFANG_SESSION_TOUCH_SECONDS = env.integer("XINFANG_SESSION_TOUCH_SECONDS", 60)
# Links out of the workspace and the portal carry neither matter numbers nor query strings to other sites.
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get("XINFANG_LOG_LEVEL", "INFO")},
}

# Deadline sweeper: how many days before due a clock counts as 即将到期.
XINFANG_DUE_SOON_DAYS = env.integer("XINFANG_DUE_SOON_DAYS", 3)
XINFANG_PAGE_SIZE = 25
XINFANG_MODEL_DIR = Path(env.get("XINFANG_MODEL_DIR") or VAR_DIR / "models")
# 判重: how far back and how similar a contact must be to be offered as "the same matter".
XINFANG_DUPLICATE_WINDOW_DAYS = env.integer("XINFANG_DUPLICATE_WINDOW_DAYS", 365)
XINFANG_DUPLICATE_MIN_SCORE = float(env.get("XINFANG_DUPLICATE_MIN_SCORE") or 0.35)
# Candidates scoring up to this much below the 判重 threshold are shown as "possibly related" (供参考): the
# registrar still sees the hard cases, and the verdicts on them let the threshold move down (smart_train).
XINFANG_DUPLICATE_NEAR_MARGIN = float(env.get("XINFANG_DUPLICATE_NEAR_MARGIN") or 0.15)
# Precision the tuned threshold must keep on the registrars' verdicts.
XINFANG_DUPLICATE_TARGET_PRECISION = float(env.get("XINFANG_DUPLICATE_TARGET_PRECISION") or 0.9)
# Public portal (阳光信访): reverse proxies (addresses or CIDR networks, comma-separated) whose
# X-Forwarded-For is believed when the portal's rate limits identify a client. Empty (the default):
# REMOTE_ADDR alone — behind a proxy every citizen would then share the proxy's limits.
XINFANG_PORTAL_TRUSTED_PROXIES = env.listing("XINFANG_PORTAL_TRUSTED_PROXIES")
# The unit (id) that registers portal submissions; unset: the active bureau with the widest jurisdiction.
XINFANG_PORTAL_UNIT = int(env.get("XINFANG_PORTAL_UNIT") or 0) or None

# --- Notifications (xinfang.notify) ---------------------------------------------------------------------
# Dotted paths of the delivery backends. SMS defaults to the file outbox (VAR_DIR/outbox/sms.jsonl) until a
# gateway is plugged in (subclass xinfang.notify.backends.SmsProvider); e-mail goes through Django's
# EMAIL_BACKEND (SMTP in production, locmem in tests).
XINFANG_SMS_BACKEND = env.get("XINFANG_SMS_BACKEND") or "xinfang.notify.backends.FileBackend"
XINFANG_EMAIL_BACKEND = env.get("XINFANG_EMAIL_BACKEND") or "xinfang.notify.backends.SmtpEmailBackend"
XINFANG_NOTIFY_FROM_EMAIL = env.get("XINFANG_NOTIFY_FROM_EMAIL") or ""  # empty: DEFAULT_FROM_EMAIL
# Attempts before a message is given up, and the waits after each failure (minutes; the last one repeats).
XINFANG_NOTIFY_MAX_ATTEMPTS = env.integer("XINFANG_NOTIFY_MAX_ATTEMPTS", 5)
XINFANG_NOTIFY_BACKOFF_MINUTES = [1, 5, 30, 120]
# How long a worker owns a claimed message; after that another worker may resend it (crash recovery).
XINFANG_NOTIFY_LEASE_SECONDS = env.integer("XINFANG_NOTIFY_LEASE_SECONDS", 600)
# Send right after the caller's commit; off leaves every message to `manage.py notify_send --loop`.
XINFANG_NOTIFY_SEND_ON_COMMIT = env.flag("XINFANG_NOTIFY_SEND_ON_COMMIT", True)
# ... from a sender thread in the web process (batched; the response does not wait for the gateway) instead
# of inside the request after its commit. On in production; tests and development send inline.
XINFANG_NOTIFY_SEND_IN_BACKGROUND = env.flag("XINFANG_NOTIFY_SEND_IN_BACKGROUND", False)

# API tokens are cached per process this long: a deactivated token stops working in other processes within
# this many seconds (at once in the process that saved it).
XINFANG_API_TOKEN_CACHE_SECONDS = float(env.get("XINFANG_API_TOKEN_CACHE_SECONDS") or 10)

# --- 国密 (GB/T 39786-2021): SM4 for personal data, HMAC-SM3 for blind indexes (xinfang/core/crypto.py) -----
# What encrypt writes: "fernet" (the default) or "sm4". Every token names its algorithm and key, so both are
# read whatever this says; `xinfang rotate_pii_keys` moves stored data to the algorithm set here.
XINFANG_PII_ALGORITHM = (env.get("XINFANG_PII_ALGORITHM") or "fernet").strip().lower()
# SM4 keys, 32 hex digits (16 bytes) each, comma-separated, newest first: the first encrypts, all decrypt.
XINFANG_PII_SM4_KEYS = env.listing("XINFANG_PII_SM4_KEYS")
# "hmac-sha256" (the default) or "hmac-sm3". A change alters every stored look-up hash: stop the service,
# change it, run `xinfang pii_reindex`, start again (docs/deployment.md).
XINFANG_BLIND_INDEX_ALGORITHM = (env.get("XINFANG_BLIND_INDEX_ALGORITHM") or "hmac-sha256").strip().lower()
if XINFANG_PII_ALGORITHM not in ("fernet", "sm4"):
    raise env.ImproperlyConfiguredError(
        f"XINFANG_PII_ALGORITHM 只能是 fernet 或 sm4：{XINFANG_PII_ALGORITHM!r}"
    )
if XINFANG_BLIND_INDEX_ALGORITHM not in ("hmac-sha256", "hmac-sm3"):
    raise env.ImproperlyConfiguredError(
        f"XINFANG_BLIND_INDEX_ALGORITHM 只能是 hmac-sha256 或 hmac-sm3：{XINFANG_BLIND_INDEX_ALGORITHM!r}"
    )

# --- Write path (xinfang/core/writepath.py) ----------------------------------------------------------------
# "fast" (the default): registration through core.rows / the pipelined transaction; "stock": Django's ORM
# only, one save() a row — slower, with none of the Django/psycopg internals the fast path relies on.
XINFANG_WRITE_PATH = (env.get("XINFANG_WRITE_PATH") or "fast").strip().lower()
if XINFANG_WRITE_PATH not in ("fast", "stock"):
    raise env.ImproperlyConfiguredError(f"XINFANG_WRITE_PATH 只能是 fast 或 stock：{XINFANG_WRITE_PATH!r}")

# --- Password age for staff (等保 2.0 三级, GB/T 22239-2019 8.1.4.1 a "定期更换"): accounts/password_age.py
# A signed-in user whose password is older than this many days reaches only /account/password/ until it is
# changed; 0 turns expiry off. The API's Bearer tokens are not affected. A new password may not be the old.
XINFANG_PASSWORD_MAX_AGE_DAYS = env.integer("XINFANG_PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "xinfang.accounts.passwords.NotCurrentPasswordValidator"},
]
