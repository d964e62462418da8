"""事前比对 in a real browser: the department's approval is refused while a blocking finding is open; the
department confirms the finding (the line goes back to the village) and the approval then passes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import World
from yikatong.checks.models import Finding, FindingState
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState


@pytest.mark.browser
def test_a_blocking_finding_is_settled_before_approval(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    publish_elderly_allowance(world)
    roster = township_reviewed(world, elders(1) + elders(1, cards=False))

    login(page, live_server, world.user("dept_reviewer").username)
    page.goto(f"{live_server.url}/rosters/{roster.pk}/")
    page.get_by_role("button", name="审批通过").click()
    expect(page.locator(".message").first).to_contain_text("无社保卡账户 1条")
    expect(page.get_by_test_id("roster-state")).to_have_text("乡镇已审核")

    page.get_by_role("link", name="处理", exact=True).first.click()
    expect(page.get_by_test_id("finding-detail")).to_contain_text("社保卡")
    form = page.get_by_test_id("settle-form")
    form.locator("input[name=outcome][value=confirmed]").check()
    form.get_by_label("处理理由*", exact=True).fill("本人未办社保卡，退回村里办卡后补报")
    form.get_by_role("button", name="提交处理意见").click()
    expect(page.get_by_test_id("finding-state")).to_have_text("疑点属实")

    page.goto(f"{live_server.url}/rosters/{roster.pk}/")
    page.get_by_role("button", name="审批通过").click()
    expect(page.get_by_test_id("roster-state")).to_have_text("主管部门已审批")
    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED
    assert sorted(roster.lines.values_list("state", flat=True)) == [LineState.APPROVED, LineState.RETURNED]
    assert Finding.objects.get(rule="NO_CARD").state == FindingState.CONFIRMED
