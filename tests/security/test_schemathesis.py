"""Schemathesis against the JSON API (issue 20): every operation of the OpenAPI document, with generated
valid and invalid input, called with a Bearer token and with a staff session — and no answer may be a 5xx.

Runs with the suite on whatever database it runs on (SQLite in ``make test``, PostgreSQL in ``make
pg-test``), in-process: the requests go through Django's whole middleware and URL stack as the test client
sends them (the session's CSRF check excepted, as there), each in a savepoint rolled back after its answer,
so a database error in one request cannot poison the next one and nothing accumulates. Bounded by
``XINFANG_FUZZ_EXAMPLES`` examples per operation and generation mode (default 40) and derandomised, so
that CI asks the same questions every run; ``XINFANG_FUZZ_RANDOM=1`` explores other inputs each run. The
request counts are printed at the end of the run (tests/security/conftest.py)."""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from xinfang.api import api
from xinfang.routing.services import matter_route
from xinfang.testing.factories import build_world, id_number, register

from .stats import REQUESTS, SERVER_ERRORS, STATUSES

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("XINFANG_FUZZ_EXAMPLES", "40"))
RANDOM = os.environ.get("XINFANG_FUZZ_RANDOM") == "1"
#: XINFANG_FUZZ_CHECKS=all: schemathesis's default checks too (response schema and status code conformance,
#: negative data rejection …) — see the findings listed in bench/README.md before making them the gate.
ALL_CHECKS = os.environ.get("XINFANG_FUZZ_CHECKS") == "all"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, negative_data_rejection]
#: Fewer requests than this over the whole run means the fuzzer did not really run (a broken hook, a filter
#: that rejects everything): the test at the end fails.
MIN_REQUESTS = 500

RAW_SCHEMA = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
SCHEMA = schemathesis.openapi.from_dict(RAW_SCHEMA)

#: What the generated requests may point at besides made-up values (filled by the ``fuzz`` fixture): real
#: matters with their assignment and objection ids, and units to route to — so that the fuzzer gets past the
#: look-up and into the checks and writes behind it.
TARGETS: list[dict[str, Any]] = []
UNITS: list[int] = []
#: Server errors seen, with the request and the traceback (the failure message lists them).
FINDINGS: list[str] = []


class InProcess:
    """A WSGI application over Django's test ``ClientHandler``: the database connection of the test is kept
    open (the real WSGI handler would close it at the start of a request), CSRF is not enforced (as in the
    test client), and each request runs in a savepoint that is rolled back."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        with transaction.atomic():
            response = self.handler(environ)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            transaction.set_rollback(True)
        headers = list(response.items())
        headers += [("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [content]


SCHEMA.app = InProcess()


def _paths(path_parameters: Any) -> list[Any]:
    """The generated path parameters, and the same naming a matter that exists (with its own assignment and
    objection), so that the action behind the look-up runs."""
    if not isinstance(path_parameters, dict) or not path_parameters:
        return [path_parameters]
    real = [{**path_parameters, **{k: v for k, v in t.items() if k in path_parameters}} for t in TARGETS]
    return [path_parameters, *real]


def _bodies(path: str, body: Any) -> list[Any]:
    """The generated body, and the same with references that exist and a registration placed where the
    caller may register — so that generated text gets past the first refusal into the checks, the
    encryption and the rows written behind it."""
    if not isinstance(body, dict):
        return [body]
    if path == "/api/v1/contacts":
        # The generated text where there is some (hypothesis starts from empty strings), a filler where not.
        texts = {k: body.get(k) or "小区电梯停运" for k in ("title", "request", "facts", "reasons")}
        people = [p for p in body.get("petitioners") or [] if isinstance(p, dict)][:3] or [{}]
        named = [
            {
                **p,
                "name": p.get("name") or "张三",
                "address": p.get("address") or "南山区桂庙路1号",
                "kind": "person",
            }
            for p in people
        ]
        valid = [{**p, "id_number": id_number(100 + i), "phone": ""} for i, p in enumerate(named)]
        placed = {**body, **texts, "region_code": "440305", "attach_to": "", "accused_unit_id": None}
        placed |= {"suggestion_id": None, "received_at": None, "headcount": 1, "duplicate_rejected": []}
        placed["is_oral"] = False
        return [body, {**placed, "petitioners": named}, {**placed, "petitioners": valid}]
    if path.endswith("/route"):
        return [body, *({**body, "unit_id": u, "mode": "transfer"} for u in UNITS)]
    return [body]


@SCHEMA.hook
def flatmap_case(context: Any, case: Any) -> st.SearchStrategy:
    """Steer valid (positive) cases towards what exists; a negative case is left exactly as generated, its
    one violation intact (completing it would make a valid request of it)."""
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return st.just(case)
    variants = []
    for path_parameters in _paths(case.path_parameters):
        for body in _bodies(case.operation.path, case.body):
            variant = case.derive()
            variant.path_parameters, variant.body = path_parameters, body
            variants.append(variant)
    return st.sampled_from(variants)


@pytest.fixture(scope="module")
def fuzz(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """A world to fuzz against, built once in a transaction rolled back at the end of the module: the
    standard organisation, three matters (one routed, one objected to) and the two ways to authenticate."""
    from xinfang.routing.services import assignment_object

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            plain, routed, objected = (register(world).matter for _ in range(3))
            first = matter_route(
                matter=routed, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
            )
            second = matter_route(
                matter=objected, unit=world.units["ns_hr"], mode="transfer", actor=world.users["registrar"]
            )
            objection = assignment_object(
                assignment=second,
                actor=world.users["outsider"],
                reason="该事项不属于本单位职责范围，请重新分流",
            )
            TARGETS[:] = [
                {"number": plain.number},
                {"number": routed.number, "assignment_id": first.pk},
                {"number": objected.number, "assignment_id": second.pk, "objection_id": objection.pk},
            ]
            UNITS[:] = [world.units[k].pk for k in ("discipline", "ns_hr", "city_bureau")]
            _token, raw = world.token("city_bureau")
            session = Client()
            session.force_login(world.users["registrar"])
            yield {
                "token": {"headers": {"Authorization": f"Bearer {raw}"}},
                "session": {"cookies": {"sessionid": session.cookies["sessionid"].value}},
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            TARGETS.clear()
            UNITS.clear()


def _capture(sender: Any, request: Any = None, **_: Any) -> None:
    FINDINGS.append(traceback.format_exc(limit=-6))


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case: Any, fuzz: dict[str, Any]) -> None:
    vendor = connection.vendor
    for auth, kwargs in fuzz.items():
        got_request_exception.connect(_capture)
        try:
            response = case.call(**kwargs)
        finally:
            got_request_exception.disconnect(_capture)
        label = f"{vendor} {auth} {case.operation.label}"
        REQUESTS[label] += 1
        STATUSES[label, response.status_code] += 1
        if response.status_code >= 500:
            SERVER_ERRORS[label] += 1
            FINDINGS.append(f"{label} → {response.status_code}: {case.as_curl_command()}")
        if ALL_CHECKS:
            case.validate_response(response)
        else:
            case.validate_response(response, checks=CHECKS)


def test_the_fuzzer_ran() -> None:
    """After the operations (file order): requests were made, for every operation and both ways in."""
    vendor = connection.vendor
    total = sum(n for label, n in REQUESTS.items() if label.startswith(vendor))
    operations = {f"{m.upper()} {p}" for p, ops in RAW_SCHEMA["paths"].items() for m in ops}
    for auth in ("token", "session"):
        for operation in operations:
            assert REQUESTS[f"{vendor} {auth} {operation}"] > 0, (auth, operation)
    assert total >= MIN_REQUESTS, total
    assert not FINDINGS, "\n\n".join(FINDINGS)
