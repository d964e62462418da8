"""The REST API (django-ninja): token auth for departments' systems, session auth for the browser."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from yikatong.accounts.models import ApiToken
from yikatong.core.context import bind_user
from yikatong.core.restrict import AccessDenied
from yikatong.sharing.errors import error_body


def _user_for_token(request: HttpRequest, key: str) -> Any:
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    if token.department_id is not None and (
        token.user.department_id != token.department_id or token.user.region_id != token.region_id
    ):
        return None  # a department's token acts only as its own department's account in its region
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    request.user = token.user
    bind_user(token.user.pk)
    return token.user


class BearerToken(HttpBearer):
    """`Authorization: Bearer ykt_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _user_for_token(request, token)


class HeaderToken(APIKeyHeader):
    """`X-API-Key: ykt_…`, for systems that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _user_for_token(request, key) if key else None


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "幂等键：同一键、同一请求体再次提交时返回第一次的应答；同一键、不同请求体返回 422。",
}


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string"},
        "message": {
            "type": "object",
            "required": ["zh", "en"],
            "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
        },
        "details": {},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
# The refusals every operation may answer with (the one error body, sharing/errors.py).
ERROR_STATUSES = {
    "401": "未登录或令牌无效",
    "403": "无权办理",
    "404": "未找到或不在权限范围内",
    "413": "请求内容过大",
    "422": "请求被拒绝（参数或数据校验）",
}


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in ERROR_STATUSES.items():
        declared = responses.get(status)
        if declared is None:
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": ERROR_REF}},
            }
            continue
        content = declared.setdefault("content", {}).setdefault("application/json", {})
        schema = content.get("schema")
        content["schema"] = {"anyOf": [schema, ERROR_REF]} if schema and schema != ERROR_REF else ERROR_REF


class PlatformAPI(NinjaAPI):
    """The platform's API: its OpenAPI document names the Idempotency-Key header every POST accepts and the
    one error body every operation may answer with."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                _document_errors(operation)
                if method == "post" and not any(
                    p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
                ):
                    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_HEADER))
        return schema


api = PlatformAPI(
    title="一卡通平台 API",
    version="1",
    description="惠民惠农财政补贴“一卡通”发放监管平台的数据共享接口。机器调用请使用 API 令牌（Bearer）。",
    auth=[BearerToken(), HeaderToken(), django_auth],
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


@api.exception_handler(AccessDenied)
@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, error_body("forbidden", str(exc) or "无权访问"), status=403)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details: dict[str, Any] = {"errors": exc.messages}
    if hasattr(exc, "error_dict"):
        details["fields"] = exc.message_dict
    zh = "；".join(exc.messages)[:500] or "数据校验失败"
    return api.create_response(request, error_body("invalid", zh, details), status=422)


@api.exception_handler(NinjaValidationError)
def _schema(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    body = error_body("schema", "请求参数不符合接口定义", {"errors": exc.errors})
    return api.create_response(request, body, status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, error_body("not_found", "未找到，或不在本人权限范围内"), status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 401:
        body = error_body("unauthorized", "请先登录，或提供有效的 API 令牌（已吊销或过期的令牌无效）")
    elif exc.status_code == 404:
        body = error_body("not_found", str(exc) or "未找到，或不在本人权限范围内")
    elif exc.status_code == 405:
        body = error_body("method_not_allowed", "不支持该请求方法")
    else:
        body = error_body(f"http_{exc.status_code}", str(exc) or "请求失败")
    return api.create_response(request, body, status=exc.status_code)


def _register_routers() -> None:
    from yikatong.accounts.api import router as accounts_router
    from yikatong.checks.api import router as checks_router
    from yikatong.complaints.api import router as complaints_router
    from yikatong.disclosure.api import router as disclosure_router
    from yikatong.payments.api import router as payments_router
    from yikatong.performance.api import router as performance_router
    from yikatong.policies.api import router as policies_router
    from yikatong.registry.api import router as registry_router
    from yikatong.rosters.api import router as rosters_router
    from yikatong.sharing.api import router as sharing_router
    from yikatong.tasks.api import router as tasks_router
    from yikatong.workbench.api import router as core_router
    from yikatong.workbench.audit_api import router as audit_router

    api.add_router("/", accounts_router)
    api.add_router("/regions", core_router)
    api.add_router("/audit", audit_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/registry", registry_router)
    api.add_router("/policies", policies_router)
    api.add_router("/rosters", rosters_router)
    api.add_router("/checks", checks_router)
    api.add_router("/complaints", complaints_router)
    api.add_router("/disclosure", disclosure_router)
    api.add_router("/performance", performance_router)
    # /changes and /sharing/…: the data-sharing API (数据共享).
    api.add_router("/", sharing_router)
    # /plans, /batches, /payments: the disbursement's own top-level resources.
    api.add_router("/", payments_router)


_register_routers()
