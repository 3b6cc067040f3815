"""Art 36¶3: after 复核 the matter is final; the same petitioner raising the same facts and reasons again is
not accepted, at any level. The check runs at registration and links the earlier decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models

from xinfang.intake.models import Contact, ContactPetitioner
from xinfang.nlp.dedup.verify import verify
from xinfang.nlp.errors import NlpError

from .models import Matter, MatterStatus

# Same petitioner is required; the text must say substantially the same thing.
SAME_FACTS_MIN_SCORE = getattr(settings, "XINFANG_FINAL_SAME_FACTS_SCORE", 0.45)
#: The most recent final matters of the petitioners that are compared with the new text.
MOST_COMPARED = 20
_final_ids_sql: dict[int, str] = {}


def _final_matter_ids(petitioner_ids: list[int]) -> list[int]:
    """The newest FINAL matters naming one of these petitioners. Every registration of a known petitioner asks
    this and nearly always gets nothing, so the statement is built once per number of petitioners (building
    the ORM query cost several times what running it does)."""
    sql = _final_ids_sql.get(len(petitioner_ids))
    if sql is None:
        qn = connection.ops.quote_name
        matter, contact, party = Matter._meta, Contact._meta, ContactPetitioner._meta

        def column(model: type[models.Model], name: str) -> str:
            field = model._meta.get_field(name)
            assert isinstance(field, models.Field)
            return qn(field.column)

        pk, status = column(Matter, "id"), column(Matter, "status")
        on_matter, contact_pk = column(Contact, "matter"), column(Contact, "id")
        on_contact, petitioner = column(ContactPetitioner, "contact"), column(ContactPetitioner, "petitioner")
        placeholders = ", ".join(["%s"] * len(petitioner_ids))
        # Table and column names come from the models, the status is the code's own constant (written into
        # the statement so that a prepared statement's generic plan still knows how rare FINAL is); the
        # petitioner ids go as parameters. No ORDER BY … LIMIT: a plan for that may walk the matters by id.
        sql = _final_ids_sql[len(petitioner_ids)] = (
            f"SELECT DISTINCT m.{pk} FROM {qn(matter.db_table)} m "  # noqa: S608
            f"JOIN {qn(contact.db_table)} c ON c.{on_matter} = m.{pk} "
            f"JOIN {qn(party.db_table)} p ON p.{on_contact} = c.{contact_pk} "
            f"WHERE m.{status} = '{MatterStatus.FINAL.value}' AND p.{petitioner} IN ({placeholders})"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, petitioner_ids)
        return sorted((pk for (pk,) in cursor.fetchall()), reverse=True)[:MOST_COMPARED]


def find_final_match(*, petitioner_ids: list[int], text: str) -> Matter | None:
    """The FINAL matter of one of these petitioners that says substantially the same thing, if any.

    Petitioners are matched upstream by ID-number/phone blind index, so a returning person has the same id;
    a petitioner created by this registration has no history and is not passed in (no query at all)."""
    if not petitioner_ids:
        return None
    # Deliberately not scoped to the registrar's jurisdiction: finality holds "at any level".
    ids = _final_matter_ids(petitioner_ids)
    if not ids:
        return None
    best: tuple[float, Matter] | None = None
    for matter in Matter.objects.filter(pk__in=ids).order_by("-pk").prefetch_related("contacts"):
        earlier = "\n".join(c.text for c in matter.contacts.all())
        try:
            score = verify(text, earlier, with_passages=False).score
        except NlpError:
            continue
        if score >= SAME_FACTS_MIN_SCORE and (best is None or score > best[0]):
            best = (score, matter)
    return best[1] if best else None
