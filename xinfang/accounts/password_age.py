"""Password expiry for staff: 等保 2.0 level 3 (GB/T 22239-2019 §8.1.4.1 a) asks that identification
information "定期更换". A signed-in user whose password is older than XINFANG_PASSWORD_MAX_AGE_DAYS (90 by
default; 0 turns expiry off) reaches only the password change page — and sign-out, the second factor's pages
and static files — until the password is changed; every other page redirects there.

Below SecondFactorMiddleware: a session that still owes its code goes to the code first, and only then here.
The API is left alone: a Bearer token has no password, and a browser session's API calls would only fail
where a redirect to an HTML page means nothing. An account whose password was never set through
``User.set_password`` (no date) is not sent anywhere — its age is unknown, not expired.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from .middleware import API_PREFIX
from .models import User


def password_max_age_days() -> int:
    return max(int(getattr(settings, "XINFANG_PASSWORD_MAX_AGE_DAYS", 90) or 0), 0)


def password_expired(user: object) -> bool:
    """Whether this user must change the password before anything else."""
    days = password_max_age_days()
    if not days or not isinstance(user, User) or user.password_changed_at is None:
        return False
    if not user.has_usable_password():  # signs in some other way, if at all: nothing to change
        return False
    return timezone.now() - user.password_changed_at > timedelta(days=days)


def expiry_notice() -> str:
    return f"密码已超过{password_max_age_days()}天未更换，请先修改密码"


class PasswordAgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # No session cookie (an API token, the portal's visitors): nobody signed in, not one query spent.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if not password_expired(request.user):  # the user row is loaded already: no query
            return self.get_response(request)
        target = reverse("accounts:password_change")
        open_paths = {
            target,
            reverse("accounts:otp_verify"),
            reverse("accounts:two_factor"),
            reverse("web:login"),
            reverse("web:logout"),
        }
        if request.path in open_paths or request.path.startswith(settings.STATIC_URL or "/static/"):
            return self.get_response(request)
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
