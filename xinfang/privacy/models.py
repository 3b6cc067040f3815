"""Personal-data governance as data: how long each class of record is kept (个人信息保护法第十九条) and the
register of personal-data incidents (第五十七条). Written only through ``retention`` and ``incidents``."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RecordClass(models.TextChoices):
    PERSONAL_DATA = "closed_matter_personal_data", "已办结事项的信访人个人信息"
    PORTAL_CODES = "portal_query_codes", "网上信访查询码"
    NOTIFY_RECIPIENTS = "notification_recipients", "通知接收人"


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", "匿名化"
    DELETE = "delete", "删除"


class RetentionRule(models.Model):
    """One row per record class: kept ``months`` after the record is done with, then ``action``.

    "Done with" is per class (``retention.py``): a petitioner's personal data when every matter they are a
    party to has been closed or made final for that long, a query code when its matter has, a notification
    recipient when the message was sent or given up. Audit events are no record class here: they are kept
    (GB/T 22239-2019 requires at least six months) and nothing deletes them."""

    record_class = models.CharField("记录类别", max_length=40, choices=RecordClass.choices, unique=True)
    months = models.PositiveSmallIntegerField("保存期限（月）")
    action = models.CharField("期满处理", max_length=12, choices=RetentionAction.choices)
    basis = models.TextField("依据", blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "保存期限"
        verbose_name_plural = "保存期限"
        ordering = ["record_class"]

    def __str__(self) -> str:
        return f"{self.get_record_class_display()}：{self.months} 个月后{self.get_action_display()}"


class IncidentNature(models.TextChoices):
    # 第五十七条第一款: 泄露、篡改、丢失
    LEAK = "leak", "泄露"
    TAMPER = "tamper", "篡改"
    LOSS = "loss", "丢失"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "处置中"
    CLOSED = "closed", "已结案"


class Incident(models.Model):
    """A personal-data incident and what 第五十七条 requires the notice to say: (一) the kinds of personal
    information leaked, tampered with or lost (or possibly so), the cause and the possible harm; (二) the
    remedies taken and what individuals can do to reduce the harm; (三) how to reach the processor."""

    title = models.CharField("事件名称", max_length=200)
    nature = models.CharField("事件性质", max_length=10, choices=IncidentNature.choices)
    confirmed = models.BooleanField("已确认发生", default=False, help_text="未勾选：可能发生")
    discovered_at = models.DateTimeField("发现时间")
    occurred_at = models.DateTimeField("发生时间", null=True, blank=True)
    affected_count = models.PositiveIntegerField("涉及人数", null=True, blank=True)
    info_kinds = models.TextField("涉及的个人信息种类")
    cause = models.TextField("原因")
    possible_harm = models.TextField("可能造成的危害")
    remedial_measures = models.TextField("已采取的补救措施")
    individual_measures = models.TextField("个人可以采取的减轻危害的措施")
    processor = models.CharField("个人信息处理者", max_length=200)
    contact_info = models.TextField("联系方式")
    status = models.CharField(
        "状态", max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    authority = models.CharField("报告的部门", max_length=200, blank=True)
    reported_to_authority_at = models.DateTimeField("报告时间", null=True, blank=True)
    notified_individuals_at = models.DateTimeField("通知个人时间", null=True, blank=True)
    # 第五十七条第二款: individuals need not be told when the measures taken effectively avoid the harm —
    # unless the authority requires it. The reason is kept with the incident.
    no_notice_reason = models.TextField("不通知个人的理由", blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )

    class Meta:
        verbose_name = "个人信息安全事件"
        verbose_name_plural = "个人信息安全事件"
        ordering = ["-discovered_at", "-id"]

    def __str__(self) -> str:
        return self.title
