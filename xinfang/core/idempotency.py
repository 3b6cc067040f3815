"""``Idempotency-Key`` for the API's writes: a retried POST with the same key gets the first answer instead
of acting twice.

The registration (``POST /contacts``, ``intake/api.py``) keeps its own optimistic implementation — no look-up
before the write, the record INSERTed with the registration's rows — because it is the measured hot path.
Every other POST goes through ``idempotent`` here, which shares the registration's table and rules, so that
one key means one request of one caller across the whole API:

- the key belongs to the caller: a system by its token, a staff member calling with the session by the user
  (equal keys of different callers never meet);
- at most 100 characters, no NUL (it is stored in a text column; PostgreSQL refuses NUL: a 500);
- the same key with another request — another body, or another endpoint or matter: the method and path are
  part of what is compared — is 409 ``idempotency_key_reused`` and does nothing;
- a replay answers the first result; a first answer of 201 is replayed as 200 (nothing was created this time),
  as the registration does;
- only successes are recorded: a refused request may be sent again with the same key once corrected.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase
from ninja import Status
from ninja.utils import contribute_operation_callback
from pydantic import BaseModel

from .errors import Conflict, ServiceError, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY = 100
#: The header as the OpenAPI document states it, on every operation that honours it.
PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY},
    "description": "幂等键：同一调用方以同一键重试同一请求，返回首次结果（不重复办理）；"
    "同一键用于内容不同的请求返回 409 idempotency_key_reused",
}


def _record_model() -> Any:
    # The registration's table (intake.IdempotencyRecord), looked up by name: core sits below the domain apps
    # and imports none of them. One table, so a key is one request whichever endpoint it was first used on.
    return apps.get_model("intake", "IdempotencyRecord")


def _earlier(owner: dict[str, Any], key: str) -> Any:
    """The record of ``key`` of this caller, if a request with it succeeded before."""
    return _record_model().objects.filter(**owner, key=key).first()


def request_key(request: HttpRequest) -> str:
    """The request's ``Idempotency-Key`` (stripped), ``""`` without one; refuses a key no column can hold."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) > MAX_KEY:
        raise ValidationFailed("idempotency_key_invalid", f"{HEADER} 不能超过{MAX_KEY}个字符", field=HEADER)
    if "\x00" in key:
        raise ValidationFailed("idempotency_key_invalid", f"{HEADER} 不能含有空字符", field=HEADER)
    return key


def caller_of(auth: Any) -> dict[str, Any]:
    """The record's owner columns for ``auth``: its token, or the staff member calling with the session."""
    if getattr(auth, "is_user", True) is False:  # an ApiToken (accounts.models): not a user
        return {"token": auth}
    return {"user_id": auth.pk}


def request_digest(request: HttpRequest) -> str:
    """What makes two requests the same request: method, path with query, and the JSON body in canonical form
    (key order and spacing do not matter; a body that is no JSON is compared as it is)."""
    raw = request.body
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False) if raw else ""
    except ValueError:
        body = raw.decode("utf-8", "replace")
    text = f"{request.method} {request.get_full_path()}\n{body}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _stored(result: Any) -> tuple[int, Any]:
    """The status and JSON body a view's result is answered with, as the record keeps them."""
    status, value = (result.status_code, result.value) if isinstance(result, Status) else (200, result)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return status, json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _replay(record: Any, digest: str) -> Status:
    if record.body_hash != digest:
        raise Conflict("idempotency_key_reused", "该 Idempotency-Key 已用于内容不同的请求", field=HEADER)
    return Status(200 if record.status_code == 201 else record.status_code, record.response)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a ninja POST operation (below the router's decorator) to honour ``Idempotency-Key``.

    Without a key the view runs as it is. With one: a key already used by this caller replays its answer (or
    409); otherwise the view runs in one transaction with the writing of its record, so the action and its
    record commit together or not at all. Two requests with one new key at the same time: the second one's
    record INSERT fails on the (caller, key) unique constraint, its action rolls back with it, and the first
    answer is replayed — as it is when the second was refused because the first had already acted (the
    matter moved on), once the first has committed.

    The view must answer JSON (a ``Status`` or a schema/dict), not a file."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request_key(request)
        if not key:
            return view(request, *args, **kwargs)
        owner = caller_of(request.auth)  # type: ignore[attr-defined]  # set by ninja's authentication
        digest = request_digest(request)
        first = _earlier(owner, key)
        if first is not None:
            return _replay(first, digest)
        try:
            with transaction.atomic():
                result = view(request, *args, **kwargs)
                if isinstance(result, HttpResponseBase):
                    raise TypeError("idempotent: the view answered a response that cannot be replayed")
                status, body = _stored(result)
                _record_model().objects.create(
                    **owner, key=key, body_hash=digest, status_code=status, response=body
                )
        except (IntegrityError, ServiceError):
            first = _earlier(owner, key)
            if first is None:  # not a concurrent retry: the request's own failure
                raise
            return _replay(first, digest)
        return result

    # ninja reads the operation's parameters from the signature and resolves string annotations (``from
    # __future__ import annotations``) in the function's own module globals — which for this wrapper would be
    # this module's. Resolved here, in the view's module, they are types and ninja takes them as they are.
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    contribute_operation_callback(wrapper, _documented)
    return wrapper


def _documented(operation: Any) -> None:
    """Add the header to the operation's parameters in the OpenAPI document (ninja extends the lists)."""
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), PARAMETER]
    operation.openapi_extra = extra
