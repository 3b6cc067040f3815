"""Who acts: a staff ``User``, an ``ApiToken`` (another system) or the portal. Only users fill FK columns."""

from __future__ import annotations

from typing import Any


def as_user(actor: Any) -> Any:
    """``actor`` if it is a saved staff user, else None (tokens and the portal are recorded by label only)."""
    if (
        actor is not None
        and getattr(actor, "is_user", True)
        and getattr(actor, "pk", None)
        and hasattr(actor, "password")
    ):
        return actor
    return None
