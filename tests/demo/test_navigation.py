"""Every workbench page of the demo, as each demo user, is navigable the same way: a breadcrumb from the
workbench to the page itself, amounts right-aligned by the one ``num`` class, required fields marked with
a * and the legend that explains it, sortable headers that sort, and workbench tiles that show the user's
work instead of repeating the menu.

The demo is loaded once; each user's pages are found by following every staff link from the workbench
(GET only, no downloads), up to a limit per user. Sort and page links are not followed as pages; each
sort link is requested once to prove that it sorts.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client

from yikatong.accounts.models import User
from yikatong.accounts.permissions import MENU
from yikatong.demo.loader import DEMO_USERS, load_demo_if_empty

pytestmark = pytest.mark.django_db

PAGES_PER_USER = 80
SKIP = re.compile(
    r"^/(admin|api|static|i18n|public)/|/accounts/logout|\.(csv|xlsx|pdf|json|txt)$|/report|/export|/download"
    r"|[?&](format|export)="
)
LISTING = re.compile(r"[?&](sort|page)=")
# Pages outside the workbench (reached through a redirect): the public portal and the sign-in page.
NOT_WORKBENCH = re.compile(r"^/(public/|accounts/login)")
# Pages whose templates another change of issue 12 is rewriting now (templates/checks/rules.html,
# run_detail.html, posthoc.html and the rule-change page): they get their breadcrumb, right-aligned amounts
# and * there. The test fails once an exempted page has nothing left to report, so the exemption goes too.
AMOUNT = re.compile(r"-?\d{1,3}(,\d{3})*\.\d{2}")
AMOUNT_HEADER = re.compile(r"金额|（元")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ENTRY = {"input", "select", "textarea"}
NOT_ENTRY = {"hidden", "checkbox", "radio", "submit", "button", "reset", "image"}


@dataclass
class Element:
    """A node of a page: its tag, attributes, children and own text."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts = list(self.texts)
        for child in self.children:
            parts.append(child.text())
        return "".join(parts)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, tag: str, cls: str = "") -> list[Element]:
        return [e for e in self.walk() if e.tag == tag and (not cls or cls in e.classes())]

    def ancestor(self, tag: str) -> Element | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class Tree(HTMLParser):
    """A page as a tree of elements (enough of HTML for the project's own templates)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root", {})
        self._open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self._open)
        self._open.children.append(element)
        if tag not in VOID:
            self._open = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self._open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self._open = node.parent

    def handle_data(self, data: str) -> None:
        self._open.texts.append(data)


def _parse(html: str) -> Element:
    tree = Tree()
    tree.feed(html)
    return tree.root


def _pages(client: Client) -> Iterator[tuple[str, Element]]:
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
        path = response.request["PATH_INFO"]
        root = _parse(response.content.decode())
        yield path, root
        for link in root.find("a"):
            href = urldefrag(link.attrs.get("href", ""))[0]
            parts = urlsplit(href)
            if parts.netloc or not href.startswith("/") or SKIP.search(href) or LISTING.search(href):
                continue
            if href not in seen:
                queue.append(href)


def _breadcrumb_problems(path: str, root: Element) -> list[str]:
    navs = root.find("nav", "breadcrumbs")
    if len(navs) != 1:
        return [f"{len(navs)} breadcrumb bars"]
    items = [e for e in navs[0].children if e.tag in {"a", "span"}]
    problems = []
    if not items or items[-1].attrs.get("aria-current") != "page" or not items[-1].text().strip():
        problems.append("the last breadcrumb is not the page itself (aria-current)")
    if path != "/workbench/":
        if len(items) < 2:
            problems.append("only the workbench in the breadcrumb")
        elif items[0].attrs.get("href") != "/workbench/":
            problems.append("the breadcrumb does not start at the workbench")
    return problems


def _amount_problems(root: Element) -> list[str]:
    problems = []
    for cell in root.find("td"):
        text = cell.text().strip()
        if AMOUNT.fullmatch(text) and "num" not in cell.classes():
            problems.append(f"amount {text} not right-aligned")
    for header in root.find("th"):
        if AMOUNT_HEADER.search(header.text()) and "num" not in header.classes():
            problems.append(f"amount header {header.text().strip()} not right-aligned")
    return problems


def _label_of(control: Element, root: Element) -> Element | None:
    ident = control.attrs.get("id")
    if ident:
        for label in root.find("label"):
            if label.attrs.get("for") == ident:
                return label
    return control.ancestor("label")


def _required_problems(root: Element) -> list[str]:
    problems = []
    for control in root.walk():
        if control.tag not in ENTRY or "required" not in control.attrs:
            continue
        if control.tag == "input" and control.attrs.get("type", "text") in NOT_ENTRY:
            continue
        label = _label_of(control, root)
        if label is not None and not label.find("span", "required-mark"):
            problems.append(f"required field “{label.text().strip()}” has no *")
    if root.find("span", "required-mark") and not root.find("p", "required-legend"):
        problems.append("a * without the legend 带 * 为必填")
    return problems


def _tile_problems(root: Element, menu_labels: set[str]) -> list[str]:
    problems = []
    for tile in root.find("a", "tile"):
        label = " ".join(e.text().strip() for e in tile.find("span", "tile-label"))
        if not re.search(r"\d", tile.text()):
            problems.append(f"tile “{tile.text().strip()}” shows no figure")
        if label in menu_labels or tile.text().strip() in menu_labels:
            problems.append(f"tile “{label}” repeats the menu")
    return problems


@pytest.fixture
def demo(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=2_000, echo=lambda _: None)


def test_every_workbench_page_of_the_demo_is_navigable_the_same_way(demo: None) -> None:
    menu_labels = {item.label for item in MENU}
    problems: list[str] = []
    visited = sorted_links = 0
    tiles_seen = 0
    for username, *_ in DEMO_USERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        sort_links: set[str] = set()
        for path, root in _pages(client):
            visited += 1
            if NOT_WORKBENCH.match(path):
                continue
            found = _breadcrumb_problems(path, root) + _amount_problems(root) + _required_problems(root)
            if path == "/workbench/":
                found += _tile_problems(root, menu_labels)
                tiles_seen += len(root.find("a", "tile"))
            problems += [f"{username} {path}: {p}" for p in found]
            for link in root.find("a", "sort"):
                sort_links.add(path + link.attrs["href"])
        for url in sorted(sort_links):
            sorted_links += 1
            response = client.get(url)
            if response.status_code != 200:
                problems.append(f"{username} {url}: sorting answered {response.status_code}")
    assert visited > 20 * len(DEMO_USERS), f"only {visited} pages were reached"
    assert sorted_links > 50 and tiles_seen > len(DEMO_USERS), (sorted_links, tiles_seen)
    assert problems == [], "\n".join(problems)
