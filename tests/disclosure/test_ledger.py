"""补贴底册 files: the village's Excel (every cell text, masked, totals per policy) and the open-data CSV
(UTF-8 with BOM, figures per township and policy, nobody named)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import polars as pl

from yikatong.disclosure.ledger import (
    OPEN_DATA_HEADERS,
    Ledger,
    LedgerLine,
    OpenDataRow,
    ledger_workbook,
    open_data_csv,
    totals_of,
)

MASKED = "232722********1234"
LINES = [
    LedgerLine("GLJT", "高龄津贴", "2026-09", "王*兰", MASKED, 5000, dt.date(2026, 9, 28), None),
    LedgerLine("GLJT", "高龄津贴", "2026-10", "王*兰", MASKED, 5000, dt.date(2026, 10, 28), None),
    LedgerLine(
        "GDDL", "耕地地力保护补贴", "2026", "欧**娜", "232722********002X", 71450, None, dt.date(2026, 6, 1),
        "更正：补发，更正日期 2026-06-10",
    ),
]  # fmt: skip


def _ledger() -> Ledger:
    return Ledger("232722100201", "永丰村", "塔河镇", 2026, LINES, totals_of(LINES))


def _cells(data: bytes, sheet: int) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return re.findall(r"<c [^>]*>", book.read(f"xl/worksheets/sheet{sheet}.xml").decode())


def test_totals_per_policy_in_code_order() -> None:
    totals = totals_of(LINES)
    assert [(t.policy_code, t.lines, t.amount_fen) for t in totals] == [
        ("GDDL", 1, 71450),
        ("GLJT", 2, 10000),
    ]
    assert _ledger().amount_fen == 81450 and _ledger().line_count == 3


def test_the_workbook_holds_every_line_as_text_with_totals() -> None:
    data = ledger_workbook(_ledger())
    for sheet in (1, 2):
        cells = _cells(data, sheet)
        assert cells and all('t="s"' in c for c in cells), [c for c in cells if 't="s"' not in c]
    lines = pl.read_excel(io.BytesIO(data), sheet_name="补贴底册", read_options={"header_row": 3})
    assert lines.columns[:9] == [
        "序号",
        "乡镇",
        "村/社区",
        "补贴项目代码",
        "补贴项目",
        "发放期间",
        "姓名",
        "身份证号",
        "金额（元）",
    ]
    assert lines.height == 3
    assert lines.get_column("金额（元）").to_list() == ["50.00", "50.00", "714.50"]
    assert lines.get_column("身份证号").to_list()[2] == "232722********002X"
    assert lines.get_column("更正说明").to_list()[2] == "更正：补发，更正日期 2026-06-10"
    sums = pl.read_excel(io.BytesIO(data), sheet_name="合计")
    assert sums.rows() == [("GDDL", "耕地地力保护补贴", "1", "714.50"), ("GLJT", "高龄津贴", "2", "100.00"),
                           ("", "合计", "3", "814.50")]  # fmt: skip


def test_open_data_csv_is_utf8_with_bom_and_names_nobody() -> None:
    rows = [
        OpenDataRow("232722100", "塔河镇", "GLJT", "高龄津贴", "2026-09", 2, 40, 200000),
        OpenDataRow("232722201", "依西肯乡", "GLJT", "高龄津贴", "2026-09", 1, 3, 15000),
    ]
    data = open_data_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(table[0]) == OPEN_DATA_HEADERS
    assert table[1] == ["232722100", "塔河镇", "GLJT", "高龄津贴", "2026-09", "2", "40", "2000.00"]
    assert table[-1] == ["", "合计", "", "", "", "", "43", "2150.00"]
    assert "姓名" not in data.decode("utf-8-sig") and "身份证" not in data.decode("utf-8-sig")
