"""Spreadsheets of checks: a run's findings (核查疑点清单) and the lines drawn for field checks
(抽样核实清单).

Rows come in already read from the database (one query each, see selectors); personal data is masked here
for every role that does not need it in clear, so no caller can forget to.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

from yikatong.accounts.permissions import shown
from yikatong.checks.models import FindingState
from yikatong.core.money import fen_to_yuan
from yikatong.rosters.models import LineState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FINDING_HEADERS = (
    "序号",
    "规则代码",
    "规则名称",
    "严重程度",
    "是否阻断",
    "村/社区",
    "姓名",
    "身份证号",
    "项目代码",
    "发放期间",
    "说明",
    "处理状态",
    "处理意见",
)
SAMPLE_HEADERS = (
    "序号",
    "村/社区",
    "名册号",
    "行号",
    "姓名",
    "身份证号",
    "项目代码",
    "发放期间",
    "金额（元）",
    "状态",
)


class _Person:
    """How one role sees names and ID numbers (``permissions.shown``)."""

    def __init__(self, role: str) -> None:
        self.role = role

    def name(self, value: str | None) -> str:
        return shown(self.role, "name", value)

    def id_number(self, value: str | None) -> str:
        return shown(self.role, "id_number", value)


def findings_workbook(rows: Iterable[dict[str, Any]], *, role: str, title: str) -> bytes:
    """The findings of a run as an .xlsx file, names and ID numbers masked unless the role needs them."""
    person = _Person(role)
    states = dict(FindingState.choices)
    table = [
        (
            number,
            row["rule"],
            row["rule_title"],
            row["severity_label"],
            "是" if row["blocking"] else "否",
            row["village_name"] or row["region_code"],
            person.name(row["person__name"]),
            person.id_number(row["person__id_number"]),
            row["policy__code"],
            row["period"],
            row["detail"],
            str(states.get(row["state"], row["state"])),
            row["settle_reason"],
        )
        for number, row in enumerate(rows, start=1)
    ]
    return _workbook(
        "核查疑点", title, FINDING_HEADERS, table, widths=(6, 18, 24, 8, 8, 14, 10, 22, 10, 10, 60)
    )


def sample_workbook(rows: Iterable[dict[str, Any]], *, role: str, title: str) -> bytes:
    """The sampled lines of a post-hoc run as an .xlsx file, amounts in 元 with two decimals."""
    person = _Person(role)
    states = dict(LineState.choices)
    table = [
        (
            number,
            row["roster__village__name"],
            row["roster_id"],
            row["line_no"],
            person.name(row["person__name"]),
            person.id_number(row["person__id_number"]),
            row["policy__code"],
            row["period"],
            fen_to_yuan(row["amount_fen"]),
            str(states.get(row["state"], row["state"])),
        )
        for number, row in enumerate(rows, start=1)
    ]
    return _workbook("抽样核实", title, SAMPLE_HEADERS, table, widths=(6, 14, 8, 6, 10, 22, 10, 10, 12, 10))


def _workbook(
    sheet: str,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths: Sequence[int],
) -> bytes:
    # Text stays text: nothing a village typed becomes a formula, a number or a link.
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, options)
    try:
        workbook.set_properties({"title": title, "company": "塔河县财政局"})
        bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        worksheet = workbook.add_worksheet(sheet)
        # The header is the first row, so the file reads back as a table (Excel, Polars, pandas).
        worksheet.write_row(0, 0, headers, bold)
        for index, row in enumerate(rows, start=1):
            worksheet.write_row(index, 0, row)
        for column, width in enumerate(widths):
            worksheet.set_column(column, column, width)
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    finally:
        workbook.close()
    return buffer.getvalue()
