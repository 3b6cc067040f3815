"""A matter's status and its staff timeline through the API (cases/api.py): for whoever sees the matter, in
Chinese, with personal data only as the events store it — masked, never in clear."""

from __future__ import annotations

import pytest

from xinfang.intake.models import ContactPetitioner
from xinfang.intake.petitioners import party_reveal

from .api_world import ID_NUMBER, PHONE, accepted, accusation_against_city, bearer, get, session

pytestmark = pytest.mark.django_db


def test_status_names_the_stage_and_the_running_clocks(world):
    matter = accepted(world)
    r = get(bearer(world, "city_bureau"), f"/matters/{matter.number}/status")
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["status"], data["status_label"]) == ("accepted", "已受理办理中")
    assert data["handling_unit"] == "南山区住房和建设局" and data["registering_unit"] == "深圳市信访局"
    assert [c["kind"] for c in data["clocks"]] == ["handling"] and data["clocks"][0]["due_on"]


def test_the_timeline_reads_in_chinese_and_never_shows_a_clear_identifier(world):
    matter = accepted(world)
    party = ContactPetitioner.objects.get(contact__matter=matter)
    # A reveal is on the timeline by the fields' names: the values shown to that user are not.
    party_reveal(
        party_id=party.pk, fields=["phone", "id_number"], actor=world.users["handler"], reason="回访"
    )
    r = get(session(world, "handler"), f"/matters/{matter.number}/timeline")
    assert r.status_code == 200, r.content
    entries = r.json()
    verbs = [e["verb"] for e in entries]
    assert verbs[0] == "matter.registered" and "matter.accept" in verbs and "pii.reveal" in verbs
    accept = next(e for e in entries if e["verb"] == "matter.accept")
    assert accept["description"] == "受理并告知：已转交待受理 → 已受理办理中，南山区住房和建设局"
    reveal = next(e for e in entries if e["verb"] == "pii.reveal")
    assert reveal["description"] == "查看个人信息：联系电话、证件号码，第 1 件信访件"
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    text = r.content.decode()
    assert PHONE not in text and ID_NUMBER not in text
    assert PHONE not in r.content.decode("unicode_escape")  # nor escaped


@pytest.mark.parametrize("path", ["status", "timeline"])
@pytest.mark.parametrize("persona", ["outsider", "registrar", "ns_registrar"])
def test_out_of_scope_and_shielded_callers_get_404(world, path, persona):
    plain, accusation = accepted(world), accusation_against_city(world)
    client = session(world, persona)
    if persona == "outsider":
        r = get(client, f"/matters/{plain.number}/{path}")
        assert (r.status_code, r.json()["code"]) == (404, "matter_not_found")
    r = get(client, f"/matters/{accusation.number}/{path}")
    assert (r.status_code, r.json()["code"]) == (404, "matter_not_found")
    # The province's bureau, above the accused one, sees it.
    assert get(session(world, "gd_leader"), f"/matters/{accusation.number}/{path}").status_code == 200
