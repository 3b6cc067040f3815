"""Petitioners (信访人) on record: finding one by blind index, sealing a new one's personal data, locking
new people against a concurrent registration of the same person, revealing a field (audited) and
re-encrypting under a new key. ``services.contact_register`` is their main user."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from xinfang.audit.services import record_event
from xinfang.cases.selectors import can_see_identity, visible_matters
from xinfang.core import crypto
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.core.pii import mask_address, mask_id_number, mask_phone
from xinfang.core.rows import insert

from .models import Petitioner
from .validation import PetitionerInput

# The columns petitioner_upsert reads of a known petitioner (the rest stay deferred on the instance).
_KNOWN = {
    "id",
    "kind",
    "name",
    "id_number_hash",
    "phone_enc",
    "phone_hash",
    "phone_masked",
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
    """Reuse the petitioner known by the same ID number (blind index); otherwise create one.

    ``sealed`` is ``petitioner_sealed(data)`` when the caller prepared it already; ``known`` is what
    ``petitioner_known`` found earlier (a petitioner on record stays on record, so it need not be looked up
    again; one not found then is looked up here, in the writing transaction — after ``lock_new_people`` on
    PostgreSQL, under the write lock on SQLite — so that two registrations of the same new person cannot both
    create it). Returns the petitioner and whether it was created by this call; with ``insert_new=False`` a
    new petitioner is returned unsaved, for the caller to write (``rows.insert_together``)."""
    row = sealed if sealed is not None else petitioner_sealed(data)
    # settled: ``known`` was looked up after lock_new_people, in this transaction — None means new.
    existing = known if known is not None or settled else petitioner_known(data=data, sealed=row)
    if existing is not None:
        changed = []
        if data.phone and existing.phone_hash != row.phone_hash:
            existing.phone_enc, existing.phone_hash = row.phone_enc, row.phone_hash
            existing.phone_masked = row.phone_masked
            changed += ["phone_enc", "phone_hash", "phone_masked"]
        if data.address and not existing.address_enc:
            existing.address_enc, existing.address_masked = row.address_enc, row.address_masked
            changed += ["address_enc", "address_masked"]
        if row.id_number_hash and not existing.id_number_hash:
            # Found by phone and name, first registered without an ID number: now it is known.
            existing.id_number_enc, existing.id_number_hash = row.id_number_enc, row.id_number_hash
            existing.id_number_masked = row.id_number_masked
            changed += ["id_number_enc", "id_number_hash", "id_number_masked"]
        if changed:
            existing.save(update_fields=changed)
        return existing, False
    if insert_new:
        insert(row)
    return row, True


def petitioner_reveal(*, petitioner: Petitioner, field: str, actor: Any, reason: str = "") -> str:
    """Decrypt one field for an authorised person; the reveal itself is an audit event (PIPL Art 51)."""
    if field not in ("id_number", "phone", "address"):
        raise ValidationFailed("unknown_field", "只能查看证件号码、电话或住址", field="field")
    matters = visible_matters(actor).filter(contacts__parties__petitioner=petitioner).distinct()
    visible = [m for m in matters[:20] if can_see_identity(actor, m)]
    if not visible:
        raise PermissionDenied("pii_forbidden", "您无权查看该信访人的个人信息")
    value = crypto.decrypt(getattr(petitioner, f"{field}_enc"))
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="pii.reveal",
            subject=petitioner,
            matter_id=visible[0].pk,
            new={"field": field},
            reason=reason or "办理需要",
        )
    return value


def pii_rotate_keys(*, batch: int = 500, actor: Any = None) -> int:
    """Re-encrypt every petitioner's sensitive fields under the newest key in ``XINFANG_PII_KEYS``.

    Run after putting a new key first in the list (old keys stay listed until this finishes). Blind-index
    hashes do not change: they use ``XINFANG_BLIND_INDEX_KEY``."""
    fields = ("id_number_enc", "phone_enc", "address_enc")
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(Petitioner.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch])
            if not rows:
                break
            for row in rows:
                for name in fields:
                    setattr(row, name, crypto.rotate(getattr(row, name)))
            Petitioner.objects.bulk_update(rows, fields)
            last_pk = rows[-1].pk
            done += len(rows)
    if done:
        with transaction.atomic():
            record_event(actor=actor, verb="pii.keys_rotated", subject=Petitioner(pk=0), new={"rows": done})
    return done
