"""Production settings and ``xinfang serve``: DEBUG off, keys from the environment and strong enough, the
generated development keys refused unless asked for, HTTPS hardening with XINFANG_TLS — and Django's own
deployment check (`check --deploy`) clean. Each case runs in a fresh interpreter: settings load once."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from config.settings.devkeys import dev_keys

ROOT = Path(__file__).resolve().parents[3]


def _keys() -> dict[str, str]:
    return {
        "XINFANG_SECRET_KEY": secrets.token_urlsafe(50),
        "XINFANG_PII_KEYS": Fernet.generate_key().decode(),
        "XINFANG_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    }


def _run(args: list[str], var_dir: Path, settings: str | None = "config.settings.production", **env: str):
    """Run ``args`` (after the interpreter) in a clean environment: none of this process's settings, database
    or XINFANG_* variables, the given ones added."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XINFANG_", "DJANGO_", "DATABASE_URL")) and k != "PYTEST_CURRENT_TEST"
    }
    clean |= {"XINFANG_VAR_DIR": str(var_dir), "XINFANG_ALLOWED_HOSTS": "xinfang.example.gov.cn"} | env
    if settings:
        clean["DJANGO_SETTINGS_MODULE"] = settings
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, *args], env=clean, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_tls(tmp_path: Path):
    done = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, XINFANG_TLS="1", **_keys()
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_tls_turns_on_hsts_redirect_secure_cookies_and_the_proxy_header(tmp_path: Path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(repr(("
        "s.DEBUG, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)))"
    )
    with_tls = _run(["-c", code], tmp_path, XINFANG_TLS="1", XINFANG_SECURE_COOKIES="0", **_keys())
    assert with_tls.stdout.strip() == repr(
        (False, 31536000, True, True, ("HTTP_X_FORWARDED_PROTO", "https"), True, True)
    ), with_tls.stderr
    # Plain HTTP on an intranet: no HSTS, no redirect — and check --deploy says so rather than staying quiet.
    plain = _run(["manage.py", "check", "--deploy"], tmp_path, **_keys())
    assert plain.returncode == 0 and "security.W004" in plain.stderr and "security.W008" in plain.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"XINFANG_SECRET_KEY": "x" * 49}, "XINFANG_SECRET_KEY 至少 50 个字符"),
        ({"XINFANG_SECRET_KEY": "ab" * 40}, "5 种以上不同字符"),
        ({"XINFANG_PII_KEYS": Fernet.generate_key().decode() + ",not-a-key"}, "第 2 个密钥不是有效的 Fernet"),
        ({"XINFANG_BLIND_INDEX_KEY": "k" * 31}, "XINFANG_BLIND_INDEX_KEY 至少 32 字节"),
        (
            {"XINFANG_BLIND_INDEX_KEY": ""},
            "XINFANG_BLIND_INDEX_KEY (or XINFANG_BLIND_INDEX_KEY_FILE) must be set",
        ),
    ],
)
def test_weak_or_missing_keys_stop_start_up(tmp_path: Path, override, message):
    done = _run(["manage.py", "check"], tmp_path, **(_keys() | override))
    assert done.returncode != 0 and message in done.stderr, done.stderr[-2000:]


def test_generated_development_keys_are_refused_unless_allowed(tmp_path: Path):
    dev = dev_keys(tmp_path)
    copied = _keys() | {"XINFANG_PII_KEYS": f"{Fernet.generate_key().decode()},{dev['pii_key']}"}
    refused = _run(["manage.py", "check"], tmp_path, **copied)
    assert refused.returncode != 0 and "生产环境使用了开发密钥" in refused.stderr
    allowed = _run(["manage.py", "check"], tmp_path, XINFANG_ALLOW_DEV_KEYS="1", **copied)
    assert allowed.returncode == 0, allowed.stderr


def test_xinfang_serve_runs_production_settings(tmp_path: Path):
    serve = ["-m", "xinfang.cli", "serve", "--dry-run"]
    done = _run(serve, tmp_path, settings=None, **_keys())
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.startswith("config.settings.production，")
        and "gunicorn config.wsgi:application" in done.stdout
    )
    assert "开发密钥" not in done.stderr

    # No keys: production settings stop, they do not fall back to generated ones.
    missing = _run(serve, tmp_path, settings=None)
    assert (
        missing.returncode != 0
        and "XINFANG_SECRET_KEY (or XINFANG_SECRET_KEY_FILE) must be set" in missing.stderr
    )
    assert not (tmp_path / "dev-keys.json").exists()

    # Trying it out on a development machine: generated keys, with a loud warning.
    trying = _run([*serve, "--allow-dev-keys"], tmp_path, settings=None)
    assert trying.returncode == 0, trying.stderr
    assert "警告：正在使用开发密钥" in trying.stderr and (tmp_path / "dev-keys.json").exists()

    # The local settings (DEBUG on) are refused even when named explicitly.
    local = _run(serve, tmp_path, settings="config.settings.local")
    assert local.returncode != 0 and "DEBUG 已开启" in local.stderr


@pytest.fixture(autouse=True)
def _no_async_unsafe(monkeypatch):
    """serve runs Django's deployment checks, one of which (async.E001) refuses the DJANGO_ALLOW_ASYNC_UNSAFE
    the browser tests' conftest sets for the whole process."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def _serve(*args: str) -> str:
    out = StringIO()
    call_command("serve", "--dry-run", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_serve_refuses_debug_and_test_keys_in_any_settings(settings):
    """Whatever module DJANGO_SETTINGS_MODULE names (here the test settings)."""
    with pytest.raises(CommandError, match="开发或测试密钥"):
        _serve()
    assert "gunicorn" in _serve("--allow-dev-keys")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="DEBUG 已开启"):
        _serve("--allow-dev-keys")


def test_serve_checks_the_keys_it_is_given(settings):
    settings.XINFANG_DEV_KEYS_IN_USE = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.XINFANG_PII_KEYS = [Fernet.generate_key().decode()]
    settings.XINFANG_BLIND_INDEX_KEY = secrets.token_urlsafe(32)
    assert "gunicorn" in _serve()
    settings.XINFANG_BLIND_INDEX_KEY = "short"
    with pytest.raises(CommandError, match="XINFANG_BLIND_INDEX_KEY 至少 32 字节"):
        _serve()
