"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.support.world import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last, so that the session's browser never overlaps another test (see below)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session; each test gets a fresh context (cookies, storage)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip(
            "!!! BROWSER TESTS SKIPPED: no `chromium` on PATH. Install Debian's package "
            "(apt-get install chromium fonts-noto-cjk) to run them. !!!"
        )
    with pytest.MonkeyPatch.context() as patch:
        # Between its calls Playwright's sync API leaves its asyncio loop marked as running in this thread,
        # and Django then refuses the ORM here (SynchronousOnlyOperation). The tests' queries are plain
        # synchronous calls that never overlap the loop, so the check is switched off while the browser
        # lives, which, the browser tests being collected last, is the end of the session only.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            # A plain launch gives Chromium a fresh temporary profile, removed when it closes.
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context. The browser asks for English, as the intranet's machines do: the
    platform must still speak Chinese until the user picks English with the selector."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def login(page: Page, live_server: LiveServer, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form (the caller checks where it lands)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("form:has(#id_password) button[type=submit]").click()


def wait_for_task(page: Page, worker_log: Path, timeout_ms: int = 60_000) -> Locator:
    """The task page's block, once its run has finished in the worker (the worker's log on failure)."""
    task = page.get_by_test_id("task")
    try:
        expect(task.locator('[data-field="status_display"]')).to_have_text("已完成", timeout=timeout_ms)
    except AssertionError as exc:
        log = worker_log.read_text(errors="replace")
        raise AssertionError(f"{exc}\n--- worker log ---\n{log}") from exc
    return task
