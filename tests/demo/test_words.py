"""Every page of the demo, as each of its users, speaks the language chosen.

In Chinese no English word shows outside an allow-list (codes, units, product names, and the county's own
codes; rule codes only to auditors and administrators). In English no Chinese shows in a page's own words
(``CHROME``: headings, labels, buttons, table headers, menus and breadcrumbs, the options of selects whose
values are codes, the page's title) except the county's data, which stays as it was entered: the names of
regions, departments, policies, banks, persons and users, and what people typed or the record kept (reasons,
objections, registry sources, the audit log's object labels), all read from the database.

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
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db.models import Model
from django.test import Client
from django.utils import translation

from yikatong.accounts.models import User
from yikatong.audit.models import AuditEvent
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.models import Finding
from yikatong.complaints.models import Complaint, ComplaintEvent
from yikatong.core.models import Department, Region
from yikatong.demo.loader import DEMO_USERS, load_demo_if_empty
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.registry.models import AgentBank, CadreRecord, CardChange, DeathRecord, Person, RegistrySnapshot
from yikatong.rosters.models import Objection, RosterLine

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
    "token", "Bearer", "QR", "Q1", "Q2", "Q3", "Q4", "TLS", "IP", "AM", "PM", "SHA-256",
    # HTTP methods, as the data-sharing API's calls are named (GET /api/changes)
    "GET", "POST",
    # the text encodings banks name their files by
    "GB18030", "UTF-8",
    # ISO 20022 message names, as banks and finance call the files
    "pain.001", "pain.001.001.09", "pain.002", "camt.054", "pacs.004", "EndToEndId",
}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Where a page's own words are, as against the county's data in table cells and paragraphs (and an element
# of class breadcrumbs); options count when their select's values are codes (states, kinds, rules, roles),
# not a list of the county's records (regions, periods, people by id).
CHROME = {"h1", "h2", "h3", "th", "label", "button", "legend", "summary", "dt", "nav", "title"}
CHROME_CLASSES = {"breadcrumb", "breadcrumbs"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ENUM_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


class Page(HTMLParser):
    """A page's visible text (all of it, and the part in its own chrome) and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.chrome: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        # The open elements, each with whether it (or an element around it) is chrome.
        self._open: list[tuple[str, bool]] = []
        # The select being read: its options' (value, text), decided on at its end.
        self._options: list[tuple[str, list[str]]] | None = None

    @property
    def _in_chrome(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "style", "code", "pre", "textarea"}:
            self._skip += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name in ("placeholder", "aria-label", "title"):
            if values.get(name):
                self.chrome.append(values[name] or "")
                self.text.append(values[name] or "")
        if tag == "select":
            self._options = []
        if tag == "option" and self._options is not None:
            self._options.append((values.get("value") or "", []))
        if tag not in VOID:
            classes = set((values.get("class") or "").split())
            self._open.append((tag, self._in_chrome or tag in CHROME or bool(classes & CHROME_CLASSES)))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "code", "pre", "textarea"} and self._skip:
            self._skip -= 1
        if tag == "select" and self._options is not None:
            if all(not value or ENUM_CODE.fullmatch(value) for value, _ in self._options):
                self.chrome.extend(" ".join(words) for _, words in self._options)
            self._options = None
        if any(name == tag for name, _ in self._open):
            while self._open and self._open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._skip or not data.strip():
            return
        self.text.append(data)
        if self._options and any(name == "option" for name, _ in self._open):
            self._options[-1][1].append(data)
        elif self._in_chrome:
            self.chrome.append(data)


def _pages(client: Client) -> Iterator[tuple[str, Page]]:
    """The user's pages, from the workbench on, each read once."""
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
    codes |= set(Complaint.objects.values_list("number", flat=True))
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


# What people typed or the record kept, which an English page shows as it is.
TYPED: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (Person, ("name",)),
    (DeathRecord, ("name",)),
    (CadreRecord, ("name", "position")),
    (RegistrySnapshot, ("source",)),
    (RosterLine, ("reason", "ineligible_reason")),
    (Objection, ("text", "lodged_by", "settlement")),
    (CardChange, ("reason",)),
    (Finding, ("detail", "settle_reason")),
    (AuditEvent, ("object_repr",)),
    (Complaint, ("text", "action_taken", "about_person")),
    (ComplaintEvent, ("text",)),
)


def _data_pattern(names: list[str]) -> re.Pattern[str]:
    """Every name and typed text of the county's data, and each language's own name (the selector's)."""
    found = set(names)
    for model, fields in TYPED:
        for row in model._default_manager.values_list(*fields):
            found.update(str(value) for value in row if value)
    found.update(LANG_INFO[code]["name_local"] for code, _ in settings.LANGUAGES)
    # Longest first, so that 塔河县财政局 goes before 塔河县.
    return re.compile("|".join(map(re.escape, sorted(found, key=len, reverse=True))))


@pytest.fixture(autouse=True)
def _keep_the_active_language() -> Iterator[None]:
    """A request through the test client leaves its language active in this thread: undo that, so that the
    tests after these do not run in English."""
    language = translation.get_language()
    yield
    if language is None:
        translation.deactivate_all()
    else:
        translation.activate(language)


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


def test_every_demo_page_is_english_to_each_demo_user_in_english(demo: None) -> None:
    _codes, names = _data_words()
    data = _data_pattern(names)
    problems: list[str] = []
    visited = 0
    for username, *_ in DEMO_USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for url, page in _pages(client):
            visited += 1
            chinese = sorted({" ".join(t.split()) for t in page.chrome if CJK.search(data.sub(" ", t))})
            if chinese:
                problems.append(f"en {username} {url}: {chinese[:8]}")
    assert visited > 20 * len(DEMO_USERS), f"only {visited} pages were reached"
    assert problems == [], "\n".join(problems)
