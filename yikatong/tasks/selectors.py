"""Reading task runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yikatong.accounts.permissions import allowed
from yikatong.tasks.models import TaskRun, TaskStatus


def task_runs_visible(*, user: Any) -> QuerySet[TaskRun]:
    """The runs a user may see: their own, or every run of their region for ``task.view_all``.

    A run's result can name what it touched (an import's error report has full ID numbers), so another
    user's run is not shown just because it is in the same county.
    """
    runs = TaskRun.objects.restrict(user, "view")
    if allowed(user, "task.view_all"):
        return runs
    return runs.filter(created_by_id=getattr(user, "pk", None))


def task_run_display(run: TaskRun) -> dict[str, Any]:
    """What the run's page shows now: the progress of a running run, the outcome of one that has ended.

    A failed run shows its error once, and neither the counter nor the step it had reached (they would
    read as if it were still at work); a result summary that only repeats the error is left out.
    """
    running = run.status == TaskStatus.RUNNING
    failed = run.status == TaskStatus.FAILED
    summary = run.result.get("summary", "") if isinstance(run.result, dict) else ""
    if failed and summary == run.error:
        summary = ""
    return {
        "counts": f"{run.done} / {run.total}" if running and run.total else "",
        "message": run.message if not run.finished else "",
        "error": run.error if failed else "",
        "summary": summary or "",
        "show_progress": not failed,
    }


def task_run_payload(run: TaskRun) -> dict[str, Any]:
    """What a progress bar or an API client needs to know about a run (``display``: what the page shows)."""
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
        "display": task_run_display(run),
    }
