"""The audit log in a real browser: 50 events fit in a few screens, and a click opens an event's changes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.support.world import COUNTY, World
from yikatong.accounts.roles import Role
from yikatong.audit.services import audit_record
from yikatong.policies import services as policies

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_fifty_events_are_compact_and_a_row_opens_its_diff(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    reviewer = world.user(Role.DEPT_REVIEWER)
    data = {
        "effective_from": dt.date(2025, 1, 1),
        "name": "高龄补贴",
        "basis_title": "塔河县高龄老人补贴发放管理办法",
        "target": "年满80周岁的老年人",
        "unit": "month",
        "frequency": "monthly",
        "min_age": 80,
    }
    version = policies.policy_draft_create(
        user=reviewer, code="GLBT", department=None, data=data, bands=[{"rate": Decimal(50), "min_age": 80}]
    )
    for n in range(50):
        audit_record(action="task.start", object_type="tasks.taskrun", object_id=str(n), region_code=COUNTY)
    policies.policy_version_update(
        user=reviewer,
        version=version,
        data={**data, "min_age": 85},
        bands=[{"rate": Decimal(60), "min_age": 85}],
    )

    login(page, live_server, world.user(Role.AUDITOR).username)
    page.goto(f"{live_server.url}/audit/")
    events = page.locator("details.audit-event")
    expect(events).to_have_count(50)
    log_height = page.get_by_test_id("audit-events").bounding_box()
    assert log_height is not None and log_height["height"] < 2500, log_height  # was 9,300 px

    expect(events.first.locator("summary")).to_contain_text("登录成功")  # the auditor's own sign-in
    first = events.nth(1)
    expect(first.locator("summary")).to_contain_text("修改政策")
    expect(first.locator("summary")).to_contain_text("高龄补贴")
    diff = first.get_by_test_id("diff")
    expect(diff).to_be_hidden()
    first.locator("summary").click()
    expect(diff).to_be_visible()
    # The changed fields come in the order the record keeps them (PostgreSQL's jsonb orders keys its own way).
    expect(
        diff.locator("tr.changed").filter(has_text=re.compile(r"^\s*最低年龄\s*80\s*85\s*$"))
    ).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=False)

    page.get_by_label("操作", exact=True).select_option("policy.draft")
    page.get_by_role("button", name="筛选").click()
    expect(events).to_have_count(1)
    expect(events.first.locator("summary")).to_contain_text("新建政策草稿")
