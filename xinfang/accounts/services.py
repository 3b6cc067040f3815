"""Users and tokens. Tokens are shown once and stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import transaction

from xinfang.audit.services import record_event
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.core.memo import TtlCache

from .models import ApiToken, Role, User


def user_create(*, username: str, password: str, full_name: str, unit, roles: list[str], actor=None) -> User:
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed("unknown_role", f"未知角色：{','.join(unknown)}", field="roles")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed("username_taken", "用户名已存在", field="username")
    with transaction.atomic():
        # Administration pages (Django admin) need is_staff; only the 管理员 role gets it.
        user = User(
            username=username, full_name=full_name, unit=unit, roles=list(roles), is_staff=Role.ADMIN in roles
        )
        user.set_password(password)
        user.save()
        record_event(
            actor=actor,
            verb="accounts.user_created",
            subject=user,
            new={"username": username, "unit": getattr(unit, "pk", None), "roles": roles},
        )
    return user


def user_change_password(*, user: User, new_password: str, actor: User, address: str | None = None) -> User:
    """Set a password that has already passed validation (the change form runs the validators, the old
    password included). The event names who changed it and when — never the password or its hash."""
    with transaction.atomic():
        user.set_password(new_password)  # also dates it: User.set_password
        user.save(update_fields=["password", "password_changed_at"])
        record_event(
            actor=actor,
            verb="accounts.password_changed",
            subject=user,
            new={"password_changed_at": user.password_changed_at, "ip": address},
        )
    return user


def user_set_roles(*, user: User, roles: list[str], actor: User) -> User:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("not_admin", "只有管理员可以修改角色")
    with transaction.atomic():
        old = list(user.roles)
        user.roles = list(roles)
        user.is_staff = Role.ADMIN in roles
        user.save(update_fields=["roles", "is_staff"])
        record_event(
            actor=actor, verb="accounts.roles_changed", subject=user, old={"roles": old}, new={"roles": roles}
        )
    return user


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, name: str, unit, actor=None) -> tuple[ApiToken, str]:
    """Return the token row and the raw secret (shown to the admin once, never stored)."""
    raw = "xf_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            unit=unit,
            prefix=raw[:10],
            token_hash=hash_token(raw),
            created_by=actor if isinstance(actor, User) else None,
        )
        record_event(
            actor=actor, verb="accounts.token_created", subject=token, new={"name": name, "unit": unit.pk}
        )
    return token, raw


# Every API request authenticates; the token row (with its unit and region) is kept per process for
# XINFANG_API_TOKEN_CACHE_SECONDS. A deactivated or edited token is refused at once by the process that saved
# it (signals clear the cache) and by every other process within that many seconds. Unknown tokens are never
# cached, so a new token works at once.
_tokens: TtlCache[ApiToken] = TtlCache(ttl=getattr(settings, "XINFANG_API_TOKEN_CACHE_SECONDS", 10.0))


def api_token_authenticate(raw: str) -> ApiToken | None:
    digest = hash_token(raw)

    def load() -> ApiToken | None:
        return (
            ApiToken.objects.select_related("unit__region").filter(token_hash=digest, is_active=True).first()
        )

    return _tokens.get(digest, load)


def forget_cached_tokens(*_args: object, **_kwargs: object) -> None:
    """Signal receiver: any token, unit or region change empties this process's token cache."""
    _tokens.clear()
