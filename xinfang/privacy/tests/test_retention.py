"""Retention: people whose every matter is long done with are anonymised; statistics and the trail stay."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.cases.models import Matter, MatterStatus
from xinfang.core import crypto
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.intake.merge import petitioner_merge
from xinfang.intake.models import Contact, ContactPetitioner, Petitioner
from xinfang.notify.models import Audience, Notification
from xinfang.notify.models import State as NotifyState
from xinfang.portal.models import PortalAccess
from xinfang.privacy.models import RecordClass, RetentionAction, RetentionRule
from xinfang.privacy.retention import (
    ANONYMISED,
    months_before,
    retention_preview,
    retention_purge,
    retention_rule_set,
)
from xinfang.testing.factories import register

from .conftest import close, person, record_of, register_for

# The seeded rule keeps closed matters' personal data 60 months; these runs look from 61 months on.
LATER = timezone.now() + dt.timedelta(days=61 * 31)


def _statistics() -> tuple:
    return (
        Matter.objects.count(),
        Contact.objects.count(),
        ContactPetitioner.objects.count(),
        Petitioner.objects.count(),
        sorted(Matter.objects.values_list("category", "matter_type", "status").annotate(n=Count("id"))),
    )


@pytest.fixture
def done_and_open(world):
    """张三: two matters, both closed. 李四: one matter still being handled."""
    a, b = person(401, "张三"), person(402, "李四")
    first, second = register_for(world, a), register_for(world, a)
    other = register_for(world, b)
    close(first.contact.matter, second.contact.matter, status=MatterStatus.CLOSED)
    Matter.objects.filter(pk=second.contact.matter_id).update(status=MatterStatus.FINAL)
    return a, b, [first, second], other


def test_purge_anonymises_the_done_and_keeps_the_statistics(world, done_and_open) -> None:
    a, b, parties, other = done_and_open
    done, kept = record_of(a), record_of(b)
    before = _statistics()
    events = Event.objects.count()

    report = retention_purge(now=LATER)

    assert (report.petitioners, report.parties, report.merged_records) == (1, 2, 0)
    assert _statistics() == before  # every matter, contact, party and record row stays; counts unchanged
    done.refresh_from_db()
    assert done.name == f"{ANONYMISED}{done.pk}"
    assert (done.id_number_enc, done.phone_enc, done.address_enc) == ("", "", "")
    assert (done.id_number_hash, done.phone_hash) == ("", "")
    assert (done.id_number_masked, done.phone_masked, done.address_masked) == (ANONYMISED,) * 3
    for party in ContactPetitioner.objects.filter(pk__in=[p.pk for p in parties]):
        assert (party.id_number_enc, party.phone_enc, party.address_enc) == ("", "", "")
        assert party.phone_masked == ANONYMISED
    # The person with a matter still open keeps everything.
    kept.refresh_from_db()
    assert crypto.decrypt(kept.phone_enc) == b.phone and kept.name == "李四"
    other.refresh_from_db()
    assert crypto.decrypt(other.address_enc) == b.address
    # One event for the run, nothing deleted.
    assert Event.objects.count() == events + 1
    run = Event.objects.get(verb="privacy.purged")
    assert run.new["petitioners"] == 1 and run.new["parties"] == 2 and run.actor is None


def test_the_old_id_number_no_longer_finds_the_anonymised_record(world, done_and_open) -> None:
    a, *_ = done_and_open
    done = record_of(a)
    retention_purge(now=LATER)
    again = register_for(world, a)
    assert again.petitioner_id != done.pk  # a new record: nothing of the old one is looked up or shown


def test_nothing_is_due_before_the_period_ends_or_while_a_matter_is_open(world, done_and_open) -> None:
    a, *_ = done_and_open
    assert retention_purge(now=timezone.now() + dt.timedelta(days=58 * 31)).petitioners == 0
    # A new matter of the same person (other facts: the same facts after 复核 would be 不再受理, itself done)
    # keeps all their data, however old the rest.
    register_for(world, a, request="请求督促支付工资", facts="单位拖欠工资三个月", reasons="生活困难")
    assert retention_purge(now=LATER).petitioners == 0
    assert crypto.decrypt(record_of(a).phone_enc) == a.phone


def test_a_dry_run_counts_what_the_run_does_and_writes_nothing(world, done_and_open) -> None:
    a, *_ = done_and_open
    events = Event.objects.count()
    preview = retention_preview(now=LATER)
    assert Event.objects.count() == events
    assert crypto.decrypt(record_of(a).id_number_enc) == a.id_number
    done = retention_purge(now=LATER)
    assert preview.counts() == done.counts()


def test_a_record_merged_into_the_person_goes_with_them(world, done_and_open) -> None:
    a, *_ = done_and_open
    keep = record_of(a)
    copy = Petitioner.objects.create(name="张三", phone_hash=keep.phone_hash, phone_enc=keep.phone_enc)
    ContactPetitioner.objects.create(contact=register(world), petitioner=copy)
    petitioner_merge(keep_id=keep.pk, duplicate_id=copy.pk, actor=world.users["registrar"], reason="同一人")
    Matter.objects.update(status=MatterStatus.CLOSED)
    report = retention_purge(now=LATER)
    assert report.merged_records == 1
    copy.refresh_from_db()
    assert copy.phone_enc == "" and copy.name == f"{ANONYMISED}{copy.pk}"


def test_the_limit_leaves_the_rest_for_the_next_run(world, done_and_open) -> None:
    c = person(403, "王五")
    close(register_for(world, c).contact.matter)
    first = retention_purge(now=LATER, limit=1)
    assert (first.petitioners, first.remaining) == (1, 1)
    second = retention_purge(now=LATER, limit=1)
    assert (second.petitioners, second.remaining) == (1, 0)
    assert retention_purge(now=LATER).petitioners == 0
    assert Event.objects.filter(verb="privacy.purged").count() == 3


def test_query_codes_and_message_recipients(world, done_and_open) -> None:
    _a, _b, parties, other = done_and_open
    done_matter, open_matter = parties[0].contact.matter, other.contact.matter
    for matter in (done_matter, open_matter):
        PortalAccess.objects.create(matter=matter, code_hash=f"{matter.pk:064d}")
    messages = Notification.objects.filter(audience=Audience.PETITIONER)
    assert messages.exists()  # registration texted the petitioners
    messages.update(state=NotifyState.SENT)
    pending = messages.first()
    assert pending is not None
    Notification.objects.filter(pk=pending.pk).update(state=NotifyState.FAILED)  # still to be retried

    report = retention_purge(now=timezone.now() + dt.timedelta(days=13 * 31))  # past the 12-month rules

    assert report.portal_codes == 1
    assert list(PortalAccess.objects.values_list("matter_id", flat=True)) == [open_matter.pk]
    assert report.notifications == messages.count() - 1
    for n in messages.exclude(pk=pending.pk):
        assert (n.recipient_encrypted, n.recipient_masked) == ("", ANONYMISED)
    pending.refresh_from_db()
    assert pending.recipient_encrypted  # a message that may still be sent keeps its recipient
    assert report.petitioners == 0  # personal data: 60 months, not yet


def test_the_command(world, done_and_open) -> None:
    out = StringIO()
    call_command("privacy", "purge", "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and not Event.objects.filter(verb="privacy.purged").exists()
    out = StringIO()
    call_command("privacy", "purge", stdout=out)
    assert "已处理：匿名化信访人 0 人" in out.getvalue()
    assert Event.objects.filter(verb="privacy.purged").count() == 1
    out = StringIO()
    call_command("privacy", "rules", stdout=out)
    assert "已办结事项的信访人个人信息：60 个月后匿名化" in out.getvalue()


def test_rules_are_set_by_the_security_officer_within_bounds(world, security) -> None:
    rule = retention_rule_set(
        record_class=RecordClass.PERSONAL_DATA,
        months=36,
        action=RetentionAction.ANONYMISE,
        actor=security,
        reason="按档案保管期限表调整",
    )
    assert (
        rule.months == 36 and RetentionRule.objects.get(record_class=RecordClass.PERSONAL_DATA).months == 36
    )
    event = Event.objects.get(verb="privacy.retention_rule_set")
    assert event.old["months"] == 60 and event.new["months"] == 36 and event.reason == "按档案保管期限表调整"
    args = dict(
        record_class=RecordClass.PERSONAL_DATA, months=36, action=RetentionAction.ANONYMISE, reason="r"
    )
    for persona in ("registrar", "auditor", "outsider"):
        with pytest.raises(PermissionDenied):
            retention_rule_set(**args, actor=world.users[persona])
    with pytest.raises(ValidationFailed, match="匿名化"):
        retention_rule_set(**{**args, "action": RetentionAction.DELETE}, actor=security)
    with pytest.raises(ValidationFailed, match="3 至 1200"):
        retention_rule_set(**{**args, "months": 1}, actor=security)
    with pytest.raises(ValidationFailed, match="理由"):
        retention_rule_set(**{**args, "reason": " "}, actor=security)


def test_months_before_clamps_to_the_shorter_month() -> None:
    at = dt.datetime(2024, 3, 31, 10, 0, tzinfo=dt.UTC)
    assert months_before(at, 1) == dt.datetime(2024, 2, 29, 10, 0, tzinfo=dt.UTC)
    assert months_before(at, 13) == dt.datetime(2023, 2, 28, 10, 0, tzinfo=dt.UTC)
    assert months_before(at, 60) == dt.datetime(2019, 3, 31, 10, 0, tzinfo=dt.UTC)


def test_the_retention_page(world, security, done_and_open) -> None:
    from django.test import Client

    client = Client()
    client.force_login(security)
    html = client.get("/privacy/retention/").content.decode()
    assert "已办结事项的信访人个人信息" in html and "现行：保存 60 个月后匿名化" in html
    assert 'id="preview"' in html  # what the next run would do, counted without a lock
    resp = client.post(
        "/privacy/retention/",
        {
            "record_class": RecordClass.PORTAL_CODES,
            "months": "6",
            "action": "delete",
            "basis": "",
            "reason": "缩短",
        },
    )
    assert resp.status_code == 302
    assert RetentionRule.objects.get(record_class=RecordClass.PORTAL_CODES).months == 6
    for persona in ("registrar", "auditor"):
        other = Client()
        other.force_login(world.users[persona])
        assert other.get("/privacy/retention/").status_code == 403
        other.post(
            "/privacy/retention/",
            {"record_class": RecordClass.PORTAL_CODES, "months": "3", "action": "delete", "reason": "x"},
        )
    assert RetentionRule.objects.get(record_class=RecordClass.PORTAL_CODES).months == 6
