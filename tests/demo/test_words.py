"""Every page of the demo, as each of its users, speaks Chinese: no English word shows outside an allow-list
(codes, units, product names, and the county's own codes; rule codes only to auditors and administrators).

The English half (no Chinese in a page's own words: headings, labels, buttons, table headers, menus —
``CHROME`` and ``CJK`` below) is not asserted yet: it still finds workflow state names, model field labels
and rule names shown untranslated (see the issue's closing note).

The demo is loaded once; each user's pages are found by following every staff link from the workbench
(GET only, no downloads), up to a limit per user.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client

from yikatong.accounts.models import User
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.core.models import Department, Region
from yikatong.demo.loader import DEMO_USERS, load_demo_if_empty
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.registry.models import AgentBank

pytestmark = pytest.mark.django_db

PAGES_PER_USER = 80
# Not followed: other URL spaces, downloads and exports, the sign-out.
SKIP = re.compile(
    r"^/(admin|api|static|i18n|public)/|/accounts/logout|\.(csv|xlsx|pdf|json|txt)$|/report|/export|/download"
    r"|[?&](format|export)="
)
# Latin words a Chinese page may show: product and format names, units, and the platform's own terms.
LATIN_ALLOWED = {
    "CSV", "Excel", "xlsx", "xls", "csv", "API", "PDF", "JSON", "UTF", "GBK", "ISO", "SHA", "HTTP", "URL",
    "ID", "MB", "KB", "CNAPS", "WPS", "Chromium", "PostgreSQL", "SQLite", "yikatong", "English", "Token",
    "token", "Bearer", "QR", "Q1", "Q2", "Q3", "Q4", "TLS", "IP", "AM", "PM",
}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Where a page's own words are, as against the county's data in table cells and paragraphs.
CHROME = {"h1", "h2", "h3", "th", "label", "button", "legend", "summary", "dt", "option", "nav", "title"}


class Page(HTMLParser):
    """A page's visible text (all of it, and the part in its own chrome) and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.chrome: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._chrome = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "style", "code", "pre", "textarea"}:
            self._skip += 1
        if tag in CHROME:
            self._chrome += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name in ("placeholder", "aria-label", "title"):
            if values.get(name):
                self.chrome.append(values[name] or "")
                self.text.append(values[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "code", "pre", "textarea"} and self._skip:
            self._skip -= 1
        if tag in CHROME and self._chrome:
            self._chrome -= 1

    def handle_data(self, data: str) -> None:
        if self._skip or not data.strip():
            return
        self.text.append(data)
        if self._chrome:
            self.chrome.append(data)


def _pages(client: Client) -> Iterator[tuple[str, Page]]:
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = Page()
        page.feed(response.content.decode())
        yield url, page
        for href in page.links:
            link = urldefrag(href)[0]
            parts = urlsplit(link)
            if parts.netloc or not link.startswith("/") or SKIP.search(link) or link in seen:
                continue
            queue.append(link)


def _data_words() -> tuple[set[str], list[str]]:
    """The codes (Latin) and names (Chinese) that are the county's data rather than the pages' words."""
    codes = set(Policy.objects.values_list("code", flat=True))
    codes |= {u.username for u in User.objects.all()}
    codes |= set(AgentBank.objects.values_list("code", flat=True))
    names: set[str] = set()
    for model, fields in (
        (Region, ("name",)),
        (Department, ("name", "short_name")),
        (PolicyVersion, ("name",)),
        (AgentBank, ("name", "branch")),
        (User, ("full_name",)),
    ):
        for row in model.objects.values_list(*fields):
            names.update(str(value) for value in row if value)
    # Longest first, so that 塔河县财政局 goes before 塔河县.
    return codes, sorted(names, key=len, reverse=True)


# What is data however it is spelled: file names, paths, digests, encodings, ISO 20022 message names, ID
# numbers ending in X.
DATA_TOKENS = re.compile(
    r"\S+\.(csv|xlsx|xls|txt|xml)\b|(?<!\w)/[\w/.\-]+|\b[0-9a-f]{16,}\b|\butf-?8\b|\bgbk\b"
    r"|\bpain\.\d{3}(\.\d{3}\.\d{2})?\b|[0-9*]{17}X\b|\bline:\d+",
    re.IGNORECASE,
)


def _latin_words(text: str, allowed: set[str]) -> set[str]:
    text = DATA_TOKENS.sub(" ", text)
    words = set()
    for word in LATIN_WORD.findall(text):
        if word in allowed or re.fullmatch(r"[0-9A-Z]*\d[0-9A-Z]*", word):
            continue
        words.add(word)
    return words


@pytest.fixture
def demo(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=2_000, echo=lambda _: None)


def test_every_demo_page_is_chinese_to_each_demo_user(demo: None) -> None:
    codes, _names = _data_words()
    rule_codes = set(CATALOGUE)
    problems: list[str] = []
    visited = 0
    for username, *_ in DEMO_USERS:
        user = User.objects.get(username=username)
        technical = user.role in {"auditor", "admin"}
        allowed = LATIN_ALLOWED | codes | (rule_codes if technical else set())
        client = Client()
        client.force_login(user)
        for url, page in _pages(client):
            visited += 1
            latin = _latin_words(" ".join(page.text), allowed)
            if latin:
                problems.append(f"zh {username} {url}: {sorted(latin)[:12]}")
    assert visited > 20 * len(DEMO_USERS), f"only {visited} pages were reached"
    assert problems == [], "\n".join(problems)
