"""A task's progress page and the JSON its progress bar polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy

from yikatong.accounts.permissions import requires
from yikatong.core.listing import Column, Table
from yikatong.tasks.selectors import task_run_display, task_run_payload, task_runs_visible

RUNS = Table(
    columns=(
        Column(gettext_lazy("任务"), "title"),
        Column(gettext_lazy("发起人"), "by", ("created_by__full_name",)),
        Column(gettext_lazy("状态"), "status"),
        Column(gettext_lazy("进度"), num=True),
        Column(gettext_lazy("提交时间"), "created", ("created_at",)),
    ),
    default="-created",
)


@login_required
@requires("task.view")
def task_list(request: HttpRequest) -> HttpResponse:
    """The runs the user may see, newest first; sortable, 50 a page."""
    runs = task_runs_visible(user=request.user).select_related("created_by")
    return render(request, "tasks/task_list.html", {"table": RUNS.page(request, runs)})


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
