"""The workbench and the region tree pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy

from yikatong.accounts.permissions import public, requires
from yikatong.core.listing import Column, Table
from yikatong.core.models import Region
from yikatong.workbench.dashboard import recent_for, tiles_for


@public
def home(request: HttpRequest) -> HttpResponse:
    """`/`: the workbench for a signed-in user, the sign-in page for anyone else."""
    if request.user.is_authenticated:
        return redirect("workbench:home")
    return redirect("accounts:login")


@login_required
@requires("workbench.view")
def workbench(request: HttpRequest) -> HttpResponse:
    """The signed-in user's landing page: who they are, their work in figures, and their recent items."""
    context = {"tiles": tiles_for(request.user), "recent": recent_for(request.user)}
    return render(request, "workbench/workbench.html", context)


REGIONS = Table(
    columns=(
        Column(gettext_lazy("区划代码"), "code"),
        Column(gettext_lazy("名称"), "name"),
        Column(gettext_lazy("层级"), "level", ("level", "code")),
        Column(gettext_lazy("上级"), "parent", ("parent_id", "code")),
    ),
    default="code",
)


@login_required
@requires("region.view")
def region_list(request: HttpRequest) -> HttpResponse:
    """The regions inside the user's subtree; sortable, 50 a page."""
    regions = Region.objects.restrict(request.user, "view").select_related("parent")
    return render(request, "workbench/region_list.html", {"table": REGIONS.page(request, regions)})


@login_required
@requires("region.view")
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region of the user's subtree, with its children, and the way up to it inside the subtree."""
    visible = Region.objects.restrict(request.user, "view")
    region = get_object_or_404(visible.select_related("parent__parent"), code=code)
    children = visible.filter(parent=region)
    above = [region.parent, region.parent.parent if region.parent else None]
    codes = set(visible.filter(code__in=[r.code for r in above if r]).values_list("code", flat=True))
    ancestors = [r for r in reversed(above) if r is not None and r.code in codes]
    context = {"region": region, "children": children, "ancestors": ancestors}
    return render(request, "workbench/region_detail.html", context)
