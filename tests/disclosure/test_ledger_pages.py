"""补贴底册 pages and files read from the published disclosures: the current revision only, withdrawn lines
shown with their note outside the totals, masked, and the open data naming nobody."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from django.test import Client

from tests.disclosure.ledger_world import publish
from tests.disclosure.lookup_world import Villager, paid_elders
from tests.support.world import VILLAGE_A, World
from yikatong.core.masking import mask_id_number, mask_name
from yikatong.disclosure import ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def villagers(world: World) -> list[Villager]:
    people = paid_elders(world, count=4, fail=1)
    publish(world, people, withdraw=2)
    return people


def test_the_village_ledger_holds_the_current_revision(villagers: list[Villager]) -> None:
    found = ledger.village_ledger(VILLAGE_A, 2026)
    assert found is not None and found.village == "永丰村" and found.township == "塔河镇"
    assert len(found.lines) == 3  # revision 2's lines only; the superseded revision 1 is not repeated
    assert [t.lines for t in found.totals] == [2] and found.amount_fen == 10000
    withdrawn = [line for line in found.lines if line.withdrawn]
    assert len(withdrawn) == 1 and withdrawn[0].note == "经核实不符合条件，撤回"
    assert {line.name_masked for line in found.lines} == {
        mask_name(v.name) for v in villagers if v != villagers[1]
    }
    assert (
        ledger.village_ledger(VILLAGE_A, 2025) is not None
        and not ledger.village_ledger(VILLAGE_A, 2025).lines
    )
    assert ledger.village_ledger("232722100999", 2026) is None


def test_the_printable_page_and_the_excel_show_the_same_masked_lines(villagers: list[Villager]) -> None:
    client = Client()
    page = client.get(f"/public/ledger/{VILLAGE_A}/2026/")
    body = page.content.decode()
    assert page.status_code == 200 and "@page" in body and "塔河镇永丰村2026年惠民惠农财政补贴底册" in body
    for v in (villagers[0], villagers[2], villagers[3]):
        assert mask_id_number(v.id_number) in body and v.id_number not in body
    assert "经核实不符合条件，撤回" in body and "100.00" in body
    excel = client.get(f"/public/ledger/{VILLAGE_A}/2026/ledger.xlsx")
    assert excel["Content-Type"] == ledger.XLSX and "attachment" in excel["Content-Disposition"]
    sheet = pl.read_excel(io.BytesIO(excel.content), sheet_name="补贴底册", read_options={"header_row": 3})
    assert sheet.height == 3
    assert sorted(sheet.get_column("身份证号").to_list()) == sorted(
        mask_id_number(v.id_number) for v in villagers if v != villagers[1]
    )
    assert client.get("/public/ledger/232722100999/2026/").status_code == 404


def test_open_data_counts_by_township_and_policy_without_anyone(villagers: list[Villager]) -> None:
    response = Client().get("/public/ledger/open-data/2026.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["232722100", "塔河镇", "GLJT", "高龄津贴", "2026-10", "1", "2", "100.00"]
    assert rows[-1][1] == "合计" and rows[-1][-1] == "100.00"
    for v in villagers:
        assert mask_name(v.name) not in text and v.id_number[:6] + "*" not in text


def test_the_index_lists_the_village_with_its_ledger_and_board(villagers: list[Villager]) -> None:
    body = Client().get("/public/ledger/").content.decode()
    assert "永丰村" in body and f"/public/ledger/{VILLAGE_A}/2026/" in body
    assert f"/public/ledger/board/{VILLAGE_A}/GLJT/2026-10/" in body
    assert "/public/ledger/open-data/2026.csv" in body


def test_no_ledger_page_or_file_carries_clear_personal_data(villagers: list[Villager]) -> None:
    import zipfile

    from tests.disclosure.test_lookup_leaks import clear_data_in

    client = Client()
    pages = (
        "/public/ledger/",
        f"/public/ledger/{VILLAGE_A}/2026/",
        "/public/ledger/open-data/2026.csv",
        f"/public/ledger/board/{VILLAGE_A}/GLJT/2026-10/",
    )
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode("utf-8-sig")
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        assert clear_data_in(text) == [] and clear_data_in(headers) == [], url
    excel = client.get(f"/public/ledger/{VILLAGE_A}/2026/ledger.xlsx").content
    with zipfile.ZipFile(io.BytesIO(excel)) as book:
        for name in book.namelist():
            assert clear_data_in(book.read(name).decode("utf-8", errors="replace")) == [], name
