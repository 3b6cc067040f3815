"""``Idempotency-Key`` holds for every caller: a staff member calling with the session is answered from the
first result as a system with a token is. It used to be ignored for session calls (a retry registered the
petition twice). Keys are the caller's own: another caller's equal key is another request."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xinfang.cases.models import Matter
from xinfang.intake.models import IdempotencyRecord
from xinfang.testing.factories import api_contact_body, build_world

pytestmark = pytest.mark.django_db


def _session(world, username="registrar"):
    client = Client()
    client.force_login(world.users[username])
    return client


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/contacts", json.dumps(body), content_type="application/json", **headers)


def test_a_session_retry_returns_the_first_result(world):
    client = _session(world)
    first = post(client, api_contact_body(), key="s-1")
    second = post(client, api_contact_body(), key="s-1")
    assert first.status_code == 201, first.content
    assert second.status_code == 200 and second.json() == first.json()
    assert Matter.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.user_id == world.users["registrar"].pk and record.token_id is None


def test_a_session_key_reused_with_another_body_is_409_and_writes_nothing(world):
    client = _session(world)
    post(client, api_contact_body(), key="s-2")
    r = post(client, api_contact_body(title="另一件事"), key="s-2")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"
    assert Matter.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_a_session_key_too_long_is_refused(world):
    r = post(_session(world), api_contact_body(), key="k" * 101)
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_invalid"
    assert Matter.objects.count() == 0


def test_equal_keys_of_different_callers_never_meet(world):
    _token, raw = world.token("city_bureau")
    callers = [_session(world), _session(world, "ns_registrar"), Client(HTTP_AUTHORIZATION=f"Bearer {raw}")]
    answers = [post(caller, api_contact_body(), key="same") for caller in callers]
    assert [r.status_code for r in answers] == [201, 201, 201], [r.content for r in answers]
    assert len({r.json()["matter_number"] for r in answers}) == 3
    assert Matter.objects.count() == 3 and IdempotencyRecord.objects.count() == 3


def test_the_token_path_looks_nothing_up_for_a_new_key(world):
    """The token path is the measured one: a new key costs the record's INSERT, no look-up first."""
    _token, raw = world.token("city_bureau")
    system = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    post(system, api_contact_body(external_ref="warm-up"))  # the token is looked up and cached
    with CaptureQueriesContext(connection) as queries:
        r = post(system, api_contact_body(), key="t-1")
    assert r.status_code == 201, r.content
    statements = [q["sql"] for q in queries.captured_queries]
    # (On PostgreSQL the INSERT is part of one statement writing all the registration's rows.)
    assert any('INSERT INTO "intake_idempotencyrecord"' in sql for sql in statements)
    assert not [sql for sql in statements if 'FROM "intake_idempotencyrecord"' in sql]


def test_a_record_belongs_to_exactly_one_caller(world):
    from django.db import IntegrityError, transaction

    token, _raw = world.token("city_bureau")
    user = world.users["registrar"]
    fields = {"key": "x", "body_hash": "0" * 64, "status_code": 201, "response": {}}
    for owners in ({}, {"token": token, "user": user}):
        with pytest.raises(IntegrityError), transaction.atomic():
            IdempotencyRecord.objects.create(**owners, **fields)


@pytest.mark.postgres
def test_a_session_retry_on_postgresql_outside_a_test_transaction(transactional_db):
    """As in a request: the registration is the outermost transaction, its rows (the record with them) are
    written by the statement that draws the number."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    world = build_world()
    client = _session(world)
    first = post(client, api_contact_body(), key="pg-1")
    assert first.status_code == 201, first.content
    assert IdempotencyRecord.objects.get(key="pg-1").response == first.json()
    second = post(client, api_contact_body(), key="pg-1")
    assert (second.status_code, second.json()) == (200, first.json())
    assert Matter.objects.count() == 1
