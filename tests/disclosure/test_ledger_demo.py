"""The demo's ledger and board: 永丰村's September, disclosed by the demo's officer, is on /public/ledger/
with its ledger, Excel, open data and board notice, as README says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from yikatong.demo.loader import load_demo_if_empty

pytestmark = pytest.mark.django_db

YONGFENG = "232722100201"


def test_the_demo_shows_yongfengs_september_on_the_ledger_and_the_board(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    client = Client()
    index = client.get("/public/ledger/").content.decode()
    board_url = f"/public/ledger/board/{YONGFENG}/GLJT/2026-09/"
    assert "永丰村" in index and board_url in index and f"/public/ledger/{YONGFENG}/2026/" in index
    board = client.get(board_url)
    assert board.status_code == 200 and b'data-testid="board-line"' in board.content
    assert f"/public/disclosure/{YONGFENG}/GLJT/2026-09/".encode() in board.content
    ledger = client.get(f"/public/ledger/{YONGFENG}/2026/")
    assert ledger.status_code == 200 and b"2026-09" in ledger.content
    excel = client.get(f"/public/ledger/{YONGFENG}/2026/ledger.xlsx")
    assert excel.status_code == 200 and excel.content[:2] == b"PK"
    data = client.get("/public/ledger/open-data/2026.csv").content.decode("utf-8-sig")
    assert "塔河镇,GLJT,高龄津贴,2026-09" in data
