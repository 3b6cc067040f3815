"""The staff's second factor (TOTP through django-otp): enrolment on the user's own page, the code after the
password before any staff page or the admin, wrong codes refused, throttled and audited, recovery codes used
once, roles that must enrol sent to enrolment — and the API's Bearer tokens untouched."""

from __future__ import annotations

from base64 import b32encode
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.checks import run_checks
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.accounts.models import User
from xinfang.accounts.services import user_create
from xinfang.accounts.twofactor import otp_enrol_confirm, otp_reset, totp_device_pending
from xinfang.audit.models import Event
from xinfang.core.errors import PermissionDenied

PASSWORD = "pw-test-123"  # the factories' password
OFFICE = "10.1.2.3"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or that many 30-second steps later), from the device's key.
    A code once accepted is never taken again, so each test step that needs a fresh one looks ahead;
    the device accepts one step either side of now."""
    t0 = device.t0 - steps_ahead * device.step
    return f"{totp(device.bin_key, step=device.step, t0=t0, digits=device.digits, drift=device.drift):06d}"


def wrong(device: TOTPDevice) -> str:
    right = {code(device, k) for k in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in right)


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    pending = totp_device_pending(user=user)
    return otp_enrol_confirm(user=user, token=code(pending), address=None)


def make_admin(world) -> User:
    unit = world.units["city_bureau"]
    return user_create(username="admin", password=PASSWORD, full_name="管理员", unit=unit, roles=["admin"])


def password_step(username: str) -> Client:
    client = Client()
    answer = client.post("/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert answer.status_code == 302 and SESSION_KEY in client.session
    return client


def code_step(client: Client, token: str, next_url: str = "/"):
    return client.post("/login/otp/", {"token": token, "next": next_url}, REMOTE_ADDR=OFFICE)


def unthrottle(device) -> None:
    """As if the throttle's wait (1, 2, 4 … seconds) had passed."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def verbs(user: User, verb: str) -> list[dict]:
    return [e.new for e in Event.objects.filter(verb=verb, subject_id=str(user.pk)).order_by("pk")]


def test_enrolment_scan_or_type_the_key_then_confirm_with_a_code(world):
    user = world.users["registrar"]
    client = password_step("registrar")
    page = client.get("/account/2fa/")
    assert page.status_code == 200
    body = page.content.decode()
    pending = TOTPDevice.objects.get(user=user)
    assert not pending.confirmed
    assert "<svg" in body and "<path" in body  # the QR code, drawn inline
    key = b32encode(pending.bin_key).decode()
    assert " ".join(key[i : i + 4] for i in range(0, len(key), 4)) in body
    assert client.get("/account/2fa/").status_code == 200
    assert TOTPDevice.objects.get(user=user).key == pending.key  # a reload shows the same key

    refused = client.post("/account/2fa/", {"token": wrong(pending)})
    assert "验证码不正确" in refused.content.decode()
    assert not TOTPDevice.objects.get(pk=pending.pk).confirmed
    assert verbs(user, "accounts.otp_failed") == [
        {"ip": "127.0.0.1", "purpose": "enrol", "device": "totp", "throttled": False, "failures": 1}
    ]

    unthrottle(pending)
    done = client.post("/account/2fa/", {"token": code(pending), "next": "/matters/"})
    assert done.status_code == 200
    shown = done.content.decode()
    stored = sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10 and all(f"<code>{c}</code>" in shown for c in stored)
    assert 'href="/matters/"' in shown
    assert TOTPDevice.objects.get(pk=pending.pk).confirmed
    assert verbs(user, "accounts.otp_enrolled") == [{"ip": "127.0.0.1", "recovery_codes": 10}]
    # Enrolling counts as entering a code: this session goes on; the page now shows the state, not codes.
    assert client.get("/").status_code == 200
    again = client.get("/account/2fa/").content.decode()
    assert "已启用" in again and "剩余恢复码 10 个" in again and stored[0] not in again


def test_after_the_password_every_staff_page_and_the_admin_wait_for_the_code(world):
    user = world.users["registrar"]
    device, _ = enrol(user)
    client = password_step("registrar")
    for path in ("/", "/matters/", "/register/", "/admin/", "/account/2fa/"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/login/otp/?next="), path
    page = client.get("/login/otp/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "输入动态验证码" in body and 'href="/matters/"' not in body  # no workspace menu yet
    assert DEVICE_ID_SESSION_KEY not in client.session

    # The code used to enrol was taken once already: it does not sign in.
    answer = code_step(client, code(device))
    assert answer.status_code == 200 and "验证码不正确或已使用" in answer.content.decode()
    unthrottle(device)
    before = client.session.session_key
    answer = code_step(client, code(device, 1), next_url="/matters/")
    assert answer.status_code == 302 and answer["Location"] == "/matters/"
    assert client.session.session_key != before  # a new session key for the raised rights
    assert client.get("/matters/").status_code == 200
    assert verbs(user, "accounts.otp_verified") == [{"ip": OFFICE, "device": "totp"}]


def test_wrong_codes_are_refused_throttled_and_audited(world, settings):
    # The wait after n failures is 2^(n-1) × this many seconds: long enough here that the next request is
    # surely inside it (the deployment's factor, 1, is in config/settings/base.py).
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user = world.users["handler"]
    device, _ = enrol(user)
    client = password_step("handler")
    answer = code_step(client, wrong(device))
    assert answer.status_code == 200 and "验证码不正确" in answer.content.decode()
    # django-otp's throttle: right after a failure even the right code is not read.
    throttled = code_step(client, code(device, 1))
    assert throttled.status_code == 429
    assert "验证码错误次数过多，请 60 秒后再试" in throttled.content.decode()
    assert client.get("/").status_code == 302  # still waiting for the code
    assert verbs(user, "accounts.otp_failed") == [
        {"ip": OFFICE, "purpose": "sign_in", "device": "totp", "throttled": False, "failures": 1},
        {"ip": OFFICE, "purpose": "sign_in", "device": "totp", "throttled": True, "failures": 1},
    ]
    failed = Event.objects.filter(verb="accounts.otp_failed").first()
    assert failed.actor == user
    assert not verbs(user, "accounts.otp_verified")

    unthrottle(device)
    assert code_step(client, wrong(device)).status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 2
    unthrottle(device)
    assert code_step(client, code(device, 1)).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0  # a right code resets it


def test_a_recovery_code_signs_in_once(world):
    user = world.users["registrar"]
    _, codes = enrol(user)
    client = password_step("registrar")
    assert code_step(client, codes[3].upper()).status_code == 302  # typed in capitals: still the code
    assert client.get("/").status_code == 200
    assert verbs(user, "accounts.otp_verified") == [
        {"ip": OFFICE, "device": "recovery", "recovery_codes_left": 9}
    ]
    client.post("/logout/")
    again = password_step("registrar")
    answer = code_step(again, codes[3])
    assert answer.status_code == 200 and "验证码不正确或已使用" in answer.content.decode()
    assert again.get("/").status_code == 302


def test_the_next_address_stays_on_this_site(world):
    device, _ = enrol(world.users["registrar"])
    client = password_step("registrar")
    answer = code_step(client, code(device, 1), next_url="https://evil.example/")
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_a_role_that_must_enrol_is_sent_to_enrolment(world, settings):
    settings.XINFANG_2FA_REQUIRED_ROLES = ["auditor", "leader"]
    auditor = world.users["auditor"]
    client = password_step("auditor")
    answer = client.get("/matters/")
    assert answer.status_code == 302 and answer["Location"] == "/account/2fa/?next=%2Fmatters%2F"
    assert client.get("/login/otp/")["Location"].startswith("/account/2fa/")  # nothing to verify yet
    page = client.get(answer["Location"]).content.decode()
    assert "须启用双因素验证，完成绑定后才能继续使用" in page and 'href="/matters/"' not in page

    # Someone whose role does not require it gets in with the password alone.
    assert password_step("registrar").get("/matters/").status_code == 200

    pending = TOTPDevice.objects.get(user=auditor, confirmed=False)
    client.post("/account/2fa/", {"token": code(pending), "next": "/matters/"})
    assert client.get("/matters/").status_code == 200

    settings.XINFANG_2FA_REQUIRED_ROLES = ["all"]
    assert password_step("registrar").get("/")["Location"] == "/account/2fa/?next=%2F"


def test_admin_covers_superusers_without_roles(world, settings):
    settings.XINFANG_2FA_REQUIRED_ROLES = ["admin"]
    User.objects.create_superuser("root", password=PASSWORD)
    assert password_step("root").get("/admin/")["Location"] == "/account/2fa/?next=%2Fadmin%2F"


def test_the_admin_sign_in_is_followed_by_the_code(world):
    admin = make_admin(world)
    device, _ = enrol(admin)
    client = Client()
    signed_in = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert signed_in.status_code == 302 and SESSION_KEY in client.session
    assert client.get("/admin/")["Location"] == "/login/otp/?next=%2Fadmin%2F"
    assert client.get("/admin/accounts/user/")["Location"].startswith("/login/otp/")
    assert code_step(client, code(device, 1), next_url="/admin/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_api_tokens_are_not_affected_and_an_unfinished_session_is_no_session(world, settings):
    settings.XINFANG_2FA_REQUIRED_ROLES = ["all"]
    _, raw = world.token()
    bearer = Client().get("/api/v1/matters", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.status_code == 200

    device, _ = enrol(world.users["registrar"])
    client = password_step("registrar")
    assert client.get("/api/v1/matters").status_code == 401
    # A token still works from a browser whose session has not entered its code.
    assert client.get("/api/v1/matters", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    code_step(client, code(device, 1))
    assert client.get("/api/v1/matters").status_code == 200


def test_removal_takes_a_current_code_and_is_audited(world):
    user = world.users["registrar"]
    device, _ = enrol(user)
    client = password_step("registrar")
    code_step(client, code(device, 1))

    client.post("/account/2fa/remove/", {"token": wrong(device)})
    assert TOTPDevice.objects.filter(user=user).exists()
    assert verbs(user, "accounts.otp_failed")[-1]["purpose"] == "remove"
    unthrottle(device)
    answer = client.post("/account/2fa/remove/", {"token": code(device, 2)}, follow=True)
    assert "已停用双因素验证" in answer.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert verbs(user, "accounts.otp_removed") == [{"ip": "127.0.0.1", "by": "self"}]
    assert password_step("registrar").get("/").status_code == 200  # the password alone again


def test_an_administrator_resets_a_lost_second_factor(world):
    user = world.users["registrar"]
    admin = make_admin(world)
    enrol(user)
    with pytest.raises(PermissionDenied):
        otp_reset(user=user, actor=world.users["leader"])
    assert otp_reset(user=user, actor=admin, reason="手机丢失") is True
    assert not TOTPDevice.objects.filter(user=user).exists()
    reset = Event.objects.get(verb="accounts.otp_removed")
    assert (reset.actor, reset.reason, reset.new) == (admin, "手机丢失", {"by": "admin"})
    assert otp_reset(user=user, actor=admin) is False  # nothing left: no second event
    assert Event.objects.filter(verb="accounts.otp_removed").count() == 1


def test_a_misspelt_required_role_stops_the_checks(settings):
    settings.XINFANG_2FA_REQUIRED_ROLES = ["admin", "auditer"]
    errors = [e for e in run_checks() if e.id == "accounts.E001"]
    assert len(errors) == 1 and "auditer" in errors[0].msg
    settings.XINFANG_2FA_REQUIRED_ROLES = ["admin", "all"]
    assert not [e for e in run_checks() if e.id == "accounts.E001"]
