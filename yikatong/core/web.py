"""Small helpers shared by the staff screens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest


def show_refusal(request: HttpRequest, exc: Exception) -> None:
    """A service's refusal as Chinese error messages on the next page."""
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def posted_id(request: HttpRequest, name: str) -> int:
    """The row id a form posts in ``name``; anything but digits (a hand-edited "abc") is not found (404)."""
    value = str(request.POST.get(name, "")).strip()
    if not value.isdigit() or not value.isascii():
        raise Http404
    return int(value)
