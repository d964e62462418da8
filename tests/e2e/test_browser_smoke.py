"""A real browser through the real stack: sign-in, the workbench, a background task followed to its end,
and the language selector."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import login
from tests.support.processes import worker_process
from tests.support.world import World
from yikatong.accounts.roles import Role
from yikatong.audit.models import AuditEvent
from yikatong.tasks.models import TaskRun, TaskStatus

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


@pytest.mark.browser
def test_sign_in_page_is_chinese_and_a_wrong_password_is_refused_and_audited(
    page: Page, live_server: LiveServer, transactional_db: None, world: World
) -> None:
    auditor = world.user(Role.AUDITOR)

    page.goto(f"{live_server.url}/")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("工作人员登录")
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()

    login(page, live_server, auditor.username, password="not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    error = page.get_by_role("alert")
    expect(error).to_contain_text("密码")
    assert re.search(r"[\u4e00-\u9fff]{4}", error.inner_text()), "the error is Chinese"
    failed = AuditEvent.objects.filter(action="login.failed", object_repr=auditor.username)
    assert failed.count() == 1
    assert "not-the-password" not in str(failed.get().after)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("role", "place", "sees_audit_log"),
    [(Role.AUDITOR, "county", True), (Role.VILLAGE_CLERK, "village_a", False)],
)
def test_workbench_shows_who_signed_in_and_their_menu(
    page: Page,
    live_server: LiveServer,
    transactional_db: None,
    world: World,
    role: str,
    place: str,
    sees_audit_log: bool,
) -> None:
    user = world.user(role, place)
    assert user.department is not None
    assert user.region is not None

    login(page, live_server, user.username)

    expect(page).to_have_url(f"{live_server.url}/workbench/")
    profile = page.get_by_test_id("profile")
    expect(profile).to_contain_text(user.display_name)
    with translation.override("zh-hans"):
        expect(profile).to_contain_text(str(user.get_role_display()))
    expect(profile).to_contain_text(user.department.name)
    expect(profile).to_contain_text(user.region.full_name())
    menu = page.get_by_role("navigation", name="功能菜单")
    expect(menu.get_by_role("link", name="工作台")).to_be_visible()
    expect(menu.get_by_role("link", name="审计日志")).to_have_count(1 if sees_audit_log else 0)
    assert AuditEvent.objects.filter(action="login.success", actor_id=user.pk).count() == 1


@pytest.mark.browser
def test_auditor_verifies_the_audit_chain_and_watches_the_task_finish(
    page: Page,
    live_server: LiveServer,
    transactional_db: None,
    world: World,
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    auditor = world.user(Role.AUDITOR)
    log_path = tmp_path / "worker.log"

    script = page.request.get(f"{live_server.url}/static/yikatong/app.js")
    assert script.ok, f"app.js, which moves the progress bar, is not served: HTTP {script.status}"

    with worker_process(subprocess_env, log_path):
        login(page, live_server, auditor.username)
        page.goto(f"{live_server.url}/audit/")
        # The page asks for progress at once, whatever state the run is in when it is drawn.
        with page.expect_response(re.compile(r"/progress\.json$")) as first_poll:
            page.get_by_role("button", name="校验审计链完整性").click()
        assert first_poll.value.ok

        expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]{36}/$"))
        task = page.get_by_test_id("task")
        status = task.locator('[data-field="status_display"]')
        try:
            expect(status).to_have_text("已完成", timeout=30_000)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n--- worker log ---\n{log_path.read_text(errors='replace')}"
            ) from exc
        expect(task.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
        expect(task.locator(".progress-bar")).to_have_attribute("style", re.compile(r"width:\s*100%"))
        expect(task.locator('[data-field="summary"]')).to_contain_text("审计日志完整")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "audit-chain-verified.png"), full_page=True)

    run = TaskRun.objects.get(pk=uuid.UUID(page.url.rstrip("/").rsplit("/", 1)[-1]))
    assert run.status == TaskStatus.SUCCEEDED
    assert run.created_by_id == auditor.pk
    assert run.result is not None
    assert run.result["ok"] is True
    assert AuditEvent.objects.filter(action="audit.verify", actor_id=auditor.pk).exists()


@pytest.mark.browser
def test_language_selector_switches_to_english_and_back(
    page: Page, live_server: LiveServer, transactional_db: None
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    language = page.locator('select[name="language"]')

    with page.expect_navigation():
        language.select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")

    with page.expect_navigation():
        language.select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
