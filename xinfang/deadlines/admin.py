"""Admin pages for the calendar and the rules. Saves and deletes go through the services so each change is
audited in the same transaction, exactly as a change made by the ``deadline`` command or an API would be."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import CalendarDay, DeadlineRule


class YearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), f"{d.year}年") for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


class RegionFilter(admin.SimpleListFilter):
    title = "地区"
    parameter_name = "region"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        model = model_admin.model
        prefixes = model.objects.order_by("region_prefix").values_list("region_prefix", flat=True).distinct()
        return [("national", "全国")] + [(p, p) for p in prefixes if p]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "national":
            return queryset.filter(region_prefix="")
        return queryset.filter(region_prefix=value) if value else queryset


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "user", None)


class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "region_display", "source")
    list_filter = (YearFilter, "kind", RegionFilter)
    search_fields = ("name", "source", "region_prefix")
    date_hierarchy = "date"
    ordering = ("date", "region_prefix")

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    @admin.display(description="地区", ordering="region_prefix")
    def region_display(self, obj: CalendarDay) -> str:
        return obj.region_prefix or "全国"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # (date, region) is the row's identity; changing it is a delete plus an add, both audited.
        return ("date", "region_prefix", "updated_at") if obj else ("updated_at",)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = services.calendar_day_set(
            date=obj.date,
            kind=obj.kind,
            name=obj.name,
            region_prefix=obj.region_prefix,
            source=obj.source,
            actor=_actor(request),
            reason="管理后台",
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_day_delete(
            date=obj.date, region_prefix=obj.region_prefix, actor=_actor(request), reason="管理后台"
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class DeadlineRuleForm(forms.ModelForm):
    class Meta:
        model = DeadlineRule
        fields = ("region_prefix", "clock", "days", "working", "roll_forward", "legal_basis", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clock = data.get("clock") or self.instance.clock
        days = data.get("days")
        if clock == "extension" and days is not None and days > services.MAX_EXTENSION_DAYS:
            self.add_error(
                "days", f"延长期限不得超过{services.MAX_EXTENSION_DAYS}日（《信访工作条例》第三十四条）"
            )
        return data


class DeadlineRuleAdmin(admin.ModelAdmin):
    form = DeadlineRuleForm
    list_display = ("clock", "region_display", "days", "working", "roll_forward", "legal_basis", "updated_at")
    list_filter = ("clock", "working", RegionFilter)
    search_fields = ("legal_basis", "note", "region_prefix")
    ordering = ("region_prefix", "clock")

    @admin.display(description="地区", ordering="region_prefix")
    def region_display(self, obj: DeadlineRule) -> str:
        return obj.region_prefix or "全国默认"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("region_prefix", "clock", "updated_at") if obj else ("updated_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # National defaults are edited, never deleted (services.deadline_rule_delete refuses too).
        if obj is not None and obj.region_prefix == "":
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: DeadlineRule, form: Any, change: bool) -> None:
        saved = services.deadline_rule_set(
            clock=obj.clock,
            days=obj.days,
            working=obj.working,
            region_prefix=obj.region_prefix,
            roll_forward=obj.roll_forward,
            legal_basis=obj.legal_basis,
            note=obj.note,
            actor=_actor(request),
            reason="管理后台",
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: DeadlineRule) -> None:
        services.deadline_rule_delete(
            clock=obj.clock, region_prefix=obj.region_prefix, actor=_actor(request), reason="管理后台"
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.exclude(region_prefix=""):
            self.delete_model(request, obj)


# The project may run without django.contrib.admin (admin.site then raises): register only if installed.
if apps.is_installed("django.contrib.admin"):
    admin.site.register(CalendarDay, CalendarDayAdmin)
    admin.site.register(DeadlineRule, DeadlineRuleAdmin)
