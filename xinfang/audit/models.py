"""Append-only event rows: the matter timeline, the PII-access log and the admin trail are all read here.

``EventSeal`` and ``SealAnchor`` make the log tamper-evident (``chain.py``): a hash chain over the events,
built after the fact by the sealer, and the chain head recorded after each seal run."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(RuntimeError):
    pass


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("审计记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise AppendOnlyError("审计记录只能追加，不能删除")


class EventQuerySet(_AppendOnlyQuerySet, models.QuerySet["Event"]):
    pass


class Event(models.Model):
    occurred_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted, frozen at the time (a user may be renamed later; a system token has no user).
    actor_label = models.CharField("操作人", max_length=100, blank=True)
    actor_unit_id = models.BigIntegerField(null=True, blank=True)
    verb = models.CharField("动作", max_length=60, db_index=True)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=40)
    # The timeline of a matter is every event carrying its id; no FK so the log never blocks or cascades.
    # Indexed through event_matter_time_idx (matter_id first), which also orders the timeline.
    matter_id = models.BigIntegerField(null=True, blank=True)
    old = models.JSONField("原值", null=True, blank=True)
    new = models.JSONField("新值", null=True, blank=True)
    reason = models.TextField("理由", blank=True)
    # Shown on the public portal timeline (阳光信访) — internal notes never are.
    is_public = models.BooleanField(default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="event_subject_idx"),
            models.Index(fields=["matter_id", "occurred_at"], name="event_matter_time_idx"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计记录只能追加，不能删除")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb}"


class _AppendOnlyRow(models.Model):
    """Rows written once (``bulk_create`` / ``create``), never changed: the database refuses it too
    (migration 0006), this only fails earlier and in Chinese."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Not ``pk is not None``: a seal's key (its place in the chain) is set before it is written.
        if not self._state.adding:
            raise AppendOnlyError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计记录只能追加，不能删除")


class SealQuerySet(_AppendOnlyQuerySet, models.QuerySet["EventSeal"]):
    pass


class EventSeal(_AppendOnlyRow):
    """One link of the audit hash chain: the hash of one event's content as it was when sealed, and the
    link hash ``sha256(prev_hash ‖ content_hash)`` that ties it to every link before it (``chain.py``).

    The chain runs in seal order, not event order: an event whose transaction committed late is sealed in a
    later run, in a later link, which still names it. No foreign key to the event, as for ``Event.matter_id``:
    a deleted event must leave its link behind for ``xinfang audit verify`` to report."""

    # Place in the chain, 1, 2, 3 … with no gap: drawn by the sealer under its lock, not from a sequence
    # (a sequence skips numbers on rollback, and then a removed link would look like a skipped number).
    seq = models.BigIntegerField("环序号", primary_key=True)
    event_id = models.BigIntegerField("事件", unique=True)
    content_hash = models.CharField("内容哈希", max_length=64)
    prev_hash = models.CharField("前一环哈希", max_length=64)
    link_hash = models.CharField("本环哈希", max_length=64)
    sealed_at = models.DateTimeField("封存时间")

    objects = SealQuerySet.as_manager()

    class Meta:
        verbose_name = "审计封存环"
        verbose_name_plural = "审计封存链"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"第 {self.seq} 环 事件 {self.event_id}"


class AnchorQuerySet(_AppendOnlyQuerySet, models.QuerySet["SealAnchor"]):
    pass


class SealAnchor(_AppendOnlyRow):
    """The chain head after a seal transaction that added links: ``verify`` checks that the chain still
    passes through every recorded head. Rows in the same database guard against a rewrite of part of the
    chain; against someone able to rewrite chain and anchors alike, the head printed by ``xinfang audit
    head`` and kept outside the database (on paper, or sent to the level above) is the anchor."""

    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    seq = models.BigIntegerField("链头环序号")
    link_hash = models.CharField("链头哈希", max_length=64)
    sealed = models.IntegerField("本次封存条数")
    # Every event that had occurred by this time and was committed was sealed when this row was written;
    # the next run looks for unsealed events from a little before it (chain.SEAL_LOOKBACK). Null while a
    # run that began without one (the first ever, or ``--all``) is still going.
    swept_to = models.DateTimeField("已封存至", null=True)

    objects = AnchorQuerySet.as_manager()

    class Meta:
        verbose_name = "审计链锚点"
        verbose_name_plural = "审计链锚点"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} 第 {self.seq} 环"
