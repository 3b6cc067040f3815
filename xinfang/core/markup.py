"""Text that is printed into documents or pages must not carry markup: HTML tags, script URLs. Refused with a
Chinese message wherever people type — on the public portal and on staff forms alike — rather than escaped,
because an 意见书 signed with ``<script>`` in its legal basis is wrong even where nothing runs it."""

from __future__ import annotations

import re

from .errors import ValidationFailed

_MARKUP = re.compile(
    r"<\s*[a-zA-Z/!?]|javascript\s*:|vbscript\s*:|data\s*:\s*text/html",
    re.IGNORECASE,
)
MARKUP_MESSAGE = "内容中不能包含网页代码（如 HTML 标签、脚本），请删除后重新提交"


def has_markup(value: str) -> bool:
    return bool(value and _MARKUP.search(value))


def reject_markup(value: str, *, field: str) -> None:
    if has_markup(value):
        raise ValidationFailed("markup_rejected", MARKUP_MESSAGE, field=field)
