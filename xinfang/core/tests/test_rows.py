"""rows.insert writes what save() would, with the statement compiled once."""

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
