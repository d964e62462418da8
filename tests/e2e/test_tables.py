"""A long list in a real browser: the breadcrumb says where one is, a header click sorts (and says how),
the pager turns pages in Chinese and keeps the order."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.support.world import World, make_user
from yikatong.accounts.models import User


@pytest.mark.browser
def test_the_staff_list_sorts_by_a_header_click_and_pages_in_chinese(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    for i in range(60):
        make_user("auditor", "232722000000", username=f"staff{i:02d}")
    total = User.objects.count()
    login(page, live_server, world.user("admin").username)
    page.goto(f"{live_server.url}/accounts/staff/")
    crumbs = page.get_by_role("navigation", name="当前位置")
    expect(crumbs.get_by_role("link", name="工作台")).to_be_visible()
    expect(crumbs.locator('[aria-current="page"]')).to_have_text("工作人员")

    table = page.get_by_test_id("staff")
    table.get_by_role("link", name="登录名").click()
    expect(page).to_have_url(re.compile(r"\?sort=username$"))
    expect(table.locator("th[aria-sort=ascending]")).to_have_text("登录名")
    table.get_by_role("link", name="登录名").click()
    expect(page).to_have_url(re.compile(r"\?sort=-username$"))
    expect(table.locator("tbody tr").first.locator("td").first).to_have_text("village_clerk-232722201202")

    pager = page.get_by_test_id("pager")
    expect(pager).to_contain_text(f"共 {total} 条")
    expect(pager).to_contain_text("第 1 / 2 页")
    pager.get_by_role("link", name="下一页").click()
    expect(page).to_have_url(re.compile(r"\?sort=-username&page=2$"))
    expect(page.get_by_test_id("pager")).to_contain_text("第 2 / 2 页")
    expect(table.locator("tbody tr")).to_have_count(total - 50)
