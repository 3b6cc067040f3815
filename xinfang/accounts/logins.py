"""Staff sign-in: throttled by django-axes (settings ``AXES_*`` in config/settings/base.py) and written into
the audit trail — every success, failure, lock-out and sign-out, with the address it came from.

A failed sign-in records the user name that was tried and the client's address, never the password (Django
masks it in the signal's credentials already; only the user name is read from them). The API's Bearer
tokens do not sign in and are not throttled here.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from axes.conf import settings
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinfang.audit.services import record_event
from xinfang.portal.security import client_ip

from .models import User

USERNAME_MAX = 150  # what the User model holds; anything longer was never a user name


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address as the portal's throttles see it — REMOTE_ADDR, or the X-Forwarded-For entry
    a reverse proxy named in XINFANG_PORTAL_TRUSTED_PROXIES vouches for — or None if the request carries no
    usable address. Also django-axes' AXES_CLIENT_IP_CALLABLE: its lock-outs count per address, and behind a
    proxy REMOTE_ADDR alone would make every member of staff the same client."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None  # no REMOTE_ADDR (a request built in code), a Unix socket: no address, not a made-up one


class SignInClient:
    """The actor of a failed sign-in: nobody is signed in, so the event is labelled with the client's
    address (``record_event`` keeps the label, no user and no unit)."""

    is_user = False
    unit_id = None

    def __init__(self, address: str | None) -> None:
        self.display_label = f"未登录客户端 {address or '（地址不明）'}"


def _tried_account(username: str) -> User:
    """The account a sign-in named — the event's subject, so an account's trail shows the attempts on it. A
    name that belongs to no account gets an unsaved stand-in: subject_id "None", the name in ``new``."""
    return User.objects.filter(username=username).first() or User(username=username)


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record_event(actor=user, verb="accounts.login", subject=user, new={"ip": client_address(request)})


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:USERNAME_MAX]
    address = client_address(request)
    record_event(
        actor=SignInClient(address),
        verb="accounts.login_failed",
        subject=_tried_account(username),
        new={"username": username, "ip": address},
    )


def on_locked_out(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """django-axes' ``user_locked_out``: the limit is reached (and again at each try while locked, which
    restarts the cool-off)."""
    username = str(username or "")[:USERNAME_MAX]
    address = client_address(request)
    record_event(
        actor=SignInClient(address),
        verb="accounts.login_locked_out",
        subject=_tried_account(username),
        new={"username": username, "ip": address, "minutes": _cool_off_minutes(request)},
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:  # signing out without a session: nobody to record
        return
    record_event(actor=user, verb="accounts.logout", subject=user, new={"ip": client_address(request)})


def _cool_off_minutes(request: HttpRequest | None) -> int:
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds() / 60) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: the sign-in page again, saying in Chinese why and for how long.
    The same answer whether or not the name belongs to an account (axes counts unknown names too)."""
    return render(
        request,
        "web/login.html",
        {"locked_out": True, "cooloff_minutes": _cool_off_minutes(request)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
