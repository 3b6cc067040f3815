"""Every suggestion shown to a registrar and every decision taken on it, so accuracy in production can be
reported and corrections can trigger retraining."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Suggestion(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "intake.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    model_version = models.CharField(max_length=80, blank=True)
    payload = models.JSONField("建议内容")
    latency_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "智能建议"
        verbose_name_plural = "智能建议"


class Decision(models.Model):
    FIELDS = [
        ("category", "内容分类"),
        ("type", "事项类型"),
        ("litigation", "涉法涉诉"),
        ("duplicate", "判重"),
    ]
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="decisions")
    field = models.CharField(max_length=20, choices=FIELDS)
    suggested = models.JSONField(null=True)
    chosen = models.JSONField(null=True)
    accepted = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "建议采纳记录"
        verbose_name_plural = "建议采纳记录"
