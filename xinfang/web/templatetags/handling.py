"""Template helpers of the handling forms (templates/web/_handling.html)."""

from __future__ import annotations

from typing import Any

from django import template

from xinfang.cases.drafts import opinion_draft_for
from xinfang.web.handling_views import OPINION_LEVELS, draft_for

register = template.Library()


@register.simple_tag(takes_context=True)
def handling_draft(context: dict[str, Any], matter: Any, action: str) -> dict[str, Any]:
    """What the user last typed into this matter's ``action`` form if the server refused it, else the
    unit's saved draft of that 意见书."""
    request = context.get("request")
    mine = draft_for(request, matter.number, action) if request is not None else {}
    if mine or action not in OPINION_LEVELS:
        return mine
    shared = opinion_draft_for(matter, OPINION_LEVELS[action])  # the unit's 拟稿 waiting to be signed
    if shared is None:
        return {}
    return {**shared.data, "drafted_by": shared.drafted_by.display_label, "drafted_at": shared.updated_at}
