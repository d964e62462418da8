"""基层政务公示栏: the printable A4 notice lists what the public disclosure page lists (lines and totals), in
the plan's wording, with a QR code made offline that encodes the absolute address of that page."""

from __future__ import annotations

import re
from typing import Any

import pytest
import segno
from django.test import Client

from tests.disclosure.ledger_world import publish
from tests.disclosure.lookup_world import Villager, paid_elders
from tests.support.world import VILLAGE_A, World
from yikatong.disclosure.board import QR_BORDER, QR_SCALE, public_url, qr_svg

pytestmark = pytest.mark.django_db

BOARD = f"/public/ledger/board/{VILLAGE_A}/GLJT/2026-10/"
WEB = f"/public/disclosure/{VILLAGE_A}/GLJT/2026-10/"


@pytest.fixture
def villagers(world: World) -> list[Villager]:
    people = paid_elders(world, count=4, fail=1)
    publish(world, people, withdraw=2)
    return people


def _rows(body: str, table: str) -> list[tuple[str, ...]]:
    """(masked name, masked ID, amount, withdrawn) of each row of a table."""
    block = body.split(f'data-testid="{table}"', 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block.split("<tbody>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        masked = [c for c in cells if "*" in c]
        amount = next(c for c in cells if re.fullmatch(r"[0-9,]+\.[0-9]{2}", c))
        rows.append((masked[0], masked[1], amount, "<del>" in row))
    return rows


def test_the_board_and_the_web_list_the_same_lines_and_totals(villagers: list[Villager]) -> None:
    client = Client()
    board = client.get(BOARD)
    web = client.get(WEB)
    assert board.status_code == web.status_code == 200
    board_body, web_body = board.content.decode(), web.content.decode()
    assert _rows(board_body, "board-lines") == _rows(web_body, "village-lines")
    assert len(_rows(board_body, "board-lines")) == 3
    total = re.search(r'data-testid="board-total">(.*?)</tr>', board_body, re.S)
    assert total is not None and "合计 2 人次" in total.group(1) and "100.00" in total.group(1)
    facts = web_body.split('data-testid="disclosure-facts"', 1)[1].split("</dl>", 1)[0]
    assert "<dd>2</dd>" in facts and "100.00" in facts
    assert "更正：撤回一笔" in board_body and "更正后第 2 版" in board_body


def test_the_notice_is_one_a4_page_in_the_plans_words(villagers: list[Villager]) -> None:
    body = Client().get(BOARD).content.decode()
    assert "@page { size: A4 portrait" in body and "@media print" in body
    assert "惠民惠农财政补贴资金发放公示" in body
    assert "“谁主管、谁负责、谁公开”" in body and "接受社会和群众监督" in body
    assert "对应一致" in body and "社会保障卡“一卡通”" in body
    assert "民政局" in body and "公示日期：2026年11月10日" in body
    for v in villagers:
        assert v.id_number not in body


def test_the_qr_code_encodes_the_same_disclosure_online(villagers: list[Villager], settings: Any) -> None:
    settings.YIKATONG_PUBLIC_BASE_URL = "https://ykt.tahe.gov.cn/"
    body = Client().get(BOARD).content.decode()
    expected = "https://ykt.tahe.gov.cn" + WEB
    assert public_url(WEB) == expected
    svg = re.search(r'<div class="qr" data-testid="board-qr">(<svg.*?</svg>)', body, re.S)
    assert svg is not None
    assert svg.group(1) == qr_svg(expected, title=expected)
    # segno cannot decode; re-encoding the expected address by hand gives the same picture.
    again = segno.make(expected, error="m", micro=False).svg_inline(
        scale=QR_SCALE, border=QR_BORDER, title=expected, dark="#000"
    )
    assert svg.group(1) == again
    assert qr_svg("http://localhost:8000" + WEB) != svg.group(1)


def test_the_default_base_is_the_local_server(villagers: list[Villager]) -> None:
    assert f"http://localhost:8000{WEB}".encode() in Client().get(BOARD).content


def test_nothing_published_means_no_notice(world: World) -> None:
    assert Client().get(BOARD).status_code == 404
