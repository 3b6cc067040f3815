"""The full-text index of matters: one row of tokens per matter, and the indexer's place in the contacts.

The rows are written only by ``services.search_index_catch_up``; the database's own full-text structure over
``tokens`` is created by migration 0002 (an FTS5 table on SQLite, a GIN index on PostgreSQL) and is not part
of the model."""

from __future__ import annotations

from django.db import models


class MatterText(models.Model):
    """The searchable words of a matter: the title, 诉求 and 事实 of all its contacts
    (``tokens.document_tokens``)."""

    # The matter's id is the row's key, so SQLite's FTS5 table can take it as its rowid (external content)
    # and a search hit is a matter id without another look-up.
    matter = models.OneToOneField(
        "cases.Matter", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    tokens = models.TextField()
    # How many contacts the tokens were made from. A matter holding another number of contacts now has had
    # one added or moved in or out since (a registration that committed late, 并入 and its undoing): the
    # indexer's staleness test (services.py).
    contacts = models.PositiveIntegerField()
    # The matter's first_received_at, which never changes after registration. Indexed with the matter id: the
    # matters received in a date range lie between two ids (a deployment registers in the order things
    # arrive), which the search reads here and uses as an id range on cases_matter, where the unit indexes
    # (unit, id) serve "this unit, this quarter" without a date index of their own (selectors._received_ids).
    first_received_at = models.DateTimeField()
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "事项全文索引"
        verbose_name_plural = "事项全文索引"
        indexes = [models.Index(fields=["first_received_at", "matter"], name="search_received_idx")]


class IndexCursor(models.Model):
    """How far the indexer has read a table, by id: "contacts" (intake_contact), "events" (audit_event)."""

    name = models.CharField(max_length=20, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
