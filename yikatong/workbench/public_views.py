"""The public portal (公示公开专栏): no sign-in; later apps add the policy list and disclosures."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yikatong.accounts.permissions import public
from yikatong.core.models import county


@public
def portal(request: HttpRequest) -> HttpResponse:
    """The portal's front page."""
    served = county()
    return render(request, "public/portal.html", {"county": served})
