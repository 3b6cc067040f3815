"""POST /suggestions takes a JSON object: anything else is refused and stores nothing (``[null, null]`` used
to be read as an object with every field missing, and stored a suggestion)."""

import json

import pytest
from django.test import Client

from xinfang.smart.models import Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    _token, raw = world.token("city_bureau")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("body", [[None, None], [], "小区噪音", 5, None, True])
def test_a_body_that_is_not_an_object_is_refused_and_nothing_stored(api, body):
    r = api.post("/api/v1/suggestions", json.dumps(body), content_type="application/json")
    assert r.status_code in (400, 422), r.content
    assert r.json()["code"] in ("invalid_input", "invalid_json") and r.json()["message"]
    assert not Suggestion.objects.exists()


def test_an_object_is_still_a_suggestion(api):
    r = api.post("/api/v1/suggestions", json.dumps({"text": "小区噪音扰民"}), content_type="application/json")
    assert r.status_code == 200, r.content
    assert Suggestion.objects.filter(pk=r.json()["suggestion_id"]).exists()


def test_nul_in_the_text_is_refused_and_nothing_stored(api):
    raw = json.dumps({"title": "噪音", "text": "工地\u0000施工"})
    r = api.post("/api/v1/suggestions", raw, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_text"
    assert not Suggestion.objects.exists()
