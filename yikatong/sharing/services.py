"""Writes of the data-sharing API: one audit event per token use, the status row, idempotent answers."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yikatong.accounts.models import ApiToken
from yikatong.audit.services import audit_record
from yikatong.sharing.models import Direction, IdempotentRequest, SharingUse

_NUMBER = re.compile(r"/\d+(?=/|$)")


def token_from_request(request: HttpRequest) -> ApiToken | None:
    """The usable token a request carries (Authorization: Bearer … or X-API-Key), if any."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else request.headers.get("X-API-Key", "")
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    return token


def operation_of(request: HttpRequest) -> str:
    """An operation's name for the log and the status page: method and path, numbers as ``{id}``."""
    return f"{request.method} {_NUMBER.sub('/{id}', request.path)}"[:120]


def rows_of(response: HttpResponse) -> int:
    """How many rows an answer carries: a list's length, a page's items, otherwise one (none for errors)."""
    if response.status_code >= 400:
        return 0
    if getattr(response, "streaming", False) or "json" not in response.get("Content-Type", ""):
        return 1
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return 1
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict):
        for name in ("items", "changes", "results"):
            if isinstance(body.get(name), list):
                return len(body[name])
    return 1


def use_record(*, token: ApiToken, request: HttpRequest, response: HttpResponse) -> None:
    """Audit one use of a token (who, which operation, how many rows) and keep the department's last call.

    Called inside the request's transaction for writes, so the use and its change commit together.
    """
    operation = operation_of(request)
    rows = rows_of(response)
    user = token.user
    region_code = str(token.region_id or user.region_id or "")
    with transaction.atomic():
        audit_record(
            action="api.use",
            obj=token,
            object_repr=token.name,
            actor=user,
            region_code=region_code,
            after={"operation": operation, "status": response.status_code, "rows": rows},
        )
        if token.department_id is None or not region_code:
            return
        now = timezone.now()
        direction = Direction.PULL if request.method in {"GET", "HEAD"} else Direction.PUSH
        changes: dict[str, Any] = {
            "last_at": now,
            "last_status": response.status_code,
            "last_rows": rows,
            "last_token": token,
            "last_user": user,
            "direction": direction,
        }
        where = {"department_id": token.department_id, "region_id": region_code, "operation": operation}
        if SharingUse.objects.filter(**where).update(calls=F("calls") + 1, **changes):
            return
        try:
            with transaction.atomic():
                SharingUse.objects.create(calls=1, **where, **changes)
        except IntegrityError:
            SharingUse.objects.filter(**where).update(calls=F("calls") + 1, **changes)


def request_digest(request: HttpRequest) -> str:
    """What makes two POSTs "the same body": the path and query, and the JSON bytes or, for a form, its
    fields and each file's name and SHA-256 (a multipart boundary differs between two sends of one file)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"field {name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                content = hashlib.sha256()
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                digest.update(f"file {name}={upload.name} {content.hexdigest()}\n".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def idempotent_claim(
    *, principal: str, key: str, request: HttpRequest, digest: str
) -> IdempotentRequest | None:
    """Claim a key for this request (None when it is already taken: the first request's row is read then).

    Inside the caller's transaction: on PostgreSQL a second request with the key waits here, on the unique
    rule, until the first commits (then it reads the first answer) or rolls back (then it goes ahead).
    """
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                principal=principal,
                key=key,
                method=str(request.method),
                path=request.path[:300],
                body_sha256=digest,
            )
    except IntegrityError:
        return None


def idempotent_first(*, principal: str, key: str) -> IdempotentRequest | None:
    """The first request made with a key."""
    return IdempotentRequest.objects.filter(principal=principal, key=key).first()


def idempotent_forget(record: IdempotentRequest) -> None:
    """Drop a key's answer once it is older than the keeping period, so the key may be used again."""
    IdempotentRequest.objects.filter(pk=record.pk).delete()


def idempotent_keep(record: IdempotentRequest, response: HttpResponse) -> None:
    """Keep the answer of the request that claimed the key (a streamed file is kept without its body)."""
    record.status_code = response.status_code
    record.content_type = response.get("Content-Type", "")[:100]
    record.response_body = b"" if getattr(response, "streaming", False) else bytes(response.content)
    record.save(update_fields=["status_code", "content_type", "response_body"])


def idempotent_replay(record: IdempotentRequest) -> HttpResponse:
    """The first answer again."""
    response = HttpResponse(
        bytes(record.response_body), status=record.status_code, content_type=record.content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response
