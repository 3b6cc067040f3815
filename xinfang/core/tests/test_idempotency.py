"""``Idempotency-Key`` on the API's writes other than the registration (core/idempotency.py): one key is one
request of one caller across the whole API; a retry answers the first result, a concurrent second request
with the same key rolls its action back and answers the first one's."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinfang.core import idempotency
from xinfang.intake.models import IdempotencyRecord
from xinfang.routing.models import Assignment
from xinfang.testing.factories import api_contact_body, register

pytestmark = pytest.mark.django_db


def _session(world, username="registrar"):
    client = Client()
    client.force_login(world.users[username])
    return client


def _route(client, number, unit_id, key=None, **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    body = json.dumps({"unit_id": unit_id, "mode": "transfer"})
    return client.post(f"/api/v1/matters/{number}/route", body, content_type="application/json", **headers)


def test_a_retried_route_is_routed_once(world):
    matter = register(world).matter
    unit = world.units["ns_housing"].pk
    first = _route(_session(world), matter.number, unit, key="route-1")
    again = _route(_session(world), matter.number, unit, key="route-1")
    assert first.status_code == 201 and again.status_code == 200, (first.content, again.content)
    assert again.json() == first.json()
    assert Assignment.objects.filter(matter=matter).count() == 1
    record = IdempotencyRecord.objects.get(key="route-1")
    assert record.user_id == world.users["registrar"].pk and record.status_code == 201


def test_a_key_used_for_a_registration_is_not_a_key_for_a_route(world):
    _token, raw = world.token("city_bureau")
    system = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    r = system.post(
        "/api/v1/contacts",
        json.dumps(api_contact_body()),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert r.status_code == 201, r.content
    r = _route(system, r.json()["matter_number"], world.units["ns_housing"].pk, key="k")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_reused")
    assert not Assignment.objects.exists()


def test_the_same_request_on_another_matter_is_another_request(world):
    one, two = register(world).matter, register(world).matter
    unit = world.units["ns_housing"].pk
    assert _route(_session(world), one.number, unit, key="r").status_code == 201
    r = _route(_session(world), two.number, unit, key="r")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_reused")
    assert not Assignment.objects.filter(matter=two).exists()


def test_keys_of_different_callers_never_meet(world):
    _token, raw = world.token("city_bureau")
    unit = world.units["ns_housing"].pk
    token_matter, session_matter = register(world).matter, register(world).matter
    system = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert _route(system, token_matter.number, unit, key="same").status_code == 201
    assert _route(_session(world), session_matter.number, unit, key="same").status_code == 201
    assert IdempotencyRecord.objects.filter(key="same").count() == 2


@pytest.mark.parametrize("key", ["k" * 101, "ab\x00cd"])
def test_a_key_no_column_can_hold_is_refused_before_anything_is_done(world, key):
    matter = register(world).matter
    r = _route(_session(world), matter.number, world.units["ns_housing"].pk, key=key)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "idempotency_key_invalid",
        "Idempotency-Key",
    )
    assert not Assignment.objects.exists()


def _first_request_committed_meanwhile(monkeypatch):
    """The look-up before acting misses, as when another worker's request with the same key commits while
    this one acts: the record exists by the time this one writes its own."""
    real = idempotency._earlier
    calls = []

    def earlier(owner, key):
        calls.append(key)
        return None if len(calls) == 1 else real(owner, key)

    monkeypatch.setattr(idempotency, "_earlier", earlier)


def test_a_concurrent_second_request_rolls_its_action_back_and_answers_the_first(world, monkeypatch):
    matter = register(world).matter
    unit = world.units["ns_housing"].pk
    client = _session(world)
    # The first request's answer and record, as if it had just committed on another worker.
    first = {"id": 999, "unit_id": unit, "mode": "transfer", "state": "pending"}
    IdempotencyRecord.objects.create(
        user=world.users["registrar"],
        key="race",
        body_hash=_digest(matter.number, unit),
        status_code=201,
        response=first,
    )
    _first_request_committed_meanwhile(monkeypatch)
    r = _route(client, matter.number, unit, key="race")
    # Its own INSERT of the record failed on the unique key: the route it made is rolled back with it.
    assert r.status_code == 200 and r.json() == first, r.content
    assert not Assignment.objects.filter(matter=matter).exists()
    matter.refresh_from_db()
    assert matter.status == "registered"


def test_a_second_request_refused_because_the_first_acted_answers_the_first(world, monkeypatch):
    from xinfang.routing.services import matter_route

    matter = register(world).matter
    unit = world.units["ns_housing"]
    # The first request routed the matter and committed its record while the second waited for the row.
    matter_route(matter=matter, unit=unit, mode="transfer", actor=world.users["registrar"])
    first = {"id": 1, "unit_id": unit.pk, "mode": "transfer", "state": "pending"}
    IdempotencyRecord.objects.create(
        user=world.users["registrar"],
        key="late",
        body_hash=_digest(matter.number, unit.pk),
        status_code=201,
        response=first,
    )
    _first_request_committed_meanwhile(monkeypatch)
    r = _route(_session(world), matter.number, unit.pk, key="late")
    assert r.status_code == 200 and r.json() == first, r.content  # not 409 transition_not_allowed
    assert Assignment.objects.filter(matter=matter).count() == 1


def _digest(number: str, unit_id: int) -> str:
    from django.test import RequestFactory

    request = RequestFactory().post(
        f"/api/v1/matters/{number}/route",
        json.dumps({"unit_id": unit_id, "mode": "transfer"}),
        content_type="application/json",
    )
    return idempotency.request_digest(request)
