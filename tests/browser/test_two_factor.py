"""The second factor in headless Chromium: a user whose role requires it enrols from the page (reading the key
as someone without a camera would, and computing the code as their app does), keeps the recovery codes, and
next time signs in with password and TOTP code — a wrong code refused on the way."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from xinfang.accounts.twofactor import otp_enrol_confirm, totp_device_pending

pytestmark = pytest.mark.browser

PASSWORD = "pw-test-123"


def _code(key: bytes, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for ``key`` now (or so many 30-second steps later)."""
    return f"{totp(key, t0=-30 * steps_ahead):06d}"


def _password_step(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_required_role_enrols_from_the_page(world, new_page, shot, settings):
    settings.XINFANG_2FA_REQUIRED_ROLES = ["auditor"]
    page = new_page()
    _password_step(page, "auditor")
    expect(page).to_have_url(re.compile(r"/account/2fa/\?next=%2F$"))
    expect(page.get_by_role("note")).to_contain_text("须启用双因素验证")
    expect(page.locator("figure.qr svg")).to_be_visible()
    expect(page.get_by_role("link", name="信访事项")).to_have_count(0)  # no way past enrolment
    key = b32decode(page.locator("#otp-secret").inner_text().replace(" ", ""))
    page.fill("input[name=token]", _code(key))
    shot(page, "2fa-01-enrol")
    page.get_by_role("button", name="完成绑定").click()

    expect(page.locator("h1")).to_have_text("双因素验证已启用")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    shot(page, "2fa-02-recovery-codes")
    page.get_by_role("link", name="我已保存恢复码，继续").click()
    expect(page.locator("h1")).to_have_text("待办")


def test_sign_in_with_password_and_totp_code(world, new_page, shot):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = world.users["registrar"]
    pending = totp_device_pending(user=user)
    device, _ = otp_enrol_confirm(user=user, token=_code(pending.bin_key), address=None)
    page = new_page()
    _password_step(page, "registrar")
    expect(page).to_have_url(re.compile(r"/login/otp/\?next=%2F$"))
    expect(page.locator("h1")).to_have_text("输入动态验证码")
    page.goto("/matters/")  # not before the code
    expect(page).to_have_url(re.compile(r"/login/otp/\?next=%2Fmatters%2F$"))

    page.fill("input[name=token]", "000000" if _code(device.bin_key, 1) != "000000" else "111111")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("alert")).to_have_text("验证码不正确或已使用，请重新输入")
    # django-otp makes the next try wait 1 s after one failure: let that second pass without sleeping.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    # The code used to enrol was this time step's: the app's next one, as a phone a few seconds later shows.
    page.fill("input[name=token]", _code(device.bin_key, 1))
    shot(page, "2fa-03-code")
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/matters/$"))
    expect(page.locator("h1")).to_have_text("信访事项")
    shot(page, "2fa-04-signed-in")
