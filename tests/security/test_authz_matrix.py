"""Authorisation matrix (issue 20): every API operation and every staff page × every caller × the matters
each caller meets in scope, out of scope, or as an accusation against its own unit, the unit above it or a
unit below it (tests/security/authz_world.py).

The operations are read from the API's OpenAPI document and the pages from the URL configuration when the
tests are collected, so a new endpoint is in the matrix at once — and fails until ``API_PROBES`` or
``PAGE_PROBES`` says what it must answer. Callers: the eleven personas signed in, a Bearer token for each of
their eight units (API), and nobody.

Where the caller must not see the matter: 404 (or the endpoint's documented refusal), exactly what a made-up
number gets (no existence oracle), no event written. Where it must: a 2xx/3xx (for API writes any answer but
the scope refusal and a 5xx; each write succeeds for someone). In *every* answer — headers and body — no
number, title, petitioner name, ID number or phone (nor their masks) of any matter the caller may not see,
unless the caller sent that value itself. The world is built once per module; each request runs in a
savepoint that is rolled back, so a write that succeeds changes nothing for the next cell."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from xinfang.audit.models import Event
from xinfang.cases.selectors import visible_matters

from .authz_probes import (
    API_OPERATIONS,
    API_PROBES,
    PAGE_PROBES,
    STAFF_ROUTES,
    Answer,
    Probe,
    staff_routes,
)
from .authz_world import (
    MUST_SEE,
    NO_ID,
    NO_NUMBER,
    SITUATIONS,
    SPECS,
    VISIBLE,
    Caller,
    MatrixWorld,
    MatterFacts,
    build_matrix_world,
)
from .stats import CELLS

pytestmark = pytest.mark.django_db

#: API write probes that succeeded (2xx) at least once: a body that no one can use proves nothing.
WRITES_DONE: Counter[str] = Counter()
MIN_CELLS = 1500


@pytest.fixture(scope="module")
def mw(django_db_setup, django_db_blocker):
    """The matrix world, built once for the module inside a transaction that is rolled back at its end (the
    audit table is append-only: it could not be flushed). Each test's own savepoint nests inside."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_matrix_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# -- sending and judging one request ----------------------------------------------------------------------


def send(
    client: Client,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    form: dict | None = None,
    body: Any = None,
) -> Answer:
    """One request in a savepoint that is rolled back; the events it wrote are counted first."""
    with transaction.atomic():
        before = Event.objects.count()
        if body is not None:
            response = client.generic(method, path, json.dumps(body), content_type="application/json")
        elif method == "GET":
            response = client.get(path, query or {})
        else:
            response = client.post(path, form or {})
        # The test client closed the response already (a streamed one once read through): closing it again
        # would send request_finished, whose close_old_connections drops a PostgreSQL connection inside a
        # transaction — the module's world with it.
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        written = Event.objects.count() - before
        transaction.set_rollback(True)
    client.cookies.pop("messages", None)  # a message about one cell must not show up in the next one
    text = raw.decode("utf-8", "replace")
    code = ""
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            code = str(parsed.get("code", ""))
    return Answer(response.status_code, unquote(response.get("Location", "")), text, written, code)


def leaks(mw: MatrixWorld, caller: Caller, answer: Answer, sent: str, *, public: bool = False) -> list[str]:
    """Secrets of matters the caller may not see, found in the answer (what the caller sent excepted)."""
    visible = set() if public else VISIBLE.get(caller.unit_key or "", set())
    haystack = f"{answer.location}\n{answer.text}"
    return [
        f"{label} of {key}"
        for key, m in mw.matters.items()
        if key not in visible
        for label, secret in m.secrets.items()
        if secret not in sent and secret in haystack
    ]


def signature(answer: Answer, *names: str) -> tuple[int, str, str]:
    """What a refusal looks like with the caller's own identifiers taken out: the answer for a matter out of
    sight must be this answer for a number that does not exist."""
    location = answer.location
    for name in names:
        location = location.replace(name, "<id>")
    return answer.status, location, answer.code


def test_the_root_url_configuration_holds_no_unlisted_pages() -> None:
    """A new include() in config/urls.py (a privacy page, a new app) must be classified here."""
    assert staff_routes()[1] == []


def test_every_probe_names_an_endpoint_that_exists() -> None:
    assert not set(API_PROBES) - set(API_OPERATIONS), "probes for operations that do not exist"
    assert not set(PAGE_PROBES) - set(STAFF_ROUTES), "probes for pages that do not exist"


def test_situations_follow_the_rule(mw: MatrixWorld) -> None:
    """The hand-written table against the selector, and the situations against the unit tree: every unit
    meets an accusation against itself, against its parent if it has one, against a sub-unit if it has one."""
    from xinfang.org.models import Unit

    for unit_key, expected in VISIBLE.items():
        unit = mw.world.units[unit_key]
        user = next(u for u in mw.world.users.values() if u.unit_id == unit.pk)
        seen = {k for k, m in mw.matters.items() if visible_matters(user).filter(pk=m.pk).exists()}
        assert seen == expected, unit_key
    for unit_key, pairs in SITUATIONS.items():
        for situation, key in pairs:
            assert (key in VISIBLE.get(unit_key, set())) is MUST_SEE[situation], (unit_key, situation, key)
        if unit_key == "anonymous":
            continue
        unit = mw.world.units[unit_key]
        kinds = {s for s, _ in pairs}
        assert {"in_scope", "out_of_scope", "accused_own"} <= kinds, unit_key
        assert ("accused_parent" in kinds) is (unit.parent_id is not None), unit_key
        has_children = Unit.objects.filter(parent_id=unit.pk).exists()
        assert ("accused_sub" in kinds) is has_children, unit_key
    accused = {s.key: s.accused for s in SPECS}
    parent = {k: mw.unit_key(u.parent_id) for k, u in mw.world.units.items()}
    for unit_key, pairs in SITUATIONS.items():
        for situation, key in pairs:
            if situation == "accused_own":
                assert accused[key] == unit_key, key
            elif situation == "accused_parent":
                assert accused[key] == parent[unit_key], key
            elif situation == "accused_sub":
                assert parent[accused[key] or ""] == unit_key, key


# -- the matrix ----------------------------------------------------------------------------------------------


def _request(mw: MatrixWorld, probe: Probe, caller: Caller, m: MatterFacts | None) -> tuple[Answer, str]:
    path = probe.path_for(mw, caller, m) if probe.path_for else probe.path(m)
    query = probe.query(m) if probe.query else None
    form = probe.form(mw, caller, m) if probe.form else None
    body = probe.body(mw, caller, m) if probe.body else None
    answer = send(caller.client, probe.method, path, query=query, form=form, body=body)
    sent = " ".join(
        [path, urlencode(query or {}), json.dumps(body, ensure_ascii=False) if body else ""]
        + [str(v) for v in (form or {}).values() if isinstance(v, str)]
    )
    return answer, sent


def _own_ids(probe: Probe, m: MatterFacts | None) -> list[str]:
    """The identifiers the request itself carries (path parameters, query values): an answer may repeat
    them (a sign-in redirect keeps the address), and they are taken out before refusals are compared."""
    if probe.path_for:  # the path names the caller's own matter, the same in both requests
        ids = []
    elif m is None:
        ids = [NO_NUMBER if i == "number" else str(NO_ID) for i in probe.ids]
    else:
        ids = [str(getattr(m, i)) for i in probe.ids]
    return ids + [str(v) for v in (probe.query(m) if probe.query else {}).values()]


def _anonymous_refused(probe: Probe, a: Answer) -> bool:
    if probe.api:
        return a.status == 401 and a.code == "unauthenticated"
    return a.status == 302 and a.location.startswith("/login/")


def run_probe(mw: MatrixWorld, probe: Probe) -> list[str]:
    """All cells of one probe; returns what went wrong, one line a cell."""
    failures: list[str] = []
    callers = [c for c in mw.callers.values() if probe.api or not c.bearer]
    for caller in callers:
        anonymous = caller.unit_key is None
        public = probe.kind in ("public", "portal")

        def fail(cell: str, a: Answer, why: str, caller: Caller = caller) -> None:
            line = f"{probe.id} · {caller.name} · {cell} → {a.status} {a.code} {a.location}: {why}"
            failures.append(line)

        if probe.kind == "logout":  # its own client: signing out must not end the matrix's sessions
            client = Client()
            if caller.unit_key:
                client.force_login(mw.world.users[caller.name])
            a = send(client, "POST", probe.path(None))
            CELLS[probe.id] += 1
            if not probe.seen(a, caller, mw.matters["plain_ns"]):
                fail("-", a, "unexpected status")
            for leak in leaks(mw, caller, a, ""):
                fail("-", a, f"shows {leak}")
            continue

        if probe.kind in ("public", "page", "list"):
            a, sent = _request(mw, probe, caller, None)
            CELLS[probe.id] += 1
            for leak in leaks(mw, caller, a, sent, public=public):
                fail("-", a, f"shows {leak}")
            if anonymous and probe.kind != "public":
                if not _anonymous_refused(probe, a):
                    fail("-", a, "must ask to sign in")
            elif not probe.seen(a, caller, mw.matters["plain_ns"]):
                fail("-", a, "unexpected status")
            if probe.kind == "list" and probe.shows and not anonymous:
                for situation, key in caller.situations:
                    CELLS[probe.id] += 1
                    if caller.sees(key) and probe.shows(mw.matters[key]) not in a.text:
                        fail(f"{situation}:{key}", a, "a matter in scope is missing from the list")
            continue

        # Per matter: first the answer for one that does not exist, which every refusal must equal.
        nothing, sent = _request(mw, probe, caller, None)
        none_sig = signature(nothing, *_own_ids(probe, None))
        for leak in leaks(mw, caller, nothing, sent, public=public):
            fail("made-up", nothing, f"shows {leak}")
        for situation, key in caller.situations:
            m = mw.matters[key]
            a, sent = _request(mw, probe, caller, m)
            CELLS[probe.id] += 1
            cell = f"{situation}:{key}"
            for leak in leaks(mw, caller, a, sent, public=public):
                fail(cell, a, f"shows {leak}")
            must_see = caller.sees(key) and not public
            if must_see:
                if not probe.seen(a, caller, m):
                    fail(cell, a, "must be served")
                if probe.shows and 200 <= a.status < 300 and probe.shows(m) not in a.text:
                    fail(cell, a, "answer lacks the matter")
                if probe.write and 200 <= a.status < 300:
                    WRITES_DONE[probe.id] += 1
                continue
            refused = (
                _anonymous_refused(probe, a) if anonymous and not public else probe.refused(a, caller, m)
            )
            if not refused:
                fail(cell, a, "must be refused")
            if signature(a, *_own_ids(probe, m)) != none_sig:
                fail(cell, a, f"differs from a made-up one {none_sig}: an existence oracle")
            if a.written:
                fail(cell, a, f"wrote {a.written} event(s)")
    return failures


def _judge(probes: list[Probe], mw: MatrixWorld) -> None:
    failures = [line for probe in probes for line in run_probe(mw, probe)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("operation", API_OPERATIONS)
def test_api_operation(mw: MatrixWorld, operation: str) -> None:
    probe = API_PROBES.get(operation)
    assert probe is not None, f"{operation}: no entry in API_PROBES — say who may call it and what it answers"
    _judge([probe], mw)
    if probe.write:
        assert WRITES_DONE[probe.id], f"{operation}: no caller in scope ever succeeded — is the body valid?"


@pytest.mark.parametrize("route", STAFF_ROUTES)
def test_staff_page(mw: MatrixWorld, route: str) -> None:
    probes = PAGE_PROBES.get(route)
    assert probes, f"{route}: no entry in PAGE_PROBES — say who may open it and what it shows"
    _judge(probes, mw)


def test_a_bearer_token_opens_no_staff_page(mw: MatrixWorld) -> None:
    for caller in mw.callers.values():
        if caller.bearer:
            a = send(caller.client, "GET", reverse("web:matters"))
            assert a.status == 302 and a.location.startswith("/login/"), caller.name


def test_matrix_size() -> None:
    """Runs after the matrix (file order): it must have run, over every endpoint, with enough cells."""
    total = sum(CELLS.values())
    print(f"\nauthorisation matrix: {total} cells over {len(CELLS)} probes")
    probes = set(API_PROBES) | {p.id for ps in PAGE_PROBES.values() for p in ps}
    assert set(CELLS) == probes, sorted(probes - set(CELLS))
    assert total >= MIN_CELLS
