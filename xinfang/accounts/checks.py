"""System checks of the accounts settings: run by every management command and by ``xinfang serve``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .models import Role
from .twofactor import EVERYONE


@register()
def two_factor_roles(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A misspelt role in XINFANG_2FA_REQUIRED_ROLES would silently leave that role without a second factor;
    stop instead."""
    unknown = [r for r in settings.XINFANG_2FA_REQUIRED_ROLES if r != EVERYONE and r not in Role.values]
    if not unknown:
        return []
    return [
        Error(
            f"XINFANG_2FA_REQUIRED_ROLES 中有未知角色：{', '.join(unknown)}",
            hint=f"可用：{', '.join(Role.values)}，或 {EVERYONE}（所有人）",
            id="accounts.E001",
        )
    ]
