"""Deliver a queued task run in this process, as a worker would (for tests inside a transaction)."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string
from django_tasks.base import TaskContext
from django_tasks_db.models import DBTaskResult

from yikatong.tasks import services
from yikatong.tasks.models import TaskRun


def deliver(run: TaskRun, worker_id: str = "test-worker") -> Any:
    """Claim the run's queued delivery and call its task; returns what the task returned (or raised)."""
    db_result = DBTaskResult.objects.get(pk=run.result_id)
    db_result.claim(worker_id)
    services.CURRENT_WORKER_ID = worker_id
    try:
        task = import_string(run.task_path)
        return task.call(TaskContext(task_result=db_result.task_result), str(run.pk))
    finally:
        services.CURRENT_WORKER_ID = ""
