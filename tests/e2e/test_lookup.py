"""A villager on a phone looks up their own payment: from the portal, by ID number, name and card."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.disclosure.lookup_world import paid_elders
from tests.support.world import World
from yikatong.audit.models import AuditEvent

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (360 × 740, touch), Chinese as a villager's phone asks for it."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.browser
def test_a_villager_looks_up_their_own_payment_on_a_phone(
    phone: Page, live_server: LiveServer, transactional_db: None, world: World, settings: object
) -> None:
    settings.YIKATONG_LOOKUP_MIN_SECONDS = 0.05  # type: ignore[attr-defined]
    villager, failed = paid_elders(world)[:2]
    phone.goto(f"{live_server.url}/public/")
    phone.get_by_test_id("portal-lookup").click()
    expect(phone.locator("h1")).to_have_text("个人补贴查询")

    # A wrong last four digits first: the one refusal, and the form comes back blank.
    form = phone.get_by_test_id("lookup-card")
    form.get_by_label("身份证号").fill(villager.id_number)
    form.get_by_label("姓名").fill(villager.name)
    form.get_by_label("社保卡银行账号后四位").fill("9999")
    form.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("lookup-refused")).to_be_visible()
    expect(phone.get_by_test_id("lookup-card").get_by_label("身份证号")).to_have_value("")
    assert "id_number" not in phone.url and villager.id_number not in phone.url

    form = phone.get_by_test_id("lookup-card")
    form.get_by_label("身份证号").fill(villager.id_number)
    form.get_by_label("姓名").fill(villager.name)
    form.get_by_label("社保卡银行账号后四位").fill(villager.last4)
    form.get_by_role("button", name="查询").click()
    payments = phone.get_by_test_id("lookup-payments")
    expect(payments).to_contain_text("高龄津贴")
    expect(payments).to_contain_text("2026-10")
    expect(payments).to_contain_text("50.00")
    expect(payments).to_contain_text("已到账")
    expect(payments).to_contain_text(f"***{villager.last4}")
    assert villager.id_number not in phone.content() and villager.id_number not in phone.url
    # The page fits the phone: only the payments table scrolls sideways, inside its own box.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "lookup-phone.png"), full_page=True)

    # The neighbour whose card was closed sees why the money did not arrive.
    phone.get_by_role("link", name="重新查询").click()
    form = phone.get_by_test_id("lookup-card")
    form.get_by_label("身份证号").fill(failed.id_number)
    form.get_by_label("姓名").fill(failed.name)
    form.get_by_label("社保卡银行账号后四位").fill(failed.last4)
    form.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("lookup-payments")).to_contain_text("账户已销户")
    results = list(AuditEvent.objects.filter(action="lookup.query").values_list("after__result", flat=True))
    assert results == ["mismatch", "found", "found"]
