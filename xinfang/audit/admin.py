from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only for 审计员 and 管理员: the log can be searched, never edited."""

    list_display = ("occurred_at", "actor_label", "verb", "subject_type", "subject_id", "matter_id")
    list_filter = ("verb",)
    search_fields = ("actor_label", "subject_id", "verb")
    date_hierarchy = "occurred_at"

    def _allowed(self, request):
        roles = getattr(request.user, "roles", [])
        return request.user.is_active and (
            request.user.is_superuser or "auditor" in roles or "admin" in roles
        )

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
