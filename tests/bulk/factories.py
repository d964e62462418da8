"""Builders of uploads for the bulk reader tests: valid ID numbers, CSV text in any encoding, workbooks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from yikatong.bulk.idnumbers import check_digit

TODAY = dt.date(2026, 10, 1)
VILLAGE = "232722100001"
PERSONS_HEADER = ["身份证号", "姓名", "性别", "出生日期", "村代码", "户编号", "与户主关系", "联系电话"]

Cell = str | None


def id_number(birth: str = "19540503", *, place: str = "232722", sequence: int = 463) -> str:
    """A valid ID number; an odd sequence number is a man's, an even one a woman's."""
    first17 = f"{place}{birth}{sequence:03d}"
    return first17 + check_digit(first17)


def person(
    number: str | None = None,
    name: str = "罗广义",
    *,
    gender: str = "",
    birth: str = "",
    village: str = VILLAGE,
    household: str = "232722100001-000001",
    relation: str = "户主",
    phone: str = "",
) -> list[str]:
    """One row of a persons file in the order of PERSONS_HEADER."""
    return [
        id_number() if number is None else number,
        name,
        gender,
        birth,
        village,
        household,
        relation,
        phone,
    ]


def csv_text(rows: Sequence[Sequence[Cell]]) -> str:
    """Rows as CSV text with "\\n" line ends (a row of no cells is a blank line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        if row:
            writer.writerow(["" if cell is None else cell for cell in row])
        else:
            out.write("\n")
    return out.getvalue()


def write_csv(
    directory: Path, rows: Sequence[Sequence[Cell]], *, name: str = "upload.csv", encoding: str = "utf-8"
) -> Path:
    """Write rows as a CSV file in the given Python codec ("utf-8-sig" writes the BOM)."""
    path = directory / name
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def write_text(directory: Path, text: str, *, name: str = "upload.csv", encoding: str = "utf-8") -> Path:
    """Write text as it is."""
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(
    directory: Path,
    sheets: dict[str, Sequence[Sequence[object]]],
    *,
    name: str = "upload.xlsx",
) -> Path:
    """Write a workbook, one sheet per entry; date and datetime cells become real Excel dates."""
    path = directory / name
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    try:
        for sheet_name, rows in sheets.items():
            sheet = workbook.add_worksheet(sheet_name)
            for row_index, row in enumerate(rows):
                for column_index, cell in enumerate(row):
                    if isinstance(cell, dt.date | dt.datetime):
                        sheet.write_datetime(row_index, column_index, cell, date_format)
                    elif isinstance(cell, int | float):
                        sheet.write_number(row_index, column_index, cell)
                    elif isinstance(cell, str):
                        sheet.write_string(row_index, column_index, cell)
    finally:
        workbook.close()
    return path
