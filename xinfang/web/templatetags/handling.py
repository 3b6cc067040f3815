"""Template helpers of the handling forms (templates/web/_handling.html)."""

from __future__ import annotations

from typing import Any

from django import template

from xinfang.web.handling_views import draft_for

register = template.Library()


@register.simple_tag(takes_context=True)
def handling_draft(context: dict[str, Any], matter: Any, action: str) -> dict[str, str]:
    """What the user last typed into this matter's ``action`` form, if the server refused it."""
    request = context.get("request")
    return draft_for(request, matter.number, action) if request is not None else {}
