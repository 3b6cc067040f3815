"""Registration: required content (Art 19), representatives (Art 20), PII at rest, numbering, bad input."""

import pytest
from django.db import connection

from xinfang.audit.models import Event
from xinfang.cases.models import Clock, Matter, MatterStatus
from xinfang.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinfang.intake.models import Contact, Petitioner
from xinfang.intake.petitioners import party_reveal
from xinfang.intake.validation import PetitionerInput
from xinfang.notify.models import Notification
from xinfang.testing.factories import id_number, register


def _counts():
    return (
        Matter.objects.count(),
        Contact.objects.count(),
        Petitioner.objects.count(),
        Event.objects.count(),
    )


def test_register_opens_numbered_matter_with_routing_clock_and_event(world):
    contact = register(world)
    matter = contact.matter
    assert matter.status == MatterStatus.REGISTERED
    assert matter.number.startswith("440300-") and matter.number.endswith("-000001")
    clock = Clock.objects.get(matter=matter)
    assert clock.kind == "routing" and (clock.due_on - clock.started_on).days >= 15
    assert Event.objects.filter(matter_id=matter.pk, verb="matter.registered").exists()


def test_numbers_are_sequential_per_jurisdiction(world):
    a = register(world).matter.number
    b = register(world).matter.number
    c = register(world, actor="ns_registrar").matter.number
    assert a.endswith("000001") and b.endswith("000002")
    assert c.startswith("440305-") and c.endswith("000001")


def test_number_drawn_late_reaches_every_row_that_carries_it(world):
    # The matter is inserted under a placeholder and numbered just before the commit (numbering.py): the
    # stored number, the registration event, the SMS and the event order must not show the difference.
    first = register(world).matter
    matter = register(
        world, petitioners=[PetitionerInput(name="赵六", address="某路6号", phone="13800138006")]
    ).matter
    assert matter.number == first.number[:-6] + "000002"
    stored = Matter.objects.get(pk=matter.pk)
    assert stored.number == matter.number
    assert not Matter.objects.filter(number__startswith="~").exists()
    registered = Event.objects.get(matter_id=matter.pk, verb="matter.registered")
    assert registered.new["number"] == matter.number
    sms = Notification.objects.get(matter_id=matter.pk)
    assert matter.number in sms.body
    verbs = list(Event.objects.filter(matter_id=matter.pk).order_by("pk").values_list("verb", flat=True))
    assert verbs[0] == "matter.registered" and "clock.started" in verbs


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"request": ""}, "required", "request"),
        ({"facts": "  "}, "required", "facts"),
        ({"reasons": ""}, "required", "reasons"),
        ({"title": ""}, "required", "title"),
        ({"region_code": "999999"}, "unknown_region", "region_code"),
        ({"channel": "fax"}, "unknown_channel", "channel"),
        ({"is_oral": True, "oral_record": ""}, "oral_record_required", "oral_record"),
        (
            {"petitioners": [PetitionerInput(name="张三", address="", id_number="")]},
            "required",
            "petitioners[0].address",
        ),
        (
            {
                "petitioners": [
                    PetitionerInput(name="张三", address="某路1号", id_number="440305198001010010")
                ]
            },
            "id_number_checksum",
            "petitioners[0].id_number",
        ),
        (
            {"petitioners": [PetitionerInput(name="张三", address="某路1号", phone="12345")]},
            "phone_format",
            "petitioners[0].phone",
        ),
        (
            {
                "petitioners": [
                    PetitionerInput(name=f"代表{i}", address="某路1号", is_representative=True)
                    for i in range(6)
                ],
                "headcount": 30,
            },
            "too_many_representatives",
            "petitioners",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, overrides, code, field):
    before = _counts()
    with pytest.raises(ValidationFailed) as err:
        register(world, **overrides)
    assert err.value.code == code
    assert err.value.field == field
    assert _counts() == before


def test_five_representatives_are_allowed(world):
    people = [PetitionerInput(name=f"代表{i}", address="某路1号", is_representative=True) for i in range(5)]
    contact = register(world, petitioners=people, headcount=40)
    assert contact.headcount == 40 and contact.parties.filter(is_representative=True).count() == 5


def test_identity_unclear_allows_missing_address(world):
    contact = register(world, identity_unclear=True, petitioners=[PetitionerInput(name="", address="")])
    assert contact.identity_unclear


def test_out_of_jurisdiction_is_refused(world):
    before = _counts()
    with pytest.raises(PermissionDenied) as err:
        register(world, actor="hz_registrar")  # 杭州 registrar, 南山 place
    assert err.value.code == "out_of_jurisdiction"
    assert _counts() == before


def test_repeat_petition_attaches_to_matter(world):
    first = register(world)
    again = register(world, attach_to=first.matter.number)
    assert again.matter_id == first.matter_id and again.is_repeat and again.ordinal == 2
    first.matter.refresh_from_db()
    assert first.matter.contact_count == 2
    assert Matter.objects.count() == 1


def test_same_id_number_reuses_petitioner(world):
    person = PetitionerInput(name="李四", id_number=id_number(77), address="某路2号")
    a = register(world, petitioners=[person])
    b = register(
        world, petitioners=[PetitionerInput(name="李四", id_number=id_number(77), address="某路2号")]
    )
    assert a.parties.get().petitioner_id == b.parties.get().petitioner_id


def test_pii_never_stored_in_plain_text(world):
    number, phone, address = id_number(5), "13800138000", "深圳市南山区秘密路88号"
    register(
        world, petitioners=[PetitionerInput(name="王五", id_number=number, phone=phone, address=address)]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_petitioner")
        rows = " ".join(str(v) for row in cursor.fetchall() for v in row)
        cursor.execute("SELECT old, new, reason FROM audit_event")
        events = " ".join(str(v) for row in cursor.fetchall() for v in row)
    for secret in (number, phone, address, "秘密路88"):
        assert secret not in rows
        assert secret not in events
    p = Petitioner.objects.get(name="王五")
    assert p.id_number_masked == number[:6] + "********" + number[-4:]
    assert p.phone_masked == "138****8000"


def test_reveal_decrypts_and_is_audited_for_people_in_scope(world):
    number = id_number(9)
    contact = register(world, petitioners=[PetitionerInput(name="赵六", id_number=number, address="某路3号")])
    party = contact.parties.get()
    assert party_reveal(
        party_id=party.pk, fields=["id_number"], actor=world.users["registrar"], reason="核实身份"
    ) == {"id_number": number}
    event = Event.objects.get(verb="pii.reveal")
    assert event.new == {"fields": ["id_number"], "contact": 1} and event.reason == "核实身份"
    with pytest.raises(NotFound):
        party_reveal(party_id=party.pk, fields=["phone"], actor=world.users["outsider"])
    assert Event.objects.filter(verb="pii.reveal").count() == 1


def test_same_person_listed_twice_is_one_party(world):
    number = id_number(88)
    people = [
        PetitionerInput(name="吴十", id_number=number, address="某路10号"),
        PetitionerInput(name="吴十", id_number=number, address="某路10号", is_representative=True),
    ]
    contact = register(world, petitioners=people)
    party = contact.parties.get()
    assert party.is_representative


@pytest.mark.fastpath
def test_a_new_matter_is_written_in_few_statements_and_its_rows_point_at_each_other(world):
    """PostgreSQL draws the matter's number and every key of the registration in one statement and writes
    petitioner, matter, contact, party and clock in the next; SMS, events (and the API's record) go in
    together at the end."""
    from django.test.utils import CaptureQueriesContext

    register(world)  # the jurisdiction's counter row exists: the usual case
    with CaptureQueriesContext(connection) as q:
        contact = register(
            world, petitioners=[PetitionerInput(name="钱七", address="某路7号", phone="13800138007")]
        )
    statements = [x["sql"].split()[0].upper() for x in q.captured_queries]
    statements = [s for s in statements if s not in ("SAVEPOINT", "RELEASE")]  # the test's own transaction
    if connection.vendor == "postgresql":
        # look-up; advisory lock; look-up again; the number with every key; the rows; SMS + events
        assert statements == ["SELECT", "SELECT", "SELECT", "WITH", "WITH", "WITH"], statements
    # The matter is written once, with its number: never inserted under a stand-in and renumbered.
    matter_table = Matter._meta.db_table
    assert not [x for x in q.captured_queries if f"UPDATE {matter_table} " in x["sql"].replace('"', "")]
    matter = Matter.objects.get(pk=contact.matter_id)
    assert matter.number == contact.matter.number and not matter.number.startswith("~")
    party = contact.parties.get()
    assert party.petitioner.name == "钱七" and party.contact_id == contact.pk
    assert Clock.objects.get(matter=matter).kind == "routing"
    sms = Notification.objects.get(matter_id=matter.pk)
    queued = Event.objects.get(matter_id=matter.pk, verb="notify.queued")
    assert queued.subject_id == str(sms.pk) and matter.number in sms.body
    assert set(Event.objects.filter(matter_id=matter.pk).values_list("verb", flat=True)) >= {
        "matter.registered",
        "clock.started",
        "notify.queued",
    }
