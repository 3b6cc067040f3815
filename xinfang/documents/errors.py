"""Errors raised while validating or rendering petition documents."""

from __future__ import annotations


class DocumentError(ValueError):
    """A document input is missing a part the 《信访工作条例》 requires, or is inconsistent.

    ``code`` is a stable machine-readable identifier (e.g. ``legal_basis_required``) that the Django side
    can map to a form field or an API error; ``field`` names the offending input field when there is one.
    """

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.field = field
