"""Small helpers shared by the staff screens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def show_refusal(request: HttpRequest, exc: Exception) -> None:
    """A service's refusal as Chinese error messages on the next page."""
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)
