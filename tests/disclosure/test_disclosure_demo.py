"""The demo's disclosure: 永丰村's September payments approved by the disclosure officer in time and public;
every public page of the demo reachable from the portal carries no full ID number, account or mobile
number, in its body or its headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.disclosure.test_disclosure_leaks import assert_clean
from yikatong.demo.loader import load_demo_if_empty
from yikatong.disclosure.models import DisclosedLine, Disclosure
from yikatong.payments.models import Payment

pytestmark = pytest.mark.django_db
LINK = re.compile(r'href="(/public/[^"#]*)"')
PAGES = 300


def test_september_is_disclosed_by_the_officer_in_time_and_every_public_page_is_clean(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=2_000, echo=lambda _: None)
    september = Disclosure.objects.get(village_id="232722100201", period="2026-09")
    assert september.approved_by.username == "disclosure" and september.revision == 1 and not september.late
    paid = Payment.objects.filter(line__plan__period="2026-09", status="paid")
    assert september.line_count == paid.count() == DisclosedLine.objects.filter(disclosure=september).count()
    client = Client()
    seen: set[str] = set()
    queue = ["/public/", "/public/disclosure/", "/public/disclosure/232722100201/GLJT/2026-09/"]
    while queue and len(seen) < PAGES:
        url = queue.pop(0).replace("&amp;", "&")
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        assert_clean(response)
        if response.get("Content-Type", "").startswith("text/html"):
            queue += [u for u in LINK.findall(response.content.decode()) if u not in seen]
    assert "/public/disclosure/232722100201/GLJT/2026-09/" in seen and len(seen) > 5
    page = client.get("/public/disclosure/232722100201/GLJT/2026-09/").content.decode()
    assert "永丰村" in page and "2327**********" in page
    # A complaint about the list links to it: the form carries the disclosure it is about.
    link = re.search(r'href="(/public/complaints/\?disclosure=(\d+))"', page)
    assert link is not None
    form = client.get(link.group(1)).content.decode()
    assert f'name="disclosure" value="{link.group(2)}"' in form
