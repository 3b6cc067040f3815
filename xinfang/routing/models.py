"""Routing rules (data, not code) and assignments (转送/交办) with objections (Art 22–23)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.cases.models import MatterType


class RouteMode(models.TextChoices):
    TRANSFER = "transfer", "转送"  # Art 22(1): to the organ with power to handle
    ASSIGN = "assign", "交办"  # Art 22(2): with a set deadline and a required 办结报告


class RoutingRule(models.Model):
    name = models.CharField("规则名称", max_length=100)
    priority = models.PositiveSmallIntegerField("优先级", default=100, help_text="数字越小越优先")
    region_prefix = models.CharField("适用区划前缀", max_length=12, blank=True, help_text="空=全部")
    category_prefix = models.CharField("分类前缀", max_length=100, blank=True, help_text="空=全部")
    matter_type = models.CharField("事项类型", max_length=20, blank=True, choices=MatterType.choices)
    litigation_only = models.BooleanField("仅涉法涉诉", default=False)
    keywords = models.CharField("关键词（逗号分隔）", max_length=200, blank=True)
    target_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="目标单位"
    )
    mode = models.CharField("方式", max_length=10, choices=RouteMode.choices, default=RouteMode.TRANSFER)
    deadline_days = models.PositiveSmallIntegerField("交办期限（日）", null=True, blank=True)
    requires_report = models.BooleanField("需提交办结报告", default=False)
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "分流规则"
        verbose_name_plural = "分流规则"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class AssignmentState(models.TextChoices):
    PENDING = "pending", "待受理"
    ACCEPTED = "accepted", "已受理"
    OBJECTED = "objected", "已提出异议"
    RETURNED = "returned", "异议成立已退回"


class Assignment(models.Model):
    matter = models.ForeignKey("cases.Matter", on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="assignments", verbose_name="接收单位"
    )
    from_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="发出单位"
    )
    mode = models.CharField("方式", max_length=10, choices=RouteMode.choices)
    state = models.CharField(
        max_length=10, choices=AssignmentState.choices, default=AssignmentState.PENDING, db_index=True
    )
    instructions = models.TextField("转交意见", blank=True)
    deadline_days = models.PositiveSmallIntegerField("交办期限（日）", null=True, blank=True)
    requires_report = models.BooleanField("需提交办结报告", default=False)
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField("转交时间")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice_method = models.CharField("告知方式", max_length=20, blank=True)
    notice_text = models.TextField("告知内容", blank=True)
    # Art 22¶1(三): a 交办 matter is reported back with a 办结报告 (IssuedDocument kind completion_report).
    reported_at = models.DateTimeField("办结报告提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "转送交办"
        verbose_name_plural = "转送交办"
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["unit", "state"], name="assignment_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()}→{self.unit}"


class ObjectionDecision(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "异议成立"
    REJECTED = "rejected", "异议不成立"


class Objection(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="objections")
    reason = models.TextField("异议理由")
    submitted_at = models.DateTimeField("提出时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(
        max_length=10, choices=ObjectionDecision.choices, default=ObjectionDecision.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
