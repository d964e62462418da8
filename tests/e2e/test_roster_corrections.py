"""In a real browser: a roster file with a refused row uploaded, previewed and partly loaded (a real worker);
the township's review line by line; a line sent back by a confirmed finding corrected by the clerk and
approved again by the department."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login, wait_for_task
from tests.rosters.test_imports import HEADER, _line
from tests.support.processes import worker_process
from tests.support.registry import id_number, make_card, make_person, write_csv
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import VILLAGE_A, World
from yikatong.checks.models import Finding
from yikatong.checks.services import finding_settle
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster, RosterLine

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_upload_a_roster_file_see_the_refused_row_and_load_the_rest(
    page: Page,
    live_server: LiveServer,
    transactional_db: None,
    world: World,
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    publish_elderly_allowance(world)
    clerk = world.user("village_clerk", "village_a")
    roster = services.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    known = make_person(VILLAGE_A, "王秀英", number=id_number("19400301"))
    stranger = id_number("19400315")
    path = write_csv(tmp_path / "永丰村名册.csv", HEADER, [_line(1, known), _line(2, stranger)])
    with worker_process(subprocess_env, tmp_path / "worker.log"):
        login(page, live_server, clerk.username)
        page.goto(f"{live_server.url}/rosters/{roster.pk}/")
        with page.expect_download() as template:
            page.get_by_test_id("template-link").click()
        assert template.value.suggested_filename.endswith(".xlsx")
        form = page.get_by_test_id("upload-form")
        form.get_by_label("上传名册文件（CSV 或 Excel .xlsx）").set_input_files(str(path))
        form.get_by_role("button", name="上传并校验").click()
        expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]{36}/$"))
        task = wait_for_task(page, tmp_path / "worker.log")
        task.get_by_role("link", name="查看校验结果").click()
        expect(page.get_by_test_id("file-rejected-rows")).to_contain_text("人员登记库中没有此人")
        expect(page.get_by_test_id("file-good-rows")).to_contain_text("王*英")
        assert not RosterLine.objects.filter(roster=roster).exists()
        with page.expect_download() as report:
            page.get_by_test_id("file-report-xlsx").click()
        assert report.value.suggested_filename.endswith("错误报告.xlsx")
        confirm = page.get_by_test_id("file-confirm")
        confirm.get_by_label(re.compile("允许部分导入")).check()
        confirm.get_by_role("button", name="确认导入 1 行").click()
        expect(task.locator('[data-field="status_display"]')).to_have_text("已完成", timeout=60_000)
        task.get_by_role("link", name="查看上传结果").click()
        expect(page.get_by_test_id("file-state")).to_have_text("已导入")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "roster-upload-loaded.png"), full_page=True)
    assert list(RosterLine.objects.filter(roster=roster).values_list("person_id", flat=True)) == [known.pk]


@pytest.mark.browser
def test_the_township_reviews_line_by_line(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    publish_elderly_allowance(world)
    clerk = world.user("village_clerk", "village_a")
    roster = services.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    for person in elders(2):
        services.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    services.roster_submit(user=clerk, roster=roster)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    services.publicity_close(user=clerk, roster=Roster.objects.get(pk=roster.pk), now=later)

    login(page, live_server, world.user("township_reviewer", "a").username)
    page.goto(f"{live_server.url}/rosters/todo/")
    page.get_by_test_id("todo").get_by_role("link", name="高龄津贴").click()
    page.get_by_test_id("line-1").get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_test_id("line-1")).to_contain_text("乡镇审核通过")
    second = page.get_by_test_id("line-2")
    second.get_by_placeholder("不通过理由").fill("本人已迁往外县，户籍不在本村")
    second.get_by_role("button", name="不通过").click()
    expect(page.get_by_test_id("line-2")).to_contain_text("本人已迁往外县")
    page.get_by_test_id("review-actions").get_by_role("button", name="完成审核", exact=True).click()
    expect(page.get_by_test_id("roster-state")).to_have_text("乡镇已审核")
    states = dict(Roster.objects.get(pk=roster.pk).lines.values_list("line_no", "state"))
    assert states == {1: LineState.ACCEPTED, 2: LineState.REJECTED}


@pytest.mark.browser
def test_a_returned_line_is_corrected_by_the_clerk_and_approved_again(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    publish_elderly_allowance(world)
    roster = township_reviewed(world, elders(2) + elders(1, cards=False))
    department = world.user("dept_reviewer")
    with pytest.raises(ValidationError):
        services.roster_approve(user=department, roster=roster)
    finding_settle(
        user=department, finding=Finding.objects.get(rule="NO_CARD"), outcome="confirmed",
        reason="本人无卡，请村里协助办卡后重新报送",
    )  # fmt: skip
    services.roster_approve(user=department, roster=roster)
    returned = roster.lines.get(line_no=3)
    make_card(returned.person, account="6228480000000007777")  # the village helped him get his card

    login(page, live_server, world.user("village_clerk", "village_a").username)
    page.goto(f"{live_server.url}/rosters/todo/")
    item = page.get_by_test_id(f"todo-line-{returned.pk}")
    expect(item).to_contain_text("请村里协助办卡后重新报送")
    page.get_by_test_id(f"todo-{roster.pk}-lines").get_by_role("link", name="高龄津贴").click()
    correct = page.get_by_test_id("correct-3")
    correct.locator("summary").click()
    correct.get_by_label("更正说明").fill("已协助本人办理社保卡")
    correct.get_by_role("button", name="更正并重新报送").click()
    expect(page.locator(".message.success")).to_contain_text("第3行已更正并重新报送")

    page.context.clear_cookies()
    login(page, live_server, department.username)
    page.goto(f"{live_server.url}/rosters/todo/")
    page.get_by_test_id(f"todo-{roster.pk}-lines").get_by_role("link", name="高龄津贴").click()
    page.get_by_role("button", name="复核并审批更正的行").click()
    expect(page.locator(".message.success")).to_contain_text("更正的1行已审批通过")
    assert Roster.objects.get(pk=roster.pk).state == workflow.APPROVED
    assert RosterLine.objects.get(pk=returned.pk).state == LineState.APPROVED
