"""Service errors with stable codes: the UI shows ``message`` (Chinese), the API returns ``code`` + ``field``.

Every service raises one of these *before* writing anything (or inside the transaction, which rolls back), so
bad input never leaves a partial record behind.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(ServiceError):
    status = 422


class PermissionDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class TransitionNotAllowed(Conflict):
    """A status change that the workflow table does not allow."""
