"""rows.insert writes what save() would, with the statement compiled once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.accounts.models import User
from xinfang.audit.models import Event
from xinfang.core.rows import assign_ids, batched, insert, insert_later, insert_together
from xinfang.intake.models import Petitioner

pytestmark = pytest.mark.django_db


def test_insert_matches_save_and_sets_pks():
    a = Petitioner(name="甲", id_number_hash="h1", phone_masked="138****0000")
    b = Petitioner(name="乙", id_number_hash="h1")
    insert(a)
    with CaptureQueriesContext(connection) as q:
        insert(b)
    assert len(q) == 1 and q[0]["sql"].startswith("INSERT")
    assert a.pk and b.pk == a.pk + 1 and not b._state.adding
    row = Petitioner.objects.get(pk=a.pk)
    assert (row.name, row.kind, row.id_number_hash, row.phone_masked) == ("甲", "person", "h1", "138****0000")
    assert row.created_at is not None  # auto_now_add through the field's own pre_save


def test_several_rows_in_one_statement_keep_their_order_and_json():
    events = [
        Event(actor_label="x", verb=f"t.{i}", subject_type="s", subject_id=str(i), new={"i": i})
        for i in range(3)
    ]
    with CaptureQueriesContext(connection) as q:
        insert(*events, save_override_is_update_guard=True)
    assert len(q) == 1
    assert [Event.objects.get(pk=e.pk).new for e in events] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_models_with_their_own_save_or_signals_are_refused():
    with pytest.raises(TypeError):
        insert(Event(actor_label="x", verb="t", subject_type="s", subject_id="1"))
    with pytest.raises(TypeError):  # AbstractBaseUser overrides save()
        insert(User(username="u"))


def test_values_of_another_type_still_go_through_their_field():
    """Plain str/int/bool values skip the field calls; anything else is prepared by the field as before."""
    from xinfang.intake.models import PetitionerKind

    # A Decimal cannot be bound as is (sqlite3 refuses it, psycopg types it numeric): the field makes a str.
    a = Petitioner(name=Decimal("1.50"), kind=PetitionerKind.ORGANISATION, id_number_hash="h2")
    insert(a)
    row = Petitioner.objects.get(pk=a.pk)
    assert (row.name, row.kind) == ("1.50", "organisation")
    e = Event(actor_label="x", verb="t", subject_type="s", subject_id=5, actor_unit_id="7", is_public=1)
    insert(e, save_override_is_update_guard=True)
    got = Event.objects.get(pk=e.pk)
    assert (got.subject_id, got.actor_unit_id, got.is_public) == ("5", 7, True)
    assert got.occurred_at is not None  # auto_now_add: always the field's own pre_save


def _linked_rows():
    from xinfang.intake.models import Contact, ContactPetitioner
    from xinfang.testing.factories import build_world

    world = build_world()
    unit = world.units["city_bureau"]
    from xinfang.cases.models import Matter

    region = unit.region
    matter = Matter(
        number="~rows-test", title="t", matter_type="petition", region=region, region_code=region.code
    )
    matter.registering_unit = unit
    contact = Contact(
        channel="visit", title="t", request="r", facts="f", reasons="x", region_code=region.code
    )
    contact.registering_unit = unit
    person = Petitioner(name="丙", id_number_hash="h3")
    return matter, contact, person, ContactPetitioner


def test_rows_referring_to_each_other_go_in_together():
    from django.utils import timezone

    matter, contact, person, ContactPetitioner = _linked_rows()
    matter.first_received_at = matter.last_contact_at = contact.received_at = timezone.now()
    party = ContactPetitioner(is_representative=True)
    with CaptureQueriesContext(connection) as q:
        drawn = assign_ids(person, matter, contact, party)
        contact.matter, party.contact, party.petitioner = matter, contact, person
        insert_together(person, matter, contact, party)
    if connection.vendor == "postgresql":
        # (the first use of a table also asks once for the name of its sequence)
        sqls = [x["sql"] for x in q.captured_queries if "pg_get_serial_sequence" not in x["sql"]]
        assert drawn and len(sqls) == 2 and sqls[1].startswith("WITH w0 AS (INSERT")
    else:
        assert not drawn and len(q) == 4  # one INSERT per table, each key filling the next row's reference
    stored = ContactPetitioner.objects.select_related("contact__matter", "petitioner").get(pk=party.pk)
    assert (stored.petitioner.name, stored.contact.matter.number, stored.is_representative) == (
        "丙",
        "~rows-test",
        True,
    )
    assert not matter._state.adding and matter._state.db == "default"


def test_batched_rows_are_written_when_the_block_ends_and_not_at_all_when_it_fails():
    from django.db import transaction

    def event(i):
        return Event(actor_label="x", verb=f"batch.{i}", subject_type="s", subject_id=str(i), new={"i": i})

    with transaction.atomic(), batched():
        insert_later(event(1), save_override_is_update_guard=True)
        insert_later(Petitioner(name="丁", id_number_hash="h4"))
        insert_later(event(2), save_override_is_update_guard=True)
        assert not Event.objects.filter(verb__startswith="batch.").exists()  # not yet
        with CaptureQueriesContext(connection) as q:
            pass
    assert sorted(Event.objects.filter(verb__startswith="batch.").values_list("verb", flat=True)) == [
        "batch.1",
        "batch.2",
    ]
    assert Petitioner.objects.filter(name="丁").exists() and not q.captured_queries

    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic(), batched():
        insert_later(event(3), save_override_is_update_guard=True)
        raise Stop
    assert not Event.objects.filter(verb="batch.3").exists()


def test_batched_rows_of_several_tables_are_one_statement_on_postgresql():
    from django.db import transaction

    with transaction.atomic():
        with CaptureQueriesContext(connection) as q, batched():
            insert_later(Petitioner(name="戊", id_number_hash="h5"))
            insert_later(
                Event(actor_label="x", verb="batch.5", subject_type="s", subject_id="5"),
                save_override_is_update_guard=True,
            )
        writes = [x["sql"] for x in q.captured_queries if not x["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)
    assert Petitioner.objects.filter(name="戊").exists() and Event.objects.filter(verb="batch.5").exists()


def test_rows_with_and_without_keys_of_one_model_are_refused_together():
    if connection.vendor != "postgresql":
        pytest.skip("keys are drawn ahead only on PostgreSQL")
    a, b = Petitioner(name="己", id_number_hash="h6"), Petitioner(name="庚", id_number_hash="h7")
    assign_ids(a)
    with pytest.raises(ValueError):
        insert_together(a, b, Event(actor_label="x", verb="v", subject_type="s", subject_id="1"))


def test_a_batch_can_draw_a_value_into_marked_columns_on_postgresql():
    """rows.DrawnWithBatch: the batch's one statement draws the value (here a counter, as the matter numbers
    do) and writes it where the marker stands in the named columns only; the value is read after commit."""
    from django.db import transaction

    from xinfang.cases.models import MatterSequence
    from xinfang.core.rows import DrawnWithBatch, draw_with_batch

    table = MatterSequence._meta.db_table
    drawn = DrawnWithBatch(
        sql=f"INSERT INTO {table} (scope, year, last) VALUES (%s, %s, 41) ON CONFLICT (scope, year) "  # noqa: S608
        f"DO UPDATE SET last = {table}.last + 1 RETURNING 'N' || last AS value",
        params=["T-ROWS", 2026],
        marker="MARK",
        columns=frozenset({(Event, "new")}),
    )
    with pytest.raises(RuntimeError):
        draw_with_batch(drawn)  # outside batched()
    if connection.vendor != "postgresql":
        with pytest.raises(RuntimeError), transaction.atomic(), batched():
            draw_with_batch(drawn)
            insert_later(
                Event(actor_label="x", verb="d.0", subject_type="s", subject_id="0"),
                save_override_is_update_guard=True,
            )
        assert not Event.objects.filter(verb="d.0").exists()
        return
    with transaction.atomic(), batched():
        draw_with_batch(drawn)
        insert_later(
            Event(actor_label="MARK", verb="d.1", subject_type="s", subject_id="1", new={"n": "MARK-1"}),
            save_override_is_update_guard=True,
        )
        insert_later(Petitioner(name="MARK", id_number_hash="h8"))
    assert drawn.value() == "N41"
    event = Event.objects.get(verb="d.1")
    assert event.new == {"n": "N41-1"} and event.actor_label == "MARK"  # only the columns named
    assert Petitioner.objects.filter(name="MARK").exists()
    with pytest.raises(ValueError):
        DrawnWithBatch(sql="SELECT 1 AS value", params=[], marker="it's", columns=frozenset())
