"""Text the database and the models cannot hold is refused by the API with a structured error, never a 500."""

import json

import pytest
from django.test import Client

from xinfang.cases.models import Matter
from xinfang.intake.models import IdempotencyRecord

from .test_api import _body

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    _token, raw = world.token("city_bureau")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_lone_surrogate_is_refused_and_nothing_written(api):
    raw = json.dumps(_body(facts="工地每晚施工\ud800到凌晨"))  # json escapes it: "\\ud800"
    r = api.post("/api/v1/contacts", raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "invalid_text" and "代理项" in r.json()["message"]
    assert Matter.objects.count() == 0 and IdempotencyRecord.objects.count() == 0
    raw = json.dumps({"text": "小区\udfff噪音"})
    r = api.post("/api/v1/suggestions", raw, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_text"


def test_emoji_as_a_surrogate_pair_is_text(api):
    raw = json.dumps(_body(facts="工地每晚施工到凌晨😡"))  # "\\ud83d\\ude21": a pair, one character
    assert "\\ud83d" in raw
    r = api.post("/api/v1/contacts", raw, content_type="application/json")
    assert r.status_code == 201, r.content


def test_malformed_json_is_a_structured_400(api):
    r = api.post("/api/v1/contacts", b'{"title": ', content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"
