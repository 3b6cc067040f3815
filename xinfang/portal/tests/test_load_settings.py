"""XINFANG_PORTAL_TRUSTED_PROXIES: whose X-Forwarded-For the portal's rate limits believe (used behind a
reverse proxy, and by bench/portal_load.py to give each simulated citizen its own address)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from xinfang.cases.models import Matter
from xinfang.portal.security import client_ip

from .helpers import submit

ROOT = Path(__file__).resolve().parents[3]


def _ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    return client_ip(RequestFactory().post("/portal/submit/", **meta))


def _setting_from_env(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_PORTAL_TRUSTED_PROXIES")}
    if value is not None:
        env["XINFANG_PORTAL_TRUSTED_PROXIES"] = value
    code = "import config.settings.base as b; print(repr(b.XINFANG_PORTAL_TRUSTED_PROXIES))"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_setting_is_read_from_the_environment_and_empty_by_default():
    assert _setting_from_env(None) == "[]"
    assert _setting_from_env("127.0.0.1, 10.0.0.0/8") == "['127.0.0.1', '10.0.0.0/8']"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.XINFANG_PORTAL_TRUSTED_PROXIES = []
    assert _ip("127.0.0.1", "203.0.113.9") == "127.0.0.1"
    assert _ip("198.51.100.5") == "198.51.100.5"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(settings):
    settings.XINFANG_PORTAL_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert _ip("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # Entries left of the client's own address were written by the client: never believed.
    assert _ip("127.0.0.1", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert _ip("127.0.0.1", "203.0.113.9, 10.0.0.2") == "203.0.113.9"  # two proxies in a row
    assert _ip("127.0.0.1", "2001:db8::7") == "2001:db8::7"
    # A peer that is not a trusted proxy is counted by its own address, whatever it forwards.
    assert _ip("198.51.100.5", "203.0.113.9") == "198.51.100.5"
    # No header, only trusted hops, or garbage from the proxy: the proxy's own address (never a guess).
    assert _ip("127.0.0.1") == "127.0.0.1"
    assert _ip("127.0.0.1", "10.0.0.3") == "127.0.0.1"
    assert _ip("127.0.0.1", "203.0.113.9, not-an-ip") == "127.0.0.1"


def test_invalid_proxy_entry_is_a_configuration_error(settings):
    settings.XINFANG_PORTAL_TRUSTED_PROXIES = ["127.0.0.1", "proxy.example"]
    with pytest.raises(ImproperlyConfigured, match="XINFANG_PORTAL_TRUSTED_PROXIES"):
        _ip("127.0.0.1", "203.0.113.9")


@pytest.mark.django_db
def test_submit_limit_counts_each_forwarded_citizen_separately(portal, settings):
    settings.XINFANG_PORTAL_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 1
    first = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert submit(first, title="第一位").status_code == 200
    before = Matter.objects.count()
    again = submit(first, title="同一地址再次提交")
    assert again.status_code == 429 and "提交过于频繁，请稍后再试" in again.content.decode()
    assert Matter.objects.count() == before
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert submit(other, title="另一位").status_code == 200
    # A client that forges the header while connecting directly is still counted by its own address.
    direct = Client(REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="203.0.113.3")
    assert submit(direct, title="直连").status_code == 200
    forged = Client(REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="203.0.113.4")
    assert submit(forged, title="伪造地址").status_code == 429
