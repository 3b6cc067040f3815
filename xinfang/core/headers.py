"""Security headers on every answer the application gives: staff pages, the portal, the API, the admin.

Static files never reach this middleware — whitenoise answers them above it, with their own long caching.

* ``Content-Security-Policy``: scripts, styles, images, fonts and fetches from this origin only; no inline
  script except one carrying this request's nonce (``<script nonce="{{ csp_nonce }}">``, the context
  processor below), no inline style, no plugins, no framing, forms post back here only. A script that an
  escaping slip let into a page does not run. The nonce is drawn only when a template asks for it, so a page
  without inline script gets a policy without one.
* ``Permissions-Policy``: no camera, microphone, location, motion sensors, payment or USB — nothing here uses
  them, and a script that got in anyway cannot ask for them.
* ``Cache-Control: no-store`` unless the view chose its own caching: pages and API answers carry petitioners'
  names, ID numbers, phones and complaints, and must not stay in a shared computer's browser cache or in a
  proxy's. (Referrer-Policy, nosniff and Cross-Origin-Opener-Policy come from Django's SecurityMiddleware.)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# img-src data:: the API docs page (Swagger UI) draws its icons as data: URIs.
_POLICY = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), "
    "usb=()"
)


class CspNonce:
    """This request's nonce, drawn the first time a template renders it."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = secrets.token_urlsafe(18)
        return self._value

    @property
    def drawn(self) -> str | None:
        return self._value


def content_security_policy(nonce: CspNonce | None = None) -> str:
    value = nonce.drawn if nonce is not None else None
    return _POLICY.format(nonce=f" 'nonce-{value}'" if value else "")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = CspNonce()
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        # Django's DEBUG error pages (tracebacks, the URL list of a 404) style and script themselves inline:
        # with DEBUG on — never in production — they go without the policy rather than unreadable.
        debug_page = settings.DEBUG and response.status_code >= 400
        if "Content-Security-Policy" not in response and not debug_page:
            response["Content-Security-Policy"] = content_security_policy(nonce)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


def csp_nonce(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``{{ csp_nonce }}`` for the nonce attribute of an inline ``<script>``."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
