"""Admin-editable calendar days and period rules, so a new State Council notice or a provincial rule can be
entered without a release. The arithmetic lives in ``engine``; these rows only feed it (via ``selectors``)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models

from .engine import MAX_DAYS

region_prefix_validator = RegexValidator(r"^\d{0,12}$", "地区代码前缀只能是0至12位数字（全国留空）")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


class ClockKind(models.TextChoices):
    ROUTING = "routing", "分流转送"  # 条例 Art 22: 15 日
    NOTICE = "notice", "受理告知"  # Art 23¶2-3: 15 日
    OBJECTION = "objection", "异议"  # Art 23¶3: 5 个工作日
    HANDLING = "handling", "办理"  # Art 34: 60 日
    EXTENSION = "extension", "延期"  # Art 34: ≤ 30 日
    REVIEW_REQUEST = "review_request", "复查申请"  # Art 35: 30 日
    REVIEW = "review", "复查"  # Art 35: 30 日
    RECHECK_REQUEST = "recheck_request", "复核申请"  # Art 36¶1: 30 日
    RECHECK = "recheck", "复核"  # Art 36: 30 日, hearing time not counted
    EVALUATION = "evaluation", "评价"  # no statutory number; configurable window
    ASSIGNED = "assigned", "交办"  # Art 22: "指定办理期限" — set per assignment


class CalendarDay(models.Model):
    """One exception to the Monday–Friday week: a day off (放假) or a make-up working day (调休上班)."""

    date = models.DateField("日期", db_index=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("名称", max_length=60, blank=True, help_text="如“国庆节”“春节调休上班”")
    # "" = national; a province or city adds local days under its GB/T 2260 prefix, e.g. "33" 浙江.
    region_prefix = models.CharField(
        "地区代码前缀",
        max_length=12,
        blank=True,
        default="",
        validators=[region_prefix_validator],
        help_text="留空为全国；地方性放假/调休填写行政区划代码前缀，如 33（浙江）",
    )
    source = models.CharField("来源", max_length=200, blank=True, help_text="通知名称及文号")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date", "region_prefix"]
        constraints = [
            models.UniqueConstraint(fields=["date", "region_prefix"], name="deadlines_day_unique_per_region"),
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values), name="deadlines_day_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        where = f"[{self.region_prefix}] " if self.region_prefix else ""
        return f"{where}{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()


class DeadlineRule(models.Model):
    """How long a clock runs in a jurisdiction. The longest matching ``region_prefix`` wins."""

    region_prefix = models.CharField(
        "地区代码前缀",
        max_length=12,
        blank=True,
        default="",
        validators=[region_prefix_validator],
        help_text="留空为全国默认；如 33 为浙江省",
    )
    clock = models.CharField("期限类型", max_length=20, choices=ClockKind.choices)
    days = models.PositiveIntegerField("天数", validators=[MaxValueValidator(MAX_DAYS)])
    working = models.BooleanField("按工作日计算", default=False)
    roll_forward = models.BooleanField("届满日遇节假日顺延", default=True, help_text="《民法典》第二百零三条")
    legal_basis = models.CharField("法律依据", max_length=200, blank=True)
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "期限规则"
        verbose_name_plural = "期限规则"
        ordering = ["region_prefix", "clock"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_prefix", "clock"], name="deadlines_rule_unique_per_region"
            ),
            models.CheckConstraint(condition=models.Q(days__lte=MAX_DAYS), name="deadlines_rule_days_max"),
        ]

    def __str__(self) -> str:
        where = self.region_prefix or "全国"
        unit = "个工作日" if self.working else "日"
        return f"{where} {self.get_clock_display()} {self.days}{unit}"
