"""record_event and events_batched: one row per event, written with the caller's transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xinfang.audit.models import Event
from xinfang.audit.services import events_batched, record_event
from xinfang.org.models import Region

pytestmark = pytest.mark.django_db


class _Boom(Exception):
    pass


def _subject() -> Region:
    return Region.objects.create(code="440399", name="测试区", level=3, prefix="440399", full_name="测试区")


def test_batched_events_are_one_insert_in_the_callers_transaction():
    subject = _subject()
    with transaction.atomic(), CaptureQueriesContext(connection) as q:
        with events_batched():
            first = record_event(actor=None, verb="test.one", subject=subject, new={"n": 1})
            record_event(actor=None, verb="test.two", subject=subject, reason="因为")
            assert first.pk is None and not Event.objects.filter(verb__startswith="test.").exists()
        inserts = [x["sql"] for x in q.captured_queries if x["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert first.pk is not None
    rows = list(Event.objects.filter(verb__startswith="test.").order_by("id"))
    assert [(e.verb, e.new, e.reason, e.actor_label) for e in rows] == [
        ("test.one", {"n": 1}, "", "系统"),
        ("test.two", None, "因为", "系统"),
    ]


def test_batched_events_roll_back_with_the_transaction():
    subject = _subject()
    with pytest.raises(_Boom), transaction.atomic(), events_batched():
        record_event(actor=None, verb="test.lost", subject=subject)
        raise _Boom
    assert not Event.objects.filter(verb="test.lost").exists()
    # outside a batch, record_event writes at once again
    with transaction.atomic():
        record_event(actor=None, verb="test.now", subject=subject)
        assert Event.objects.filter(verb="test.now").exists()


@pytest.mark.django_db(transaction=True)
def test_batching_needs_a_transaction():
    with pytest.raises(RuntimeError), events_batched():
        pass
