"""A disclosure officer sees what is due with its clock, previews it masked, approves it, and finds it on
the public portal, as anyone sees it without signing in (on a phone, without JavaScript)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.disclosure.disclosure_world import paid
from tests.e2e.conftest import login
from tests.support.world import World
from yikatong.disclosure.models import Disclosure


@pytest.mark.browser
def test_officer_approves_and_sees_it_public(
    page: Page, browser: Browser, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    villagers = paid(world, 3, on=dt.date.today() - dt.timedelta(days=3))
    login(page, live_server, world.user("disclosure_officer").username)
    page.goto(f"{live_server.url}/disclosure/")
    due = page.get_by_test_id("due-list")
    expect(due).to_contain_text("永丰村")
    expect(due).to_contain_text("首次公开")
    expect(due.get_by_test_id("days-left")).to_contain_text("个工作日")
    due.get_by_role("link", name="预览并审核").click()
    lines = page.get_by_test_id("preview-lines")
    expect(lines).to_contain_text("2327**********")
    expect(lines).not_to_contain_text(villagers[0].id_number)
    page.get_by_test_id("approve").get_by_role("button", name="审核通过并公开").click()
    expect(page.get_by_test_id("published")).to_contain_text("永丰村")
    disclosure = Disclosure.objects.get()
    assert disclosure.approved_by == world.user("disclosure_officer") and disclosure.line_count == 2

    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True, java_script_enabled=False
    ).new_page()
    try:
        phone.goto(f"{live_server.url}/public/")
        phone.get_by_test_id("portal-disclosure").click()
        expect(phone.locator("h1")).to_have_text("补贴发放公开")
        filters = phone.get_by_test_id("disclosure-filters")
        filters.get_by_label("村（社区）").select_option("232722100201")
        filters.get_by_role("button", name="查询").click()
        table = phone.get_by_test_id("disclosure-lines")
        expect(table).to_contain_text("2327**********")
        expect(phone.get_by_test_id("totals-villages")).to_contain_text("永丰村")
        table.get_by_role("link").first.click()
        expect(phone.get_by_test_id("disclosure-facts")).to_contain_text("第 1 版")
        body = phone.content()
        assert all(v.id_number not in body and v.name not in body for v in villagers)
    finally:
        phone.context.close()

    # The officer prints the village board's notice (A4, its QR code opening the same list online).
    page.goto(
        f"{live_server.url}/public/disclosure/232722100201/{disclosure.policy.code}/{disclosure.period}/"
    )
    page.get_by_test_id("board-link").click()
    notice = page.get_by_test_id("board-notice")
    expect(notice).to_contain_text("永丰村")
    expect(page.get_by_test_id("board-line")).to_have_count(2)
    assert page.locator("svg").count() >= 1
    page.emulate_media(media="print")
    printed = page.pdf(format="A4")
    assert printed.startswith(b"%PDF") and len(printed) > 1000
