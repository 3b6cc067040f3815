from django.contrib import admin

from xinfang.org.admin import AuditedAdmin

from .models import RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = (
        "name",
        "priority",
        "region_prefix",
        "category_prefix",
        "matter_type",
        "target_unit",
        "mode",
        "deadline_days",
        "is_active",
    )
    list_filter = ("mode", "matter_type", "is_active", "litigation_only")
    search_fields = ("name", "category_prefix", "keywords")
    raw_id_fields = ("target_unit",)
