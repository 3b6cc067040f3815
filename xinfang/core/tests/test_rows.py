"""rows.insert writes what save() would, with the statement compiled once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.accounts.models import User
from xinfang.audit.models import Event
from xinfang.core.rows import insert
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
