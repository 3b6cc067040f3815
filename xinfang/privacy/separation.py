"""三员分立: the system administrator (管理员), the security officer (安全管理员) and the auditor (审计员) are
three people with three powers (GB/T 22239-2019 第三级, 安全管理中心: 系统管理、审计管理、安全管理; 访问控制:
management users get the least privilege and are kept apart).

The auditor reads the audit trail and the personal-data access log and changes nothing. Each service that
acts checks its actor's roles, and none admits the auditor: registration
(``intake.services.REGISTRAR_ROLES``), routing, handling, merging, and this app's services through
``require_role`` — for which holding the auditor role besides another does not count. The reveal of
personal data (``intake.petitioners.party_reveal``), open to everyone who may see a matter, refuses the
auditor by name; uploading an attachment (``intake.attachments.attachment_add``) admits the roles that
handle petitions only.

A gate on the audit writer itself (refuse any event whose actor is an auditor) would catch every path at
once, but ``Event`` rows go in through ``core.rows.insert`` on the registration path, which refuses models
with save signals, and ``audit.services.record_event`` belongs to the audit app: the checks stay with the
services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from xinfang.accounts.models import Role, User
from xinfang.core.errors import PermissionDenied

SYSTEM_ADMIN, SECURITY_OFFICER, AUDITOR = Role.ADMIN.value, Role.SECURITY.value, Role.AUDITOR.value
THREE_ROLES = (SYSTEM_ADMIN, SECURITY_OFFICER, AUDITOR)

AUDITOR_READ_ONLY = (
    "审计员只能查阅审计日志和个人信息查阅记录，不能登记、上传、查看个人信息或修改数据（三员分立）"
)


def is_auditor(actor: Any) -> bool:
    has_role = getattr(actor, "has_role", None)
    return bool(has_role and has_role(AUDITOR))


def require_role(actor: Any, *roles: str, message: str) -> None:
    """Refuse unless ``actor`` holds one of ``roles``; an auditor never passes a check for another role."""
    has_role = getattr(actor, "has_role", None)
    if not (has_role and has_role(*roles)) or (AUDITOR not in roles and is_auditor(actor)):
        raise PermissionDenied("role_required", message)


@dataclass(frozen=True)
class RoleConflict:
    user_id: int
    username: str
    label: str
    roles: list[str]
    why: str


def role_conflicts(users: QuerySet[User] | None = None) -> list[RoleConflict]:
    """Active accounts that break the separation: two of the three administrative roles in one hand, or the
    auditor's role together with any business role (they would audit their own work) — among ``users``,
    all staff by default. Staff accounts are few, and the roles are a JSON list that SQLite cannot search by
    element, so they are read and checked here."""
    labels = dict(Role.choices)
    out = []
    rows = (User.objects.all() if users is None else users).filter(is_active=True).order_by("username")
    for pk, username, full_name, roles in rows.values_list("pk", "username", "full_name", "roles"):
        held = [r for r in roles or [] if r in labels]
        admin_roles = [r for r in held if r in THREE_ROLES]
        why = ""
        if len(admin_roles) > 1:
            why = "同时担任" + "、".join(labels[r] for r in admin_roles)
        elif AUDITOR in held and len(held) > 1:
            why = "审计员同时承担业务角色"
        if why:
            out.append(RoleConflict(pk, username, full_name or username, [labels[r] for r in held], why))
    return out
