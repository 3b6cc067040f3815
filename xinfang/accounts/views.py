"""The second factor's pages (xinfang/accounts/twofactor.py): the code after the password (/login/otp/) and
each user's own page (/account/2fa/) — scan the QR code or type the key, confirm with a code, see the recovery
codes once; later, turn it off with a current code. And each user's own password change (/account/password/),
where an expired password sends its owner (xinfang/accounts/password_age.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from xinfang.core.errors import ValidationFailed

from .logins import client_address
from .middleware import ENROL, VERIFY, second_factor_due
from .models import User
from .password_age import expiry_notice, password_expired
from .services import user_change_password
from .twofactor import (
    otp_authenticator,
    otp_enrol_confirm,
    otp_recovery_codes_left,
    otp_remove,
    otp_required,
    otp_verify,
    totp_device_pending,
    totp_qr_svg,
    totp_secret,
)


def _next_url(request: HttpRequest) -> str:
    """Where to go once the code is in: the page first asked for, if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _mark_verified(request: HttpRequest, device: Device) -> None:
    # The session has just gained rights: a new session key and CSRF token, as Django's login() gives the
    # password step, so that a key or token seen before the code is worth nothing after it.
    request.session.cycle_key()
    rotate_token(request)
    otp_login(request, device)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the views below are for signed-in staff only
    return user


@require_http_methods(["GET", "POST"])
def otp_verify_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if second_factor_due(request) != VERIFY:
        return HttpResponseRedirect(_next_url(request))
    user = _user(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            token = request.POST.get("token", "")
            device = otp_verify(user=user, token=token, address=client_address(request))
        except ValidationFailed as exc:
            error, status = exc.message, 429 if exc.code == "otp_throttled" else 200
        else:
            _mark_verified(request, device)
            return HttpResponseRedirect(_next_url(request))
    # me=None: no workspace menu before the code is in (every link of it would lead back here).
    context = {"me": None, "error": error, "next": _next_url(request), "issuer": settings.OTP_TOTP_ISSUER}
    return render(request, "accounts/otp_verify.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Status and removal once enrolled; otherwise enrolment. A session that owes a code never gets here
    (the middleware sends it to /login/otp/), so an enrolled user on this page has entered one."""
    user = _user(request)
    context: dict = {"next": _next_url(request), "required": otp_required(user)}
    if second_factor_due(request) == ENROL:
        context["me"] = None  # enrolment is the only way on: no workspace menu
    enrolled = otp_authenticator(user)
    if enrolled is not None:
        context |= {"device": enrolled, "codes_left": otp_recovery_codes_left(user)}
        return render(request, "accounts/two_factor.html", context)
    error = ""
    if request.method == "POST":
        try:
            device, codes = otp_enrol_confirm(
                user=user, token=request.POST.get("token", ""), address=client_address(request)
            )
        except ValidationFailed as exc:
            error = exc.message
        else:
            _mark_verified(request, device)
            # Shown in this answer only (Cache-Control: no-store, xinfang/core/headers.py); never again.
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": context["next"]})
    pending = totp_device_pending(user=user)
    context |= {
        "pending": pending,
        # Our own drawing of our own otpauth:// address: paths only, no text from any user.
        "qr": mark_safe(totp_qr_svg(pending)),
        "secret": totp_secret(pending),
        "error": error,
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        otp_remove(user=user, token=request.POST.get("token", ""), address=client_address(request))
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已停用双因素验证，恢复码同时作废。")
    return redirect("accounts:two_factor")


class PasswordChange(PasswordChangeView):
    """Django's change form — the old password, then the new one twice, through AUTH_PASSWORD_VALIDATORS
    (which refuse the current password too) — saved by ``user_change_password`` so that it is audited."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        context["next"] = _next_url(self.request)
        if password_expired(self.request.user):
            # Changing it is the only way on: no workspace menu (every link of it would lead back here).
            context |= {"me": None, "expired_notice": expiry_notice()}
        return context

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = _user(self.request)
        user_change_password(
            user=user,
            new_password=form.cleaned_data["new_password1"],
            actor=user,
            address=client_address(self.request),
        )
        update_session_auth_hash(self.request, user)  # this session stays signed in; the user's others end
        messages.success(self.request, "密码已修改。")
        return HttpResponseRedirect(_next_url(self.request))


password_change = PasswordChange.as_view()
