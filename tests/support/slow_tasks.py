"""Tasks that exist only for tests: one slow enough to watch, kill and recover, one that fails on purpose."""

from __future__ import annotations

import time

from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, TaskFailure, tracked_task


@tracked_task(title="测试：慢任务")
def slow_count(run: TaskRun, progress: Progress, *, steps: int, delay: float) -> dict[str, int]:
    """Count to `steps`, sleeping `delay` seconds before each step and recording every step."""
    progress(0, steps, "开始计数", force=True)
    for done in range(1, steps + 1):
        time.sleep(delay)
        progress(done, steps, f"已计数 {done}/{steps}", force=True)
    return {"counted": steps}


@tracked_task(title="测试：必然失败的任务")
def always_fails(run: TaskRun, progress: Progress) -> None:
    """Fail the way a task refuses bad input: with a message for the user."""
    progress(0, message="即将失败", force=True)
    raise TaskFailure("测试失败原因")
