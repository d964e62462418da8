"""The error report: CSV with BOM and .xlsx, holding the original cells and the reasons, read back intact."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.bulk.factories import PERSONS_HEADER, TODAY, id_number, person, write_csv
from yikatong.bulk import read_table, write_error_report


def rejected_persons(directory: Path) -> pl.DataFrame:
    good = id_number()
    rows = [
        [*PERSONS_HEADER, "备注"],
        [*person(good), ""],
        [
            *person(good[:-1] + "0", " 王丽娟 ", relation="配偶", phone="0457-0000000"),
            '=HYPERLINK("http://x")',
        ],
        [*person("", "张三", relation="朋友", village="2327"), "-5"],
    ]
    parsed = read_table(write_csv(directory, rows), "persons", today=TODAY)
    assert parsed.rejected.height == 2
    return parsed.rejected


def test_the_csv_report_round_trips(tmp_path: Path) -> None:
    rejected = rejected_persons(tmp_path)
    csv_path, xlsx_path = write_error_report(rejected, tmp_path / "reports", "人员-错误")
    assert csv_path == tmp_path / "reports" / "人员-错误.csv"
    assert xlsx_path == tmp_path / "reports" / "人员-错误.xlsx"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(csv_path, infer_schema=False)
    assert back.columns == ["行号", *PERSONS_HEADER, "备注", "错误原因"]
    assert back["行号"].to_list() == ["3", "4"]
    assert back["姓名"].to_list() == [" 王丽娟 ", "张三"]
    assert back["身份证号"].to_list() == [rejected["身份证号"][0], None]
    assert back["错误原因"].to_list() == rejected["错误原因"].to_list()
    assert back["错误原因"][1] == (
        "身份证号：不能为空；村代码：应为12位数字的村级区划代码；与户主关系：应为以下之一："
        "户主、配偶、子女、父母、孙子女、兄弟姐妹、其他"
    )
    # A cell Excel would run as a formula is defused; a negative number is not.
    assert back["备注"].to_list() == ['\'=HYPERLINK("http://x")', "-5"]


def test_the_xlsx_report_keeps_cells_as_text(tmp_path: Path) -> None:
    rejected = rejected_persons(tmp_path)
    _, xlsx_path = write_error_report(rejected, tmp_path, "report")
    back = pl.read_excel(xlsx_path, engine="calamine", infer_schema_length=0)
    assert back.columns == ["行号", *PERSONS_HEADER, "备注", "错误原因"]
    assert back["身份证号"][0] == rejected["身份证号"][0]
    assert back["联系电话"][0] == "0457-0000000"
    assert back["备注"].to_list() == ['=HYPERLINK("http://x")', "-5"]
    assert back["错误原因"].to_list() == rejected["错误原因"].to_list()


def test_an_empty_report_still_has_its_headers(tmp_path: Path) -> None:
    parsed = read_table(write_csv(tmp_path, [PERSONS_HEADER, person(id_number())]), "persons", today=TODAY)
    csv_path, xlsx_path = write_error_report(parsed.rejected, tmp_path, "none")
    assert pl.read_csv(csv_path).columns == ["行号", *PERSONS_HEADER, "错误原因"]
    assert xlsx_path.stat().st_size > 0
