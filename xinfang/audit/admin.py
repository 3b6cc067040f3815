from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only, and for the auditor (审计员) alone: 三员分立 keeps the trail of the administrators' own acts
    out of their hands — not even a Django superuser reads it here. Nobody adds, changes or deletes an event
    through the admin (the model and the database triggers refuse it as well). The auditor's own pages are
    /privacy/audit/ and /privacy/pii-log/; this list serves an auditor who was also given the admin site."""

    list_display = ("occurred_at", "actor_label", "verb", "subject_type", "subject_id", "matter_id")
    list_filter = ("verb",)
    search_fields = ("actor_label", "subject_id", "verb")
    date_hierarchy = "occurred_at"
    actions = None

    def _allowed(self, request):
        return request.user.is_active and "auditor" in getattr(request.user, "roles", [])

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
