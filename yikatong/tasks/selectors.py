"""Reading task runs."""

from __future__ import annotations

from typing import Any

from yikatong.tasks.models import TaskRun


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
