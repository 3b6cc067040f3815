"""Checks every staff form goes through before its service runs."""

from __future__ import annotations

from django.http import QueryDict

from xinfang.core.markup import reject_markup

_NOT_TEXT = {"csrfmiddlewaretoken"}


def markup_free(data: QueryDict) -> None:
    """Refuse the whole form, as the portal does, when any field carries markup (core/markup.py): staff text
    goes into signed documents and other people's pages. Raises ``ValidationFailed`` naming the field."""
    for name, values in data.lists():
        if name in _NOT_TEXT:
            continue
        for value in values:
            reject_markup(value, field=name)
