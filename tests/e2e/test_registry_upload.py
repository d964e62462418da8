"""A real browser uploads a registry file and watches the import's progress bar finish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login, wait_for_task
from tests.support.processes import worker_process
from tests.support.registry import banks
from tests.support.world import World
from yikatong.demo.generator import generate_county
from yikatong.registry.models import ImportBatch, Person

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_hrss_uploads_persons_and_sees_the_progress_bar_finish(
    page: Page,
    live_server: LiveServer,
    transactional_db: None,
    world: World,
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    banks()
    files = generate_county(tmp_path / "county", persons=300, seed=11).files
    with worker_process(subprocess_env, tmp_path / "worker.log"):
        login(page, live_server, world.user("hrss").username)
        page.goto(f"{live_server.url}/registry/imports/")
        form = page.get_by_test_id("import-form")
        form.get_by_label("数据类别").select_option("persons")
        form.get_by_label("文件（CSV 或 Excel .xlsx）").set_input_files(str(files["persons"]))
        form.get_by_role("button", name="上传并导入").click()
        expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]{36}/$"))
        task = wait_for_task(page, tmp_path / "worker.log")
        expect(task.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
        expect(task.locator('[data-field="summary"]')).to_contain_text("新增 300 条")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "registry-import-finished.png"), full_page=True)
        task.get_by_role("link", name="查看导入结果与错误报告").click()
        expect(page.get_by_test_id("batch")).to_contain_text("已导入")
    assert Person.objects.count() == 300
    assert ImportBatch.objects.get().created_by == world.user("hrss")
