"""A registration on PostgreSQL runs as one pipelined transaction (core/transactions.py): fewer round trips,
the same outcome — committed whole, or not at all, and a used Idempotency-Key still answered from its record.

These need the registration to be the outermost transaction, as in a request: ``transactional_db``, not the
test-wrapping transaction of ``db`` (inside a caller's transaction the pipeline stays off).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from xinfang.cases.models import Matter, MatterSequence
from xinfang.core.transactions import committed_in_pipeline
from xinfang.intake import services as intake_services
from xinfang.intake.models import Contact, IdempotencyRecord, Petitioner
from xinfang.intake.services import contact_register
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import api_contact_body, build_world, contact_input, id_number

pytestmark = [pytest.mark.postgres, pytest.mark.fastpath]


@pytest.fixture
def pg_world(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite has no pipeline)")
    return build_world()


def _round_trips(trace: str) -> int:
    """Times the client waited for the server until the transaction ended: each Sync, and each Flush not
    right after a Sync. (The server reports itself idle after any statement outside the transaction and
    again after the commit; what follows the commit is the SMS sent on commit.)"""
    waits, previous, in_transaction = 0, "", False
    for line in trace.splitlines():
        parts = [part.strip() for part in line.split("\t")]
        if parts[:3] == ["B", "5", "ReadyForQuery"]:
            if parts[3] == "I" and in_transaction:
                break
            in_transaction = in_transaction or parts[3] == "T"
        if len(parts) > 2 and parts[0] == "F":
            if parts[2] in ("Sync", "Flush"):
                waits += parts[2] == "Sync" or previous != "Sync"
                in_transaction = in_transaction or parts[2] == "Flush"
            previous = parts[2]
    return waits


def _traced(tmp_path, work):
    from psycopg.pq import Trace

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    path = tmp_path / "libpq-trace.txt"
    with open(path, "w") as sink:
        pgconn.trace(sink.fileno())
        pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        try:
            result = work()
        finally:
            pgconn.untrace()
    return result, path.read_text()


def test_a_new_petitioners_registration_is_three_round_trips_and_is_committed(pg_world, tmp_path):
    actor = pg_world.users["registrar"]
    for _ in range(3):  # the statements prepared (prepare_threshold), the counter row there
        contact_register(data=contact_input(), actor=actor)
    person = PetitionerInput(name="孙八", id_number=id_number(801), phone="13800138801", address="某路8号")
    contact, trace = _traced(
        tmp_path, lambda: contact_register(data=contact_input(petitioners=[person]), actor=actor)
    )
    # BEGIN + advisory lock + the look-up; the number with every key; the rows, the SMS and events, COMMIT.
    # Without the pipeline it was eight (with a look-up before the transaction and another after the lock).
    assert _round_trips(trace) == 3, trace
    assert "COMMIT" in trace and connection.connection.autocommit  # Django's state back to normal
    # Committed: another connection sees it.
    import psycopg

    url = connection.settings_dict
    with psycopg.connect(
        dbname=url["NAME"], host=url["HOST"] or None, port=url["PORT"] or None, user=url["USER"] or None
    ) as other:
        (number,) = other.execute(
            "SELECT m.number FROM cases_matter m JOIN intake_contact c ON c.matter_id = m.id WHERE c.id = %s",
            [contact.pk],
        ).fetchone()
    assert number == contact.matter.number


def test_an_update_inside_the_pipeline_is_counted(pg_world):
    """``save(update_fields=…)`` checks the row count and raises when it is 0: in the pipeline the count is
    waited for (core/postgresql ``rowcount``), not read as 0 before the answer has come."""
    from django.db import transaction

    actor = pg_world.users["registrar"]
    person = PetitionerInput(name="周九", id_number=id_number(802), phone="13800138802", address="某路9号")
    contact_register(data=contact_input(petitioners=[person]), actor=actor)
    (petitioner,) = Petitioner.objects.filter(name="周九")
    with transaction.atomic(), committed_in_pipeline():
        petitioner.name = "周玖"
        petitioner.save(update_fields=["name"])
    assert Petitioner.objects.get(pk=petitioner.pk).name == "周玖"


def test_a_failure_late_in_the_pipelined_registration_leaves_nothing(pg_world, monkeypatch):
    actor = pg_world.users["registrar"]
    first = contact_register(data=contact_input(), actor=actor)
    counts = (Matter.objects.count(), Contact.objects.count(), Petitioner.objects.count())
    (sequence,) = MatterSequence.objects.filter(year=first.received_at.year)

    def broken(**kwargs):
        raise RuntimeError("SMS gateway template missing")

    monkeypatch.setattr(intake_services, "sms_queue", broken)  # after the matter's rows were sent
    with pytest.raises(RuntimeError):
        contact_register(data=contact_input(), actor=actor)
    assert (Matter.objects.count(), Contact.objects.count(), Petitioner.objects.count()) == counts
    sequence.refresh_from_db()
    assert sequence.last == int(first.matter.number.rsplit("-", 1)[1])  # the number went back
    monkeypatch.undo()
    later = contact_register(data=contact_input(), actor=actor)  # the connection is fine afterwards
    assert int(later.matter.number.rsplit("-", 1)[1]) == sequence.last + 1


def test_the_first_number_of_a_year_is_drawn_inside_the_pipeline(pg_world):
    actor = pg_world.users["registrar"]
    MatterSequence.objects.all().delete()
    contact = contact_register(data=contact_input(), actor=actor)
    assert contact.matter.number.endswith("-000001")
    assert contact_register(data=contact_input(), actor=actor).matter.number.endswith("-000002")


def test_a_used_idempotency_key_is_answered_from_its_record(pg_world):
    """The record's unique INSERT fails only when the pipeline is synced at the commit; the registration
    rolls back and the first answer is replayed."""
    _token, raw = pg_world.token("city_bureau")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = api_contact_body()

    def post():
        return client.post(
            "/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="p-1"
        )

    first, second = post(), post()
    assert (first.status_code, second.status_code) == (201, 200), second.content
    assert first.json() == second.json()
    assert Matter.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_nested_in_a_callers_transaction_the_pipeline_stays_off(pg_world):
    from django.db import transaction

    # the caller's transaction, then a service's as in contact_register
    with transaction.atomic(), transaction.atomic(), committed_in_pipeline():
        assert connection.connection._pipeline is None  # the caller commits, not this block
    with transaction.atomic(), committed_in_pipeline():  # outermost: on
        assert connection.connection._pipeline is not None


def test_a_database_error_in_the_first_flight_rolls_back_and_the_connection_recovers(pg_world, monkeypatch):
    """An error from the server while the pipeline is open (here: the petitioner look-up fails) reaches the
    caller as Django's error; the transaction is rolled back and the next registration on the same
    connection works."""
    from django.db import DataError

    actor = pg_world.users["registrar"]
    contact_register(data=contact_input(), actor=actor)
    counts = (Matter.objects.count(), Contact.objects.count(), Petitioner.objects.count())
    real_known = intake_services.petitioner_known

    def failing_look_up(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # queued behind BEGIN and the advisory lock
            cursor.fetchone()
        return real_known(**kwargs)

    monkeypatch.setattr(intake_services, "petitioner_known", failing_look_up)
    with pytest.raises(DataError):
        contact_register(data=contact_input(), actor=actor)
    monkeypatch.undo()
    assert (Matter.objects.count(), Contact.objects.count(), Petitioner.objects.count()) == counts
    assert connection.connection.info.transaction_status.name == "IDLE"
    later = contact_register(data=contact_input(), actor=actor)
    assert Matter.objects.filter(pk=later.matter_id).exists()


def test_a_new_person_listed_twice_is_one_petitioner(pg_world):
    """Looked up once under the lock, a new person is new — but the same person named twice on one contact
    (a form filled twice by mistake) is still one petitioner and one party."""
    actor = pg_world.users["registrar"]
    twin = PetitionerInput(name="吴十", id_number=id_number(803), phone="13800138804", address="某路10号")
    other = PetitionerInput(name="郑十一", id_number=id_number(804), phone="13800138805", address="某路11号")
    contact = contact_register(data=contact_input(petitioners=[twin, other, twin]), actor=actor)
    assert Petitioner.objects.filter(name="吴十").count() == 1
    assert sorted(contact.parties.values_list("petitioner__name", flat=True)) == ["吴十", "郑十一"]


def test_the_number_is_drawn_by_the_statement_that_writes_the_rows(pg_world):
    """The counter row is locked for the last round trip only: its draw is part of the one statement that
    writes the matter and everything else, sent with the COMMIT — not a statement of the round trip before
    (cases/numbering.py)."""
    from django.test.utils import CaptureQueriesContext

    actor = pg_world.users["registrar"]
    with CaptureQueriesContext(connection) as queries:
        contact = contact_register(data=contact_input(), actor=actor)
    drawing = [q["sql"] for q in queries.captured_queries if "cases_mattersequence" in q["sql"]]
    assert len(drawing) == 1
    (statement,) = drawing
    for table in ("cases_matter", "intake_contact", "audit_event", "notify_notification"):
        assert f'INSERT INTO "{table}"' in statement, table
    assert contact.matter.number == Matter.objects.get(pk=contact.matter_id).number


def test_the_drawn_number_is_everywhere_the_registration_wrote_it(pg_world, settings, tmp_path):
    """The number is drawn in the database, yet the answer, the stored idempotency answer, the matter, its
    registration event and the SMS (the text stored and the text sent) all carry the same number."""
    import json

    from xinfang.audit.models import Event
    from xinfang.cases.numbering import PENDING
    from xinfang.notify.models import Notification

    settings.VAR_DIR = tmp_path
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.backends.FileBackend"
    _token, raw = pg_world.token("city_bureau")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(
        "/api/v1/contacts", api_contact_body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="n-1"
    )
    assert response.status_code == 201, response.content
    number = response.json()["matter_number"]
    matter = Matter.objects.get(number=number)
    assert IdempotencyRecord.objects.get(key="n-1").response["matter_number"] == number
    event = Event.objects.get(verb="matter.registered", matter_id=matter.pk)
    assert event.new["number"] == number
    (sms,) = Notification.objects.filter(matter_id=matter.pk)
    assert number in sms.body and PENDING not in sms.body
    sent = [json.loads(line) for line in (tmp_path / "outbox" / "sms.jsonl").read_text("utf-8").splitlines()]
    assert [line["body"] for line in sent] == [sms.body]
    replay = client.post(
        "/api/v1/contacts", api_contact_body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="n-1"
    )
    assert (replay.status_code, replay.json()) == (200, response.json())
    # Nowhere else either: every text and JSON column of every table (a column that comes to carry the
    # number must be listed in intake.services._CARRY_NUMBER).
    from django.apps import apps
    from django.db import models as m

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (m.CharField, m.TextField, m.JSONField)):
                lookup = (
                    f"{field.attname}__icontains"
                    if isinstance(field, m.JSONField)
                    else f"{field.attname}__contains"
                )
                assert not model._default_manager.filter(**{lookup: PENDING}).exists(), (model, field.name)


def test_a_drawn_number_past_six_digits_keeps_all_of_them(pg_world):
    """The database formats the number as numbering.number_new_matter does: six digits at least, never cut."""
    actor = pg_world.users["registrar"]
    first = contact_register(data=contact_input(), actor=actor)
    scope, year, _serial = first.matter.number.split("-")
    MatterSequence.objects.filter(scope=scope, year=int(year)).update(last=999_999)
    contact = contact_register(data=contact_input(), actor=actor)
    assert contact.matter.number == f"{scope}-{year}-1000000"
    assert Matter.objects.get(pk=contact.matter_id).number == contact.matter.number
