"""A task's progress page and the JSON its progress bar polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from yikatong.accounts.permissions import requires
from yikatong.tasks.selectors import task_run_display, task_run_payload, task_runs_visible


@login_required
@requires("task.view")
def task_list(request: HttpRequest) -> HttpResponse:
    """Recent runs the user may see."""
    runs = task_runs_visible(user=request.user).select_related("created_by")[:100]
    return render(request, "tasks/task_list.html", {"runs": runs})


@login_required
@requires("task.view")
def task_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """One run with a live progress bar."""
    run = get_object_or_404(task_runs_visible(user=request.user), pk=pk)
    return render(request, "tasks/task_detail.html", {"run": run, "display": task_run_display(run)})


@login_required
@requires("task.view")
def task_progress(request: HttpRequest, pk: str) -> JsonResponse:
    """Progress of one run, polled by the page."""
    run = get_object_or_404(task_runs_visible(user=request.user), pk=pk)
    return JsonResponse(task_run_payload(run))
