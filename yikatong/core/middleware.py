"""Request-scoped context: request id, client address and user, for audit events and logs."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from yikatong.core.context import acting_as


def client_ip(request: HttpRequest) -> str:
    """The client address; X-Forwarded-For is trusted only when a proxy is configured to set it."""
    from django.conf import settings

    if getattr(settings, "YIKATONG_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and binds the actor for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        channel = "api" if request.path.startswith("/api/") else "web"
        with acting_as(user_id=user_id, ip=client_ip(request), request_id=request_id, channel=channel):
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language with the selector (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on the intranet's
    English-language machines would show staff an English platform they never asked for.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
