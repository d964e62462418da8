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
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import Task, TaskContext

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
    """An expected failure of a task, whose message (Chinese) is shown to the user as it is.

    ``result`` is kept with the failed run, for what a user needs next (an error report, say).
    """

    def __init__(self, message: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result


class Progress:
    """Progress of one run, written outside the task's transaction so a page can follow it.

    Outside a transaction it is an ordinary update. Inside one (an import writes everything in one
    transaction) the update would stay invisible until the end, so on PostgreSQL it goes through a
    separate autocommit connection; SQLite allows one writer at a time, so there it waits for the end.
    """

    def __init__(self, run_id: str, *, worker_id: str = "", min_interval: float = 0.5) -> None:
        self.run_id = run_id
        self.worker_id = worker_id
        self.min_interval = min_interval
        self._last = 0.0
        self._side: Any = None

    def __call__(
        self, done: int, total: int | None = None, message: str | None = None, *, force: bool = False
    ) -> None:
        """Record progress; frequent calls are thinned out."""
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        fields: dict[str, Any] = {"done": done}
        if total is not None:
            fields["total"] = total
        if message is not None:
            fields["message"] = message[:500]
        if not connection.in_atomic_block:
            mine = TaskRun.objects.filter(pk=self.run_id, status=TaskStatus.RUNNING, worker_id=self.worker_id)
            mine.update(**fields)
        elif connection.vendor == "postgresql":
            self._write_aside(fields)

    def _write_aside(self, fields: dict[str, Any]) -> None:
        import psycopg

        try:
            if self._side is None:
                params = connection.get_connection_params()
                params.pop("cursor_factory", None)
                params.pop("context", None)
                self._side = psycopg.connect(**params, autocommit=True)
            assignments = ", ".join(f"{name} = %s" for name in fields)
            self._side.execute(
                f"UPDATE tasks_taskrun SET {assignments} WHERE id = %s AND status = %s AND worker_id = %s",
                [*fields.values(), self.run_id, TaskStatus.RUNNING, self.worker_id],
            )
        except psycopg.Error:
            logger.warning("progress of task run %s could not be written", self.run_id, exc_info=True)

    def close(self) -> None:
        """Close the side connection, if one was opened."""
        if self._side is not None:
            self._side.close()
            self._side = None


def tracked_task(*, title: str) -> Callable[[Callable[..., Any]], Task[Any, Any]]:
    """Declare a background task whose body is called as ``body(run, progress, **arguments)``.

    The wrapper claims the run for this delivery before the body starts (a stale delivery of a run that was
    re-queued, or is already held by another worker, does nothing), binds the initiating user for the audit
    log, and records success or a readable failure, but only while the run is still this worker's: a worker
    that was wrongly taken for dead cannot overwrite the retry that replaced it.
    """

    def decorator(body: Callable[..., Any]) -> Task[Any, Any]:
        @functools.wraps(body)
        def run_task(context: TaskContext, run_id: str) -> Any:
            delivery = str(context.task_result.id)
            worker_id = CURRENT_WORKER_ID or (context.task_result.worker_ids or [""])[-1]
            claimed = TaskRun.objects.filter(pk=run_id, status=TaskStatus.QUEUED, result_id=delivery).update(
                status=TaskStatus.RUNNING,
                started_at=timezone.now(),
                attempts=F("attempts") + 1,
                worker_id=worker_id,
                done=0,
                total=0,
                error="",
            )
            if not claimed:
                logger.warning("task run %s is not waiting for delivery %s; skipped", run_id, delivery)
                return None
            run = TaskRun.objects.get(pk=run_id)
            progress = Progress(run_id, worker_id=worker_id)
            try:
                with acting_as(user_id=run.created_by_id, request_id=run_id, channel="task"):
                    result = body(run, progress, **run.arguments)
                progress.close()
            except TaskFailure as exc:
                progress.close()
                _finish(run_id, worker_id, TaskStatus.FAILED, error=str(exc), result=exc.result)
                raise
            except Exception as exc:
                progress.close()
                logger.exception("task %s (%s) failed", run.title, run_id)
                _finish(
                    run_id,
                    worker_id,
                    TaskStatus.FAILED,
                    error=f"任务执行出错：{type(exc).__name__}：{exc}"[:2000],
                )
                raise
            _finish(run_id, worker_id, TaskStatus.SUCCEEDED, result=result)
            return result

        del run_task.__wrapped__  # django-tasks must see the (context, run_id) signature, not the body's
        run_task.title = title  # type: ignore[attr-defined]
        return task(takes_context=True)(run_task)

    return decorator


def _finish(run_id: str, worker_id: str, status: str, *, error: str = "", result: Any = None) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error}
    if result is not None:
        fields["result"] = result
    # The last progress step ("正在读取并校验…") would read as if the run were still at it.
    fields["message"] = "已完成" if status == TaskStatus.SUCCEEDED else "失败"
    mine = TaskRun.objects.filter(pk=run_id, status=TaskStatus.RUNNING, worker_id=worker_id)
    if not mine.update(**fields):
        logger.warning("task run %s was taken over while running; its outcome here is discarded", run_id)


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


def _live_workers(now: dt.datetime) -> set[str]:
    return set(
        WorkerProcess.objects.filter(last_seen__gte=now - LOST_AFTER, stopped_at__isnull=True).values_list(
            "worker_id", flat=True
        )
    )


def _lost_reason(run: TaskRun, db_result: Any, *, now: dt.datetime) -> str:
    """Why a run is lost, or "" when it is not (asked under the run's lock, with fresh worker data)."""
    known = WorkerProcess.objects.filter(pk=run.worker_id).first() if run.worker_id else None
    if run.status == TaskStatus.RUNNING:
        # Only workers that register heartbeats (`yikatong worker`) can be judged; others are left alone.
        if known is not None and (known.stopped_at is not None or known.last_seen < now - LOST_AFTER):
            return f"工作进程 {run.worker_id} 已中断，任务未完成"
        return ""
    # A queued run whose delivery died before the run was claimed (import error, a kill in that instant).
    if db_result is None:
        return "队列中的任务记录丢失"
    if db_result.status in {"FAILED", "SUCCESSFUL"}:
        return f"工作进程未能启动任务（{db_result.exception_class_path or '未知原因'}）"
    if db_result.status == "RUNNING":
        holder = (db_result.worker_ids or [""])[-1]
        worker = WorkerProcess.objects.filter(pk=holder).first()
        if worker is not None and (worker.stopped_at is not None or worker.last_seen < now - LOST_AFTER):
            return f"工作进程 {holder} 领取任务后中断"
    return ""


def _reap_one(run_id: Any, *, now: dt.datetime) -> TaskRun | None:
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        run = TaskRun.objects.select_for_update().get(pk=run_id)
        if run.finished:
            return None
        db_result = DBTaskResult.objects.filter(pk=run.result_id).first() if run.result_id else None
        lost = _lost_reason(run, db_result, now=now)
        if not lost:
            return None
        if db_result is not None and db_result.status == "RUNNING":
            db_result.set_failed(RuntimeError(lost))
        task_obj = None
        if run.attempts < run.max_attempts:
            try:
                task_obj = import_string(run.task_path)
            except ImportError:
                lost = f"{lost}；任务代码 {run.task_path} 无法载入"
        if task_obj is not None:
            run.result_id = str(task_obj.enqueue(str(run.pk)).id)
            run.status = TaskStatus.QUEUED
            run.message = f"{lost}，已重新排队（第 {run.attempts + 1} 次执行）"
        else:
            run.status = TaskStatus.FAILED
            run.finished_at = now
            run.error = f"{lost}，已达最多执行次数，请重新发起" if run.attempts >= run.max_attempts else lost
            run.message = "失败"
        run.worker_id = ""
        run.save()
        audit_record(action="task.lost", obj=run, after={"status": run.status, "message": lost})
        return run


def reap_lost_tasks(*, now: dt.datetime | None = None) -> list[TaskRun]:
    """Fail (and, where attempts remain, re-queue) runs whose worker died; return them.

    Covers runs that were running on a worker that stopped beating, and queued runs whose delivery was
    claimed by a worker that died, or failed, before the run itself started.
    """
    now = now or timezone.now()
    alive = _live_workers(now)
    suspects = TaskRun.objects.filter(
        Q(status=TaskStatus.RUNNING) & ~Q(worker_id__in=alive) | Q(status=TaskStatus.QUEUED)
    ).values_list("pk", flat=True)
    reaped: list[TaskRun] = []
    for run_id in list(suspects):
        try:
            run = _reap_one(run_id, now=now)
        except Exception:  # one broken run must not stop the others from being recovered
            logger.exception("could not recover task run %s", run_id)
            continue
        if run is not None:
            reaped.append(run)
    return reaped
