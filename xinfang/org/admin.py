from django.contrib import admin
from django.db import transaction

from xinfang.audit.services import record_event

from .models import Region, Unit


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are writes too: each one leaves its audit event in the same transaction."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_event(
                actor=request.user,
                verb=f"admin.{'changed' if change else 'created'}",
                subject=obj,
                new={k: str(form.cleaned_data.get(k)) for k in form.changed_data},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_event(actor=request.user, verb="admin.deleted", subject=obj, old={"repr": str(obj)})
            super().delete_model(request, obj)

    def _is_admin(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or "admin" in getattr(user, "roles", []))

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("code", "full_name", "level", "prefix")
    list_filter = ("level",)
    search_fields = ("code", "name", "full_name")
    raw_id_fields = ("parent",)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "kind", "region", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name")
    raw_id_fields = ("region", "parent")
