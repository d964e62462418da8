"""The API's one error body: ``{"code", "message": {"zh", "en"}, "details"}`` (docs/sharing.md)."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext

# A code's English sentence, for messages the English catalogue does not hold (most are built per case,
# with the row number or the value in them; the Chinese message carries those details).
ENGLISH: dict[str, str] = {
    "unauthorized": "Authentication required: send a valid API token (Authorization: Bearer …).",
    "forbidden": "Not allowed for this role or outside its region or department.",
    "not_found": "Not found, or not visible to you.",
    "invalid": "The request was refused: see details.",
    "schema": "The request does not match the operation's parameters: see details.",
    "too_large": "The request body is larger than the limit.",
    "idempotency_conflict": "This Idempotency-Key was already used with another request.",
    "idempotency_key": "The Idempotency-Key header is too long or empty.",
    "method_not_allowed": "Method not allowed.",
    "error": "The request failed.",
}


def english(zh: str, code: str) -> str:
    """The English of a Chinese message: the catalogue's translation, else the code's sentence."""
    with translation.override("en"):
        translated = gettext(zh) if zh else ""
    return translated if translated and translated != zh else ENGLISH.get(code, ENGLISH["error"])


def error_body(code: str, zh: str, details: Any = None, *, en: str = "") -> dict[str, Any]:
    """The body every API error answers with."""
    return {"code": code, "message": {"zh": zh, "en": en or english(zh, code)}, "details": details}


def error_response(status: int, code: str, zh: str, details: Any = None, *, en: str = "") -> JsonResponse:
    """An error answer outside django-ninja (the middleware's 413 and idempotency refusals)."""
    return JsonResponse(
        error_body(code, zh, details, en=en), status=status, json_dumps_params={"ensure_ascii": False}
    )
