"""Owner / colleague / outsider personas for who sees which matter: selectors, pages and API."""

import pytest
from django.test import Client

from xinfang.cases.models import MatterType
from xinfang.cases.selectors import visible_matters
from xinfang.routing.services import matter_route
from xinfang.testing.factories import register


@pytest.fixture
def routed(world):
    matter = register(world).matter
    matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    return matter


def _client(world, persona):
    c = Client()
    c.force_login(world.users[persona])
    return c


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("registrar", True),  # city bureau: whole city
        ("ns_registrar", True),  # 南山 bureau: the place is in 南山
        ("ft_registrar", False),  # 福田 bureau: other district
        ("handler", True),  # owner: routed to their unit
        ("colleague", True),  # same unit
        ("outsider", False),  # other unit
        ("hz_registrar", False),  # other province
    ],
)
def test_persona_scope_in_selector_page_and_api(world, routed, persona, sees):
    user = world.users[persona]
    assert visible_matters(user).filter(pk=routed.pk).exists() is sees
    client = _client(world, persona)
    page = client.get(f"/matters/{routed.number}/")
    assert page.status_code == (200 if sees else 404)
    link = f'href="/matters/{routed.number}/"'
    listing = client.get("/matters/")
    assert (link in listing.content.decode()) is sees
    api = client.get(f"/api/v1/matters/{routed.number}")
    assert api.status_code == (200 if sees else 404)
    api_list = client.get("/api/v1/matters").json()
    assert (routed.number in [m["number"] for m in api_list["items"]]) is sees
    search = client.get("/matters/", {"q": routed.number})
    assert (link in search.content.decode()) is sees


def test_accused_unit_never_sees_accusation_nor_identity(world):
    matter = register(
        world, matter_type=MatterType.ACCUSATION, accused_unit_id=world.units["ns_housing"].pk
    ).matter
    for persona in ("handler", "colleague"):
        assert not visible_matters(world.users[persona]).filter(pk=matter.pk).exists()
        assert _client(world, persona).get(f"/matters/{matter.number}/").status_code == 404
    matter_route(
        matter=matter, unit=world.units["discipline"], mode="transfer", actor=world.users["registrar"]
    )
    page = _client(world, "jiwei").get(f"/matters/{matter.number}/")
    assert page.status_code == 200 and "张三" in page.content.decode()


def test_unit_inbox_counts_only_own_assignments(world, routed):
    body = _client(world, "handler").get("/").content.decode()
    assert routed.number in body
    assert routed.number not in _client(world, "outsider").get("/").content.decode()


def test_list_page_query_count_is_constant(world, django_assert_max_num_queries):
    for _ in range(30):
        register(world)
    client = _client(world, "registrar")
    with django_assert_max_num_queries(12):
        response = client.get("/matters/")
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        client.get("/api/v1/matters")
