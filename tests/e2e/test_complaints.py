"""A villager on a phone files a complaint with a photo, keeps the number and the secret, and later checks
the status and reads the department's answer with both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.complaints.support import png_bytes
from tests.support.rosters import publish_elderly_allowance
from tests.support.world import World
from yikatong.complaints import services
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Attachment, Complaint

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (360 × 740, touch), Chinese, without JavaScript: the forms need none."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.browser
def test_a_villager_files_a_complaint_with_a_photo_and_checks_its_status(
    phone: Page,
    live_server: LiveServer,
    transactional_db: None,
    world: World,
    settings: object,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    publish_elderly_allowance(world)
    photo = tmp_path / "存折.png"
    photo.write_bytes(png_bytes())

    phone.goto(f"{live_server.url}/public/")
    phone.get_by_test_id("portal-complaints").click()
    expect(phone.locator("h1")).to_have_text("投诉举报")
    form = phone.get_by_test_id("complaint-form")
    form.get_by_label("投诉", exact=True).check()
    form.get_by_label("所涉补贴项目").select_option("GLJT")
    form.get_by_label("所在乡镇、村").select_option("232722100201")
    form.get_by_label("投诉举报内容").fill("我家老人10月的高龄津贴没有到账")
    form.get_by_label("附件（图片或PDF，可不传）").set_input_files(str(photo))
    form.get_by_label("实名（留下联系方式，便于回访）").check()
    form.get_by_label("姓名").fill("张秀英")
    form.get_by_label("联系电话").fill("13904570001")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "complaint-form-phone.png"), full_page=True)
    phone.get_by_test_id("complaint-submit").click()

    filed = phone.get_by_test_id("complaint-filed")
    expect(filed).to_be_visible()
    number = phone.get_by_test_id("tracking-number").inner_text()
    secret = phone.get_by_test_id("tracking-secret").inner_text()
    assert number.startswith("TS-") and len(secret) == rules.SECRET_LENGTH
    assert secret not in phone.url and number not in phone.url
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "complaint-filed-phone.png"), full_page=True)
    complaint = Complaint.objects.get(number=number)
    assert Attachment.objects.get(complaint=complaint).content_type == "image/png"

    # The department answers; the villager comes back with the number and the secret.
    services.complaint_close(
        user=world.user("dept_reviewer"),
        complaint=complaint,
        result=rules.TRUE,
        action_taken="经核实属实，已于11月补发到账",
    )
    phone.goto(f"{live_server.url}/public/complaints/")
    phone.get_by_test_id("status-link").click()
    status = phone.get_by_test_id("status-form")
    status.get_by_label("受理编号").fill(number)
    status.get_by_label("查询密码").fill("WRONG23456")
    status.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("status-refused")).to_be_visible()
    status = phone.get_by_test_id("status-form")
    status.get_by_label("受理编号").fill(number)
    status.get_by_label("查询密码").fill(secret.lower())
    status.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("status-state")).to_have_text("已办结")
    expect(phone.get_by_test_id("status-result")).to_have_text("属实")
    expect(phone.get_by_test_id("complaint-status")).to_contain_text("已于11月补发到账")
    assert secret not in phone.url
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    phone.screenshot(path=str(ARTIFACTS / "complaint-status-phone.png"), full_page=True)
