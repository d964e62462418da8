"""Recovery rules of task runs, in one process: stale deliveries, taken-over runs, deliveries that died."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks.base import TaskContext
from django_tasks_db.models import DBTaskResult

from tests.support.slow_tasks import slow_count
from tests.support.world import World
from yikatong.tasks import services
from yikatong.tasks.models import TaskRun, TaskStatus, WorkerProcess
from yikatong.tasks.services import reap_lost_tasks, task_start

pytestmark = pytest.mark.django_db


def _start(world: World, max_attempts: int = 2) -> TaskRun:
    return task_start(
        task=slow_count,
        title="测试：慢任务",
        user=world.user("finance"),
        arguments={"steps": 2, "delay": 0},
        max_attempts=max_attempts,
    )


def _dead_worker(worker_id: str) -> None:
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    WorkerProcess.objects.create(
        worker_id=worker_id, hostname="h", pid=1, started_at=long_ago, last_seen=long_ago
    )


def _deliver(run: TaskRun, worker_id: str) -> object:
    db_result = DBTaskResult.objects.get(pk=run.result_id)
    db_result.claim(worker_id)
    services.CURRENT_WORKER_ID = worker_id
    try:
        return slow_count.call(TaskContext(task_result=db_result.task_result), str(run.pk))
    finally:
        services.CURRENT_WORKER_ID = ""


def test_a_delivery_runs_its_run_once(world: World) -> None:
    run = _start(world)
    assert _deliver(run, "w-1") == {"counted": 2}
    run.refresh_from_db()
    # (progress itself is only written outside transactions: see the worker-process tests)
    assert (run.status, run.attempts, run.result) == (TaskStatus.SUCCEEDED, 1, {"counted": 2})
    # a second delivery of the same, finished run does nothing
    assert _deliver(run, "w-2") is None
    run.refresh_from_db()
    assert run.attempts == 1


def test_a_delivery_that_died_before_claiming_its_run_is_requeued(world: World) -> None:
    run = _start(world)
    DBTaskResult.objects.get(pk=run.result_id).claim("w-dead")
    _dead_worker("w-dead")
    [reaped] = reap_lost_tasks()
    assert reaped.pk == run.pk and reaped.status == TaskStatus.QUEUED and reaped.result_id != run.result_id
    # the old delivery, should it still arrive, is stale and does nothing
    old = DBTaskResult.objects.get(pk=run.result_id)
    assert slow_count.call(TaskContext(task_result=old.task_result), str(run.pk)) is None
    assert TaskRun.objects.get(pk=run.pk).status == TaskStatus.QUEUED


def test_a_running_run_of_a_dead_worker_fails_visibly_when_no_attempt_is_left(world: World) -> None:
    run = _start(world, max_attempts=1)
    _dead_worker("w-dead")
    TaskRun.objects.filter(pk=run.pk).update(status=TaskStatus.RUNNING, worker_id="w-dead", attempts=1)
    [reaped] = reap_lost_tasks()
    assert reaped.status == TaskStatus.FAILED and "w-dead" in reaped.error and "最多执行次数" in reaped.error


def test_runs_of_workers_that_do_not_beat_are_left_alone(world: World) -> None:
    run = _start(world)
    TaskRun.objects.filter(pk=run.pk).update(
        status=TaskStatus.RUNNING, worker_id="db_worker-without-heartbeat"
    )
    assert reap_lost_tasks() == []


def test_a_worker_taken_for_dead_cannot_overwrite_the_retry(world: World) -> None:
    run = _start(world)
    TaskRun.objects.filter(pk=run.pk).update(status=TaskStatus.RUNNING, worker_id="w-slow", attempts=1)
    _dead_worker("w-slow")
    reap_lost_tasks()
    services._finish(str(run.pk), "w-slow", TaskStatus.SUCCEEDED, result={"counted": 99})
    run.refresh_from_db()
    assert run.status == TaskStatus.QUEUED and run.result is None
