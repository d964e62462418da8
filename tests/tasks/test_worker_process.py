"""Real `yikatong worker` processes: they run tracked tasks, stop on SIGTERM, and recover the runs of a
worker killed in the middle of its work, or fail them visibly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from django_tasks_db.models import DBTaskResult

from tests.support.slow_tasks import always_fails, slow_count
from tests.support.world import World
from yikatong.accounts.roles import Role
from yikatong.audit.models import AuditEvent
from yikatong.tasks.models import TaskRun, TaskStatus, WorkerProcess
from yikatong.tasks.services import task_start

REPO = Path(__file__).resolve().parents[2]

# The workers of these tests beat twice a second and are taken for dead after 4 s without a beat, instead
# of 5 s and 30 s in production, so that a killed worker is noticed quickly.
HEARTBEAT_SECONDS = 0.5
LOST_AFTER_SECONDS = 4.0

# 40 steps of 0.1 s: long enough to kill the worker in the middle, short enough to run twice in a test.
STEPS = 40
DELAY = 0.1

T = TypeVar("T")


class Workers:
    """The worker subprocesses of one test and their logs; whatever still runs is killed at the end."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        """Start one more `yikatong worker`, logging to a file of its own."""
        log_path = self.log_dir / f"worker-{len(self.processes) + 1}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "yikatong.cli", "worker"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        """What the workers wrote, for the message of a failed assertion."""
        parts = []
        for number, process in enumerate(self.processes, start=1):
            text = (self.log_dir / f"worker-{number}.log").read_text(encoding="utf-8", errors="replace")
            parts.append(
                f"--- worker {number} (pid {process.pid}, exit {process.poll()}) ---\n{text[-4000:]}"
            )
        return "\n".join(parts)

    def kill_all(self) -> None:
        """Kill the workers that still run and reap them."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(transactional_db: None, subprocess_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    """Start worker subprocesses on the test database with fast heartbeats; kill them after the test."""
    env = {
        **subprocess_env,
        "YIKATONG_WORKER_HEARTBEAT": str(HEARTBEAT_SECONDS),
        "YIKATONG_WORKER_LOST_AFTER": str(LOST_AFTER_SECONDS),
    }
    pool = Workers(env, tmp_path)
    try:
        yield pool
    finally:
        pool.kill_all()


def wait_for(condition: Callable[[], T | None], *, timeout: float, what: str, workers: Workers) -> T:
    """Poll until `condition` returns something, failing with the workers' logs at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s in vain for {what}\n{workers.logs()}")
        time.sleep(0.1)


def finished(run: TaskRun) -> Callable[[], TaskRun | None]:
    """A condition: the run, read afresh, once it has succeeded or failed."""

    def check() -> TaskRun | None:
        fresh = TaskRun.objects.get(pk=run.pk)
        return fresh if fresh.finished else None

    return check


def start_slow_count(world: World, *, max_attempts: int) -> TaskRun:
    """Queue the slow test task as the county auditor would queue any task."""
    return task_start(
        task=slow_count,
        title="测试：慢任务",
        user=world.user(Role.AUDITOR),
        arguments={"steps": STEPS, "delay": DELAY},
        max_attempts=max_attempts,
    )


def kill_worker_mid_run(world: World, workers: Workers, *, max_attempts: int) -> TaskRun:
    """Start a worker and a slow run, kill -9 the worker once the run has made progress; the run as left."""
    first = workers.start()
    run = start_slow_count(world, max_attempts=max_attempts)

    def running_with_progress() -> TaskRun | None:
        fresh = TaskRun.objects.get(pk=run.pk)
        return fresh if fresh.status == TaskStatus.RUNNING and fresh.done > 0 else None

    running = wait_for(running_with_progress, timeout=30, what="the run to make progress", workers=workers)
    first.kill()
    first.wait(timeout=10)

    left = TaskRun.objects.get(pk=run.pk)
    assert left.status == TaskStatus.RUNNING, (
        "nothing but the reaper may change a run whose worker was killed"
    )
    assert 0 < left.done < left.total == STEPS
    assert left.worker_id == running.worker_id
    assert left.attempts == 1
    assert DBTaskResult.objects.get(pk=run.result_id).status == "RUNNING"
    return left


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_to_the_end_and_stops_on_sigterm(world: World, workers: Workers) -> None:
    worker = workers.start()
    run = task_start(
        task=slow_count,
        title="测试：慢任务",
        user=world.user(Role.AUDITOR),
        arguments={"steps": 5, "delay": 0.05},
    )

    done = wait_for(finished(run), timeout=30, what="the run to finish", workers=workers)

    assert done.status == TaskStatus.SUCCEEDED, done.error
    assert (done.done, done.total) == (5, 5)
    assert done.percent == 100
    assert done.result == {"counted": 5}
    assert done.attempts == 1
    assert done.started_at is not None
    assert done.finished_at is not None
    # The queue's own record is closed by the worker just after the task body has recorded its result.
    wait_for(
        lambda: DBTaskResult.objects.filter(pk=run.result_id, status="SUCCESSFUL").first(),
        timeout=30,
        what="the queue's result to be marked successful",
        workers=workers,
    )
    process = WorkerProcess.objects.get(pk=done.worker_id)
    assert process.pid == worker.pid
    assert process.stopped_at is None

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0, workers.logs()
    process.refresh_from_db()
    assert process.stopped_at is not None


@pytest.mark.django_db(transaction=True)
def test_failing_task_shows_its_chinese_reason(world: World, workers: Workers) -> None:
    workers.start()
    run = task_start(task=always_fails, title="测试：必然失败的任务", user=world.user(Role.AUDITOR))

    failed = wait_for(finished(run), timeout=30, what="the run to finish", workers=workers)

    assert failed.status == TaskStatus.FAILED
    assert failed.get_status_display() == "失败"
    assert failed.error == "测试失败原因"
    assert failed.result is None
    assert failed.attempts == 1, "a task that refuses its input is not tried again"
    # The queue's own record is closed by the worker just after the task body has recorded its failure.
    result = wait_for(
        lambda: DBTaskResult.objects.filter(pk=run.result_id, status="FAILED").first(),
        timeout=30,
        what="the queue's result to be marked failed",
        workers=workers,
    )
    assert result.status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_run_of_a_killed_worker_is_queued_again_and_done_by_another(world: World, workers: Workers) -> None:
    left = kill_worker_mid_run(world, workers, max_attempts=2)
    killed_worker = left.worker_id
    second = workers.start()

    done = wait_for(finished(left), timeout=45, what="the lost run to be run again", workers=workers)

    assert done.status == TaskStatus.SUCCEEDED, f"{done.error}\n{workers.logs()}"
    assert done.attempts == 2
    assert (done.done, done.total) == (STEPS, STEPS)
    assert done.result == {"counted": STEPS}
    assert WorkerProcess.objects.get(pk=done.worker_id).pid == second.pid
    assert done.result_id != left.result_id
    lost_result = DBTaskResult.objects.get(pk=left.result_id)
    assert lost_result.status == "FAILED"
    assert killed_worker in lost_result.traceback
    lost = AuditEvent.objects.get(action="task.lost", object_id=str(left.pk))
    assert lost.after == {
        "status": TaskStatus.QUEUED,
        "message": f"工作进程 {killed_worker} 已中断，任务未完成",
    }


@pytest.mark.django_db(transaction=True)
def test_run_of_a_killed_worker_fails_visibly_when_no_attempt_is_left(world: World, workers: Workers) -> None:
    left = kill_worker_mid_run(world, workers, max_attempts=1)
    killed_worker = left.worker_id
    workers.start()

    failed = wait_for(finished(left), timeout=45, what="the lost run to be failed", workers=workers)

    assert failed.status == TaskStatus.FAILED
    assert killed_worker in failed.error
    assert "已达最多执行次数" in failed.error
    assert failed.attempts == 1
    assert failed.finished_at is not None
    assert failed.result is None
    assert failed.result_id == left.result_id, "a run with no attempt left is not queued again"
    assert DBTaskResult.objects.get(pk=left.result_id).status == "FAILED"
    assert not DBTaskResult.objects.filter(status="READY").exists()
