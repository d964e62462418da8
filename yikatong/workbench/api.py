"""Regions through the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from yikatong.accounts.permissions import requires
from yikatong.core.models import Region

router = Router(tags=["区划 regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


def _out(region: Region) -> RegionOut:
    return RegionOut(code=region.code, name=region.name, level=region.level, parent=region.parent_id)


@router.get("", response=list[RegionOut], summary="本人区划范围内的行政区划")
@requires("region.view")
def region_list(request: HttpRequest) -> list[RegionOut]:
    return [_out(r) for r in Region.objects.restrict(request.user, "view")]


@router.get("/{code}", response=RegionOut, summary="一个行政区划")
@requires("region.view")
def region_detail(request: HttpRequest, code: str) -> RegionOut:
    return _out(get_object_or_404(Region.objects.restrict(request.user, "view"), code=code))
