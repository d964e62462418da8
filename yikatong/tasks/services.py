"""Starting background tasks, reporting their progress, and recovering from lost workers."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import os
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django_tasks.base import Task

from yikatong.audit.services import audit_record
from yikatong.core.context import acting_as
from yikatong.tasks.models import TaskRun, TaskStatus, WorkerProcess

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def _seconds_from_env(name: str, default: float) -> float:
    """A positive number of seconds from the environment, or the default when the variable is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ImproperlyConfigured(f"环境变量 {name} 应为正的秒数，当前为 {raw!r}")
    return seconds


# A worker that has not beaten its heart for this long is taken for dead. Both are seconds and can be
# shortened through the environment: the worker-process tests do, to notice a killed worker in seconds.
HEARTBEAT_SECONDS = _seconds_from_env("YIKATONG_WORKER_HEARTBEAT", 5)
LOST_AFTER = dt.timedelta(seconds=_seconds_from_env("YIKATONG_WORKER_LOST_AFTER", 30))
if LOST_AFTER.total_seconds() < 3 * HEARTBEAT_SECONDS:
    # With fewer than three missed beats a worker that is merely slow to write would be taken for dead.
    raise ImproperlyConfigured(
        "YIKATONG_WORKER_LOST_AFTER 至少应为心跳间隔 YIKATONG_WORKER_HEARTBEAT 的 3 倍"
    )

# Set by `yikatong worker` so that a run records which process holds it.
CURRENT_WORKER_ID = ""


class TaskFailure(Exception):
    """An expected failure of a task, whose message (Chinese) is shown to the user as it is."""


class Progress:
    """Progress of one run, written in autocommit so a page can follow it while the task works."""

    def __init__(self, run_id: str, *, min_interval: float = 0.5) -> None:
        self.run_id = run_id
        self.min_interval = min_interval
        self._last = 0.0

    def __call__(
        self, done: int, total: int | None = None, message: str | None = None, *, force: bool = False
    ) -> None:
        """Record progress; frequent calls are thinned out, and writes inside a transaction are skipped."""
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        if connection.in_atomic_block:
            # Inside the task's own transaction nobody else could see it yet.
            return
        self._last = now
        fields: dict[str, Any] = {"done": done}
        if total is not None:
            fields["total"] = total
        if message is not None:
            fields["message"] = message[:500]
        TaskRun.objects.filter(pk=self.run_id).update(**fields)


def tracked(*, title: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a task body: mark its run running, bind the actor, record success or a readable failure.

    The body is called as ``body(run, progress, **arguments)``.
    """

    def decorator(body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        def run_task(run_id: str) -> Any:
            run = TaskRun.objects.get(pk=run_id)
            if run.finished:
                return run.result  # a duplicate delivery of a finished run does nothing
            TaskRun.objects.filter(pk=run_id).update(
                status=TaskStatus.RUNNING,
                started_at=timezone.now(),
                attempts=run.attempts + 1,
                worker_id=CURRENT_WORKER_ID,
                error="",
            )
            progress = Progress(str(run.pk))
            try:
                with acting_as(user_id=run.created_by_id, request_id=str(run.pk), channel="task"):
                    result = body(run, progress, **run.arguments)
            except TaskFailure as exc:
                _finish(run_id, TaskStatus.FAILED, error=str(exc))
                raise
            except Exception as exc:
                logger.exception("task %s (%s) failed", run.title, run_id)
                _finish(run_id, TaskStatus.FAILED, error=f"任务执行出错：{type(exc).__name__}：{exc}"[:2000])
                raise
            _finish(run_id, TaskStatus.SUCCEEDED, result=result)
            return result

        run_task.title = title  # type: ignore[attr-defined]
        return run_task

    return decorator


def _finish(run_id: str, status: str, *, error: str = "", result: Any = None) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error}
    if status == TaskStatus.SUCCEEDED:
        fields["result"] = result
        fields["message"] = "已完成"
    TaskRun.objects.filter(pk=run_id).update(**fields)


def task_start(
    *,
    task: Task[Any, Any],
    title: str,
    user: Any,
    arguments: dict[str, Any] | None = None,
    region_code: str = "",
    max_attempts: int = 2,
) -> TaskRun:
    """Queue a task for a worker and record its run; audited."""
    with transaction.atomic():
        run = TaskRun.objects.create(
            task_path=f"{task.module_path}",
            title=title,
            created_by=user if getattr(user, "pk", None) else None,
            region_code=region_code or (str(user.region_id) if getattr(user, "region_id", None) else ""),
            arguments=arguments or {},
            max_attempts=max_attempts,
            message="排队等待工作进程",
        )
        result = task.enqueue(str(run.pk))
        run.result_id = str(result.id)
        run.save(update_fields=["result_id"])
        audit_record(action="task.start", obj=run, after={"title": title, **(arguments or {})}, actor=user)
    return run


def worker_heartbeat(worker_id: str, *, hostname: str, pid: int) -> None:
    """Record that a worker is alive."""
    now = timezone.now()
    updated = WorkerProcess.objects.filter(pk=worker_id).update(last_seen=now)
    if not updated:
        WorkerProcess.objects.create(
            worker_id=worker_id, hostname=hostname, pid=pid, started_at=now, last_seen=now
        )


def _worker_alive(worker_id: str, *, now: dt.datetime) -> bool:
    # Asked again under the run's lock: a worker that started after the first look is alive too.
    return (
        bool(worker_id)
        and WorkerProcess.objects.filter(
            pk=worker_id, last_seen__gte=now - LOST_AFTER, stopped_at__isnull=True
        ).exists()
    )


def reap_lost_tasks(*, now: dt.datetime | None = None) -> list[TaskRun]:
    """Fail (and, where attempts remain, re-queue) runs whose worker stopped beating; return them."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive = set(
        WorkerProcess.objects.filter(last_seen__gte=now - LOST_AFTER, stopped_at__isnull=True).values_list(
            "worker_id", flat=True
        )
    )
    reaped: list[TaskRun] = []
    for run in TaskRun.objects.filter(status=TaskStatus.RUNNING).exclude(worker_id__in=alive):
        with transaction.atomic():
            run = TaskRun.objects.select_for_update().get(pk=run.pk)
            if run.status != TaskStatus.RUNNING or _worker_alive(run.worker_id, now=now):
                continue
            lost = f"工作进程 {run.worker_id or '（未知）'} 已中断，任务未完成"
            db_result = DBTaskResult.objects.filter(pk=run.result_id).first()
            if db_result is not None and db_result.status == "RUNNING":
                db_result.set_failed(RuntimeError(lost))
            if run.attempts < run.max_attempts:
                from django.utils.module_loading import import_string

                task = import_string(run.task_path)
                result = task.enqueue(str(run.pk))
                run.status = TaskStatus.QUEUED
                run.result_id = str(result.id)
                run.message = f"{lost}，已重新排队（第 {run.attempts + 1} 次执行）"
            else:
                run.status = TaskStatus.FAILED
                run.finished_at = now
                run.error = f"{lost}，已达最多执行次数，请重新发起"
                run.message = "失败"
            run.worker_id = ""
            run.save()
            audit_record(action="task.lost", obj=run, after={"status": run.status, "message": lost})
        reaped.append(run)
    return reaped
