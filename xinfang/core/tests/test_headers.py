"""Security headers (xinfang/core/headers.py): CSP with a per-request nonce for inline scripts,
Permissions-Policy, and Cache-Control: no-store on staff pages, API answers and portal pages."""

from __future__ import annotations

import re
from pathlib import Path

from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client, RequestFactory

from xinfang.core.headers import PERMISSIONS_POLICY, SecurityHeadersMiddleware, content_security_policy

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def _policy(response) -> dict[str, str]:
    return {
        d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
        for d in response["Content-Security-Policy"].split("; ")
    }


def _assert_protected(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"  # no nonce drawn, no inline
    assert policy["style-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY and "camera=()" in PERMISSIONS_POLICY
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_pages_and_the_login_page(world, client):
    _assert_protected(client.get("/login/"))
    client.force_login(world.users["registrar"])
    page = client.get("/matters/")
    assert page.status_code == 200
    _assert_protected(page)


def test_api_answers_with_and_without_a_token(world):
    _token, raw = world.token("city_bureau")
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/matters/440300-2026-999999")
    assert answer.status_code == 404
    _assert_protected(answer)
    refused = Client().get("/api/v1/matters/440300-2026-999999")
    assert refused.status_code == 401
    _assert_protected(refused)


def test_portal_pages(world, client):
    for path in ("/portal/", "/portal/query/"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        _assert_protected(answer)


def _render(template: str):
    def view(request):
        return HttpResponse(Template(template).render(RequestContext(request)))

    return SecurityHeadersMiddleware(view)(RequestFactory().get("/"))


def test_an_inline_script_runs_by_this_requests_nonce_only():
    first = _render('<script nonce="{{ csp_nonce }}">go()</script>')
    nonce = re.search(r'nonce="([^"]+)"', first.content.decode()).group(1)
    assert len(nonce) >= 24
    assert _policy(first)["script-src"] == f"'self' 'nonce-{nonce}'"
    second = _render('<script nonce="{{ csp_nonce }}">go()</script>')
    assert f"'nonce-{nonce}'" not in second["Content-Security-Policy"]  # a fresh one each request


def test_a_view_that_sets_its_own_headers_keeps_them():
    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "private, max-age=60"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "private, max-age=60"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert content_security_policy() == content_security_policy(None)


def test_every_inline_script_in_the_templates_carries_the_nonce():
    """The policy blocks an inline <script> without this request's nonce: one written without
    nonce="{{ csp_nonce }}" would silently not run in the browser. JSON data blocks are not scripts."""
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text(encoding="utf-8")):
            inline = "src=" not in tag and "application/json" not in tag
            if inline and 'nonce="{{ csp_nonce }}"' not in tag:
                missing.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert not missing, missing


def test_debug_error_pages_go_without_the_policy_only_with_debug_on(world, client, settings):
    """Django's DEBUG 404/500 pages carry inline style and script; in production (DEBUG off) every error
    answer has the policy like any other."""
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    settings.DEBUG = True
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "Content-Security-Policy" not in missing
    assert "no-store" in missing["Cache-Control"]
    assert "Content-Security-Policy" in client.get("/login/")
