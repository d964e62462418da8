"""Reading uploaded files: encodings, workbooks, headers, row numbers, refused files and refused rows."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile
from collections.abc import Collection, Sequence
from pathlib import Path

import polars as pl
import pytest

from tests.bulk.factories import (
    PERSONS_HEADER,
    TODAY,
    VILLAGE,
    id_number,
    person,
    write_csv,
    write_text,
    write_xlsx,
)
from yikatong.bulk import SCHEMAS, ParsedTable, RegionScope, UnreadableFile, read_table
from yikatong.bulk.headers import header_key

REPO = Path(__file__).resolve().parents[2]
MAN = id_number("19540503", sequence=463)
WOMAN = id_number("19791217", sequence=72)


def read(
    path: Path,
    kind: str = "persons",
    *,
    known_villages: Collection[str] | None = None,
    known_banks: Collection[str] | None = None,
    sheet: str | int | None = None,
) -> ParsedTable:
    """read_table as of TODAY, checking the invariant every read must keep."""
    parsed = read_table(
        path, kind, today=TODAY, known_villages=known_villages, known_banks=known_banks, sheet=sheet
    )
    assert parsed.rows.height + parsed.rejected.height == parsed.total_rows
    return parsed


def reasons(parsed: ParsedTable) -> dict[int, str]:
    return dict(zip(parsed.rejected["row_no"], parsed.rejected["错误原因"], strict=True))


# Encodings and file types


@pytest.mark.parametrize(
    ("codec", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_reads_csv_in_every_accepted_encoding(tmp_path: Path, codec: str, reported: str) -> None:
    path = write_csv(
        tmp_path,
        [PERSONS_HEADER, person(MAN, "罗广义"), person(WOMAN, "王丽娟", relation="配偶")],
        encoding=codec,
    )
    parsed = read(path)
    assert parsed.encoding == reported
    assert parsed.rejected.height == 0
    assert parsed.rows["name"].to_list() == ["罗广义", "王丽娟"]
    assert parsed.rows["id_number"].to_list() == [MAN, WOMAN]
    assert parsed.rows.columns[0] == "row_no"


def test_gb18030_reads_characters_outside_gbk(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [PERSONS_HEADER, person(MAN, "李䶮"), person(WOMAN, "王𠀀", relation="配偶")],
        encoding="gb18030",
    )
    parsed = read(path)
    assert parsed.encoding == "gb18030"
    assert parsed.rows["name"].to_list() == ["李䶮", "王𠀀"]


def many_rows(count: int) -> list[list[str]]:
    """Persons rows of plain ASCII (no names to encode), enough to push a later line past the file's start."""
    return [
        person(id_number(f"19{50 + n // 1000}0101", sequence=n % 1000), "Luo Guangyi") for n in range(count)
    ]


def test_gbk_text_after_a_long_ascii_start_is_read_as_gbk(tmp_path: Path) -> None:
    # The first 64 KiB are plain ASCII, which is valid UTF-8: the GBK name comes later.
    rows = [PERSONS_HEADER, *many_rows(2_000), person(WOMAN, "王丽娟", relation="配偶")]
    parsed = read(write_csv(tmp_path, rows, encoding="gbk"))
    assert parsed.encoding == "gb18030"
    assert parsed.rejected.height == 0
    assert parsed.rows["name"].to_list()[-1] == "王丽娟"


def test_damaged_utf8_far_into_the_file_names_the_line(tmp_path: Path) -> None:
    good = csv_rows_bytes([PERSONS_HEADER, person(MAN, "罗广义"), *many_rows(2_000)])
    path = tmp_path / "upload.csv"
    path.write_bytes(good + "王".encode()[:2] + b",x\n")
    assert "按 UTF-8 编码读到第2003行时遇到无法识别的字节" in unreadable(path)


def test_a_nul_byte_far_into_the_file_is_binary(tmp_path: Path) -> None:
    good = csv_rows_bytes([PERSONS_HEADER, *many_rows(2_000)])
    path = tmp_path / "upload.csv"
    path.write_bytes(good + b"\x00\x00,x\n")
    assert "二进制文件" in unreadable(path)


def csv_rows_bytes(rows: list[list[str]]) -> bytes:
    return "".join(",".join(row) + "\n" for row in rows).encode()


def test_only_the_columns_asked_for_are_checked(tmp_path: Path) -> None:
    rows = [
        PERSONS_HEADER,
        person(MAN, "王2", phone="12345"),
        person(WOMAN, "王丽娟", village="2327", relation="配偶"),
        person(MAN, "罗广义"),
    ]
    path = write_csv(tmp_path, rows)
    parsed = read_table(path, "persons", today=TODAY, columns=("village_code", "household_id"))
    # The key (身份证号) is always checked; the name, phone and relation are not looked at.
    assert parsed.rows.columns == ["row_no", "id_number", "village_code", "household_id"]
    assert parsed.rows["row_no"].to_list() == [2]
    assert reasons(parsed) == {3: "村代码：应为12位数字的村级区划代码", 4: "身份证号：与第2行重复"}
    whole = read(path)
    assert set(reasons(whole)) == {2, 3, 4}
    # The file must still have the required headers of its kind.
    short = write_csv(tmp_path, [["身份证号", "村代码", "户编号"], [MAN, VILLAGE, "H1"]], name="short.csv")
    with pytest.raises(UnreadableFile, match="缺少必需的列：姓名、与户主关系"):
        read_table(short, "persons", today=TODAY, columns=("village_code", "household_id"))
    with pytest.raises(ValueError, match="no columns phone_number"):
        read_table(path, "persons", columns=("phone_number",))


def test_reads_tab_separated_text(tmp_path: Path) -> None:
    text = "\t".join(PERSONS_HEADER) + "\n" + "\t".join(person(MAN)) + "\n"
    parsed = read(write_text(tmp_path, text))
    assert parsed.rows["id_number"].to_list() == [MAN]


def test_reads_crlf_line_ends(tmp_path: Path) -> None:
    text = ",".join(PERSONS_HEADER) + "\r\n" + ",".join(person(MAN)) + "\r\n"
    parsed = read(write_text(tmp_path, text))
    assert parsed.rows["phone"].to_list() == [None]
    assert parsed.rows["relation"].to_list() == ["head"]


def test_reads_xlsx_cells_as_text_with_sheet_row_numbers(tmp_path: Path) -> None:
    rows: list[Sequence[object]] = [
        PERSONS_HEADER,
        [MAN, "罗广义", "男", "1954-05-03", VILLAGE, "232722100001-000001", "户主", "13945712345"],
        [],
        [WOMAN.lower(), "王丽娟", None, None, 232722100001, "232722100001-000001", "配偶", 13945712346],
    ]
    parsed = read(write_xlsx(tmp_path, {"人员": rows}))
    assert parsed.encoding == "xlsx"
    assert parsed.total_rows == 2
    assert parsed.rows["row_no"].to_list() == [2, 4]
    assert parsed.rows["village_code"].to_list() == [VILLAGE, VILLAGE]
    assert parsed.rows["phone"].to_list() == ["13945712345", "13945712346"]
    assert parsed.rows["id_number"].to_list() == [MAN, WOMAN]


def test_reads_excel_date_cells_and_serial_numbers(tmp_path: Path) -> None:
    header = ["身份证号", "姓名", "死亡日期"]
    rows: list[Sequence[object]] = [
        header,
        [MAN, "罗广义", dt.date(2025, 3, 9)],
        [WOMAN, "王丽娟", 45725],  # the same day as a bare serial number, as a cell formatted "General" gives
    ]
    parsed = read(write_xlsx(tmp_path, {"死亡": rows}), "deaths")
    assert parsed.rejected.height == 0
    assert parsed.rows["death_date"].to_list() == ["2025-03-09", "2025-03-09"]


def test_reads_the_named_or_numbered_sheet(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path,
        {"说明": [["本表为人员名册"]], "人员": [PERSONS_HEADER, person(MAN)]},
    )
    assert read(path, sheet="人员").rows["id_number"].to_list() == [MAN]
    assert read(path, sheet=2).rows["id_number"].to_list() == [MAN]
    with pytest.raises(UnreadableFile, match="没有名为“名册”的工作表（有：说明、人员）"):
        read(path, sheet="名册")
    with pytest.raises(UnreadableFile, match="没有第3个工作表"):
        read(path, sheet=3)


def test_titles_and_notes_above_the_header_are_not_data(tmp_path: Path) -> None:
    title = ["塔河县十八站鄂伦春民族乡人员名册"]
    note = ["填报单位：十八站村", "", "", "", "", "填报日期：2026年9月"]
    csv_path = write_csv(tmp_path, [title, note, [], PERSONS_HEADER, person(MAN), person(WOMAN, "王丽娟")])
    parsed = read(csv_path)
    assert parsed.rows["row_no"].to_list() == [5, 6]
    assert (parsed.total_rows, parsed.unknown_columns) == (2, [])
    tabbed = "\n".join(["人员名册", "\t".join(PERSONS_HEADER), "\t".join(person(MAN))]) + "\n"
    assert read(write_text(tmp_path, tabbed, name="tabbed.txt")).rows["row_no"].to_list() == [3]
    workbook = write_xlsx(tmp_path, {"人员": [title, PERSONS_HEADER, person(MAN)]})
    assert read(workbook).rows["row_no"].to_list() == [3]


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, {"人员": [PERSONS_HEADER, person(MAN)]}, name="人员.csv")
    assert read(path).encoding == "xlsx"


# Files that cannot be read


def unreadable(path: Path, kind: str = "persons", *, source_name: str | None = None) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_table(path, kind, today=TODAY, source_name=source_name)
    message = str(caught.value)
    assert message.startswith(f"文件“{source_name or path.name}”无法读取：")
    return message


def test_empty_file(tmp_path: Path) -> None:
    assert unreadable(write_text(tmp_path, "")).endswith(
        "文件是空的（0 字节），可能没有上传完整，请重新选择文件上传"
    )
    assert unreadable(write_text(tmp_path, "\n \n,,,\n")).endswith("文件里没有任何内容（只有空行）")


def test_header_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [PERSONS_HEADER, [], []])
    assert unreadable(path).endswith("只有表头，没有数据行")
    assert unreadable(write_xlsx(tmp_path, {"人员": [PERSONS_HEADER]})).endswith("只有表头，没有数据行")


def test_a_text_file_renamed_xlsx_is_not_taken_for_a_table(tmp_path: Path) -> None:
    # The case: a CSV (here with only its header) renamed .xlsx was read as text and said
    # "只有表头，没有数据行"; a whole CSV so renamed is refused the same way, whatever it holds.
    for rows in ([PERSONS_HEADER], [PERSONS_HEADER, person(MAN)]):
        path = write_csv(tmp_path, rows, name="名单.xlsx")
        assert unreadable(path) == (
            "文件“名单.xlsx”无法读取：不是有效的 Excel 文件（扩展名为 .xlsx，但内容是文本），"
            "请在 Excel 中另存为 .xlsx，或改为 .csv 上传"
        )
    gbk = write_csv(tmp_path, [PERSONS_HEADER, person(MAN)], name="名单.XLS", encoding="gbk")
    assert "不是有效的 Excel 文件（扩展名为 .xls，但内容是文本）" in unreadable(gbk)


def test_a_web_page_saved_as_xls_is_named_as_such(tmp_path: Path) -> None:
    page = "<html><head><meta charset='utf-8'></head><body><table><tr><td>身份证号</td></tr></table>"
    path = write_text(tmp_path, page, name="导出.xls")
    message = unreadable(path)
    assert "不是有效的 Excel 文件（扩展名为 .xls，但内容是网页（HTML））" in message
    assert message.endswith("请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传")


def test_a_workbook_is_read_whatever_excel_suffix_it_has(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, {"人员": [PERSONS_HEADER, person(MAN)]}, name="人员.xls")
    assert read(path).encoding == "xlsx"


def test_binary_garbage(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 64
    path = tmp_path / "upload.csv"
    path.write_bytes(garbage)
    assert unreadable(path).endswith(
        "不是 CSV 文本文件（扩展名为 .csv，但内容是二进制数据），请上传 Excel 工作簿（.xlsx）或 CSV 文件"
    )
    unnamed = tmp_path / "upload"
    unnamed.write_bytes(garbage)
    assert "这是二进制数据，不是 CSV 或 Excel 表格" in unreadable(unnamed)


def test_a_zip_archive_is_not_a_workbook_whatever_its_name(tmp_path: Path) -> None:
    for name in ("名册.csv", "名册.xlsx"):
        archive = tmp_path / name
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("人员.csv", ",".join(PERSONS_HEADER))
        message = unreadable(archive)
        assert "内容是 ZIP 压缩包" in message and message.endswith("请解压后上传其中的表格文件")
    assert "不是 CSV 文本文件（扩展名为 .csv" in unreadable(tmp_path / "名册.csv")
    assert "不是有效的 Excel 文件（扩展名为 .xlsx" in unreadable(tmp_path / "名册.xlsx")


def test_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"
    # Lone 0x80 and 0xFF bytes are invalid in UTF-8 and in GB18030 alike.
    path.write_bytes(b"id_number,name\n1,a\n2,\x80\xff\x80\xff\n")
    message = unreadable(path)
    assert "文件编码既不是 UTF-8 也不是 GBK/GB18030（第3行起有两种编码都无法识别的字节" in message
    assert message.endswith("请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再上传")


def test_damaged_utf8_names_the_line(tmp_path: Path) -> None:
    good = (",".join(PERSONS_HEADER) + "\n" + ",".join(person(MAN)) + "\n").encode()
    path = tmp_path / "upload.csv"
    path.write_bytes(good + "王".encode()[:2] + b",x\n")
    assert "按 UTF-8 编码读到第3行时遇到无法识别的字节" in unreadable(path)


def test_pdf_and_old_excel(tmp_path: Path) -> None:
    pdf = tmp_path / "名册.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert "这是 PDF 文件，不是 CSV 或 Excel 表格" in unreadable(pdf)
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    old = tmp_path / "名册.xls"
    old.write_bytes(ole2)
    assert unreadable(old).endswith(
        "这是旧版 Excel（.xls）或加了密码的工作簿，"
        "请在 Excel 或 WPS 中打开（去掉密码），另存为 .xlsx 或 CSV（UTF-8）后再上传"
    )
    # A workbook with a password to open is such a file too, whatever its suffix.
    locked = tmp_path / "名册.xlsx"
    locked.write_bytes(ole2)
    assert "这是旧版 Excel（.xls）或加了密码的工作簿（扩展名为 .xlsx）" in unreadable(locked)


def test_truncated_xlsx(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path, {"人员": [PERSONS_HEADER, *[person(MAN) for _ in range(50)]]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏或没有上传完" in unreadable(cut)


def test_a_workbook_without_worksheets(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path, {"人员": [PERSONS_HEADER, person(MAN)]})
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(bare, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                content = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", content)
            target.writestr(item, content)
    assert unreadable(bare).endswith("工作簿里没有工作表")


def test_an_empty_first_worksheet_says_where_the_data_is(tmp_path: Path) -> None:
    sheets = {"Sheet1": [], "说明": [["填表说明"]], "人员": [PERSONS_HEADER, person(MAN)]}
    path = write_xlsx(tmp_path, sheets)
    assert unreadable(path).endswith(
        "工作表“Sheet1”是空的（数据在工作表“说明”、“人员”中？系统只读取第一个工作表，请把数据移到第一个工作表）"
    )
    alone = write_xlsx(tmp_path, {"Sheet1": [["", "  "]]}, name="alone.xlsx")
    assert unreadable(alone).endswith("工作表“Sheet1”是空的")
    assert read(path, sheet="人员").total_rows == 1


def test_utf16_text_is_explained(tmp_path: Path) -> None:
    text = ",".join(PERSONS_HEADER) + "\n" + ",".join(person(MAN)) + "\n"
    with_bom = write_text(tmp_path, "\ufeff" + text, encoding="utf-16-le", name="a.csv")
    without_bom = write_text(tmp_path, text, encoding="utf-16-be", name="b.txt")
    for path in (with_bom, without_bom):
        assert unreadable(path).endswith(
            "这是 UTF-16 编码的文本（Excel 的“Unicode 文本”），请另存为 CSV（UTF-8）后再上传"
        )


def test_missing_required_columns_are_named_in_chinese(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [["身份证号", "姓名", "户编号"], [MAN, "罗广义", "H1"]])
    assert unreadable(path).endswith("缺少必需的列：村代码、与户主关系")


def test_duplicate_headers(tmp_path: Path) -> None:
    same = write_csv(tmp_path, [[*PERSONS_HEADER, "姓名"], [*person(MAN), "罗广义"]], name="a.csv")
    assert unreadable(same).endswith("表头重复：“姓名”")
    aliases = write_csv(tmp_path, [[*PERSONS_HEADER, "公民身份号码"], [*person(MAN), MAN]], name="b.csv")
    assert unreadable(aliases).endswith("表头重复：“身份证号”和“公民身份号码”")


def test_the_message_names_the_uploaded_file_not_the_temporary_one(tmp_path: Path) -> None:
    path = write_text(tmp_path, "", name="tmp1234.upload")
    message = unreadable(path, source_name="塔河镇人员.csv")
    assert (
        message == "文件“塔河镇人员.csv”无法读取：文件是空的（0 字节），可能没有上传完整，请重新选择文件上传"
    )


def test_unknown_kind_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown table kind"):
        read_table(write_csv(tmp_path, [PERSONS_HEADER]), "people")


# Headers


def test_english_chinese_alias_and_mixed_headers_in_any_order(tmp_path: Path) -> None:
    header = [" Phone ", "RELATION", "household_id", "村代码", "ＩＤ＿ＮＵＭＢＥＲ", "姓 名", "公民身份号码"]
    header[-1] = "出生日期*"
    row = ["0457-3662123", "户主", "H1", VILLAGE, MAN, "罗广义", "1954-05-03"]
    parsed = read(write_csv(tmp_path, [header, row]))
    assert parsed.rejected.height == 0
    assert parsed.rows.columns == ["row_no", *(column.name for column in SCHEMAS["persons"])]
    assert parsed.rows.row(0, named=True) == {
        "row_no": 2,
        "id_number": MAN,
        "name": "罗广义",
        "gender": "M",
        "birth_date": "1954-05-03",
        "village_code": VILLAGE,
        "household_id": "H1",
        "relation": "head",
        "phone": "0457-3662123",
    }


def test_english_headers_in_shuffled_order(tmp_path: Path) -> None:
    order = [5, 2, 7, 0, 3, 6, 1, 4]
    header = [SCHEMAS["persons"][position].name.upper() for position in order]
    row = person(MAN, gender="男", birth="1954-05-03", phone="13945712345")
    parsed = read(write_csv(tmp_path, [header, [row[position] for position in order]]))
    assert parsed.rows.drop("row_no").row(0) == (
        MAN,
        "罗广义",
        "M",
        "1954-05-03",
        VILLAGE,
        "232722100001-000001",
        "head",
        "13945712345",
    )


def test_unknown_columns_are_ignored_and_reported(tmp_path: Path) -> None:
    header = ["备注", *PERSONS_HEADER, "", "民族"]
    parsed = read(write_csv(tmp_path, [header, ["老党员", *person(MAN), "多出的", "鄂伦春族"]]))
    assert parsed.unknown_columns == ["备注", "第10列（无表头）", "民族"]
    assert parsed.rows.height == 1
    assert "备注" not in parsed.rows.columns


def test_empty_columns_without_header_are_not_reported(tmp_path: Path) -> None:
    parsed = read(write_csv(tmp_path, [[*PERSONS_HEADER, "", ""], [*person(MAN), "", ""]]))
    assert parsed.unknown_columns == []


def test_header_keys_fold_width_case_spaces_and_markers() -> None:
    assert header_key("ＩＤ＿Ｎｕｍｂｅｒ") == header_key(" id number ") == header_key("id_number")
    assert header_key("身份证号*") == header_key("身 份 证 号")


def test_schemas_have_no_clashing_headers() -> None:
    for kind, schema in SCHEMAS.items():
        keys = [header_key(spelling) for column in schema for spelling in column.headers()]
        assert len(keys) == len(set(keys)), kind


# Rows: normalisation, numbering, blank lines


def test_full_width_lower_x_and_whitespace_are_normalised(tmp_path: Path) -> None:
    full_width = WOMAN.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    x_number = id_number("19491231", place="110105", sequence=2)
    assert x_number.endswith("X")
    rows = [
        PERSONS_HEADER,
        person(
            "  " + full_width + "\u3000", " 王 丽 娟 ", relation=" 配偶 ", village="２３２７２２１００００１"
        ),
        person(x_number[:-1] + "ｘ", "Anna  Maria\u200b", relation="子女"),
        person(x_number[:6] + " " + x_number[6:-1].lower() + "x", "张三", relation="其他", household="H9"),
    ]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.rows["id_number"].to_list() == [WOMAN, x_number]
    assert parsed.rows["name"].to_list() == ["王丽娟", "Anna Maria"]
    assert parsed.rows["village_code"].to_list() == [VILLAGE, VILLAGE]
    assert reasons(parsed) == {4: "身份证号：与第3行重复"}


def test_blank_lines_are_skipped_but_counted_in_row_numbers(tmp_path: Path) -> None:
    rows = [
        [],
        PERSONS_HEADER,
        person(MAN),
        [],
        ["", "  ", "", "", "", "", "", ""],
        person(WOMAN, "王丽娟"),
        [],
    ]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.total_rows == 2
    assert parsed.rows["row_no"].to_list() == [3, 6]


def test_quoted_cells_may_hold_commas_and_line_breaks(tmp_path: Path) -> None:
    rows = [[*PERSONS_HEADER, "地址"], [*person(MAN), "塔河镇,\n1号"], [*person(WOMAN, "王丽娟"), "x"]]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.rows["row_no"].to_list() == [2, 3]


def test_lines_with_more_cells_than_the_header_are_refused(tmp_path: Path) -> None:
    lines = [
        ",".join(PERSONS_HEADER),
        ",".join(person(MAN)),
        ",".join(person(WOMAN, "王丽娟")) + ",,塔河镇,1号",
    ]
    parsed = read(write_text(tmp_path, "\n".join(lines) + "\n"))
    assert parsed.rows["row_no"].to_list() == [2]
    assert reasons(parsed) == {3: "该行的单元格比表头多（可能某个单元格里有没加引号的逗号）"}
    assert parsed.rejected["第10列（无表头）"].to_list() == ["塔河镇"]


def test_an_unpaired_quote_is_explained(tmp_path: Path) -> None:
    lines = [
        ",".join(PERSONS_HEADER),
        f'{MAN},"罗广义,,,{VILLAGE},H1,户主,',
        f"{WOMAN},王丽娟,,,{VILLAGE},H1,配偶,",
    ]
    assert "开头却没有与之配对的结束引号" in unreadable(write_text(tmp_path, "\n".join(lines) + "\n"))


def test_a_cell_that_swallowed_lines_is_explained(tmp_path: Path) -> None:
    lines = [
        ",".join(PERSONS_HEADER),
        f'{MAN},"罗广义,,,{VILLAGE},H1,户主,',
        f'{WOMAN},王丽娟",,,{VILLAGE},H1,配偶,',
        f"{id_number(sequence=11)},罗小军,,,{VILLAGE},H1,子女,",
    ]
    parsed = read(write_text(tmp_path, "\n".join(lines) + "\n"))
    assert parsed.rows["row_no"].to_list() == [3]
    assert reasons(parsed)[2].startswith(
        "姓名：单元格里有换行（CSV 文件中常是某个单元格以不成对的英文引号开头"
    )


def test_rejected_rows_keep_the_original_cells_under_the_original_headers(tmp_path: Path) -> None:
    header = ["ID Number", "姓名", "村代码", "户编号", "与户主关系", "民族"]
    rows = [header, ["  232722195405034630 ", " 罗广义", VILLAGE, "H1", "户主", "汉"]]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.rejected.columns == ["row_no", *header, "错误原因"]
    assert parsed.rejected.row(0) == (
        2,
        "  232722195405034630 ",
        " 罗广义",
        VILLAGE,
        "H1",
        "户主",
        "汉",
        "身份证号：校验位错误",
    )


def test_every_reason_of_a_row_is_given(tmp_path: Path) -> None:
    rows = [PERSONS_HEADER, person("123", "王2", village="2327", relation="朋友", phone="12345")]
    parsed = read(write_csv(tmp_path, rows))
    assert reasons(parsed)[2].split("；") == [
        "身份证号：长度应为18位",
        "姓名：不能含有数字",
        "村代码：应为12位数字的村级区划代码",
        "与户主关系：应为以下之一：户主、配偶、子女、父母、孙子女、兄弟姐妹、其他",
        "联系电话：应为11位手机号或带区号的固定电话（如 0457-3662123）",
    ]


def test_required_cells_must_not_be_empty(tmp_path: Path) -> None:
    parsed = read(write_csv(tmp_path, [PERSONS_HEADER, ["", "罗广义", "", "", VILLAGE, "", "户主", ""]]))
    assert reasons(parsed) == {2: "身份证号：不能为空；户编号：不能为空"}


# Facts derived from the ID number


def test_gender_and_birth_date_are_derived_when_absent(tmp_path: Path) -> None:
    header = ["身份证号", "姓名", "村代码", "户编号", "与户主关系"]
    rows = [header, [MAN, "罗广义", VILLAGE, "H1", "户主"], [WOMAN, "王丽娟", VILLAGE, "H1", "配偶"]]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.rows.select("gender", "birth_date").rows() == [("M", "1954-05-03"), ("F", "1979-12-17")]


def test_given_gender_and_birth_date_must_agree_with_the_id(tmp_path: Path) -> None:
    rows = [
        PERSONS_HEADER,
        person(MAN, gender="男", birth="1954/5/3"),
        person(WOMAN, "王丽娟", gender="男", relation="配偶"),
        person(id_number(sequence=465), "罗广仁", birth="1954-05-04", relation="兄弟姐妹"),
        person(id_number(sequence=467), "罗广礼", gender="female", birth="19540503", relation="兄"),
    ]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.rows.select("row_no", "gender", "birth_date").rows() == [(2, "M", "1954-05-03")]
    assert reasons(parsed) == {
        3: "性别：与身份证号不符",
        4: "出生日期：与身份证号不符",
        5: "性别：与身份证号不符",
    }


def test_a_death_before_birth_is_refused(tmp_path: Path) -> None:
    rows = [
        ["身份证号", "姓名", "死亡日期"],
        [MAN, "罗广义", "1950-01-01"],
        [WOMAN, "王丽娟", "2026年9月30日"],
    ]
    parsed = read(write_csv(tmp_path, rows), "deaths")
    assert reasons(parsed) == {2: "死亡日期：早于身份证号中的出生日期"}
    assert parsed.rows["death_date"].to_list() == ["2026-09-30"]


# Keys and reference lists


def test_repeated_keys_refuse_all_but_the_first(tmp_path: Path) -> None:
    rows = [PERSONS_HEADER, person(MAN), person(WOMAN, "王丽娟"), person(MAN.lower()), person(MAN)]
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.rows["row_no"].to_list() == [2, 3]
    assert reasons(parsed) == {4: "身份证号：与第2行重复", 5: "身份证号：与第2行重复"}


@pytest.mark.parametrize(
    ("kind", "header", "first", "second", "reason"),
    [
        ("cards", ["身份证号", "持卡人姓名", "开户银行代码", "银行账号", "卡状态"],
         [MAN, "罗广义", "103", "6228 4807 8123 4567 890", "正常"],
         [WOMAN, "王丽娟", "103", "6228480781234567890", "挂失"], "银行账号：与第2行重复"),
        ("land", ["户编号", "承包方身份证号", "村代码", "承包面积"],
         ["H1", MAN, VILLAGE, "12.5"], ["H1", WOMAN, VILLAGE, "3"], "户编号：与第2行重复"),
        ("cadres", ["身份证号", "姓名", "村代码", "职务"],
         [MAN, "罗广义", VILLAGE, "村会计"], [MAN, "罗广义", VILLAGE, "村委会主任"], "身份证号：与第2行重复"),
        ("deaths", ["身份证号", "姓名", "死亡日期"],
         [MAN, "罗广义", "2026-01-01"], [MAN, "罗广义", "2026-01-02"], "身份证号：与第2行重复"),
    ],
)  # fmt: skip
def test_repeated_keys_of_each_registry(
    tmp_path: Path, kind: str, header: list[str], first: list[str], second: list[str], reason: str
) -> None:
    parsed = read(write_csv(tmp_path, [header, first, second]), kind)
    assert reasons(parsed) == {3: reason}


def test_village_codes_outside_the_area_on_every_path(tmp_path: Path) -> None:
    # 1,500 rows of three codes take the path that checks each distinct value once; three rows the full one.
    scope = RegionScope.of(
        [(VILLAGE, "十八站村", True), ("232722201202", "安罗村", True)], permitted=[VILLAGE]
    )
    codes = [VILLAGE, "232722201202", "232722999201"]
    expected = {1: None, 2: "村代码：区划代码 232722201202（安罗村）不在您的管辖范围内",
                0: "村代码：区划代码 232722999201 不存在"}  # fmt: skip
    for count in (1_500, 3):
        rows = [
            person(id_number(f"19{50 + n // 365:02d}0101", sequence=n % 365 + 1), village=codes[n % 3])
            for n in range(count)
        ]
        parsed = read_table(
            write_csv(tmp_path, [PERSONS_HEADER, *rows], name=f"{count}.csv"),
            "persons",
            today=TODAY,
            regions=scope,
        )
        got = reasons(parsed)
        assert {row_no: got.get(row_no) for row_no in range(2, count + 2)} == {
            row_no: expected[(row_no - 1) % 3] for row_no in range(2, count + 2)
        }
        assert parsed.rows.height == count // 3


def test_unknown_village_and_bank_codes(tmp_path: Path) -> None:
    persons = write_csv(
        tmp_path, [PERSONS_HEADER, person(MAN), person(WOMAN, "王丽娟", village="232722999201")]
    )
    parsed = read(persons, known_villages={VILLAGE})
    assert reasons(parsed) == {3: "村代码：区划代码 232722999201 不存在"}
    header = ["身份证号", "持卡人姓名", "开户银行代码", "银行账号", "卡状态"]
    rows = [
        header,
        [MAN, "罗广义", "103", "6228480781234567890", "正常"],
        [WOMAN, "王丽娟", "999", "6228480781234567891", "正常"],
    ]
    cards = read(write_csv(tmp_path, rows, name="cards.csv"), "cards", known_banks=["103", "403"])
    assert reasons(cards) == {3: "开户银行代码：银行代码 999 不存在"}


# Other tables


def test_policies_with_bands_units_and_exclusions(tmp_path: Path) -> None:
    header = [
        "项目代码",
        "项目名称",
        "政策依据",
        "主管部门",
        "计量单位",
        "补贴标准",
        "最低年龄",
        "最高年龄",
        "困难救助",
        "互斥项目",
    ]
    rows = [
        header,
        ["GD01", "耕地地力保护补贴", "黑财农〔2026〕1号", "农业农村局", "亩", "71.5", "", "", "否", ""],
        ["GL80", "高龄津贴", "", "民政局", "月", "100", "80", "89", "否", "GL90；GL100、XX"],
        ["GL90", "高龄津贴", "", "民政局", "month", "200.00", "90", "80", "是", ""],
        ["DB01", "低保", "", "民政局", "年", "1.234567891", "", "", "maybe", "A B"],
    ]
    parsed = read(write_csv(tmp_path, rows), "policies")
    assert parsed.rows.select(
        "code", "unit", "rate", "min_age", "max_age", "means_tested", "exclusive_with"
    ).rows() == [
        ("GD01", "mu", "71.5000000", None, None, "false", None),
        ("GL80", "month", "100.0000000", "80", "89", "false", "GL90;GL100;XX"),
    ]
    assert reasons(parsed) == {
        4: "最高年龄：小于最低年龄",
        5: "计量单位：应为以下之一：亩、月、人、户；补贴标准：最多7位小数；困难救助：应为以下之一：是、否；"
        "互斥项目：项目代码只能由字母、数字、下划线和连字符组成，多个代码用分号隔开",
    }


def test_roster_lines(tmp_path: Path) -> None:
    header = ["序号", "项目代码", "发放期间", "身份证号", "姓名", "村代码", "数量", "金额", "银行账号"]
    rows = [
        header,
        ["1", "GD01", "2026年10月", MAN, "罗广义", VILLAGE, "26.8678", "1,921.05", "6228-4807-8123-4567-890"],
        ["2", "GL80", "2026Q4", WOMAN, "王丽娟", VILLAGE, "", "300", "6228480781234567891"],
        ["2", "GL80", "2026-13", WOMAN, "王丽娟", VILLAGE, "3", "300.001", "622848"],
    ]
    parsed = read(write_csv(tmp_path, rows), "roster")
    assert parsed.rows.select("line_no", "period", "quantity", "amount", "account_no").rows() == [
        ("1", "2026-10", "26.8678", "1921.05", "6228480781234567890"),
        ("2", "2026Q4", None, "300.00", "6228480781234567891"),
    ]
    assert reasons(parsed) == {
        4: "发放期间：应写作 2026-10（月）、2026Q4（季度）或 2026（年）；金额：最多2位小数；"
        "银行账号：应为8至32位数字；序号：与第3行重复"
    }


def test_the_generated_county_reads_without_a_single_refusal(tmp_path: Path) -> None:
    from yikatong.demo import reference
    from yikatong.demo.generator import CARD_BANKS, generate_county

    county = generate_county(tmp_path, persons=3_000, seed=11)
    villages = {code for villages in reference.VILLAGES.values() for code, _ in villages}
    for kind, path in county.files.items():
        parsed = read(path, kind, known_villages=villages, known_banks=set(CARD_BANKS))
        assert parsed.rejected.height == 0, (kind, parsed.rejected.head(3))
        assert parsed.unknown_columns == []
    xlsx = generate_county(tmp_path / "xlsx", persons=500, seed=11, fmt="xlsx")
    for kind, path in xlsx.files.items():
        assert read(path, kind).rejected.height == 0, kind


# Properties of the package


def test_invariant_holds_on_a_mixed_file(tmp_path: Path) -> None:
    rows = [PERSONS_HEADER]
    for index in range(300):
        number = id_number(sequence=index % 200 + 1)
        if index % 7 == 0:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
        rows.append(person(number, "王" + "丽" * (index % 40), relation="户主" if index % 5 else "邻居"))
        if index % 11 == 0:
            rows.append([])
    parsed = read(write_csv(tmp_path, rows))
    assert parsed.total_rows == 300
    assert parsed.rows.height + parsed.rejected.height == 300
    assert parsed.rows["row_no"].is_unique().all()
    assert set(parsed.rows["row_no"]).isdisjoint(parsed.rejected["row_no"])
    assert parsed.rows.schema == pl.Schema(
        {"row_no": pl.Int64, **{c.name: pl.String for c in SCHEMAS["persons"]}}
    )


def test_the_package_imports_and_reads_without_django(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [PERSONS_HEADER, person(MAN)])
    script = (
        "import sys, pathlib\n"
        "from yikatong.bulk import read_table\n"
        f"parsed = read_table(pathlib.Path({str(path)!r}), 'persons')\n"
        "assert parsed.rows.height == 1, parsed.rejected\n"
        "assert not [name for name in sys.modules if name.split('.')[0] == 'django'], 'django imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_reads_from_a_path_only_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [PERSONS_HEADER, person(MAN)])
    before = path.read_bytes()
    read(path)
    assert path.read_bytes() == before
