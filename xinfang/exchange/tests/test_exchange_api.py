"""The 交办 exchange format (exchange/): export a matter as ``xinfang-exchange/1`` and register it at the
receiving level, once per sender's number. The petitioners' contact details travel only in an export by the
bureau that sent the matter, to the unit it sent it to, and each disclosure is in the personal-data access
log; everyone else gets masked values, and out-of-scope or shielded callers a 404."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import Matter, MatterType
from xinfang.core.pii import mask_phone
from xinfang.intake.models import Attachment, Channel, Contact, IdempotencyRecord
from xinfang.intake.validation import PetitionerInput
from xinfang.routing.services import matter_route
from xinfang.testing.factories import id_number, register

pytestmark = pytest.mark.django_db

PHONE, IDENT = "13912345601", id_number(611)


def _session(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def _bearer(world, unit_key):
    _token, raw = world.token(unit_key)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _import(client, document, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/exchange/import", json.dumps(document), content_type="application/json", **headers
    )


@pytest.fixture
def assigned(world):
    """A matter the province's bureau registered in 南山 and 交办 to 深圳市信访局 with a 20-day deadline."""
    person = PetitionerInput(name="钱交", id_number=IDENT, phone=PHONE, address="深圳市南山区交办路1号")
    matter = register(world, actor="gd_leader", petitioners=[person], title="交办测试事项").matter
    matter_route(
        matter=matter,
        unit=world.units["city_bureau"],
        mode="assign",
        deadline_days=20,
        instructions="请于20日内办结并报送办结报告",
        actor=world.users["gd_leader"],
    )
    return matter


def _reveals(matter) -> int:
    return Event.objects.filter(matter_id=matter.pk, verb="pii.reveal").count()


def test_a_masked_export_for_anyone_who_sees_the_matter(world, assigned):
    for client in (_session(world, "registrar"), _bearer(world, "ns_bureau"), _session(world, "auditor")):
        r = client.get(f"/api/v1/matters/{assigned.number}/export")
        assert r.status_code == 200, r.content
        doc = r.json()
        assert doc["format"] == "xinfang-exchange/1" and doc["contact_details_included"] is False
        assert doc["matter"]["number"] == assigned.number and doc["matter"]["matter_type"] == "petition"
        [person] = doc["contacts"][0]["petitioners"]
        assert person["name"] == "钱交" and person["phone_masked"] == mask_phone(PHONE)
        assert person["phone"] is None and PHONE not in r.content.decode() and IDENT not in r.content.decode()
        a = doc["assignment"]
        assert (a["mode"], a["deadline_days"], a["to_unit"]["name"]) == ("assign", 20, "深圳市信访局")
        assert {c["kind"] for c in doc["clocks"]} >= {"routing", "notice", "objection"}
    assert _reveals(assigned) == 0


def test_the_sending_bureau_exports_contact_details_to_the_unit_it_assigned_and_it_is_logged(world, assigned):
    city = world.units["city_bureau"]
    r = _session(world, "gd_leader").get(f"/api/v1/matters/{assigned.number}/export", {"to": city.pk})
    assert r.status_code == 200, r.content
    doc = r.json()
    assert doc["contact_details_included"] is True and doc["sender"]["name"] == "广东省信访局"
    [person] = doc["contacts"][0]["petitioners"]
    assert (person["phone"], person["id_number"]) == (PHONE, IDENT)
    [event] = Event.objects.filter(matter_id=assigned.pk, verb="pii.reveal")
    assert event.new["fields"] == ["id_number", "phone", "address"] and "深圳市信访局" in event.reason
    assert PHONE not in json.dumps(event.new, ensure_ascii=False)


@pytest.mark.parametrize(
    ("persona", "to", "code"),
    [
        ("gd_leader", "ns_housing", "export_not_routed"),  # not sent there
        ("registrar", "city_bureau", "export_not_routed"),  # the receiving bureau did not send it
        ("ns_registrar", "city_bureau", "export_not_routed"),
        ("auditor", "city_bureau", "export_forbidden"),  # 三员分立
    ],
)
def test_contact_details_to_anyone_else_are_refused_and_nothing_is_logged(world, assigned, persona, to, code):
    r = _session(world, persona).get(f"/api/v1/matters/{assigned.number}/export", {"to": world.units[to].pk})
    assert (r.status_code, r.json()["code"]) == (403, code), r.content
    assert PHONE not in r.content.decode() and _reveals(assigned) == 0


def test_out_of_scope_and_shielded_callers_get_404(world, assigned):
    r = _session(world, "hz_registrar").get(f"/api/v1/matters/{assigned.number}/export")
    assert (r.status_code, r.json()["code"]) == (404, "matter_not_found")
    accusation = register(
        world,
        actor="gd_leader",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["city_bureau"].pk,
    ).matter
    for client in (_session(world, "registrar"), _bearer(world, "ns_bureau")):
        r = client.get(f"/api/v1/matters/{accusation.number}/export")
        assert (r.status_code, r.json()["code"]) == (404, "matter_not_found")
    r = _session(world, "gd_leader").get(f"/api/v1/matters/{accusation.number}/export")
    assert r.status_code == 200 and r.json()["matter"]["accused_unit"]["name"] == "深圳市信访局"


def _exported(world, matter) -> dict:
    r = _session(world, "gd_leader").get(
        f"/api/v1/matters/{matter.number}/export", {"to": world.units["city_bureau"].pk}
    )
    assert r.status_code == 200, r.content
    return r.json()


def test_the_receiving_level_imports_it_once_as_an_assigned_contact(world, assigned):
    document = _exported(world, assigned)
    receiver = _bearer(world, "city_bureau")
    first = _import(receiver, document)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["imported"] is True and answer["external_ref"] == assigned.number
    assert answer["matter_number"] != assigned.number
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert contact.channel == Channel.ASSIGNED and contact.via_token is not None
    # A 交办 counts from its sending (the document carries the time to the millisecond).
    assert abs(contact.received_at - assigned.assignments.get().sent_at) < dt.timedelta(milliseconds=1)
    party = contact.parties.get()
    assert party.petitioner.name == "钱交" and party.phone_masked == mask_phone(PHONE)
    slip = Attachment.objects.get(contact=contact)
    assert slip.original_name == "上级交办单.txt" and slip.content_type == "text/plain"
    # The same document again — by another token of the office, a retry without a key — is the first one.
    again = _import(_bearer(world, "city_bureau"), document)
    assert again.status_code == 200 and again.json() == {**answer, "imported": False}
    assert Contact.objects.filter(external_ref=assigned.number, channel=Channel.ASSIGNED).count() == 1


def test_an_import_with_a_key_replays_it_and_the_key_names_that_request(world, assigned):
    document = _exported(world, assigned)
    receiver = _session(world, "registrar")
    first = _import(receiver, document, key="imp-1")
    replay = _import(receiver, document, key="imp-1")
    assert first.status_code == 201 and replay.status_code == 200 and replay.json() == first.json()
    other = _import(receiver, {**document, "exported_at": "2026-01-01T00:00:00+08:00"}, key="imp-1")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    assert IdempotencyRecord.objects.filter(user=world.users["registrar"]).count() == 1


def test_a_masked_document_cannot_be_registered(world, assigned):
    masked = _session(world, "gd_leader").get(f"/api/v1/matters/{assigned.number}/export").json()
    before = Matter.objects.count()
    r = _import(_bearer(world, "city_bureau"), masked)
    assert (r.status_code, r.json()["code"]) == (422, "contact_details_missing")
    assert Matter.objects.count() == before


@pytest.mark.parametrize(
    ("caller", "status", "code"),
    [
        ("session:auditor", 403, "role_required"),  # may not register (三员分立)
        ("token:hz_bureau", 403, "out_of_jurisdiction"),  # 南山 is not Hangzhou's
    ],
)
def test_an_import_outside_the_callers_powers_is_refused(world, assigned, caller, status, code):
    document = _exported(world, assigned)
    kind, name = caller.split(":")
    client = _bearer(world, name) if kind == "token" else _session(world, name)
    before = Matter.objects.count()
    r = _import(client, document)
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    assert Matter.objects.count() == before


def test_an_accusation_is_imported_with_its_accused_unit_or_not_at_all(world):
    person = PetitionerInput(name="孙检", id_number=id_number(612), phone="13912345602", address="南山区某路")
    matter = register(
        world,
        actor="gd_leader",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["ns_housing"].pk,
        petitioners=[person],
    ).matter
    matter_route(
        matter=matter, unit=world.units["city_bureau"], mode="transfer", actor=world.users["gd_leader"]
    )
    document = _exported(world, matter)
    unknown = {
        **document,
        "matter": {**document["matter"], "accused_unit": {"name": "某不存在单位", "region_code": "440305"}},
    }
    r = _import(_bearer(world, "city_bureau"), unknown)
    assert (r.status_code, r.json()["code"]) == (422, "accused_unit_unknown")
    r = _import(_bearer(world, "city_bureau"), document)
    assert r.status_code == 201, r.content
    imported = Matter.objects.get(number=r.json()["matter_number"])
    assert imported.accused_unit_id == world.units["ns_housing"].pk  # shielded there as it was here


@pytest.mark.parametrize(
    "change",
    [
        {"format": "xinfang-exchange/2"},
        {"contacts": []},
        {"matter": {"number": "x" * 33}},
    ],
)
def test_a_document_not_of_the_format_is_refused(world, assigned, change):
    document = _exported(world, assigned)
    if "matter" in change:
        document["matter"] = {**document["matter"], **change["matter"]}
    else:
        document.update(change)
    r = _import(_bearer(world, "city_bureau"), document)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input"), r.content


def test_the_format_is_published_in_the_openapi_document(world):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "ExchangeDocument" in schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/exchange/import"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/ExchangeDocument")
    exported = schema["paths"]["/api/v1/matters/{number}/export"]["get"]["responses"]["200"]
    assert exported["content"]["application/json"]["schema"]["$ref"].endswith("/ExchangeDocument")
    fmt = schema["components"]["schemas"]["ExchangeDocument"]["properties"]["format"]
    assert fmt.get("const") == "xinfang-exchange/1" or fmt.get("enum") == ["xinfang-exchange/1"]
