"""信访事项 (matter): what is being asked and its whole lifecycle. Many contacts attach to one matter."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MatterType(models.TextChoices):
    # 《信访工作条例》Art 29–31
    SUGGESTION = "suggestion", "建议意见类"
    ACCUSATION = "accusation", "检举控告类"
    PETITION = "petition", "申诉求决类"


class MatterStatus(models.TextChoices):
    REGISTERED = "registered", "待分流"
    ROUTED = "routed", "已转交待受理"
    OBJECTION = "objection", "异议审核中"
    ACCEPTED = "accepted", "已受理办理中"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    CLOSED = "closed", "已办结"


class Matter(models.Model):
    number = models.CharField("事项编号", max_length=32, unique=True)
    title = models.CharField("标题", max_length=200)
    matter_type = models.CharField("事项类型", max_length=20, choices=MatterType.choices)
    category = models.CharField("内容分类", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=MatterStatus.choices, default=MatterStatus.REGISTERED, db_index=True
    )
    # The place the matter concerns; scoping is a prefix filter on this code (see org.Region.prefix).
    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name="问题属地"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    registering_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="registered_matters", verbose_name="登记单位"
    )
    # The unit that holds the matter now (after acceptance); the inbox of a unit is driven by assignments.
    handling_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_matters",
        verbose_name="承办单位",
    )
    # 检举控告 (Art 30): the accused unit may never receive the matter nor see who complained.
    accused_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="被检举控告单位",
    )
    is_litigation = models.BooleanField("涉法涉诉", default=False)
    is_major = models.BooleanField("重大紧急", default=False)
    contact_count = models.PositiveIntegerField("信访件数", default=1)
    first_received_at = models.DateTimeField("首次收到时间")
    last_contact_at = models.DateTimeField("最近来信来访时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["region_code", "status"], name="matter_scope_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class MatterSequence(models.Model):
    """Per jurisdiction and year counter. The row is locked while a number is drawn, in the same transaction
    as the matter insert, so numbers are unique and a rolled-back registration gives its number back."""

    scope = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "year"], name="matter_sequence_scope_year")]


class ClockState(models.TextChoices):
    RUNNING = "running", "计时中"
    PAUSED = "paused", "暂停"
    MET = "met", "已按期完成"
    MET_LATE = "met_late", "逾期完成"
    CANCELLED = "cancelled", "已撤销"


class AlertLevel(models.TextChoices):
    NONE = "none", "正常"
    SOON = "soon", "即将到期"
    OVERDUE = "overdue", "逾期"


class Clock(models.Model):
    """A statutory time limit on a matter. ``due_at`` is indexed and polled by the sweeper."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="clocks")
    assignment = models.ForeignKey(
        "routing.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    kind = models.CharField("时限类型", max_length=20)
    label = models.CharField("名称", max_length=40)
    started_on = models.DateField("起算日")
    due_on = models.DateField("届满日")
    due_at = models.DateTimeField("届满时间", db_index=True)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    alert = models.CharField(max_length=10, choices=AlertLevel.choices, default=AlertLevel.NONE)
    explanation = models.JSONField("计算说明", default=dict)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "法定时限"
        verbose_name_plural = "法定时限"
        ordering = ["due_at"]
        indexes = [models.Index(fields=["state", "due_at"], name="clock_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.label} 至 {self.due_on}"
