"""Recomputing the petitioners' blind indexes (``id_number_hash``, ``phone_hash``) from their ciphertexts,
after ``XINFANG_BLIND_INDEX_ALGORITHM`` or ``XINFANG_BLIND_INDEX_KEY`` changed.

Every look-up (``petitioners.petitioner_known``, ``selectors.petitioner_history``, the merge candidates)
compares the hash of what it was given with the stored hashes, one algorithm at a time, and nothing in a
40-hex-digit hash says which algorithm made it. A mixed state — some rows hashed the old way, the
application hashing the new way — would make a returning petitioner look new (a second record, his earlier
matters missing from the 重复信访 check). It is avoided by the procedure, not by look-ups trying both
hashes: the service is stopped, the setting changed, ``xinfang pii_reindex`` run, the service started
(docs/deployment.md). The run is restartable: a hash is a function of the stored value, so an interrupted
run is completed by running it again, and ``check=True`` confirms nothing is left before the restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from xinfang.audit.services import record_event
from xinfang.core import crypto

from .models import Petitioner

# (kind for crypto.blind_index, ciphertext column, hash column)
_INDEXED = (("id_number", "id_number_enc", "id_number_hash"), ("phone", "phone_enc", "phone_hash"))


@dataclass(frozen=True)
class Reindexed:
    rows: int  # petitioner records read
    changed: int  # records whose hashes were (or, with check=True, would be) rewritten


def pii_reindex(*, batch: int = 500, check: bool = False, actor: Any = None) -> Reindexed:
    """Set every petitioner's blind indexes to ``crypto.blind_index`` of its decrypted ID number and phone,
    under the configured algorithm and key, ``batch`` rows per transaction; one audit event for the run (it
    decrypts every record). Merged records are included: their hashes still lead look-ups to the kept record.
    ``check=True`` writes nothing and only counts the records that are not up to date."""
    columns = [name for _, enc, digest in _INDEXED for name in (enc, digest)]
    rows = changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            page = Petitioner.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", *columns)
            if not check:
                # Locked so that a confirmation of new details (party_details_settle) cannot write a hash
                # between this read and the update.
                page = page.select_for_update()
            people = list(page[:batch])
            if not people:
                break
            stale = []
            for person in people:
                fields = []
                for kind, enc, digest in _INDEXED:
                    value = crypto.blind_index(kind, crypto.decrypt(getattr(person, enc)))
                    if getattr(person, digest) != value:
                        setattr(person, digest, value)
                        fields.append(digest)
                if fields:
                    stale.append(person)
            if stale and not check:
                Petitioner.objects.bulk_update(stale, [digest for _, _, digest in _INDEXED])
            rows += len(people)
            changed += len(stale)
            last_pk = people[-1].pk
    if rows and not check:
        with transaction.atomic():
            record_event(
                actor=actor,
                verb="pii.reindexed",
                subject=Petitioner(pk=0),
                new={"algorithm": settings.XINFANG_BLIND_INDEX_ALGORITHM, "rows": rows, "changed": changed},
            )
    return Reindexed(rows=rows, changed=changed)
