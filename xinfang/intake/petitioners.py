"""Petitioners (信访人) on record: finding one by blind index, sealing a new one's personal data, locking
new people against a concurrent registration of the same person, what a contact gave for a person (kept on
its party, revealed there — audited — and confirmed into the record by a registrar), and re-encrypting
under a new key. ``services.contact_register`` is their main user."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from xinfang.audit.services import record_event
from xinfang.cases.selectors import can_see_identity, visible_matters
from xinfang.core import crypto
from xinfang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.pii import mask_address, mask_id_number, mask_phone
from xinfang.core.rows import insert

from .models import PII_FIELDS, ContactPetitioner, Petitioner
from .validation import PetitionerInput

# The columns a registration reads of a known petitioner (the rest stay deferred on the instance): enough to
# tell which of the details given on the contact differ from the record (``party_given``).
_KNOWN = {
    "id",
    "kind",
    "name",
    "id_number_hash",
    "phone_hash",
    "address_enc",
    "merged_into_id",
}
# In the model's field order: ``Model.from_db`` takes a partial row's values in that order.
_KNOWN_COLUMNS = tuple(f.attname for f in Petitioner._meta.concrete_fields if f.attname in _KNOWN)
_known_sql: dict[str, str] = {}


def _known_row(key: str, where: Callable[[dict[str, str]], str], params: list[Any]) -> Petitioner | None:
    """The first petitioner matching ``where`` (built from the quoted column names, once per ``key``), with
    the ``_KNOWN_COLUMNS`` only: every registration asks this for each of its petitioners, and compiling the
    query cost more than running it."""
    sql = _known_sql.get(key)
    if sql is None:
        meta, qn = Petitioner._meta, connection.ops.quote_name
        column = {f.attname: qn(f.column) for f in meta.concrete_fields}
        columns = ", ".join(column[c] for c in _KNOWN_COLUMNS)
        # Table and column names come from the model, values go as parameters.
        sql = f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {where(column)} LIMIT 1"  # noqa: S608
        _known_sql[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else Petitioner.from_db(connection.alias, list(_KNOWN_COLUMNS), row)


def _known_petitioner(**equal: str | int) -> Petitioner | None:
    """``Petitioner.objects.filter(**equal).order_by("pk").first()``, the statement built once."""
    names = tuple(sorted(equal))

    def where(column: dict[str, str]) -> str:
        return " AND ".join(f"{column[c]} = %s" for c in names) + f" ORDER BY {column['id']}"

    return _known_row("|".join(names), where, [equal[c] for c in names])


def _known_by_id_or_phone(id_hash: str, phone_hash: str, name: str) -> Petitioner | None:
    """The record with this ID number — or, failing that, one with this phone and name and no ID number on
    record yet (the same person registered once without his ID card): one statement, the ID match first."""

    def where(column: dict[str, str]) -> str:
        idh, ph, nm = column["id_number_hash"], column["phone_hash"], column["name"]
        return (
            f"{idh} = %s OR ({ph} = %s AND {nm} = %s AND {idh} = '') "
            f"ORDER BY CASE WHEN {idh} = %s THEN 0 ELSE 1 END, {column['id']}"
        )

    return _known_row("id-or-phone", where, [id_hash, phone_hash, name, id_hash])


def petitioner_sealed(data: PetitionerInput) -> Petitioner:
    """``data`` as a new, unsaved row: blind indexes, ciphertexts and masks. Pure work, no database — a
    registration does it before its transaction so that none of it runs under the write/number locks."""
    return Petitioner(
        kind=data.kind,
        name=data.name,
        id_number_enc=crypto.encrypt(data.id_number),
        id_number_hash=crypto.blind_index("id_number", data.id_number),
        id_number_masked=mask_id_number(data.id_number),
        phone_enc=crypto.encrypt(data.phone),
        phone_hash=crypto.blind_index("phone", data.phone),
        phone_masked=mask_phone(data.phone),
        address_enc=crypto.encrypt(data.address),
        address_masked=mask_address(data.address),
    )


def petitioner_known(*, data: PetitionerInput, sealed: Petitioner) -> Petitioner | None:
    """The petitioner already on record as ``data``: same ID number (blind index), or same phone (blind index)
    and name — with an ID number in ``data`` only a record that has none yet (it gets this one on upsert)."""
    if sealed.id_number_hash and sealed.phone_hash and data.name:
        found = _known_by_id_or_phone(sealed.id_number_hash, sealed.phone_hash, data.name)
    elif sealed.id_number_hash:
        found = _known_petitioner(id_number_hash=sealed.id_number_hash)
    elif sealed.phone_hash and data.name:
        found = _known_petitioner(phone_hash=sealed.phone_hash, name=data.name)
    else:
        return None
    if found is not None and found.merged_into_id is not None:
        # A record merged into another (信访人合并) stands for that one; merges keep every chain one hop.
        found = _known_petitioner(id=found.merged_into_id)
    return found


def person_key(data: PetitionerInput, sealed: Petitioner) -> str:
    """What identifies a person for ``petitioner_known``: the ID number's blind index, else phone + name."""
    if sealed.id_number_hash:
        return sealed.id_number_hash
    return f"{sealed.phone_hash}|{data.name}" if sealed.phone_hash and data.name else ""


# A transaction-scoped advisory lock per person (PostgreSQL), taken in one statement and in key order so that
# two registrations naming the same people in a different order cannot deadlock.
_LOCK_PEOPLE = "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k"


def lock_new_people(people: list[tuple[PetitionerInput, Petitioner]]) -> None:
    """Make concurrent registrations of the same new person wait for each other until commit, so that the
    look-up in ``petitioner_upsert`` (a new statement, a new snapshot) sees the row the first one created.
    SQLite's write lock already serialises the registrations; PostgreSQL, without it, let four simultaneous
    registrations of one new ID number create four petitioners."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        {
            int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
            for key in (person_key(data, sealed) for data, sealed in people)
            if key
        }
    )
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_PEOPLE, [keys])


def petitioner_upsert(
    *,
    data: PetitionerInput,
    sealed: Petitioner | None = None,
    known: Petitioner | None = None,
    insert_new: bool = True,
    settled: bool = False,
) -> tuple[Petitioner, bool]:
    """The petitioner on record as ``data`` (same ID number, or same phone and name: blind indexes), else a
    new one made from ``data``.

    A record found is returned as it is: whoever names a known ID number learns nothing by it and changes
    nothing of it — what this contact gave is kept on its party (``party_given``) and reaches the record
    only through ``party_details_settle``. ``sealed`` is ``petitioner_sealed(data)`` when the caller
    prepared it already; ``known`` is what ``petitioner_known`` found earlier (a petitioner on record stays
    on record, so it need not be looked up again; one not found then is looked up here, in the writing
    transaction — after ``lock_new_people`` on PostgreSQL, under the write lock on SQLite — so that two
    registrations of the same new person cannot both create it). Returns the petitioner and whether it was
    created by this call; with ``insert_new=False`` a new petitioner is returned unsaved, for the caller to
    write (``rows.insert_together``)."""
    row = sealed if sealed is not None else petitioner_sealed(data)
    # settled: ``known`` was looked up after lock_new_people, in this transaction — None means new.
    existing = known if known is not None or settled else petitioner_known(data=data, sealed=row)
    if existing is not None:
        return existing, False
    if insert_new:
        insert(row)
    return row, True


def party_given(
    *, data: PetitionerInput, sealed: Petitioner, petitioner: Petitioner, created: bool
) -> dict[str, str]:
    """The party columns for what one contact gave for ``petitioner``: the sealed values, and which of them
    differ from the record (``unconfirmed``) — nothing, for a record made from this very contact."""
    given = {name: getattr(sealed, name) for name in _GIVEN}
    if created:
        return given
    differ = []
    if sealed.id_number_hash and sealed.id_number_hash != petitioner.id_number_hash:
        differ.append("id_number")  # found by phone and name; the record has no ID number yet
    if sealed.phone_hash and sealed.phone_hash != petitioner.phone_hash:
        differ.append("phone")
    if data.address and (
        not petitioner.address_enc or crypto.decrypt(petitioner.address_enc) != data.address
    ):
        differ.append("address")
    given["unconfirmed"] = ",".join(differ)
    return given


# The sealed fields a party keeps of what its contact gave (the blind indexes stay on the record: look-ups
# find people, not contacts).
_GIVEN = (
    "id_number_enc",
    "id_number_masked",
    "phone_enc",
    "phone_masked",
    "address_enc",
    "address_masked",
)
CONFIRM_ROLES = ("registrar",)


def _party_in_sight(party_id: int, actor: Any, *, for_update: bool = False) -> tuple[ContactPetitioner, Any]:
    """The party and its matter, if ``actor`` may see the matter and the identity of its petitioners (Art 30);
    the same answer for a party that does not exist as for one out of sight — no existence oracle."""
    qs = ContactPetitioner.objects.select_related("contact", "petitioner")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    party = qs.filter(pk=party_id).first()
    matter = None
    if party is not None:
        matter = visible_matters(actor).filter(pk=party.contact.matter_id).first()
    if party is None or matter is None or not can_see_identity(actor, matter):
        raise NotFound("party_not_found", "未找到该信访人信息，或您无权查看")
    return party, matter


def party_reveal(*, party_id: int, fields: list[str], actor: Any, reason: str = "") -> dict[str, str]:
    """Decrypt ``fields`` as a contact gave them, for someone who may see that contact's matter and its
    petitioners; the reveal is one audit event naming the fields (个人信息保护法第五十一条). Only what
    was given on this contact: the person's record, or what they gave on matters out of the actor's sight,
    is never shown."""
    if getattr(actor, "has_role", None) and actor.has_role("auditor"):  # 三员分立: the auditor only reads
        raise PermissionDenied("auditor_read_only", "审计员只能查阅审计日志，不能查看个人信息（三员分立）")
    if not fields or any(field not in PII_FIELDS for field in fields):
        raise ValidationFailed("unknown_field", "只能查看证件号码、电话或住址", field="field")
    fields = list(dict.fromkeys(fields))
    party, matter = _party_in_sight(party_id, actor)
    values = {field: crypto.decrypt(getattr(party, f"{field}_enc")) for field in fields}
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="pii.reveal",
            subject=party.petitioner,
            matter_id=matter.pk,
            new={"fields": fields, "contact": party.contact.ordinal},
            reason=reason or "办理需要",
        )
    return values


def party_details_settle(*, party_id: int, actor: Any, accept: bool, reason: str) -> Petitioner:
    """A registrar has checked with the person the details a contact gave that differ from their record:
    ``accept`` makes them the record's (the person's confirmed ID number, phone or address), otherwise they
    are set aside and stay with that contact only. Either way the party has nothing left to confirm; the event
    names the fields, masked values only."""
    if not (getattr(actor, "has_role", None) and actor.has_role(*CONFIRM_ROLES)):
        raise PermissionDenied("confirm_forbidden", "只有登记员可以核实信访人信息")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "reason_required", "请写明核实的方式（如当面核对证件、电话回访）", field="reason"
        )
    with transaction.atomic():
        party, matter = _party_in_sight(party_id, actor, for_update=True)
        fields = [f for f in party.unconfirmed.split(",") if f]
        if not fields:
            raise Conflict("nothing_to_confirm", "该信访件所留信息与档案一致，无需核实")
        person = Petitioner.objects.select_for_update().get(pk=party.petitioner_id)
        old = {f: getattr(person, f"{f}_masked") for f in fields}
        new = {f: getattr(party, f"{f}_masked") for f in fields}
        if accept:
            changed: list[str] = []
            for name in fields:
                value = crypto.decrypt(getattr(party, f"{name}_enc"))
                if name == "id_number":
                    if person.id_number_hash:
                        raise Conflict("identity_differs", "档案已有不同的证件号码，是不同的人，不能更新")
                    digest = crypto.blind_index("id_number", value)
                    if Petitioner.objects.filter(id_number_hash=digest).exclude(pk=person.pk).exists():
                        raise Conflict(
                            "identity_taken", "该证件号码已属于另一信访人档案，请先核对并合并信访人记录"
                        )
                    person.id_number_hash = digest
                    changed.append("id_number_hash")
                elif name == "phone":
                    person.phone_hash = crypto.blind_index("phone", value) if value else ""
                    changed.append("phone_hash")
                for suffix in ("enc", "masked"):
                    setattr(person, f"{name}_{suffix}", getattr(party, f"{name}_{suffix}"))
                    changed.append(f"{name}_{suffix}")
            person.save(update_fields=changed)
        ContactPetitioner.objects.filter(pk=party.pk).update(unconfirmed="")
        record_event(
            actor=actor,
            verb="petitioner.details_confirmed" if accept else "petitioner.details_set_aside",
            subject=person,
            matter_id=matter.pk,
            old=old,
            new={**new, "contact": party.contact.ordinal},
            reason=reason,
        )
    return person


def pii_rotate_keys(*, batch: int = 500, actor: Any = None) -> int:
    """Re-encrypt every petitioner's sensitive fields, and what each contact gave for them, under the newest
    key in ``XINFANG_PII_KEYS``; returns the number of petitioner records.

    Run after putting a new key first in the list (old keys stay listed until this finishes). Blind-index
    hashes do not change: they use ``XINFANG_BLIND_INDEX_KEY``."""
    fields = ("id_number_enc", "phone_enc", "address_enc")
    done: dict[type[Petitioner] | type[ContactPetitioner], int] = {Petitioner: 0, ContactPetitioner: 0}
    for model in done:
        last_pk = 0
        while True:
            with transaction.atomic():
                page = model.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")
                rows = list(page.only("pk", *fields)[:batch])
                if not rows:
                    break
                for row in rows:
                    for name in fields:
                        setattr(row, name, crypto.rotate(getattr(row, name)))
                model.objects.bulk_update(rows, fields)  # type: ignore[arg-type]  # rows are of model
                last_pk = rows[-1].pk
                done[model] += len(rows)
    if done[Petitioner] or done[ContactPetitioner]:
        with transaction.atomic():
            record_event(
                actor=actor,
                verb="pii.keys_rotated",
                subject=Petitioner(pk=0),
                new={"rows": done[Petitioner], "contact_rows": done[ContactPetitioner]},
            )
    return done[Petitioner]
