"""绩效双监控 in a real browser: finance approves the department's budget and targets, follows the warning to
the failed line, and downloads the evaluation report as PDF."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.performance.support import TARGETS, build
from tests.support.world import World
from yikatong.performance import services


@pytest.mark.browser
def test_finance_approves_targets_and_follows_the_warning_to_the_line(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    made = build(world)
    drafted = services.target_set_draft(
        user=world.user("dept_reviewer"), policy=made["policy"], year=2026, budget_fen=100000, targets=TARGETS
    )
    services.target_set_submit(user=world.user("dept_reviewer"), target_set=drafted)
    login(page, live_server, world.user("finance").username)
    page.goto(f"{live_server.url}/performance/GLJT/2026/")
    with page.expect_navigation():
        page.get_by_role("button", name="同步审核下达").click()
    expect(page.get_by_text("预算和绩效目标已同步下达")).to_be_visible()
    page.locator("a[href$='/performance/GLJT/2026/monitor/']").first.click()
    expect(page.get_by_test_id("warnings")).to_contain_text("发放失败率未达目标")
    page.get_by_role("link", name="塔河镇").click()
    page.get_by_role("link", name="失败明细").click()
    expect(page.get_by_test_id("lines")).to_contain_text("发放失败")
    page.goto(f"{live_server.url}/performance/GLJT/2026/report/")
    with page.expect_download() as download:
        page.get_by_test_id("report-pdf").click()
    assert download.value.suggested_filename == "performance-GLJT-2026.pdf"
