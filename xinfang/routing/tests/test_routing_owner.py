"""One owner at a time for 分流 (issue 21, item 5): a matter registered by the city bureau about 南山 sat in
both the city's and 南山's 待分流 and both could route it. The registering office routes; every other bureau
that oversees the place sees it read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import MatterStatus
from xinfang.core.errors import PermissionDenied
from xinfang.routing.models import Assignment
from xinfang.routing.selectors import matters_to_route
from xinfang.routing.services import matter_route
from xinfang.testing.factories import register


@pytest.fixture
def city_registered(world):
    return register(world).matter  # by the city bureau's registrar, place 南山 (440305)


@pytest.mark.parametrize("persona", ["ns_registrar", "gd_leader"])
def test_only_the_registering_office_routes(world, city_registered, persona) -> None:
    matter = city_registered
    other = world.users[persona]
    assert matter.pk not in {m.pk for m in matters_to_route(other)}
    assert [m.pk for m in matters_to_route(world.users["registrar"])] == [matter.pk]
    with pytest.raises(PermissionDenied) as refused:
        matter_route(matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=other)
    assert refused.value.code == "not_routing_owner" and "深圳市信访局" in refused.value.message
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REGISTERED and not Assignment.objects.exists()
    client = Client()
    client.force_login(other)
    page = client.get(f"/matters/{matter.number}/").content.decode()
    assert "本单位可查看，不能转送、交办" in page and 'id="route-form"' not in page
    assert f'href="/matters/{matter.number}/"' not in client.get("/").content.decode()
    events = Event.objects.count()
    answer = client.post(
        f"/matters/{matter.number}/route/", {"unit": world.units["ns_housing"].pk, "mode": "transfer"}
    )
    assert answer.status_code in (302, 403) and Event.objects.count() == events
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REGISTERED


def test_the_owner_still_routes_and_the_district_registers_its_own(world, city_registered) -> None:
    matter_route(
        matter=city_registered,
        unit=world.units["ns_housing"],
        mode="transfer",
        actor=world.users["registrar"],
    )
    own = register(world, actor="ns_registrar").matter
    assert [m.pk for m in matters_to_route(world.users["ns_registrar"])] == [own.pk]
    assert own.pk not in {m.pk for m in matters_to_route(world.users["registrar"])}
    matter_route(
        matter=own, unit=world.units["ns_housing"], mode="transfer", actor=world.users["ns_registrar"]
    )
