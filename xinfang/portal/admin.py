from django.contrib import admin

from .models import PortalAccess


@admin.register(PortalAccess)
class PortalAccessAdmin(admin.ModelAdmin):
    list_display = ("matter", "created_at")
    readonly_fields = ("matter", "code_hash", "created_at")
    raw_id_fields = ("matter",)
