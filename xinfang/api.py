"""The JSON API (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs). Other systems authenticate with
``Authorization: Bearer <token>``; the staff UI's own calls use the session (with CSRF)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from xinfang.accounts.services import api_token_authenticate
from xinfang.core.errors import ServiceError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(token)
        return found


class StaffSession(APIKeyCookie):
    """Session auth for the staff UI's fetch() calls; CSRF is enforced by APIKeyCookie(csrf=True)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class LoneSurrogate(ValueError):
    """A JSON string escape ``\\udXXX`` that is half of a UTF-16 pair: valid JSON, but no character — it can
    be neither stored (SQLite, PostgreSQL) nor encoded for the text models: the request is refused whole."""


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        # Raw UTF-8 cannot carry a surrogate (strict decoding refuses it); only an escape can. A proper pair
        # (an emoji) decodes to one character and passes; only what stays unpaired is refused.
        if _SURROGATE_ESCAPE.search(request.body) and _has_lone_surrogate(data):
            raise LoneSurrogate("lone UTF-16 surrogate in a JSON string")
        return data


api = NinjaAPI(
    title="xinfang 法治信访 API",
    version="1.0",
    description="登记、分流转交、受理与异议。错误响应统一为 {code, message, field?, details?}。",
    auth=[TokenAuth(), StaffSession()],
    urls_namespace="api",
    parser=StrictJsonParser(),
)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    errors = exc.errors
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "payload", "query")]
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": "请求数据格式不正确",
            "field": ".".join(loc) or None,
            "details": {"errors": [{"loc": e.get("loc"), "msg": e.get("msg")} for e in errors]},
        },
        status=422,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    # ninja raises HttpError(400) for a body its parser refused, with the parser's error as the cause.
    if isinstance(exc.__cause__, LoneSurrogate):
        code, message = "invalid_text", "文本含有无效字符（不成对的 Unicode 代理项），请检查编码后重新提交"
    elif exc.status_code == 400:
        code, message = "invalid_json", "请求内容不是有效的 JSON"
    else:
        code, message = f"http_{exc.status_code}", str(exc)
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "未认证或令牌无效"}, status=401
    )


from xinfang.cases.api import router as cases_router  # noqa: E402
from xinfang.intake.api import router as intake_router  # noqa: E402
from xinfang.routing.api import router as routing_router  # noqa: E402
from xinfang.smart.api import router as smart_router  # noqa: E402

api.add_router("/", intake_router)
api.add_router("/", cases_router)
api.add_router("/", routing_router)
api.add_router("/", smart_router)
