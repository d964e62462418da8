"""The REST API (django-ninja): token auth for departments' systems, session auth for the browser."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from yikatong.accounts.models import ApiToken
from yikatong.core.context import bind_user
from yikatong.core.restrict import AccessDenied


def _user_for_token(request: HttpRequest, key: str) -> Any:
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
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


api = NinjaAPI(
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
    return api.create_response(request, {"detail": str(exc) or "无权访问"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": "数据校验失败", "errors": exc.messages}, status=422)


def _register_routers() -> None:
    from yikatong.accounts.api import router as accounts_router
    from yikatong.checks.api import router as checks_router
    from yikatong.payments.api import router as payments_router
    from yikatong.policies.api import router as policies_router
    from yikatong.registry.api import router as registry_router
    from yikatong.rosters.api import router as rosters_router
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
    # /plans, /batches, /payments: the disbursement's own top-level resources.
    api.add_router("/", payments_router)


_register_routers()
