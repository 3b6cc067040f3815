"""Staff sign-in is throttled (django-axes: 5 failures per user name and address, then a 15-minute lock-out
that the right password does not lift) and audited (success, failure, lock-out, sign-out) without the
password ever being stored."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from xinfang.audit.models import Event

RIGHT = "pw-test-123"  # the factories' password
WRONG = "Wr0ng-guess-7731"
OFFICE = "10.1.2.3"


def _sign_in(client: Client, username: str, password: str, address: str = OFFICE):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client: Client, username: str, times: int, address: str = OFFICE) -> list:
    return [_sign_in(client, username, WRONG, address) for _ in range(times)]


def test_the_limit_locks_the_name_at_that_address_even_for_the_right_password(world):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    answers = _fail(client, "registrar", limit)
    # Below the limit: the form again, saying the name or password is wrong.
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    assert "用户名或密码不正确" in answers[0].content.decode()
    locked = answers[-1]
    assert locked.status_code == 429
    page = locked.content.decode()
    minutes = settings.AXES_COOLOFF_TIME.seconds // 60
    assert "登录失败次数过多，已暂时锁定" in page and f"请 {minutes} 分钟后再试" in page

    right = _sign_in(client, "registrar", RIGHT)
    assert right.status_code == 429 and "登录失败次数过多" in right.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302  # still signed out


def test_another_address_and_another_name_are_not_locked(world):
    """Counted per (user name, address): a colleague typing the same name elsewhere still gets in, and the
    attacker's address can still be used by someone else with their own name."""
    _fail(Client(), "registrar", settings.AXES_FAILURE_LIMIT)
    elsewhere = Client()
    assert _sign_in(elsewhere, "registrar", RIGHT, address="10.9.9.9").status_code == 302
    assert SESSION_KEY in elsewhere.session
    same_address = Client()
    assert _sign_in(same_address, "handler", RIGHT).status_code == 302


def test_the_lock_out_ends_after_the_cool_off(world):
    client = Client()
    _fail(client, "registrar", settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client, "registrar", RIGHT).status_code == 429
    # The last try counts as the last failure: the cool-off runs from it.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    answer = _sign_in(client, "registrar", RIGHT)
    assert answer.status_code == 302 and SESSION_KEY in client.session


def test_a_success_clears_the_count(world):
    client = Client()
    _fail(client, "registrar", settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(client, "registrar", RIGHT).status_code == 302
    client.post("/logout/")
    _fail(client, "registrar", settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(client, "registrar", RIGHT).status_code == 302


def test_failures_and_the_lock_out_are_audited_without_the_password(world):
    limit = settings.AXES_FAILURE_LIMIT
    _fail(Client(), "registrar", limit)
    _sign_in(Client(), "registrar", RIGHT)  # during the lock-out
    _sign_in(Client(), "no-such-user", WRONG)
    user = world.users["registrar"]

    failed = Event.objects.filter(verb="accounts.login_failed", subject_type="accounts.user")
    on_account = failed.filter(subject_id=str(user.pk))
    assert on_account.count() == limit + 1
    assert {tuple(sorted(e.new.items())) for e in on_account} == {(("ip", OFFICE), ("username", "registrar"))}
    assert all(e.actor is None and e.actor_label == f"未登录客户端 {OFFICE}" for e in on_account)
    unknown = failed.get(new__username="no-such-user")
    assert unknown.subject_id == "None" and unknown.new["ip"] == OFFICE

    locked = Event.objects.filter(verb="accounts.login_locked_out", subject_id=str(user.pk))
    assert locked.count() == 2  # reaching the limit, and the try during the lock-out
    assert locked.first().new == {"username": "registrar", "ip": OFFICE, "minutes": 15}
    assert not Event.objects.filter(verb="accounts.login").exists()

    # Neither the wrong nor the right password is kept anywhere: not in the audit trail, not in axes' rows.
    stored = json.dumps([[e.new, e.old, e.reason] for e in Event.objects.all()], ensure_ascii=False)
    stored += json.dumps(list(AccessAttempt.objects.values()), default=str, ensure_ascii=False)
    assert WRONG not in stored and RIGHT not in stored


def test_sign_in_and_sign_out_are_audited(world):
    client = Client()
    user = world.users["handler"]
    assert _sign_in(client, "handler", RIGHT).status_code == 302
    login = Event.objects.get(verb="accounts.login")
    assert (login.actor, login.subject_id, login.new) == (user, str(user.pk), {"ip": OFFICE})
    client.post("/logout/", REMOTE_ADDR=OFFICE)
    logout = Event.objects.get(verb="accounts.logout")
    assert (logout.actor, logout.subject_id, logout.new) == (user, str(user.pk), {"ip": OFFICE})
    client.post("/logout/")  # already signed out: nobody to record
    assert Event.objects.filter(verb="accounts.logout").count() == 1


def test_behind_a_trusted_proxy_the_forwarded_address_counts(world, settings):
    """Behind the reverse proxy named in XINFANG_PORTAL_TRUSTED_PROXIES every request comes from the proxy:
    the lock-out and the audit use the address the proxy forwards, so one member of staff's typos do not
    lock the others out."""
    settings.XINFANG_PORTAL_TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"username": "registrar", "password": WRONG},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.0.0.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.7"}
    assert Event.objects.filter(verb="accounts.login_failed", new__ip="10.0.0.7").count() == 5
    other = client.post(
        "/login/",
        {"username": "registrar", "password": RIGHT},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.0.0.8",
    )
    assert other.status_code == 302


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_admin_sign_in_is_throttled_too(world, path):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        answer = client.post(path, {"username": "admin", "password": WRONG}, REMOTE_ADDR=OFFICE)
    assert answer.status_code == 429 and "登录失败次数过多" in answer.content.decode()
