"""Input the API cannot store is refused with a structured 4xx and writes nothing — never a 500. Most of these
were 500s on PostgreSQL only (NUL, lengths, integers past the column); each is refused on SQLite too, so that
both databases accept the same requests."""

import datetime as dt
import json

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import Matter
from xinfang.intake.models import Contact, IdempotencyRecord, Petitioner
from xinfang.intake.validation import MAX_PETITIONERS
from xinfang.testing.factories import api_contact_body, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    _token, raw = world.token("city_bureau")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client, body, **headers):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/v1/contacts", raw, content_type="application/json", **headers)


def assert_refused(r, status, code, field=None):
    assert r.status_code == status, r.content
    data = r.json()
    assert data["code"] == code, data
    assert data["message"]
    if field is not None:
        assert data["field"] == field, data
    assert Matter.objects.count() == 0 and Contact.objects.count() == 0
    assert Petitioner.objects.count() == 0 and IdempotencyRecord.objects.count() == 0
    assert not Event.objects.filter(matter_id__isnull=False).exists()


# --- received_at ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", ["2026-01-05T09:30:00", "2026-01-05T09:30"])
def test_received_at_without_a_zone_is_beijing_time(api, sent):
    r = post(api, api_contact_body(received_at=sent))
    assert r.status_code == 201, r.content
    contact = Contact.objects.get()
    assert contact.received_at == dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC)
    assert Matter.objects.get().number.startswith("440300-2026-")


def test_received_at_as_a_date_is_its_beginning_in_beijing(api):
    r = post(api, api_contact_body(received_at="2026-01-01"))
    assert r.status_code == 201, r.content
    # Midnight in Beijing is still 31 December in UTC: read as UTC, the matter would be numbered in 2025.
    assert Contact.objects.get().received_at == dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert Matter.objects.get().number.startswith("440300-2026-")


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("0000-01-01T00:00:00+08:00", "invalid_input"),  # no such year: the schema refuses it
        ("10000-01-01T00:00:00+08:00", "invalid_input"),
        ("0001-01-01T00:00:00+14:00", "received_too_early"),  # overflowed when converted to UTC: a 500
        ("0001-01-02T00:00:00", "received_too_early"),
        ("1900-01-02T00:00:00+08:00", "received_too_early"),  # was registered as 440300-1900-000001
        ("1999-12-31T23:59:59+08:00", "received_too_early"),
        ("9999-12-31T23:59:59-12:00", "received_in_future"),
    ],
)
def test_received_at_out_of_range_is_refused(api, sent, code):
    assert_refused(post(api, api_contact_body(received_at=sent)), 422, code, "received_at")


def test_received_at_on_the_first_day_accepted(api):
    r = post(api, api_contact_body(received_at="2000-01-01T00:00:00+08:00"))
    assert r.status_code == 201, r.content


# --- integers past the column ---------------------------------------------------------------------


@pytest.mark.parametrize("headcount", [2**31, 2**40, 2**70, 100_001])
def test_headcount_past_the_column_is_refused(api, headcount):
    r = post(api, api_contact_body(headcount=headcount, channel="visit"))
    assert_refused(r, 422, "headcount_invalid", "headcount")
    assert "来访人数" in r.json()["message"]


def test_a_large_group_visit_is_still_registered(api):
    people = [
        {"name": f"代表{i}", "address": "深圳市南山区学府路2号", "is_representative": True} for i in range(5)
    ]
    r = post(api, api_contact_body(channel="visit", headcount=100_000, petitioners=people))
    assert r.status_code == 201, r.content
    assert Contact.objects.get().headcount == 100_000


@pytest.mark.parametrize("unit_id", [2**63, 2**70, -1])
def test_accused_unit_id_past_the_column_is_not_found(api, unit_id):
    r = post(api, api_contact_body(matter_type="accusation", accused_unit_id=unit_id))
    assert_refused(r, 422, "unknown_unit", "accused_unit_id")


def test_suggestion_id_past_the_column_registers_without_a_decision(api):
    # The suggestion is looked up after the registration committed: an id no row can have is simply not found.
    r = post(api, api_contact_body(suggestion_id=2**70))
    assert r.status_code == 201, r.content


# --- lengths of the columns reached ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "field", "label"),
    [
        ({"title": "题" * 201}, "title", "标题"),
        ({"category": "类" * 101}, "category", "内容分类"),
        ({"external_ref": "x" * 61}, "external_ref", "来源系统编号"),
        ({"petitioners": [{"name": "名" * 101, "address": "x路"}]}, "petitioners[0].name", "信访人姓名"),
        ({"petitioners": [{"name": "钱七", "address": "址" * 201}]}, "petitioners[0].address", "住址"),
    ],
)
def test_text_longer_than_its_column_is_refused_naming_the_field(api, over, field, label):
    r = post(api, api_contact_body(**over))
    assert_refused(r, 422, "too_long", field)
    assert label in r.json()["message"] and "不能超过" in r.json()["message"]


def test_text_as_long_as_its_column_is_registered(api):
    body = api_contact_body(title="题" * 200, category="类" * 100, external_ref="x" * 60)
    body["petitioners"][0]["name"] = "名" * 100
    r = post(api, body)
    assert r.status_code == 201, r.content
    matter = Matter.objects.get()
    assert len(matter.title) == 200 and len(matter.category) == 100


# --- petitioners per contact ----------------------------------------------------------------------


def test_too_many_petitioners_are_refused_before_any_is_looked_up(api, django_assert_max_num_queries):
    people = [{"name": f"信访人{i}", "address": "x路", "id_number": id_number(i)} for i in range(5000)]
    with django_assert_max_num_queries(3):  # the token and the caller's unit: nobody looked up
        r = post(api, api_contact_body(petitioners=people, headcount=5000, channel="letter"))
    assert_refused(r, 422, "too_many_petitioners", "petitioners")
    assert f"最多登记{MAX_PETITIONERS}名" in r.json()["message"]


def test_the_most_petitioners_allowed_are_registered(api):
    people = [{"name": f"信访人{i}", "address": "x路"} for i in range(MAX_PETITIONERS)]
    r = post(api, api_contact_body(petitioners=people, channel="letter"))
    assert r.status_code == 201, r.content
    assert Contact.objects.get().parties.count() == MAX_PETITIONERS
    people.append({"name": "多一人", "address": "x路"})
    r = post(api, api_contact_body(petitioners=people, channel="letter", external_ref="12345-0002"))
    assert r.status_code == 422 and r.json()["code"] == "too_many_petitioners"


# --- NUL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "over",
    [
        {"title": "噪音\u0000扰民"},
        {"facts": "工地\u0000施工"},
        {"category": "\u0000"},
        {"attach_to": "440300-2026-000001\u0000"},
        {"external_ref": "12345\u0000"},
        {"petitioners": [{"name": "钱\u0000七", "address": "x路"}]},
        {"petitioners": [{"name": "钱七", "address": "x路\u0000"}]},
        {"duplicate_rejected": ["440300-2026-000001\u0000"]},
        {"unknown\u0000key": "x"},
    ],
    ids=lambda over: next(iter(over)).replace("\x00", "NUL"),
)
def test_nul_in_any_text_is_refused(api, over):
    r = post(api, api_contact_body(**over), HTTP_IDEMPOTENCY_KEY="nul-1")
    assert_refused(r, 400, "invalid_text")
    assert "空字符" in r.json()["message"]


def test_an_escaped_backslash_before_u0000_is_text(api):
    raw = json.dumps(api_contact_body(facts="路径 C:\\u0000 是一段文字"))
    assert "\\\\u0000" in raw
    r = post(api, raw)
    assert r.status_code == 201, r.content
    assert "C:\\u0000" in Contact.objects.get().facts


def test_nul_in_the_idempotency_key_is_refused(api):
    r = post(api, api_contact_body(), HTTP_IDEMPOTENCY_KEY="k\x00")
    assert_refused(r, 422, "idempotency_key_invalid", "Idempotency-Key")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/petitioners/history?name=%E9%92%B1%00",
        "/api/v1/petitioners/history?phone=139%00",
        "/api/v1/petitioners/history?na%00me=x",
    ],
)
def test_nul_in_a_query_parameter_is_refused(api, url):
    r = api.get(url)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "invalid_text"


# --- body size ------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_structured_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = api_contact_body(facts="施工" * 40_000)
    r = post(api, body, HTTP_IDEMPOTENCY_KEY="big-1")
    assert_refused(r, 413, "body_too_large")
    assert r.json()["details"] == {"limit_bytes": 64 * 1024}
    assert "请求内容过大" in r.json()["message"]


def test_too_many_query_parameters_are_a_structured_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    r = api.get("/api/v1/petitioners/history?" + "&".join(f"p{i}=1" for i in range(20)))
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
