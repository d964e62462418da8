"""Task progress through the API."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from yikatong.accounts.permissions import requires
from yikatong.tasks.selectors import task_run_payload, task_runs_visible

router = Router(tags=["后台任务 tasks"])


@router.get("/{task_id}", summary="后台任务进度与结果")
@requires("task.view")
def task_detail(request: HttpRequest, task_id: uuid.UUID) -> dict[str, Any]:
    run = get_object_or_404(task_runs_visible(user=request.user), pk=task_id)
    return task_run_payload(run)
