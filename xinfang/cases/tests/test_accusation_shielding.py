"""条例第三十条第三款, one rule everywhere: the accused unit, its sub-units, and everyone whose unit is in
that subtree never see the accusation or the complainant — in the selector, the pages, the API, the counts,
the reveal, routing, joint handling and the routing proposals; the unit above the accused one still does."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.accounts.services import user_create
from xinfang.cases.coordination import joint_unit_add
from xinfang.cases.models import MatterType
from xinfang.cases.selectors import can_see_identity, shielded_from, visible_matters
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.intake.petitioners import party_reveal
from xinfang.org.selectors import is_within, lineage_ids
from xinfang.routing.models import RoutingRule
from xinfang.routing.resolver import propose_routes
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def against_city_bureau(world):
    """An accusation against 深圳市信访局, in 南山, registered by the province's bureau. 南山区信访局 is a
    sub-unit of the accused bureau and oversees 南山 by jurisdiction: before the one rule it saw the
    accusation and could reveal the complainant."""
    return register(
        world,
        actor="gd_leader",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["city_bureau"].pk,
        title="举报市信访局工作人员",
    ).matter


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("gd_leader", True),  # the province's bureau, above the accused: sees
        ("registrar", False),  # the accused bureau itself
        ("ns_registrar", False),  # a sub-unit of the accused bureau, overseeing the place
        ("ft_registrar", False),  # another sub-unit (and another district)
        ("hz_registrar", False),  # outsider
    ],
)
def test_the_accused_subtree_sees_neither_matter_nor_complainant(
    world, against_city_bureau, persona, sees
) -> None:
    matter, user = against_city_bureau, world.users[persona]
    assert visible_matters(user).filter(pk=matter.pk).exists() is sees
    in_subtree = persona in ("registrar", "ns_registrar", "ft_registrar")
    assert shielded_from(matter, user.unit) is in_subtree
    assert can_see_identity(user, matter) is not in_subtree
    client = _client(user)
    assert client.get(f"/matters/{matter.number}/").status_code == (200 if sees else 404)
    assert client.get(f"/api/v1/matters/{matter.number}").status_code == (200 if sees else 404)
    listed = [m["number"] for m in client.get("/api/v1/matters").json()["items"]]
    assert (matter.number in listed) is sees
    link = f'href="/matters/{matter.number}/"'  # the search box echoes the number itself
    assert (link in client.get("/matters/", {"q": matter.number}).content.decode()) is sees
    assert (link in client.get("/matters/").content.decode()) is sees
    party = matter.contacts.get().parties.get()
    if sees:
        assert party_reveal(party_id=party.pk, fields=["phone"], actor=user)
    else:
        with pytest.raises(NotFound):
            party_reveal(party_id=party.pk, fields=["phone"], actor=user)
        answer = client.post(f"/parties/{party.pk}/reveal/", {"fields": "phone"})
        assert answer.status_code == 404


def test_a_handler_in_a_sub_unit_of_the_accused_department_is_shielded(world) -> None:
    """A matter that reaches a sub-unit by any path (here: it registered the matter itself) stays out of its
    sight when its parent is the accused."""
    team = world.units["ns_housing_team"]
    clerk = world.users["team_clerk"] = user_create(
        username="team_clerk", password="pw-test-123", full_name="物业科", unit=team, roles=["handler"]
    )
    matter = register(
        world,
        actor="team_clerk",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["ns_housing"].pk,
    ).matter
    assert shielded_from(matter, team)
    assert not visible_matters(clerk).filter(pk=matter.pk).exists()
    assert _client(clerk).get(f"/matters/{matter.number}/").status_code == 404
    # The registering bureau above still sees it, and the other department too — neither is in the subtree.
    assert visible_matters(world.users["ns_registrar"]).filter(pk=matter.pk).exists()
    assert not shielded_from(matter, world.units["ns_hr"])


def test_routing_joint_handling_and_proposals_use_the_same_rule(world) -> None:
    matter = register(
        world, matter_type=MatterType.ACCUSATION, accused_unit_id=world.units["ns_housing"].pk
    ).matter
    registrar = world.users["registrar"]
    for unit in ("ns_housing", "ns_housing_team"):
        with pytest.raises(ValidationFailed, match="第三十条"):
            matter_route(matter=matter, unit=world.units[unit], mode="transfer", actor=registrar)
    RoutingRule.objects.create(
        name="住建", region_prefix="440305", target_unit=world.units["ns_housing_team"], mode="transfer"
    )
    assert all(p.unit.pk != world.units["ns_housing_team"].pk for p in propose_routes(matter))
    assignment = matter_route(matter=matter, unit=world.units["discipline"], mode="transfer", actor=registrar)
    assignment_accept(
        assignment=assignment,
        actor=world.users["jiwei"],
        notice_method="sms",
        notice_text="已受理您的检举控告",
    )
    matter.refresh_from_db()
    with pytest.raises(ValidationFailed, match="第三十条"):
        joint_unit_add(
            matter=matter,
            unit=world.units["ns_housing_team"],
            duty="协助调查核实",
            actor=world.users["jiwei"],
        )


def test_lineage_is_the_unit_and_every_unit_above_it(world) -> None:
    team = world.units["ns_housing_team"]
    assert lineage_ids(team) == {team.pk, world.units["ns_housing"].pk}
    ns_bureau = world.units["ns_bureau"]
    assert lineage_ids(ns_bureau) == {ns_bureau.pk, world.units["city_bureau"].pk}
    assert is_within(team, world.units["ns_housing"].pk) and not is_within(world.units["ns_housing"], team.pk)
    assert not is_within(team, None)
