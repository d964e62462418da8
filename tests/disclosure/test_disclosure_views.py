"""Disclosure screens and API through the real stack: the queue with its clock, the preview, approval, the
published list; and the public pages (filters, totals, keyset paging, revisions) without signing in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from tests.disclosure.disclosure_world import PERIOD, group, paid, policy_id
from tests.support.world import VILLAGE_A, World
from yikatong.disclosure import public_selectors, services
from yikatong.disclosure.models import Disclosure
from yikatong.payments.models import Payment

pytestmark = pytest.mark.django_db


def _preview_url() -> str:
    return f"/disclosure/due/{policy_id()}/{PERIOD}/{VILLAGE_A}/"


def test_officer_sees_the_queue_previews_and_approves(world: World) -> None:
    villagers = paid(world, 3, on=dt.date(2026, 11, 2))
    client = world.client("disclosure_officer")
    queue = client.get("/disclosure/").content.decode()
    assert "永丰村" in queue and "首次公开" in queue and "个工作日" in queue
    preview = client.get(_preview_url()).content.decode()
    assert "审核通过并公开" in preview
    assert villagers[0].name not in preview and villagers[0].id_number not in preview
    response = client.post(_preview_url() + "approve/")
    assert response.status_code == 302 and response["Location"] == "/disclosure/published/"
    assert Disclosure.objects.filter(village_id=VILLAGE_A, revision=1).exists()
    listing = client.get("/disclosure/published/").content.decode()
    assert "永丰村" in listing
    assert "暂无待公开" in client.get("/disclosure/").content.decode()


def test_late_ones_are_named_in_red(world: World) -> None:
    paid(world, 2, on=dt.date(2026, 9, 1))
    queue = world.client("disclosure_officer").get("/disclosure/").content.decode()
    assert 'data-testid="late-names"' in queue and 'class="overdue"' in queue and "已逾期" in queue


def test_auditor_sees_the_queue_but_cannot_approve(world: World) -> None:
    paid(world, 2)
    client = world.client("auditor")
    assert client.get("/disclosure/").status_code == 200
    assert "审核通过并公开" not in client.get(_preview_url()).content.decode()
    assert client.post(_preview_url() + "approve/").status_code == 403
    assert not Disclosure.objects.exists()


def test_api_queue_preview_and_approve(world: World) -> None:
    paid(world, 3)
    client = world.client("disclosure_officer")
    due = client.get("/api/disclosure/due").json()
    assert [d["village_code"] for d in due] == [VILLAGE_A] and due[0]["added"] == 2
    preview = client.get(f"/api/disclosure/due/{policy_id()}/{PERIOD}/{VILLAGE_A}").json()
    assert preview["line_count"] == 2 and all("*" in x["id_masked"] for x in preview["lines"])
    done = client.post(
        "/api/disclosure/approve",
        json.dumps({"policy_id": policy_id(), "period": PERIOD, "village_code": VILLAGE_A}),
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["revision"] == 1
    again = client.post(
        "/api/disclosure/approve",
        json.dumps({"policy_id": policy_id(), "period": PERIOD, "village_code": VILLAGE_A}),
        content_type="application/json",
    )
    assert again.status_code in {400, 422}


def _published(world: World, count: int = 3) -> list[object]:
    villagers = paid(world, count)
    services.disclosure_approve(user=world.user("disclosure_officer"), today=dt.date(2026, 10, 9), **group())
    return villagers


def test_public_pages_show_masked_lines_and_totals_without_sign_in(world: World) -> None:
    _published(world, 3)
    anyone = Client()
    index = anyone.get("/public/disclosure/")
    assert index.status_code == 200
    body = index.content.decode()
    assert "永丰村" in body and "2327**********" in body and 'data-testid="totals-villages"' in body
    total = sum(p.amount_fen for p in Payment.objects.filter(status="paid"))
    assert f"{total // 100:,}.{total % 100:02d}" in body
    page = anyone.get(f"/public/disclosure/{VILLAGE_A}/GLJT/{PERIOD}/").content.decode()
    assert "第 1 版" in page and "2327**********" in page
    assert anyone.get(f"/public/disclosure/{VILLAGE_A}/GLJT/2025-01/").status_code == 404
    filtered = anyone.get("/public/disclosure/?township=232722201000").content.decode()
    assert "2327**********" not in filtered


def test_public_keyset_paging_walks_every_line_once(world: World) -> None:
    _published(world, 5)
    query = public_selectors.Query(village=VILLAGE_A)
    seen, cursor = [], ""
    while True:
        page = public_selectors.line_page(query, cursor, size=1)
        seen += [line.line_id for line in page.lines]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == Payment.objects.filter(status="paid").count()
    surname = public_selectors.line_page(query).lines[0].name_masked[0]
    by_name = public_selectors.Query(name_prefix=surname)
    assert public_selectors.line_page(by_name).lines
    # The next page by the page's own link.
    link = Client().get(f"/public/disclosure/?village={VILLAGE_A}").content.decode()
    assert "下一页" not in link or "after=" in link


def test_public_page_of_a_correction_shows_the_change_note_and_the_old_revision(world: World) -> None:
    _published(world, 3)
    returned = Payment.objects.filter(status="paid").order_by("id").first()
    assert returned is not None
    Payment.objects.filter(pk=returned.pk).update(status="returned")
    services.disclosure_approve(user=world.user("disclosure_officer"), today=dt.date(2026, 10, 20), **group())
    anyone = Client()
    current = anyone.get(f"/public/disclosure/{VILLAGE_A}/GLJT/{PERIOD}/").content.decode()
    assert "更正：撤回1笔，更正日期 2026-10-20" in current and "历次版本" in current
    old = anyone.get(f"/public/disclosure/{VILLAGE_A}/GLJT/{PERIOD}/v1/").content.decode()
    assert 'data-testid="superseded"' in old


def test_officer_withdraws_a_line_and_the_correction_becomes_due(world: World) -> None:
    _published(world, 3)
    client = world.client("disclosure_officer")
    disclosure = Disclosure.objects.get()
    page = client.get(f"/disclosure/published/{disclosure.pk}/").content.decode()
    assert "申请撤回" in page
    line = disclosure.lines.first()
    assert line is not None
    response = client.post(
        f"/disclosure/published/{disclosure.pk}/withdraw/",
        {"line": line.pk, "reason": "经核实已迁出本县", "source": "FD-7"},
    )
    assert response.status_code == 302
    assert "已申请撤回，待审核公开" in client.get(f"/disclosure/published/{disclosure.pk}/").content.decode()
    assert "更正（第 2 版）" in client.get("/disclosure/").content.decode()
    assert (
        world.client("finance")
        .post(f"/disclosure/published/{disclosure.pk}/withdraw/", {"line": line.pk, "reason": "x"})
        .status_code
        == 403
    )
