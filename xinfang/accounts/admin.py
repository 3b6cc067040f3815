from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.org.admin import AuditedAdmin

from .models import ApiToken, Role, User
from .twofactor import otp_reset

# django-otp's own admin pages would let an administrator add an authenticator with a key of their choosing
# to anyone's account, and read the recovery codes, without an audit event. Administrators reset a user's
# second factor with the audited action below instead; enrolment is the user's own (/account/2fa/).
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


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

    actions = ["reset_second_factor"]

    @admin.display(description="角色")
    def role_names(self, obj):
        return "、".join(obj.role_labels)

    @admin.action(description="重置双因素验证（手机和恢复码均丢失时）")
    def reset_second_factor(self, request, queryset):
        reset = [
            user.username
            for user in queryset
            if otp_reset(user=user, actor=request.user, reason="管理员在系统管理中重置")
        ]
        if reset:
            self.message_user(request, f"已重置双因素验证：{'、'.join(reset)}", messages.SUCCESS)
        else:
            self.message_user(request, "所选用户均未启用双因素验证", messages.WARNING)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("name", "unit", "prefix", "is_active", "created_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "created_by")
    raw_id_fields = ("unit",)
