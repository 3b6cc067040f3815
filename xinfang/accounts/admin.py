from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from xinfang.org.admin import AuditedAdmin

from .models import ApiToken, Role, User


class UserForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = User
        fields = "__all__"  # noqa: DJ007 — the admin fieldsets choose what is shown


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    form = UserForm
    list_display = ("username", "full_name", "unit", "role_names", "is_active")
    list_filter = ("is_active", "unit__kind")
    search_fields = ("username", "full_name")
    raw_id_fields = ("unit",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("工作信息", {"fields": ("full_name", "unit", "roles", "phone")}),
        ("状态", {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )

    @admin.display(description="角色")
    def role_names(self, obj):
        return "、".join(obj.role_labels)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("name", "unit", "prefix", "is_active", "created_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "created_by")
    raw_id_fields = ("unit",)
