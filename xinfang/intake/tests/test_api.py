"""The registration API: tokens, structured errors, idempotent retries, jurisdiction of tokens."""

import pytest
from django.test import Client

from xinfang.cases.models import Matter
from xinfang.intake.models import IdempotencyRecord
from xinfang.testing.factories import api_contact_body

_body = api_contact_body


@pytest.fixture
def api(world):
    _token, raw = world.token("city_bureau")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/contacts", body, content_type="application/json", **headers)


def test_register_through_api(api):
    r = post(api, _body())
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["matter_number"].startswith("440300-") and data["status"] == "registered"
    assert (
        api.get(f"/api/v1/matters/{data['matter_number']}").json()["timeline"][0]["verb"]
        == "matter.registered"
    )


def test_no_token_is_401(world):
    r = Client().post("/api/v1/contacts", _body(), content_type="application/json")
    assert r.status_code == 401


def test_bad_token_is_401(world):
    r = Client(HTTP_AUTHORIZATION="Bearer xf_wrong").post(
        "/api/v1/contacts", _body(), content_type="application/json"
    )
    assert r.status_code == 401


def test_idempotent_retry_returns_first_result(api):
    first = post(api, _body(), key="retry-1")
    second = post(api, _body(), key="retry-1")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json()
    assert Matter.objects.count() == 1


def test_same_key_different_body_is_409_and_writes_nothing(api):
    post(api, _body(), key="k-2")
    r = post(api, _body(title="另一件事"), key="k-2")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"
    assert Matter.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "status", "code", "field"),
    [
        ({"request": ""}, 422, "required", "request"),
        ({"region_code": "000001"}, 422, "unknown_region", "region_code"),
        (
            {"petitioners": [{"name": "孙八", "id_number": "440305198001010010", "address": "x路"}]},
            422,
            "id_number_checksum",
            "petitioners[0].id_number",
        ),
        (
            {
                "petitioners": [
                    {"name": f"代表{i}", "address": "x路", "is_representative": True} for i in range(6)
                ],
                "headcount": 20,
            },
            422,
            "too_many_representatives",
            "petitioners",
        ),
        ({"channel": "carrier-pigeon"}, 422, "invalid_input", "channel"),
        ({"region_code": "330100"}, 403, "out_of_jurisdiction", "region_code"),
    ],
)
def test_bad_input_gets_structured_error_and_nothing_written(api, over, status, code, field):
    r = post(api, _body(**over), key="bad-1")
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    assert r.json()["field"] == field
    assert Matter.objects.count() == 0 and IdempotencyRecord.objects.count() == 0


def test_token_for_other_jurisdiction_cannot_read(world, api):
    number = post(api, _body()).json()["matter_number"]
    _t, raw = world.token("hz_bureau")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert other.get(f"/api/v1/matters/{number}").status_code == 404
    assert other.get("/api/v1/matters").json()["count"] == 0
    r = other.post("/api/v1/contacts", _body(), content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "out_of_jurisdiction"


def test_openapi_document(world):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/contacts" in r.json()["paths"]


def test_route_accept_object_over_api(world, api):
    number = post(api, _body()).json()["matter_number"]
    r = api.post(
        f"/api/v1/matters/{number}/route",
        {"unit_id": world.units["ns_housing"].pk, "mode": "transfer"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    handler = Client()
    handler.force_login(world.users["handler"])
    assignment_id = r.json()["id"]
    r = handler.post(
        f"/api/v1/matters/{number}/assignments/{assignment_id}/accept",
        {"notice_text": "已受理"},
        content_type="application/json",
    )
    # session calls need the CSRF token like any browser form
    assert r.status_code in (200, 403)


def test_api_docs_are_served_without_cdn(world):
    client = Client()
    client.force_login(world.users["registrar"])
    body = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in body
    assert "cdn.jsdelivr" not in body and "unpkg" not in body


def test_used_key_is_answered_from_its_record_even_when_registering_again_would_be_refused(api):
    first = post(api, _body(), key="k-3")
    assert first.status_code == 201
    # Same key, a body that would now be refused (out of jurisdiction): the key decides — 409, nothing new.
    r = post(api, _body(region_code="330100"), key="k-3")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"
    assert Matter.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_retry_writes_nothing_new(api):
    from xinfang.audit.models import Event
    from xinfang.notify.models import Notification

    post(api, _body(), key="k-4")
    counts = (Event.objects.count(), Notification.objects.count())
    second = post(api, _body(), key="k-4")
    assert second.status_code == 200
    assert (Event.objects.count(), Notification.objects.count()) == counts


def test_deactivated_token_is_refused_at_once(world):
    token, raw = world.token("city_bureau")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert post(client, _body()).status_code == 201  # now cached in this process
    token.is_active = False
    token.save(update_fields=["is_active"])
    assert post(client, _body(external_ref="12345-0002")).status_code == 401
