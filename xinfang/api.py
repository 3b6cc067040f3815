"""The JSON API (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs). Other systems authenticate with
``Authorization: Bearer <token>``; the staff UI's own calls use the session (with CSRF)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from xinfang.accounts.services import api_token_authenticate
from xinfang.core.errors import PermissionDenied, ServiceError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(token)
        return found


class StaffSession(APIKeyCookie):
    """Session auth for the staff UI's fetch() calls, with Django's CSRF check.

    A caller with no signed-in session is simply not authenticated by this scheme (the API then answers 401
    ``unauthenticated`` in Chinese); only a signed-in session without a valid CSRF token is refused, 403
    ``csrf_failed`` in Chinese — ninja's own check answered "CSRF check Failed" to every call without a
    token, signed in or not."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise PermissionDenied(
                "csrf_failed", "请求缺少有效的 CSRF 令牌：请刷新页面后重试；系统对接请使用 Bearer 令牌"
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)


class UnstorableText(ValueError):
    """A JSON string that no column can hold: the request is refused whole, before anything reads it."""

    message = ""


class LoneSurrogate(UnstorableText):
    """A JSON string escape ``\\udXXX`` that is half of a UTF-16 pair: valid JSON, but no character — it can
    be neither stored (SQLite, PostgreSQL) nor encoded for the text models."""

    message = "文本含有无效字符（不成对的 Unicode 代理项），请检查编码后重新提交"


NUL_MESSAGE = "文本含有空字符（\\u0000），请删除后重新提交"


class NulCharacter(UnstorableText):
    """A ``\\u0000`` escape: valid JSON, but PostgreSQL refuses NUL in any text (a 500 at the INSERT, after
    the checks). Refused on SQLite too, so that the two databases accept the same requests."""

    message = NUL_MESSAGE


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL_ESCAPE = b"\\u0000"


def _any_string(value: Any, test: Callable[[str], bool]) -> bool:
    """Whether ``test`` holds for any string of a parsed JSON value, keys included."""
    if isinstance(value, str):
        return test(value)
    if isinstance(value, dict):
        return any(test(k) or _any_string(v, test) for k, v in value.items())
    if isinstance(value, list):
        return any(_any_string(v, test) for v in value)
    return False


def _has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _has_nul(text: str) -> bool:
    return "\x00" in text


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        body = request.body
        data = json.loads(body)
        # Raw UTF-8 cannot carry a surrogate (strict decoding refuses it) and a raw NUL is no valid JSON (a
        # control character in a string); only an escape can carry either. So the parsed value is walked only
        # when the bytes hold such an escape — a search in C, cheap even on a large registration. A proper
        # pair (an emoji) decodes to one character and passes; only what stays unpaired is refused. An escaped
        # backslash before "u0000" is text, not NUL: the walk of the parsed value decides.
        if _SURROGATE_ESCAPE.search(body) and _any_string(data, _has_lone_surrogate):
            raise LoneSurrogate("lone UTF-16 surrogate in a JSON string")
        if _NUL_ESCAPE in body and _any_string(data, _has_nul):
            raise NulCharacter("NUL in a JSON string")
        return data


class XinfangAPI(NinjaAPI):
    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        # ninja calls this for every operation, after authentication and before any parameter is read: the
        # one place where a NUL in the path (``/matters/44%00``) or the query string (``?q=%00``) is refused
        # for all endpoints at once. Such a value reaches a filter, and PostgreSQL refuses NUL in any text
        # parameter (a 500). Raised here, it goes to the exception handlers like any error of the endpoint.
        match = request.resolver_match
        for name, value in (match.kwargs if match else {}).items():
            if isinstance(value, str) and "\x00" in value:
                raise ServiceError("invalid_text", NUL_MESSAGE, field=name)
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                raise ServiceError("invalid_text", NUL_MESSAGE, field=name.replace("\x00", ""))
        return super().create_temporal_response(request)


api = XinfangAPI(
    title="xinfang 法治信访 API",
    version="1.0",
    description="登记、分流转交、受理与异议、办理（延期、意见书、送达、评价、复查复核、听证、导入法定途径）、"
    "文书、事项状态与办理记录、变更订阅、交办交换文件。写操作均支持 Idempotency-Key；"
    "错误响应统一为 {code, message, field?, details?}。",
    auth=[TokenAuth(), StaffSession()],
    urls_namespace="api",
    parser=StrictJsonParser(),
)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


# What the commonest refusals of the input schemas mean, so that the message says more than "malformed";
# ``field`` names the parameter either way. Other kinds keep the general message.
_SCHEMA_REASONS = {
    "string_too_long": "不能超过{max_length}个字符",
    "too_long": "不能超过{max_length}项",
    "less_than_equal": "不能大于{le}",
    "greater_than_equal": "不能小于{ge}",
    "missing": "必须填写",
}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    errors = exc.errors
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "payload", "query")]
    field = ".".join(loc) or None
    message = "请求数据格式不正确"
    reason = _SCHEMA_REASONS.get(first.get("type", ""))
    if reason and field:
        with contextlib.suppress(KeyError, IndexError):  # a context without the number: the general message
            message = f"{message}：{field} {reason.format(**first.get('ctx', {}))}"
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": message,
            "field": field,
            "details": {"errors": [{"loc": e.get("loc"), "msg": e.get("msg")} for e in errors]},
        },
        status=422,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    # ninja raises HttpError(400) for a body its parser refused, with the parser's error as the cause.
    if isinstance(exc.__cause__, UnstorableText):
        code, message = "invalid_text", exc.__cause__.message
    elif exc.status_code == 400:
        code, message = "invalid_json", "请求内容不是有效的 JSON"
    else:
        code, message = f"http_{exc.status_code}", str(exc)
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig):
    # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when ninja first reads it (before parsing);
    # without this handler the client got Django's HTML 400 page.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return api.create_response(
        request,
        {
            "code": "body_too_large",
            "message": f"请求内容过大（不能超过 {limit / 1024 / 1024:g} MB）",
            "details": {"limit_bytes": limit},
        },
        status=413,
    )


@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: SuspiciousOperation):
    # Django's other refusals of a request's shape (e.g. more than DATA_UPLOAD_MAX_NUMBER_FIELDS query
    # parameters): a structured 400 like every other error of the API, not Django's HTML page.
    return api.create_response(request, {"code": "bad_request", "message": "请求格式不正确"}, status=400)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "未认证或令牌无效"}, status=401
    )


from xinfang.cases.api import router as cases_router  # noqa: E402
from xinfang.cases.api_documents import router as documents_router  # noqa: E402
from xinfang.cases.api_feed import router as feed_router  # noqa: E402
from xinfang.cases.api_handling import router as handling_router  # noqa: E402
from xinfang.exchange.api import router as exchange_router  # noqa: E402
from xinfang.intake.api import router as intake_router  # noqa: E402
from xinfang.routing.api import router as routing_router  # noqa: E402
from xinfang.smart.api import router as smart_router  # noqa: E402

api.add_router("/", intake_router)
api.add_router("/", cases_router)
api.add_router("/", routing_router)
api.add_router("/", smart_router)
api.add_router("/", handling_router)
api.add_router("/", documents_router)
api.add_router("/", feed_router)
api.add_router("/", exchange_router)
