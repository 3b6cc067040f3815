"""Registering contacts (信访件); the petitioners' own records are in ``petitioners.py``. Every write here
runs in one transaction with its events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.audit.services import events_batched, record_event
from xinfang.cases.clocks import clock_prepare, clock_started, local_today
from xinfang.cases.finality import find_final_match
from xinfang.cases.models import Clock, Matter, MatterStatus
from xinfang.cases.notices import sms_prepare, sms_queue
from xinfang.cases.numbering import PENDING, number_drawn_with_batch, number_new_matter
from xinfang.cases.selectors import matter_for
from xinfang.core import rows
from xinfang.core.actors import as_user
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.core.memo import TtlCache
from xinfang.core.rows import insert
from xinfang.core.transactions import committed_in_pipeline
from xinfang.core.writepath import fast_writes
from xinfang.deadlines.services import compute_clock_due
from xinfang.notify.models import Notification
from xinfang.org.models import Region, Unit, UnitKind
from xinfang.org.selectors import region_by_code

from .models import Contact, ContactPetitioner, IdempotencyRecord, Petitioner
from .petitioners import (
    lock_new_people,
    party_given,
    person_key,
    petitioner_known,
    petitioner_sealed,
    petitioner_upsert,
)
from .validation import ContactInput, PetitionerInput, validate_contact

REGISTRAR_ROLES = ("registrar", "handler", "unit_head", "leader")


# Regions (GB/T 2260) and units are reference rows read by every registration; kept per process for a few
# minutes and dropped at once by this process's own edits (signals in apps.py). Only "exists" and the code /
# prefix are read from them here.
_regions: TtlCache[Region] = TtlCache(ttl=300)
_units: TtlCache[Unit] = TtlCache(ttl=300)


def forget_cached_places(*_args: object, **_kwargs: object) -> None:
    _regions.clear()
    _units.clear()


def _region(code: str) -> Region:
    region = _regions.get(code, lambda: region_by_code(code))
    if region is None:  # region_by_code raises for an unknown code; a cache that answered None did not ask it
        return region_by_code(code)
    return region


def _actor_unit(actor: Any) -> Unit:
    unit = getattr(actor, "unit", None)
    if unit is None:
        raise PermissionDenied("no_unit", "您的账号未关联单位，不能登记")
    return unit


def contact_register(
    *,
    data: ContactInput,
    actor: Any,
    token: Any = None,
    also_in_transaction: Callable[[Contact], object] | None = None,
) -> Contact:
    """Register one 信访件. A new matter is opened and numbered, or — with ``attach_to`` — the contact joins
    an existing matter as a repeat petition (重复信访). The routing clock (Art 22, 15 days) starts for matters
    registered at a petition bureau; a direct receipt elsewhere starts the notice clock (Art 23¶2).

    ``also_in_transaction(contact)`` runs last inside the registration's transaction (the API writes its
    idempotency record there): both commit or neither. On PostgreSQL, in its own transaction, a new matter's
    number is ``numbering.PENDING`` until the commit: the statement writing the rows draws it and writes it
    only into the columns of ``_CARRY_NUMBER`` — add any other column that is to carry it. Checks,
    encryption and the due date are done before the transaction begins, so the database's write lock
    (SQLite) and the number counter's row lock are held for the statements only."""
    unit = _actor_unit(actor)
    if not actor.has_role(*REGISTRAR_ROLES):
        raise PermissionDenied("role_required", "您没有登记信访件的权限")
    data = validate_contact(data)
    region = _region(data.region_code)
    # A system token (or a registrar) registers only within its own jurisdiction.
    if not region.code.startswith(unit.region.prefix) and unit.region.prefix:
        raise PermissionDenied(
            "out_of_jurisdiction",
            f"问题属地 {region.code} 不在本单位管辖范围（{unit.region.full_name}）内",
            field="region_code",
        )
    accused = None
    if data.accused_unit_id:
        pk = data.accused_unit_id
        accused = _units.get(pk, lambda: Unit.objects.filter(pk=pk).first())
        if accused is None:
            raise ValidationFailed("unknown_unit", "被检举控告单位不存在", field="accused_unit_id")
    received_at = data.received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed("received_in_future", "收到时间不能晚于当前时间", field="received_at")

    sealed = [petitioner_sealed(person) for person in data.petitioners]
    people = list(zip(data.petitioners, sealed, strict=True))
    with ExitStack() as early:
        # PostgreSQL, as the outermost transaction: the transaction begins here, the people are locked first
        # (lock_new_people) and looked up once, in the same flight as BEGIN (core/transactions.py) — no
        # look-up before the transaction and again after the lock. There is no database-wide write lock to
        # keep short, as SQLite has; there the look-ups and checks run before it, below.
        settled = connection.vendor == "postgresql" and not connection.in_atomic_block and fast_writes()
        if settled:
            early.enter_context(transaction.atomic())
            early.enter_context(committed_in_pipeline())
            lock_new_people(people)
        return _register_people(
            data=data,
            actor=actor,
            token=token,
            also_in_transaction=also_in_transaction,
            unit=unit,
            region=region,
            accused=accused,
            received_at=received_at,
            people=people,
            settled=settled,
        )


def _register_people(
    *,
    data: ContactInput,
    actor: Any,
    token: Any,
    also_in_transaction: Callable[[Contact], object] | None,
    unit: Unit,
    region: Region,
    accused: Unit | None,
    received_at: dt.datetime,
    people: list[tuple[PetitionerInput, Petitioner]],
    settled: bool,
) -> Contact:
    """The rest of ``contact_register``. ``settled``: inside its PostgreSQL transaction with the people
    locked, so what ``petitioner_known`` finds now is final (no look-up again)."""
    # Reads, before the write lock (SQLite): who is on record already, and whether one of them has a final
    # decision on the same facts (Art 36¶3). A brand-new petitioner has no history, so one registered
    # concurrently by someone else cannot change the finality check; petitioner_upsert looks the not-found
    # ones up again (unless settled).
    on_record = [petitioner_known(data=person, sealed=row) for person, row in people]
    final = None
    if not data.attach_to:
        final = find_final_match(
            petitioner_ids=list(dict.fromkeys(p.pk for p in on_record if p is not None)),
            text="\n".join((data.title, data.request, data.facts, data.reasons)),
        )
    # The rows are built here, before the write lock (SQLite) and the number counter's row lock (PostgreSQL):
    # under the locks only the statements run, with the number and the keys filled in.
    new = None if data.attach_to else _new_matter_rows(data, actor, unit, region, accused, received_at, final)
    contact = _contact_row(data, actor, token, unit, region, received_at)

    # Normally the outermost transaction (the API no longer wraps it: its idempotency record goes in through
    # also_in_transaction), so no savepoint is spent; nested in a caller's transaction it keeps one, so a
    # failed registration (e.g. a used Idempotency-Key) leaves the caller's transaction usable. The events
    # (matter, clock, notification), the SMS and the API's idempotency record go in together at the end of the
    # block (rows.batched), inside the transaction.
    new_people = [person for person, known in zip(people, on_record, strict=True) if known is None]
    # One person new to the records is written with the matter's rows (below); several are written one by one,
    # so that the second look-up finds the first when the same person is listed twice.
    write_together = new is not None and len(new_people) <= 1
    # Settled: inside the transaction begun above (no savepoint needed); the pipeline is that one's.
    with transaction.atomic(savepoint=not settled), committed_in_pipeline(), rows.batched(), events_batched():
        if not settled:
            lock_new_people(new_people)
        parties, created = _parties(people, on_record, write_together=write_together, settled=settled)
        if new is None:
            matter = _attach_repeat(data, actor, contact, parties, received_at)
            record_event(
                actor=actor,
                verb="contact.attached",
                subject=contact,
                matter_id=matter.pk,
                new={"ordinal": contact.ordinal, "channel": data.channel},
                is_public=True,
                reason="重复信访，并入原事项",
            )
            return _finish(contact, also_in_transaction)
        matter = new.matter
        _write_new_matter(new, contact, parties, created, unit=unit, received_at=received_at, settled=settled)
        record_event(
            actor=actor,
            verb="matter.registered",
            subject=matter,
            matter_id=matter.pk,
            new={
                "number": matter.number,
                "channel": data.channel,
                "type": data.matter_type,
                "region": region.code,
            },
            is_public=True,
        )
        if final is not None:
            # Art 36¶3: registered (nothing is lost) but not accepted; the earlier decisions are linked.
            record_event(
                actor=actor,
                verb="matter.not_accepted_final",
                subject=matter,
                matter_id=matter.pk,
                new={"final_matter": final.number},
                is_public=True,
                reason=f"同一事实和理由已经复核终结（原事项{final.number}），依据《信访工作条例》"
                "第三十六条第三款不再受理",
            )
            return _finish(contact, also_in_transaction)
        # The matter is new: its petitioners are exactly this contact's parties.
        sms_queue(matter=matter, prepared=new.sms, context={}, actor=actor)
        if new.clock is not None:
            clock_started(new.clock, actor=actor)
        return _finish(contact, also_in_transaction)


@dataclass
class _NewMatter:
    """A new matter's rows, built before the transaction: the matter (number drawn later), its first clock
    and its registration SMS (neither for a matter not accepted under Art 36¶3)."""

    matter: Matter
    clock: Clock | None
    sms: list[Notification]


def _new_matter_rows(
    data: ContactInput,
    actor: Any,
    unit: Unit,
    region: Region,
    accused: Unit | None,
    received_at: dt.datetime,
    final: Matter | None,
) -> _NewMatter:
    matter = Matter(
        number="",  # drawn under the lock
        title=data.title.strip(),
        matter_type=data.matter_type,
        category=data.category,
        region=region,
        region_code=region.code,
        registering_unit=unit,
        accused_unit=accused,
        is_litigation=data.is_litigation,
        is_major=data.is_major,
        first_received_at=received_at,
        last_contact_at=received_at,
        created_by=as_user(actor),
        status=MatterStatus.NOT_ACCEPTED if final else MatterStatus.REGISTERED,
        final_matter=final,
    )
    if final is not None:
        return _NewMatter(matter, None, [])
    clock = None
    # Art 22¶1 for petition bureaus; Art 23¶2 for an organ that receives a petition directly.
    kind = "routing" if unit.kind == UnitKind.BUREAU else "notice"
    if kind == "routing" or not data.identity_unclear:
        start = timezone.localtime(received_at).date()
        due = compute_clock_due(region_code=region.code, clock=kind, start=start)
        clock = clock_prepare(kind=kind, start=start, due=due)
    # To the phones given on this contact only: a known ID number named with no phone, or with another, must
    # not send the person's news to whoever is on record — nor the caller's to them.
    phones = (person.phone for person in data.petitioners)
    return _NewMatter(matter, clock, sms_prepare(phones=phones, template="matter_registered"))


def _contact_row(
    data: ContactInput, actor: Any, token: Any, unit: Unit, region: Region, received_at: dt.datetime
) -> Contact:
    return Contact(
        channel=data.channel,
        received_at=received_at,
        registered_by=as_user(actor),
        registering_unit=unit,
        via_token=token,
        external_ref=data.external_ref,
        title=data.title.strip(),
        request=data.request.strip(),
        facts=data.facts.strip(),
        reasons=data.reasons.strip(),
        is_oral=data.is_oral,
        oral_record=data.oral_record,
        identity_unclear=data.identity_unclear,
        headcount=data.headcount,
        region_code=region.code,
    )


def _parties(
    people: list[tuple[PetitionerInput, Petitioner]],
    on_record: list[Petitioner | None],
    *,
    write_together: bool,
    settled: bool,
) -> tuple[list[ContactPetitioner], list[Petitioner]]:
    """One party per person named on the contact, with what the contact gave for them; and the petitioners
    new to the records that the caller writes with the matter's rows (``write_together``; otherwise they are
    written here, one by one)."""
    parties: dict[int, ContactPetitioner] = {}
    created: list[Petitioner] = []
    named: set[str] = set()
    for (person, row), was_known in zip(people, on_record, strict=True):
        # Named again on this contact: looked up again, so it finds the row written for its first mention.
        mention = person_key(person, row)
        again = bool(mention) and mention in named
        named.add(mention)
        petitioner, is_new = petitioner_upsert(
            data=person,
            sealed=row,
            known=was_known,
            insert_new=not write_together,
            settled=settled and not again,
        )
        if is_new and write_together:
            created.append(petitioner)
        key = petitioner.pk if petitioner.pk is not None else id(petitioner)
        given = party_given(data=person, sealed=row, petitioner=petitioner, created=is_new)
        party = parties.get(key)
        if party is None:
            party = parties[key] = ContactPetitioner(petitioner=petitioner, **given)
        else:
            # Named twice: what the second mention adds fills what the first left blank.
            for name, value in given.items():
                if value and not getattr(party, name):
                    setattr(party, name, value)
        party.is_representative = party.is_representative or person.is_representative
    return list(parties.values()), created


def _attach_repeat(
    data: ContactInput,
    actor: Any,
    contact: Contact,
    parties: list[ContactPetitioner],
    received_at: dt.datetime,
) -> Matter:
    """A repeat petition (重复信访): the contact joins the matter ``data.attach_to`` as its next one."""
    matter = matter_for(actor, data.attach_to or "", for_update=True)
    ordinal = matter.contact_count + 1
    Matter.objects.filter(pk=matter.pk).update(
        contact_count=F("contact_count") + 1, last_contact_at=max(received_at, matter.last_contact_at)
    )
    matter.contact_count = ordinal
    contact.matter, contact.ordinal, contact.is_repeat = matter, ordinal, True
    insert(contact)
    for party in parties:
        party.contact = contact
    insert(*parties)
    return matter


def _write_new_matter(
    new: _NewMatter,
    contact: Contact,
    parties: list[ContactPetitioner],
    created: list[Petitioner],
    *,
    unit: Unit,
    received_at: dt.datetime,
    settled: bool,
) -> None:
    """Number the new matter and write it with its contact, parties, new petitioners and clock."""
    matter, clock, sms = new.matter, new.clock, new.sms
    contact.ordinal, contact.is_repeat = 1, False
    own = [*created, matter, contact, *parties, *([clock] if clock else [])]
    scope, year = unit.region.code, timezone.localtime(received_at).year
    # From the draw to the commit the number counter is locked (cases/numbering.py).
    if settled:
        # PostgreSQL, its own transaction: every key now (the SMS too: their events name them), no lock; the
        # number is drawn by the one statement that writes all the rows, events, SMS and idempotency record,
        # sent with the COMMIT — the counter is locked for that round trip only.
        rows.assign_ids(*own, *sms)
        drawn = number_drawn_with_batch(matter, scope=scope, year=year, carried_by=_CARRY_NUMBER)
        # Registered before sms_queue's send-on-commit hooks: they run in order, after the commit.
        transaction.on_commit(partial(_number_known, drawn, matter, sms))
    else:
        # The number and, on PostgreSQL's fast path, every key in one statement; then the petitioner, matter,
        # contact, parties and clock written in one (elsewhere one INSERT per table).
        number_new_matter(matter, scope=scope, year=year, keys_for=[*own, *sms])
    contact.matter = matter
    for party in parties:
        party.contact = contact  # a new petitioner's key reaches its party when written
    if clock is not None:
        clock.matter = matter
    if settled:
        rows.insert_later(*own)
    else:
        rows.insert_together(*own)


# Where a new matter's number appears in what its registration writes (numbering.number_drawn_with_batch):
# the matter.registered event, the registration SMS and the API's idempotency record.
_CARRY_NUMBER = (
    (Event, "new"),
    (Notification, "subject"),
    (Notification, "body"),
    (IdempotencyRecord, "response"),
)


def _number_known(drawn: rows.DrawnWithBatch, matter: Matter, sms: list[Notification]) -> None:
    """On commit: the number the statement drew, where this process still has the placeholder — the matter
    (the caller answers with it) and the SMS the courier is about to send."""
    number = drawn.value()
    matter.number = number
    for notification in sms:
        notification.subject = notification.subject.replace(PENDING, number)
        notification.body = notification.body.replace(PENDING, number)


def _finish(contact: Contact, also: Callable[[Contact], object] | None) -> Contact:
    if also is not None:
        also(contact)
    return contact


def today() -> dt.date:
    return local_today()
