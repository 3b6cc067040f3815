"""A cookie whose value holds a NUL character is dropped before anything reads it.

Python's cookie parser decodes ``sessionid="ab\\000cd"`` into a string with a NUL in it; the session store
then looks it up in the database, and PostgreSQL refuses NUL in text with an error — a 500 on every page for
whoever sends such a cookie. No cookie this application sets can hold a NUL, so such a cookie is treated as
absent (a new session, a fresh CSRF token) rather than as an error."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NulCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.META.get("HTTP_COOKIE", "") or any(
            "\x00" in v for v in request.COOKIES.values()
        ):
            request.COOKIES = {
                k: v for k, v in request.COOKIES.items() if "\x00" not in v and "\x00" not in k
            }
        return self.get_response(request)
