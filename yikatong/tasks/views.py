"""A task's progress page and the JSON its progress bar polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from yikatong.tasks.models import TaskRun
from yikatong.tasks.selectors import task_run_payload


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Recent runs the user may see."""
    runs = TaskRun.objects.restrict(request.user, "view").select_related("created_by")[:100]
    return render(request, "tasks/task_list.html", {"runs": runs})


@login_required
def task_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """One run with a live progress bar."""
    run = get_object_or_404(TaskRun.objects.restrict(request.user, "view"), pk=pk)
    return render(request, "tasks/task_detail.html", {"run": run})


@login_required
def task_progress(request: HttpRequest, pk: str) -> JsonResponse:
    """Progress of one run, polled by the page."""
    run = get_object_or_404(TaskRun.objects.restrict(request.user, "view"), pk=pk)
    return JsonResponse(task_run_payload(run))
