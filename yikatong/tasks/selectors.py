"""Reading task runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yikatong.accounts.permissions import allowed
from yikatong.tasks.models import TaskRun


def task_runs_visible(*, user: Any) -> QuerySet[TaskRun]:
    """The runs a user may see: their own, or every run of their region for ``task.view_all``.

    A run's result can name what it touched (an import's error report has full ID numbers), so another
    user's run is not shown just because it is in the same county.
    """
    runs = TaskRun.objects.restrict(user, "view")
    if allowed(user, "task.view_all"):
        return runs
    return runs.filter(created_by_id=getattr(user, "pk", None))


def task_run_payload(run: TaskRun) -> dict[str, Any]:
    """What a progress bar or an API client needs to know about a run."""
    return {
        "id": str(run.pk),
        "title": run.title,
        "status": run.status,
        "status_display": run.get_status_display(),
        "done": run.done,
        "total": run.total,
        "percent": run.percent,
        "message": run.message,
        "error": run.error,
        "result": run.result,
        "attempts": run.attempts,
        "finished": run.finished,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
