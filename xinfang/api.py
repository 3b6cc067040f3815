"""The JSON API (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs). Other systems authenticate with
``Authorization: Bearer <token>``; the staff UI's own calls use the session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
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


api = NinjaAPI(
    title="xinfang 法治信访 API",
    version="1.0",
    description="登记、分流转交、受理与异议。错误响应统一为 {code, message, field?, details?}。",
    auth=[TokenAuth(), StaffSession()],
    urls_namespace="api",
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
