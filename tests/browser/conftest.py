"""Fixtures for the Playwright browser tests: Debian's headless Chromium, a live Django server with the
standard test organisation, logged-in pages and full-page screenshots kept under test-artifacts/."""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer

# Playwright's sync API runs an asyncio loop in this thread; Django would refuse ORM calls from fixtures.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pw-test-123"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    reason = "/usr/bin/chromium is missing: run `make chromium` (apt-get install chromium)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


class _OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server shares the test's in-memory SQLite connection with every request thread; two requests
    at once (the matter page fires three reveal POSTs together) then trip over each other's savepoints
    ("cannot open savepoint - SQL statements in progress"). Threads still serve keep-alive connections, but
    the application runs for one request at a time."""

    def set_app(self, application) -> None:
        lock = threading.Lock()

        def serialised(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(serialised)


@pytest.fixture(scope="session")
def live_server(request, django_db_setup, django_db_blocker) -> Iterator:
    """pytest-django's live server (same address options), serving one request at a time."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
    server = LiveServer(addr or "localhost", start=False)
    server.thread.server_class = _OneRequestAtATimeServer
    server.start()
    yield server
    server.stop()
    with django_db_blocker.unblock():
        _end_stray_sessions()


def _end_stray_sessions() -> None:
    """A request thread still holding Chromium's keep-alive socket when the server stops keeps its PostgreSQL
    session, and the test database then cannot be dropped ("is being accessed by other users")."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()  # and this one: the database is dropped next


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _append_only_triggers(install: bool) -> None:
    from django.db import connection

    migration = importlib.import_module("xinfang.audit.migrations.0002_append_only_trigger")
    with connection.schema_editor() as editor:
        (migration.forwards if install else migration.backwards)(None, editor)


@pytest.fixture
def _audit_triggers_restored(django_db_blocker) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _append_only_triggers(install=True)


@pytest.fixture
def transactional_db(_audit_triggers_restored, transactional_db) -> Iterator[None]:
    """pytest-django's ``transactional_db`` (which ``live_server`` pulls in), made able to flush: the audit
    table's append-only triggers refuse the ``DELETE FROM audit_event`` of the flush on SQLite, so they are
    lifted just before it and put back just after it."""
    yield
    _append_only_triggers(install=False)


@pytest.fixture
def world(transactional_db):
    """The standard test organisation (xinfang.testing.factories), committed so the live server sees it."""
    from xinfang.testing.factories import build_world

    return build_world()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """``new_page(viewport=...)``: a page in a fresh browser context (its own cookies) on the live server."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login(new_page, world) -> Callable:
    """``login("registrar", phone=False, screenshot=None)``: a new page (desktop or a 390×844 phone) whose
    session is that user's, sitting on the inbox; ``screenshot`` names a shot of the filled login form."""
    from playwright.sync_api import expect

    def do(username: str, *, phone: bool = False, screenshot: str | None = None):
        page = new_page(PHONE if phone else DESKTOP)
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        if screenshot:
            _shot(page, screenshot)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(re.compile(r"/$"))
        expect(page.locator("h1")).to_have_text("待办")
        return page

    return do


def _shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shot() -> Callable:
    """``shot(page, "name")``: a full-page PNG at ``test-artifacts/screenshots/<name>.png``."""
    return _shot
