"""``GET /changes`` (cases/api_feed.py): the public progress of the matters a caller sees, in event order,
page by page with an opaque cursor; a token sees its unit's scope (or, with ``mine=1``, what it registered);
the accused unit and its sub-units never meet an accusation; the cursor passes only settled events."""

from __future__ import annotations

import json

import pytest

from xinfang.audit.models import Event
from xinfang.cases.api_feed import decode_cursor, encode_cursor
from xinfang.testing.factories import api_contact_body

from .api_world import accepted, accusation_against_city, bearer, get, session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settled_at_once(settings):
    """Every event counts as settled (PostgreSQL's default window would hold back what a test just wrote);
    the window itself is tested below."""
    settings.XINFANG_FEED_SETTLE_SECONDS = 0


def _walk(client, **query) -> list[dict]:
    """Every entry, fetching page after page as a reader does."""
    items, cursor = [], ""
    for _ in range(200):
        r = get(client, "/changes", cursor=cursor, **query)
        assert r.status_code == 200, r.content
        data = r.json()
        items += data["items"]
        cursor = data["next_cursor"]
        if not data["has_more"]:
            return items
    raise AssertionError("the feed never ended")


def test_a_city_token_follows_its_matters_in_order_with_the_status_after_each_event(world):
    matter = accepted(world)
    items = _walk(bearer(world, "city_bureau"), limit=2)  # small pages: the cursor is followed
    mine = [i for i in items if i["matter_number"] == matter.number]
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    assert len({i["id"] for i in items}) == len(items)  # settled at once: each entry once
    expected = list(
        Event.objects.filter(matter_id=matter.pk, is_public=True).order_by("pk").values_list("pk", "verb")
    )
    assert [(i["id"], i["verb"]) for i in mine] == expected
    by_verb = {i["verb"]: i for i in mine}
    assert by_verb["matter.registered"]["status"] == "registered"
    assert by_verb["matter.registered"]["verb_label"] == "登记信访事项"
    assert (
        by_verb["matter.route"]["status"] == "routed" and by_verb["matter.route"]["verb_label"] == "转送/交办"
    )
    assert by_verb["matter.accept"]["status_label"] == "已受理办理中"
    # Events written after the route and before the acceptance carry the status of their moment.
    routed_at, accepted_at = by_verb["matter.route"]["id"], by_verb["matter.accept"]["id"]
    assert all(i["status"] == "routed" for i in mine if routed_at <= i["id"] < accepted_at)
    # Public-safe: no reasons, actors or particulars.
    assert set(mine[0]) == {
        "id",
        "matter_number",
        "verb",
        "verb_label",
        "occurred_at",
        "status",
        "status_label",
    }


def test_internal_events_are_not_in_the_feed(world):
    matter = accepted(world)
    items = _walk(session(world, "registrar"))
    verbs = {i["verb"] for i in items if i["matter_number"] == matter.number}
    internal = set(Event.objects.filter(matter_id=matter.pk, is_public=False).values_list("verb", flat=True))
    assert internal and not verbs & (internal - {"matter.registered", "matter.route", "matter.accept"})
    assert "clock.started" not in verbs and "notify.queued" not in verbs


def test_a_unit_sees_only_what_reaches_it_and_the_accused_subtree_never_the_accusation(world):
    plain, accusation = accepted(world), accusation_against_city(world)
    numbers = lambda client: {i["matter_number"] for i in _walk(client)}  # noqa: E731
    assert numbers(bearer(world, "ns_housing")) == {plain.number}
    assert numbers(bearer(world, "ns_hr")) == set()
    assert numbers(bearer(world, "hz_bureau")) == set()
    for shielded in (
        bearer(world, "city_bureau"),
        bearer(world, "ns_bureau"),
        session(world, "ns_registrar"),
    ):
        assert numbers(shielded) == {plain.number}
    assert numbers(bearer(world, "discipline")) == {accusation.number}
    assert numbers(bearer(world, "gd_bureau")) == {plain.number, accusation.number}


def test_mine_narrows_the_feed_to_what_the_token_registered(world):
    _token, raw = world.token("city_bureau")
    from django.test import Client

    system = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    r = system.post("/api/v1/contacts", json.dumps(api_contact_body()), content_type="application/json")
    assert r.status_code == 201, r.content
    through_token = r.json()["matter_number"]
    other = accepted(world).number  # registered by the city's registrar, in the token's scope too
    assert {i["matter_number"] for i in _walk(system)} == {through_token, other}
    assert {i["matter_number"] for i in _walk(system, mine="true")} == {through_token}
    # Another token of the same unit registered nothing.
    assert _walk(bearer(world, "city_bureau"), mine="true") == []
    # A session: what the user registered.
    assert {i["matter_number"] for i in _walk(session(world, "registrar"), mine="true")} == {other}


def test_the_cursor_only_passes_settled_events(world, settings):
    accepted(world)
    client = bearer(world, "city_bureau")
    settings.XINFANG_FEED_SETTLE_SECONDS = 3600  # everything just written is still settling
    r = get(client, "/changes", limit=3).json()
    assert len(r["items"]) == 3 and r["has_more"] is False
    assert decode_cursor(r["next_cursor"]) == 0  # delivered, but asked for again next time
    again = get(client, "/changes", cursor=r["next_cursor"], limit=3).json()
    assert [i["id"] for i in again["items"]] == [i["id"] for i in r["items"]]
    settings.XINFANG_FEED_SETTLE_SECONDS = 0
    r = get(client, "/changes", limit=3).json()
    assert decode_cursor(r["next_cursor"]) == r["items"][-1]["id"] and r["has_more"] is True


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", encode_cursor(5)[:-2] + "!!", "eGYxOi0x", "eGYyOjU", "eGYxOjk5OTk5OTk5OTk5OTk5OTk5OTk5"],
)
def test_a_cursor_the_api_did_not_give_is_refused(world, cursor):
    r = get(bearer(world, "city_bureau"), "/changes", cursor=cursor)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "cursor_invalid", "cursor")


@pytest.mark.parametrize("limit", [0, 501])
def test_the_page_size_is_bounded(world, limit):
    r = get(bearer(world, "city_bureau"), "/changes", limit=limit)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "invalid_input", "limit")


def test_the_feed_needs_authentication(world):
    from django.test import Client

    assert Client().get("/api/v1/changes").status_code == 401
