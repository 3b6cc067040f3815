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


class DuplicateVerdict(models.Model):
    """What the registrar said about one 判重 candidate shown: the labelled pairs that tune the threshold
    (:mod:`xinfang.nlp.dedup.threshold`)."""

    CONFIRMED, REJECTED, IGNORED = "confirmed", "rejected", "ignored"
    VERDICTS = [
        (CONFIRMED, "确认同一事项（并入）"),
        (REJECTED, "否定：不是同一事项"),
        (IGNORED, "未表态，另立事项"),
    ]
    FLAG, NEAR = "flag", "near"
    SHOWN_AS = [(FLAG, "判为可能重复"), (NEAR, "低于阈值，供参考")]

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="duplicate_verdicts")
    matter_number = models.CharField(max_length=32)
    score = models.FloatField("判重概率")
    threshold = models.FloatField("当时阈值")
    shown_as = models.CharField(max_length=8, choices=SHOWN_AS)
    verdict = models.CharField(max_length=12, choices=VERDICTS)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "判重判定"
        verbose_name_plural = "判重判定"
