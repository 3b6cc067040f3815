"""Idle time-out of staff sessions: 等保 2.0 level 3 (GB/T 22239-2019 §8.1.4.1 b) asks that a session end
by itself once the connection has been idle too long ("当网络登录连接超时自动退出").

A session ends SESSION_COOKIE_AGE (XINFANG_SESSION_IDLE_MINUTES, default 30) after the last request. Django
moves a session's expiry only when it saves the session; SESSION_SAVE_EVERY_REQUEST would write the session
row on every page — on SQLite one more turn through the single writer's lock per click. This middleware
marks a signed-in session modified at most once per XINFANG_SESSION_TOUCH_SECONDS instead, so the expiry
trails the last request by at most that much.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

TOUCHED = "_xinfang_touched"  # when the expiry was last moved (Unix seconds)


def mark_signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: the sign-in saves the session with a fresh expiry anyway; noting it here spares the
    first page after it a second write."""
    session = getattr(request, "session", None)
    if session is not None:
        session[TOUCHED] = int(time.time())


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No session cookie (the API, a first visit): nothing to keep alive, and no session loaded for it.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return response
        now = int(time.time())
        touched = session.get(TOUCHED)
        if not isinstance(touched, int) or now - touched >= settings.XINFANG_SESSION_TOUCH_SECONDS:
            session[TOUCHED] = now  # SessionMiddleware saves it: new expiry in the row and the cookie
        return response
