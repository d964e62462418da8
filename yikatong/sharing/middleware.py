"""The API's guard (every request under /api/): size limit, idempotency keys, one audit event per use."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yikatong.accounts.models import ApiToken
from yikatong.sharing import services
from yikatong.sharing.errors import error_response

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Every integer the platform stores is a 64-bit one; a larger number in a path, query or JSON body is
# refused here, before the database is asked for it (SQLite and PostgreSQL would fail on it with a 500).
BIGGEST = 2**63 - 1
_INTEGER = re.compile(r"[-+]?\d{19,}")


def _too_big(value: object) -> bool:
    """A JSON number beyond 64 bits (strings of digits in a body are text: accounts, ID numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > BIGGEST
    if isinstance(value, list):
        return any(_too_big(item) for item in value)
    if isinstance(value, dict):
        return any(_too_big(item) for item in value.values())
    return False


def _too_big_text(text: str) -> bool:
    """A path segment or query value that is an integer beyond 64 bits."""
    text = text.strip()
    return bool(_INTEGER.fullmatch(text)) and abs(int(text)) > BIGGEST


def oversized_integer(request: HttpRequest) -> bool:
    """Whether a path segment, query value or JSON value is an integer beyond 64 bits."""
    if any(_too_big_text(segment) for segment in request.path.split("/")):
        return True
    if any(_too_big_text(value) for _name, values in request.GET.lists() for value in values):
        return True
    if request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return False
        return _too_big(body)
    return False


def body_limit(request: HttpRequest) -> int:
    """The largest body accepted: files (multipart) up to the API's limit, anything else up to Django's."""
    if request.content_type == "multipart/form-data":
        return int(settings.YIKATONG_API_MAX_BODY_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.YIKATONG_API_MAX_BODY_BYTES)


class ApiGuardMiddleware:
    """413 above the size limit; a POST with an ``Idempotency-Key`` answered once; each token use audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if length > limit:
            return error_response(
                413,
                "too_large",
                f"请求内容过大：{length} 字节，上限 {limit} 字节",
                {"limit": limit, "length": length},
                en=f"Request body too large: {length} bytes, the limit is {limit} bytes.",
            )
        if oversized_integer(request):
            return error_response(
                422,
                "invalid",
                f"数值超出范围：整数不得超过 {BIGGEST}",
                {"errors": [f"整数不得超过 {BIGGEST}"]},
                en=f"A number is out of range: integers may not exceed {BIGGEST}.",
            )
        token = services.token_from_request(request)
        user = getattr(request, "user", None)
        if token is not None:
            principal = f"token:{token.pk}"
        elif user is not None and user.is_authenticated:
            principal = f"user:{user.pk}"
        else:
            principal = ""
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key is not None and principal:
            return self._idempotent(request, principal, key, token)
        if request.method in WRITES and token is not None:
            with transaction.atomic():
                response = self.get_response(request)
                self._close(request, response, token)
            return response
        response = self.get_response(request)
        if token is not None:
            services.use_record(token=token, request=request, response=response)
        return response

    def _close(self, request: HttpRequest, response: HttpResponse, token: ApiToken | None) -> None:
        """Inside the request's transaction: roll back on a server error, else record the token's use."""
        if response.status_code >= 500:
            transaction.set_rollback(True)
        elif token is not None:
            services.use_record(token=token, request=request, response=response)

    def _idempotent(
        self, request: HttpRequest, principal: str, key: str, token: ApiToken | None
    ) -> HttpResponse:
        key = key.strip()
        if not key or len(key) > 200:
            return error_response(
                422, "idempotency_key", "Idempotency-Key 应为 1 至 200 个字符", {"length": len(key)}
            )
        digest = services.request_digest(request)
        keep = dt.timedelta(days=int(settings.YIKATONG_IDEMPOTENCY_DAYS))
        with transaction.atomic():
            claimed = services.idempotent_claim(principal=principal, key=key, request=request, digest=digest)
            if claimed is None:
                first = services.idempotent_first(principal=principal, key=key)
                if first is not None and first.created_at < timezone.now() - keep:
                    services.idempotent_forget(first)
                    claimed = services.idempotent_claim(
                        principal=principal, key=key, request=request, digest=digest
                    )
                elif first is not None and first.body_sha256 != digest:
                    return error_response(
                        422,
                        "idempotency_conflict",
                        "该 Idempotency-Key 已用于另一个请求，请换用新的键",
                        {"key": key, "first_path": first.path},
                    )
                elif first is not None:
                    return services.idempotent_replay(first)
            if claimed is None:  # taken and dropped again in between: the caller may retry
                return error_response(
                    409, "idempotency_conflict", "该 Idempotency-Key 正被另一个请求使用，请稍后重试"
                )
            response = self.get_response(request)
            self._close(request, response, token)
            if response.status_code < 500:
                services.idempotent_keep(claimed, response)
        return response
