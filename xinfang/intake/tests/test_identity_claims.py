"""An identity claim never replaces stored contact data nor widens anyone's access (条例第三十条; PIPL).

The attack these hold: a handler of the accused unit of a 检举控告 registers a contact of its own naming the
complainant's ID number with the handler's phone — then revealed the complainant's stored phone, address and
ID number (it could now see a matter naming the person) and received every later SMS about the person's
matters, the accusation's included."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.models import MatterType
from xinfang.cases.notices import notify_petitioners
from xinfang.core import crypto
from xinfang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.pii import mask_address
from xinfang.intake.models import Petitioner
from xinfang.intake.petitioners import party_details_settle, party_reveal
from xinfang.intake.validation import PetitionerInput
from xinfang.notify.models import Notification
from xinfang.testing.factories import id_number, register

VICTIM_ID = id_number(701)
VICTIM_PHONE, VICTIM_ADDRESS = "13900007010", "深圳市南山区举报人路1号"
ATTACKER_PHONE, ATTACKER_ADDRESS = "13600006666", "深圳市南山区被举报单位"


@pytest.fixture
def accusation(world, django_capture_on_commit_callbacks):
    """The complainant's 检举控告 against 南山区住房和建设局, registered at the city bureau."""
    victim = PetitionerInput(name="林举报", id_number=VICTIM_ID, phone=VICTIM_PHONE, address=VICTIM_ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        return register(
            world,
            petitioners=[victim],
            matter_type=MatterType.ACCUSATION,
            accused_unit_id=world.units["ns_housing"].pk,
            title="举报南山区住建局工作人员收受好处",
        ).matter


def _claim(world, *, phone: str = ATTACKER_PHONE, address: str = ATTACKER_ADDRESS):
    """The accused unit's handler registers a contact naming the complainant's ID number."""
    claim = PetitionerInput(name="林举报", id_number=VICTIM_ID, phone=phone, address=address)
    return register(world, actor="handler", petitioners=[claim], title="咨询住房政策")


def test_a_known_id_number_attaches_but_changes_nothing_of_the_record(world, accusation) -> None:
    person = Petitioner.objects.get(id_number_hash=crypto.blind_index("id_number", VICTIM_ID))
    before = (person.phone_hash, person.phone_enc, person.address_enc, person.address_masked)
    contact = _claim(world)
    party = contact.parties.get()
    assert party.petitioner_id == person.pk  # still one person: the look-up works as before
    person.refresh_from_db()
    assert (person.phone_hash, person.phone_enc, person.address_enc, person.address_masked) == before
    assert crypto.decrypt(person.phone_enc) == VICTIM_PHONE
    # What the caller said is kept with that contact, marked for a registrar to check with the person.
    assert crypto.decrypt(party.phone_enc) == ATTACKER_PHONE
    assert party.phone_masked == "136****6666"
    assert party.unconfirmed == "phone,address"


def test_a_reveal_shows_only_what_was_given_on_contacts_in_sight(world, accusation) -> None:
    contact = _claim(world)
    handler = world.users["handler"]
    own = party_reveal(
        party_id=contact.parties.get().pk, fields=["id_number", "phone", "address"], actor=handler
    )
    # The handler gets back exactly what it typed, not the complainant's phone or address.
    assert own == {"id_number": VICTIM_ID, "phone": ATTACKER_PHONE, "address": ATTACKER_ADDRESS}
    accusation_party = accusation.contacts.get().parties.get()
    for actor in ("handler", "colleague"):  # the accused unit: the accusation is out of sight
        with pytest.raises(NotFound):
            party_reveal(party_id=accusation_party.pk, fields=["phone"], actor=world.users[actor])
    with pytest.raises(NotFound):  # a party that does not exist: the same answer
        party_reveal(party_id=accusation_party.pk + 999, fields=["phone"], actor=handler)
    # The bureau that registered the accusation sees it as given there.
    assert party_reveal(party_id=accusation_party.pk, fields=["phone"], actor=world.users["registrar"]) == {
        "phone": VICTIM_PHONE
    }
    reveals = Event.objects.filter(verb="pii.reveal").order_by("pk")
    assert [(e.actor_label, e.new["fields"]) for e in reveals] == [
        ("handler", ["id_number", "phone", "address"]),  # one click, one event
        ("registrar", ["phone"]),
    ]


def test_the_web_reveal_is_per_contact_and_refuses_the_accused_unit(world, accusation) -> None:
    contact = _claim(world)
    accusation_party = accusation.contacts.get().parties.get()
    browser = Client()
    browser.force_login(world.users["handler"])
    answer = browser.post(f"/parties/{accusation_party.pk}/reveal/", {"fields": "phone,address"})
    assert answer.status_code == 404 and VICTIM_PHONE not in answer.content.decode()
    assert "matter_number" not in answer.json() and accusation.number not in answer.content.decode()
    own = browser.post(f"/parties/{contact.parties.get().pk}/reveal/", {"fields": "phone"})
    assert own.json() == {"values": {"phone": ATTACKER_PHONE}}
    page = browser.get(f"/matters/{contact.matter.number}/").content.decode()
    assert "136****6666" in page and "139****7010" not in page  # masks as given on this contact


def test_notifications_go_to_the_phones_given_on_the_matter(
    world, accusation, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        claim = _claim(world)
    # The claim's own registration SMS goes to the phone given with it, and only there.
    assert [n.recipient_masked for n in Notification.objects.filter(matter_id=claim.matter_id)] == [
        "136****6666"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        notify_petitioners(matter=accusation, template="matter_registered", context={})
    texted = {n.recipient_masked for n in Notification.objects.filter(matter_id=accusation.pk)}
    assert texted == {"139****7010"}  # never the attacker's phone


def test_a_known_id_number_given_with_no_phone_texts_nobody(
    world, accusation, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        claim = _claim(world, phone="", address=VICTIM_ADDRESS)
    assert not Notification.objects.filter(matter_id=claim.matter_id).exists()
    party = claim.parties.get()
    assert party.unconfirmed == "" and party.phone_enc == ""


def test_the_portal_cannot_take_over_a_person(world, accusation, django_capture_on_commit_callbacks) -> None:
    """The same claim, anonymous, through the public portal: the record and its SMS stay the person's."""
    from xinfang.portal.actor import PortalActor
    from xinfang.portal.services import portal_submit

    person = Petitioner.objects.get(id_number_hash=crypto.blind_index("id_number", VICTIM_ID))
    fields = {
        "name": "林举报",
        "id_number": VICTIM_ID,
        "phone": ATTACKER_PHONE,
        "address": ATTACKER_ADDRESS,
        "title": "咨询",
        "request": "咨询政策",
        "facts": "想了解住房政策",
        "reasons": "需要了解",
        "region_code": "440305",
        "matter_type": MatterType.PETITION,
    }
    with django_capture_on_commit_callbacks(execute=True):
        portal_submit(fields=fields, uploads=[], actor=PortalActor(world.units["city_bureau"]))
    person.refresh_from_db()
    assert crypto.decrypt(person.phone_enc) == VICTIM_PHONE
    with django_capture_on_commit_callbacks(execute=True):
        notify_petitioners(matter=accusation, template="matter_registered", context={})
    assert {n.recipient_masked for n in Notification.objects.filter(matter_id=accusation.pk)} == {
        "139****7010"
    }


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("handler", PermissionDenied),  # not a registrar
        ("hz_registrar", NotFound),  # a registrar, but the matter is out of sight: as if there were none
    ],
)
def test_only_a_registrar_in_sight_settles_new_details(world, accusation, persona, error) -> None:
    party = _claim(world).parties.get()
    with pytest.raises(error):
        party_details_settle(party_id=party.pk, actor=world.users[persona], accept=True, reason="核实")
    party.refresh_from_db()
    assert party.unconfirmed == "phone,address"


def test_a_registrar_confirms_new_details_with_the_person(world, accusation) -> None:
    party = _claim(world, phone="13900007011", address="深圳市南山区新家路2号").parties.get()
    registrar = world.users["registrar"]
    with pytest.raises(ValidationFailed):
        party_details_settle(party_id=party.pk, actor=registrar, accept=True, reason=" ")
    person = party_details_settle(party_id=party.pk, actor=registrar, accept=True, reason="电话回访本人核实")
    assert crypto.decrypt(person.phone_enc) == "13900007011"
    assert person.phone_hash == crypto.blind_index("phone", "13900007011")
    assert crypto.decrypt(person.address_enc) == "深圳市南山区新家路2号"
    party.refresh_from_db()
    assert party.unconfirmed == ""
    event = Event.objects.get(verb="petitioner.details_confirmed")
    assert event.old == {"phone": "139****7010", "address": mask_address(VICTIM_ADDRESS)}
    assert event.new["phone"] == "139****7011" and "13900007011" not in str(event.new)
    with pytest.raises(Conflict):  # nothing left to confirm
        party_details_settle(party_id=party.pk, actor=registrar, accept=True, reason="再次核实")


def test_details_set_aside_stay_with_their_contact(world, accusation) -> None:
    party = _claim(world).parties.get()
    person = party_details_settle(
        party_id=party.pk, actor=world.users["registrar"], accept=False, reason="本人称未留此电话"
    )
    assert crypto.decrypt(person.phone_enc) == VICTIM_PHONE
    party.refresh_from_db()
    assert party.unconfirmed == "" and crypto.decrypt(party.phone_enc) == ATTACKER_PHONE
    assert Event.objects.filter(verb="petitioner.details_set_aside").count() == 1


def test_settling_a_party_out_of_sight_names_no_matter(world, accusation) -> None:
    """The page answered a non-registrar's 403 with a redirect to /matters/<number>/: the number of any matter
    — the accusation against the caller's own unit included — for a guessed party id."""
    party = accusation.contacts.get().parties.get()
    for persona in ("handler", "outsider", "hz_registrar"):
        browser = Client()
        browser.force_login(world.users[persona])
        answer = browser.post(f"/parties/{party.pk}/settle/", {"accept": "0", "reason": "电话核实"})
        assert answer.status_code == 404
        assert accusation.number not in answer.content.decode() and not answer.has_header("Location")
