"""The error report a user gets back: every refused row with its original cells and the reasons."""

from __future__ import annotations

from pathlib import Path

import polars as pl

REASON = "错误原因"
ROW_NO_HEADER = "行号"
# One worksheet holds 1,048,576 rows, the header included; a longer report continues on further sheets.
SHEET_ROWS = 1_048_575
SHEET_NAME = "错误报告"
# A cell Excel would run as a formula ("=HYPERLINK(…)", "@SUM(…)", "+cmd…") is written with a leading
# apostrophe; plain signed numbers such as "-5" are left alone.
FORMULA_START = r"^([=@\t\r]|[+\-][^0-9.])"


def write_error_report(rejected: pl.DataFrame, directory: Path, stem: str) -> tuple[Path, Path]:
    """Write <stem>.csv (UTF-8 with BOM, for Excel) and <stem>.xlsx listing the rejected rows; return both."""
    directory.mkdir(parents=True, exist_ok=True)
    report = rejected.rename({"row_no": ROW_NO_HEADER}) if "row_no" in rejected.columns else rejected
    csv_path = directory / f"{stem}.csv"
    xlsx_path = directory / f"{stem}.xlsx"
    text_columns = [name for name, dtype in report.schema.items() if dtype == pl.String]
    defused = report.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START))
        .then(pl.concat_str(pl.lit("'"), pl.col(name)))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )
    defused.write_csv(csv_path, include_bom=True)
    _write_xlsx(report, xlsx_path)
    return csv_path, xlsx_path


def _write_xlsx(report: pl.DataFrame, path: Path) -> None:
    # Imported here: reading files (the offline audit above all) never writes a workbook.
    import xlsxwriter

    # Cells go in as text: no formulas, numbers or links made from what the user typed, so "0457…" and
    # 18-digit ID numbers stay as written.
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(str(path), options)
    try:
        for number, start in enumerate(range(0, max(report.height, 1), SHEET_ROWS), start=1):
            name = SHEET_NAME if number == 1 else f"{SHEET_NAME}{number}"
            report.slice(start, SHEET_ROWS).write_excel(
                workbook, worksheet=name, autofit=report.height <= 10_000
            )
    finally:
        workbook.close()
