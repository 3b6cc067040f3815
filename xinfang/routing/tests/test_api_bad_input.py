"""The routing API refuses integers and text past their columns, and NUL, with a structured 4xx and without
writing. Text past its column and NUL were 500s on PostgreSQL; a transfer's deadline_days past its column was
recorded in the event as sent."""

import json

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.routing.models import Assignment
from xinfang.testing.factories import api_contact_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    _token, raw = world.token("city_bureau")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def number(api):
    r = api.post("/api/v1/contacts", json.dumps(api_contact_body()), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()["matter_number"]


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("mode", "days"), [("transfer", 2**70), ("transfer", 32768), ("assign", 2**40)])
def test_deadline_days_past_the_column_is_refused(world, api, number, mode, days):
    events = Event.objects.count()
    body = {"unit_id": world.units["ns_housing"].pk, "mode": mode, "deadline_days": days}
    r = _post(api, f"/api/v1/matters/{number}/route", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid_input" and r.json()["field"] == "deadline_days"
    assert not Assignment.objects.exists() and Event.objects.count() == events


@pytest.mark.parametrize("unit_id", [2**63, 2**70])
def test_unit_id_past_the_column_is_not_found(api, number, unit_id):
    r = _post(api, f"/api/v1/matters/{number}/route", {"unit_id": unit_id, "mode": "transfer"})
    assert r.status_code == 404 and r.json()["code"] == "unit_not_found"


@pytest.mark.parametrize(
    "path", ["assignments/{big}/accept", "assignments/{big}/object", "objections/{big}/decide"]
)
def test_ids_past_the_column_in_the_path_are_not_found(api, number, path):
    body = {"notice_text": "已受理", "reason": "不属于本单位职责范围的事项", "approve": True}
    r = _post(api, f"/api/v1/matters/{number}/" + path.format(big=2**70), body)
    assert r.status_code == 404, r.content


def test_notice_method_longer_than_its_column_is_refused(world, api, number):
    r = _post(api, f"/api/v1/matters/{number}/route", {"unit_id": world.units["ns_housing"].pk})
    assert r.status_code == 201, r.content
    handler = Client()
    handler.force_login(world.users["handler"])
    url = f"/api/v1/matters/{number}/assignments/{r.json()['id']}/accept"
    r = _post(handler, url, {"notice_method": "书" * 21, "notice_text": "已受理"})
    assert r.status_code == 422, r.content
    assert r.json()["field"] == "notice_method" and "不能超过20个字符" in r.json()["message"]
    assert Assignment.objects.get().state == "pending"
    r = _post(handler, url, {"notice_method": "书" * 20, "notice_text": "已受理"})
    assert r.status_code == 200, r.content


def test_nul_in_the_path_is_refused(api, number):
    r = _post(api, f"/api/v1/matters/{number}%00/route", {"unit_id": 1})
    assert r.status_code == 400 and r.json()["code"] == "invalid_text" and r.json()["field"] == "number"


def test_nul_in_a_body_is_refused(world, api, number):
    body = {"unit_id": world.units["ns_housing"].pk, "instructions": "请\u0000办理"}
    r = _post(api, f"/api/v1/matters/{number}/route", body)
    assert r.status_code == 400 and r.json()["code"] == "invalid_text"
    assert not Assignment.objects.exists()
