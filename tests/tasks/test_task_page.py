"""The page of a task run and the JSON it polls, for runs done by a real `yikatong worker`: a running run
shows its progress, a finished one its result, a failed one "失败" and its error once (issue: a failed
import read "失败 0 / 3 正在读取并校验…" and said its message twice)."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.support.processes import worker_process
from tests.support.slow_tasks import slow_count
from tests.support.world import World
from yikatong.accounts.roles import Role
from yikatong.tasks.models import TaskRun, TaskStatus
from yikatong.tasks.services import task_start

pytestmark = pytest.mark.django_db(transaction=True)

NOT_EXCEL = (
    "文件“名单.xlsx”无法读取：不是有效的 Excel 文件（扩展名为 .xlsx，但内容是文本），"
    "请在 Excel 中另存为 .xlsx，或改为 .csv 上传"
)


def wait_for(condition: Callable[[], TaskRun | None], log_path: Path, what: str) -> TaskRun:
    """Poll the database until `condition` gives a run, failing with the worker's log after a minute."""
    deadline = time.monotonic() + 60
    while (run := condition()) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"waited in vain for {what}\n{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)
    return run


def finished(pk: Any) -> Callable[[], TaskRun | None]:
    def check() -> TaskRun | None:
        run = TaskRun.objects.get(pk=pk)
        return run if run.finished else None

    return check


def page_and_progress(client: Client, run: TaskRun) -> tuple[str, dict[str, Any]]:
    """The run's page (its text unescaped) and the JSON the page polls, which the API gives as well."""
    page = html.unescape(client.get(f"/tasks/{run.pk}/").content.decode())
    progress = client.get(f"/tasks/{run.pk}/progress.json").json()
    if run.finished:
        # (a running run moves on between two requests)
        assert client.get(f"/api/tasks/{run.pk}").json() == progress
    return page, progress


def test_a_failed_import_says_failed_and_its_error_once(
    world: World, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    client = Client()
    client.force_login(world.user(Role.HRSS))
    upload = tmp_path / "名单.xlsx"
    upload.write_text("身份证号,姓名,村代码,户编号,与户主关系\n", encoding="utf-8")
    with upload.open("rb") as handle:
        client.post("/registry/imports/", {"kind": "persons", "file": handle})
    log_path = tmp_path / "worker.log"
    with worker_process(subprocess_env, log_path):
        run = wait_for(finished(TaskRun.objects.get().pk), log_path, "the import to end")

    assert run.status == TaskStatus.FAILED and run.error == NOT_EXCEL
    # The run had reached step 0 of 3 ("正在读取并校验…") when the file was found unreadable.
    assert (run.done, run.total) == (0, 3)
    page, progress = page_and_progress(client, run)
    assert '<span class="badge failed" data-field="status_display">失败</span>' in page
    assert page.count(NOT_EXCEL) == 1
    assert "0 / 3" not in page and "正在读取并校验" not in page
    assert 'role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" hidden' in page
    assert "查看导入结果与错误报告" in page
    assert progress["display"] == {
        "counts": "",
        "message": "",
        "error": NOT_EXCEL,
        "summary": "",
        "show_progress": False,
    }
    assert (progress["status_display"], progress["message"], progress["error"]) == ("失败", "失败", NOT_EXCEL)
    listed = client.get("/tasks/").content.decode()
    assert '<span class="badge failed">失败</span></td><td class="num">—</td>' in listed


def test_a_running_run_shows_its_progress_and_a_finished_one_its_result(
    world: World, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    client = Client()
    auditor = world.user(Role.AUDITOR)
    client.force_login(auditor)
    run = task_start(
        task=slow_count, title="测试：慢任务", user=auditor, arguments={"steps": 30, "delay": 0.1}
    )
    log_path = tmp_path / "worker.log"

    def counting() -> TaskRun | None:
        fresh = TaskRun.objects.get(pk=run.pk)
        return fresh if fresh.status == TaskStatus.RUNNING and 0 < fresh.done < fresh.total else None

    with worker_process(subprocess_env, log_path):
        running = wait_for(counting, log_path, "the run to make progress")
        page, progress = page_and_progress(client, running)
        done = wait_for(finished(run.pk), log_path, "the run to end")

    shown = progress["display"]
    assert progress["status"] == TaskStatus.RUNNING and shown["show_progress"] and not shown["error"]
    assert shown["counts"].endswith(" / 30") and shown["message"].startswith("已计数 ")
    assert '<span class="badge running" data-field="status_display">执行中</span>' in page
    assert "hidden" not in page.split('role="progressbar"')[1].split(">")[0]

    assert done.status == TaskStatus.SUCCEEDED, done.error
    page, progress = page_and_progress(client, done)
    assert progress["display"] == {
        "counts": "",
        "message": "",
        "error": "",
        "summary": "",
        "show_progress": True,
    }
    assert progress["percent"] == 100 and progress["result"] == {"counted": 30}
    assert '<span class="badge succeeded" data-field="status_display">已完成</span>' in page
    assert "/ 30" not in page and "已计数" not in page


def test_a_finished_import_shows_its_summary(
    world: World, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    client = Client()
    client.force_login(world.user(Role.HRSS))
    upload = tmp_path / "名单.csv"
    upload.write_text(
        "身份证号,姓名,村代码,户编号,与户主关系\n232722195603012216,王桂兰,232722100201,H-9,户主\n",
        encoding="utf-8",
    )
    with upload.open("rb") as handle:
        client.post("/registry/imports/", {"kind": "persons", "file": handle})
    log_path = tmp_path / "worker.log"
    with worker_process(subprocess_env, log_path):
        run = wait_for(finished(TaskRun.objects.get().pk), log_path, "the import to end")

    assert run.status == TaskStatus.SUCCEEDED, run.error
    page, progress = page_and_progress(client, run)
    summary = "导入完成：新增 1 条，更新 0 条，未变 0 条"
    assert progress["display"]["summary"] == summary and progress["display"]["message"] == ""
    assert page.count(summary) == 1 and "/ 3" not in page
