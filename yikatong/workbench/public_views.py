"""The public portal (公示公开专栏): no sign-in; later apps add the policy list and disclosures."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yikatong.accounts.permissions import public
from yikatong.core.models import Region, RegionLevel


@public
def portal(request: HttpRequest) -> HttpResponse:
    """The portal's front page."""
    county = Region.objects.filter(level=RegionLevel.COUNTY).first()
    return render(request, "public/portal.html", {"county": county})
