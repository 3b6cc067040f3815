"""Append-only event rows: the matter timeline, the PII-access log and the admin trail are all read here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(RuntimeError):
    pass


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("审计记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise AppendOnlyError("审计记录只能追加，不能删除")


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
