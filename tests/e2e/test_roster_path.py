"""A roster's whole path in a real browser: a village declares, the public objects, the village settles and
closes the notice, the township reviews, the department approves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.support.rosters import elders, publish_elderly_allowance
from tests.support.world import World
from yikatong.core.masking import mask_id_number
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Objection, ObjectionState, Roster

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_declare_publicize_object_review_and_approve_a_roster(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    publish_elderly_allowance(world)  # GLJT 高龄津贴 of 民政局, in force from 2025-01-01
    people = elders(2)  # born 1940: 86 in 2026, 50 元/月
    base = live_server.url

    login(page, live_server, world.user("village_clerk", "village_a").username)
    page.goto(f"{base}/rosters/new/")
    form = page.get_by_test_id("roster-form")
    form.get_by_label("补贴项目").select_option("GLJT")
    form.get_by_label("发放期间").fill("2026-10")
    form.get_by_role("button", name="建立名册").click()
    expect(page.locator(".message.success")).to_contain_text("申报名册已建立")
    roster = Roster.objects.get()
    for person in people:
        adder = page.get_by_test_id("add-line")
        adder.get_by_label("身份证号").fill(person.id_number)
        adder.get_by_role("button", name="添加人员").click()
        expect(page.locator(".message.success")).to_contain_text("已添加")
    expect(page.get_by_test_id("line-2")).to_contain_text("50.00")
    page.get_by_role("button", name="提交并开始公示").click()
    expect(page.get_by_test_id("roster-state")).to_have_text("公示中")

    page.context.clear_cookies()
    page.goto(f"{base}/public/")
    page.get_by_role("link", name="补贴申报公示").click()
    page.get_by_test_id("public-notices").get_by_role("link", name="高龄津贴").click()
    notice = page.get_by_test_id("notice-lines")
    expect(notice).to_contain_text(mask_id_number(people[0].id_number))
    assert people[0].id_number not in page.content() and people[1].id_number not in page.content()
    row = page.get_by_test_id("notice-line-1")
    row.get_by_label("异议内容").fill("此人户籍已迁出本村")
    row.get_by_role("button", name="提出异议").click()
    expect(page.locator(".message.success")).to_contain_text("您的异议已收到")
    assert Objection.objects.get().channel == "public"

    login(page, live_server, world.user("village_clerk", "village_a").username)
    page.goto(f"{base}/rosters/{roster.pk}/")
    objection = page.get_by_test_id("objection-1")
    expect(objection).to_contain_text("此人户籍已迁出本村")
    objection.get_by_label("处理结果").select_option("0")
    objection.get_by_placeholder("处理意见").fill("经核实户籍仍在本村，异议不成立")
    objection.get_by_role("button", name="处理").click()
    expect(page.get_by_test_id("objection-1")).to_contain_text("异议不成立")
    assert Objection.objects.get().state == ObjectionState.DISMISSED

    # Public notice lasts at least 7 real days, which cannot pass inside a test: move its end into the past,
    # as if the week had gone by, and let the clerk close it through the screen as on the eighth day.
    Roster.objects.filter(pk=roster.pk).update(
        publicity_end=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    )
    page.reload()
    page.get_by_role("button", name="结束公示").click()
    expect(page.get_by_test_id("roster-state")).to_have_text("公示期满")

    page.context.clear_cookies()
    login(page, live_server, world.user("township_reviewer", "a").username)
    page.goto(f"{base}/rosters/todo/")
    page.get_by_test_id("todo").get_by_role("link", name="高龄津贴").click()
    page.get_by_role("button", name="全部通过并完成审核").click()
    expect(page.get_by_test_id("roster-state")).to_have_text("乡镇已审核")

    page.context.clear_cookies()
    login(page, live_server, world.user("dept_reviewer").username)
    page.goto(f"{base}/rosters/{roster.pk}/")
    page.get_by_role("button", name="审批通过", exact=True).click()
    expect(page.get_by_test_id("roster-state")).to_have_text("主管部门已审批")
    expect(page.get_by_test_id("history")).to_contain_text("乡镇审核完成")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "roster-approved.png"), full_page=True)

    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED
    assert set(roster.lines.values_list("state", flat=True)) == {LineState.APPROVED}
