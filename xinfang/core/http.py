"""Request types for annotations: the API sets ``request.auth`` (a user or an ApiToken); staff pages have a
logged-in ``User`` (login_required)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from xinfang.accounts.models import User


class ApiRequest(HttpRequest):
    auth: Any


class StaffRequest(HttpRequest):
    user: User  # type: ignore[assignment]
