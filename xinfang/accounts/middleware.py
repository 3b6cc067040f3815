"""The gate between the password and the rest of the application (xinfang/accounts/twofactor.py).

Below django-otp's ``OTPMiddleware`` (which tells whether this session entered a code): a signed-in session
that has not — its user has an authenticator, or must have one and has none — reaches only the page that
asks for the code (or the enrolment page), sign-in and sign-out. Every other page, the admin included,
redirects there and comes back afterwards. The API does not redirect: for it such a session is no session at
all (401), while a ``Bearer`` token, which never carries a session, is not affected.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .models import User
from .twofactor import otp_enrolled, otp_required

API_PREFIX = "/api/"  # config/urls.py mounts the JSON API at api/v1/
VERIFY = "verify"  # has an authenticator: enter its code
ENROL = "enrol"  # must have one and has none: enrol first


def second_factor_due(request: HttpRequest) -> str | None:
    """VERIFY, ENROL or None (nothing stands between this session and the application)."""
    user = request.user
    if not isinstance(user, User):  # AnonymousUser (and request.user is a lazy object: isinstance loads it)
        return None
    # is_verified: put on the user by django-otp's OTPMiddleware, above this one.
    if user.is_verified():  # type: ignore[attr-defined]
        return None
    if otp_enrolled(user):
        return VERIFY
    if otp_required(user):
        return ENROL
    return None


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie — an API client with its token, the portal's visitors — no session to check, and
        # not one query spent on it. A verified session costs django-otp's one look-up of its device; any
        # other signed-in one, one EXISTS on the user's authenticator.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        due = second_factor_due(request)
        if due is None:
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            request.user = AnonymousUser()
            return self.get_response(request)
        target = reverse("accounts:otp_verify" if due == VERIFY else "accounts:two_factor")
        open_paths = {target, reverse("web:login"), reverse("web:logout")}
        if request.path in open_paths:
            return self.get_response(request)
        if request.method in ("GET", "HEAD"):
            # Back to the page asked for once the code is in (the views check it stays on this site).
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
