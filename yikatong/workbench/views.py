"""The workbench and the region tree pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yikatong.accounts.permissions import public, requires
from yikatong.core.models import Region


@public
def home(request: HttpRequest) -> HttpResponse:
    """`/`: the workbench for a signed-in user, the sign-in page for anyone else."""
    if request.user.is_authenticated:
        return redirect("workbench:home")
    return redirect("accounts:login")


@login_required
@requires("workbench.view")
def workbench(request: HttpRequest) -> HttpResponse:
    """The signed-in user's landing page: who they are, where, and what they can do."""
    from yikatong.tasks.models import TaskRun

    recent_tasks = TaskRun.objects.restrict(request.user, "view").filter(created_by_id=request.user.pk)[:5]
    return render(request, "workbench/workbench.html", {"recent_tasks": recent_tasks})


@login_required
@requires("region.view")
def region_list(request: HttpRequest) -> HttpResponse:
    """The regions inside the user's subtree."""
    regions = Region.objects.restrict(request.user, "view").select_related("parent")
    return render(request, "workbench/region_list.html", {"regions": regions})


@login_required
@requires("region.view")
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region of the user's subtree, with its children."""
    region = get_object_or_404(Region.objects.restrict(request.user, "view"), code=code)
    children = Region.objects.restrict(request.user, "view").filter(parent=region)
    return render(request, "workbench/region_detail.html", {"region": region, "children": children})
