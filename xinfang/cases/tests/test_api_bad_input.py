"""The matters API refuses page numbers and path or query text it cannot pass to the database with a
structured 4xx — they were 500s (an OFFSET past 64 bits; NUL, which PostgreSQL refuses in any text)."""

import json

import pytest
from django.test import Client

from xinfang.cases.api import MAX_PAGE
from xinfang.testing.factories import api_contact_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    _token, raw = world.token("city_bureau")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    r = client.post("/api/v1/contacts", json.dumps(api_contact_body()), content_type="application/json")
    assert r.status_code == 201, r.content
    return client


@pytest.mark.parametrize("page", [MAX_PAGE + 1, 2**62, 2**63, 10**30])
def test_a_page_number_past_any_list_is_refused(api, page):
    r = api.get(f"/api/v1/matters?page={page}")
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid_input" and r.json()["field"] == "page"
    assert f"不能大于{MAX_PAGE}" in r.json()["message"]


def test_the_last_allowed_page_is_empty_not_an_error(api):
    assert api.get("/api/v1/matters?page=1").json()["count"] == 1
    r = api.get(f"/api/v1/matters?page={MAX_PAGE}")
    assert r.status_code == 200 and r.json() == {"items": [], "count": 1}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/matters?q=%E5%99%AA%00",
        "/api/v1/matters?status=registered%00",
        "/api/v1/matters?matter_type=%00",
        "/api/v1/matters/440300-2026-000001%00",
        "/api/v1/matters/%00/route-proposals",
    ],
)
def test_nul_in_the_path_or_the_query_is_refused(api, url):
    r = api.get(url)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "invalid_text" and "空字符" in r.json()["message"]
    assert r.json()["field"] in ("q", "status", "matter_type", "number")
