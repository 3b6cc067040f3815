"""Staff users with roles inside a unit, and API tokens for other systems (12345 hotlines, upper levels)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    REGISTRAR = "registrar", "登记员"
    HANDLER = "handler", "承办人"
    UNIT_HEAD = "unit_head", "单位负责人"
    SUPERVISOR = "supervisor", "督查员"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"
    AUDITOR = "auditor", "审计员"
    # 三员分立 (GB/T 22239-2019 三级): the security officer (安全管理员) keeps the personal-data incident
    # register and the retention periods, apart from the system administrator and the auditor.
    SECURITY = "security", "安全管理员"


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=40, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所在单位",
    )
    roles = models.JSONField("角色", default=list, blank=True)
    phone = models.CharField("办公电话", max_length=30, blank=True)
    # When the password was last set (xinfang/accounts/password_age.py sends its owner to change it once it is
    # older than XINFANG_PASSWORD_MAX_AGE_DAYS). Null only for a row never given a password through
    # set_password; the migration that added it dated every existing account to its own run.
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    @property
    def display_label(self) -> str:
        return self.full_name or self.username

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def set_password(self, raw_password: str | None) -> None:
        """Every way a password is set — user_create, the change page, the admin, ``changepassword`` — goes
        through here, so its age starts with it. (Django's re-hash at sign-in, when the hasher changes, also
        calls this but saves the password column only: the age is not reset by it.)"""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles if r in Role.values]


class ApiToken(models.Model):
    """A system's credential. It acts for one unit and sees/writes only within that unit's jurisdiction."""

    name = models.CharField("系统名称", max_length=100)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="api_tokens", verbose_name="代表单位"
    )
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # Tokens take part in audit as actors but are not users.
    is_user = False
    roles = [Role.REGISTRAR]

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def display_label(self) -> str:
        return f"接口:{self.name}"

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)
