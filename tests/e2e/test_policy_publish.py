"""A department drafts a banded policy in a real browser, finance publishes it, the public sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.support.world import World
from yikatong.policies.models import PolicyVersion, VersionStatus

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_draft_submit_publish_and_see_a_banded_policy_in_public(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    login(page, live_server, world.user("dept_reviewer").username)
    page.goto(f"{live_server.url}/policies/new/")
    form = page.get_by_test_id("policy-form")
    expect(form.get_by_test_id("required-legend")).to_have_text("带 * 为必填")
    # Required fields show a * after their label; screen readers hear the name alone (and "required").
    expect(form.get_by_role("textbox", name="项目代码", exact=True)).to_have_attribute("required", "")
    expect(form.locator("fieldset").first.locator("legend")).to_have_text("基本信息")
    form.get_by_label("项目代码*", exact=True).fill("GLJT")
    form.get_by_label("项目名称*", exact=True).fill("高龄津贴")
    form.get_by_label("生效日期*", exact=True).fill("2026-01-01")
    form.get_by_label("政策依据文件名称*", exact=True).fill("塔河县高龄老人津贴发放管理办法")
    form.get_by_label("补贴对象*", exact=True).fill("年满80周岁的本县户籍老年人")
    form.get_by_label("最低年龄", exact=True).fill("80")
    form.get_by_label("计量单位*", exact=True).select_option("month")
    form.get_by_label("发放频次*", exact=True).select_option("monthly")
    bands = page.get_by_test_id("bands")
    for row, (rate, low, high) in enumerate([("50", "80", "89"), ("100", "90", "99"), ("300", "100", "")]):
        bands.locator(f"#id_bands-{row}-rate").fill(rate)
        bands.locator(f"#id_bands-{row}-min_age").fill(low)
        bands.locator(f"#id_bands-{row}-max_age").fill(high)
    form.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".message.success")).to_contain_text("政策草稿已保存")
    page.get_by_role("button", name="提交财政局审核").click()
    expect(page.get_by_test_id("version-1")).to_contain_text("待财政审核")

    page.context.clear_cookies()
    login(page, live_server, world.user("finance").username)
    page.goto(f"{live_server.url}/policies/GLJT/")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_test_id("version-1")).to_contain_text("已发布")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/public/policies/")
    table = page.get_by_test_id("public-policies")
    expect(table).to_contain_text("高龄津贴")
    expect(table).to_contain_text("80-89周岁 50元/月")
    expect(table).to_contain_text("100周岁以上 300元/月")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public-policy-list.png"), full_page=True)
    version = PolicyVersion.objects.get(policy__code="GLJT")
    assert version.status == VersionStatus.PUBLISHED and version.bands.count() == 3
