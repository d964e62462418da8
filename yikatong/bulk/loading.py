"""From the bytes of an upload to a frame of untouched strings: file type, encoding and the CSV or sheet.

The file's type is told by its content, never by its name alone: a workbook named .csv is read as the
workbook it is, and a file whose name promises what its content is not (a text file renamed .xlsx, a web page
saved as .xls, a ZIP archive named .csv) is refused with what it really is.

Every cell is read as text, so ID numbers such as 23272219…X and codes with leading zeros arrive exactly as
written. Rows keep their place in the file (blank ones included) so that row numbers match what a person
sees in Excel or WPS; the reader drops the blank ones once it has numbered them.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import mmap
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import NoReturn

import fastexcel
import polars as pl

from yikatong.bulk.errors import UnreadableFile

SNIFF_BYTES = 64 * 1024
# The header row is looked for among this many first non-blank rows, below any title or notes.
HEADER_SEARCH_ROWS = 10
# A line of nothing but these is blank whichever separator splits it.
BLANK_CHARACTERS = " \t,\u3000\r"
CHUNK_BYTES = 16 * 1024 * 1024
# Cells past the header's last column, on the lines that have them, are read into this many spare columns.
SPARE_COLUMNS = 8

# A ZIP archive (which every .xlsx is) starts with a local file header, or with the end record when empty.
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_MAGIC = b"%PDF"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = codecs.BOM_UTF8
# Text files hold tabs and line ends but next to no other control bytes; binary files hold plenty.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))
MAX_CONTROL_SHARE = 0.01
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
SAVE_AS_UTF8 = "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再上传"
BLANK_ONLY = "文件里没有任何内容（只有空行）"
UNPAIRED_QUOTE = '有单元格以英文双引号（"）开头却没有与之配对的结束引号，请去掉这个引号或补上结束引号'


HeaderScore = Callable[[Sequence[str | None]], int]


@dataclass(frozen=True)
class RawTable:
    """Every row of the file (header and blank rows included) as strings in columns c0, c1, …"""

    frame: pl.DataFrame
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    excel: bool
    # Columns from this position on hold CSV cells beyond the header row's last cell.
    spare_from: int | None = None
    # The worksheet read, and the workbook's other worksheets that hold something (for an empty sheet).
    sheet: str | None = None
    filled_sheets: tuple[str, ...] = ()

    def empty_cause(self) -> str:
        """Why a file with no non-blank row cannot be imported, in the user's words."""
        if self.sheet is None:
            return BLANK_ONLY
        cause = f"工作表“{self.sheet}”是空的"
        if self.filled_sheets:
            others = "、".join(f"“{name}”" for name in self.filled_sheets)
            cause += f"（数据在工作表{others}中？系统只读取第一个工作表，请把数据移到第一个工作表）"
        return cause


def column_names(width: int) -> list[str]:
    """The positional names of a raw table's columns."""
    return [f"c{position}" for position in range(width)]


def load(
    path: Path,
    source_name: str,
    *,
    sheet: str | int | None = None,
    header_score: HeaderScore = lambda cells: 0,
) -> RawTable:
    """Read a CSV or .xlsx upload into a RawTable, its type told by its content; refuse what is not a table.

    ``header_score`` says how much a row looks like the header, which may follow a title or a note
    ("填报单位：…"); in a CSV file the header decides the separator and how many cells a row may have.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableFile(source_name, "找不到文件或没有读取权限") from exc
    if size == 0:
        raise UnreadableFile(source_name, "文件是空的（0 字节），可能没有上传完整，请重新选择文件上传")
    suffix = PurePath(source_name).suffix.lower()
    content = file_content(head)
    if content == "zip":
        return _load_workbook(path, source_name, sheet, suffix)
    if content == "text" and suffix not in EXCEL_SUFFIXES:
        return _load_csv(path, source_name, head, header_score)
    raise UnreadableFile(source_name, wrong_content(content, suffix))


def file_content(head: bytes) -> str:
    """What the first bytes of a file hold: "zip", "ole2", "pdf", "utf16", "html", "binary" or "text"."""
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(UTF16_BOMS) or _utf16_without_bom(head):
        return "utf16"
    if b"\x00" in head or sum(head.count(byte) for byte in CONTROL_BYTES) > MAX_CONTROL_SHARE * len(head):
        return "binary"
    start = head.removeprefix(UTF8_BOM).lstrip()[:512].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table")) or (
        start.startswith(b"<?xml") and b"<html" in start
    ):
        return "html"
    return "text"


CONTENT_NAMES = {
    "zip": "ZIP 压缩包",
    "ole2": "旧版 Excel（.xls）或加了密码的工作簿",
    "pdf": "PDF 文件",
    "utf16": "UTF-16 编码的文本（Excel 的“Unicode 文本”）",
    "html": "网页（HTML）",
    "binary": "二进制数据",
    "text": "文本",
}
ADVICE = {
    "zip": "请解压后上传其中的表格文件",
    "ole2": "请在 Excel 或 WPS 中打开（去掉密码），另存为 .xlsx 或 CSV（UTF-8）后再上传",
    "pdf": "请上传 Excel 工作簿（.xlsx）或 CSV 文件",
    "utf16": "请另存为 CSV（UTF-8）后再上传",
    "html": "这常是其他系统导出的网页格式“Excel”，请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传",
    "binary": "请上传 Excel 工作簿（.xlsx）或 CSV 文件",
    "text": "请在 Excel 中另存为 .xlsx，或改为 .csv 上传",
}


def wrong_content(content: str, suffix: str) -> str:
    """Why a file cannot be read as the table its name (``suffix``, lower case) promises, and what to do."""
    what, advice = CONTENT_NAMES[content], ADVICE[content]
    # Latin words stand apart from the Chinese around them, as everywhere in the platform's text.
    what = f" {what}" if what[0].isascii() else what
    if content == "ole2" or (content == "utf16" and suffix not in EXCEL_SUFFIXES):
        # What the file is says it all; an .xlsx with a password is such a file too.
        named = f"（扩展名为 {suffix}）" if content == "ole2" and suffix and suffix != ".xls" else ""
        return f"这是{what}{named}，{advice}"
    if suffix in EXCEL_SUFFIXES:
        return f"不是有效的 Excel 文件（扩展名为 {suffix}，但内容是{what}），{advice}"
    if suffix in TEXT_SUFFIXES:
        return f"不是 CSV 文本文件（扩展名为 {suffix}，但内容是{what}），{advice}"
    return f"这是{what}，不是 CSV 或 Excel 表格，{advice}"


def _utf16_without_bom(head: bytes) -> bool:
    """Whether the bytes read as UTF-16 text without a byte order mark.

    Such a text has NUL bytes (the high byte of every ASCII character) in every other place only, and
    decodes into text without control characters; a binary file has NULs anywhere.
    """
    sample = head[: len(head) - len(head) % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if (even == 0) == (odd == 0):
        return False
    codec = "utf-16-le" if odd else "utf-16-be"
    try:
        text = codecs.getincrementaldecoder(codec)("strict").decode(sample)
    except UnicodeDecodeError:
        return False
    controls = sum(1 for character in text if ord(character) < 32 and character not in "\t\r\n")
    return controls <= MAX_CONTROL_SHARE * len(text)


def _load_csv(path: Path, source_name: str, head: bytes, header_score: HeaderScore) -> RawTable:
    if _looks_utf8(head) and not _has_nul_bytes(path):
        # Polars checks every cell it reads as UTF-8 (far faster than decoding the file in Python), so a
        # file it reads whole is UTF-8; anything else goes through the full check below, which says why.
        read = _read_utf8_csv(path, source_name, head, header_score)
        if read is not None:
            return read
    encoding = _utf8_encoding(path, source_name, head)
    source: Path | bytes = path
    if encoding == "gb18030":
        source = _transcode_gb18030(path, source_name)
    head_text = head.decode("utf-8" if encoding != "gb18030" else "gb18030", errors="ignore")
    separator, width = _header_shape(head_text.removeprefix("\ufeff"), header_score)
    if width == 0:
        raise UnreadableFile(source_name, BLANK_ONLY)
    frame = _read_csv_cells(source, source_name, separator, width)
    return RawTable(frame=frame, encoding=encoding, excel=False, spare_from=width)


def _looks_utf8(head: bytes) -> bool:
    """Whether the file's first bytes are UTF-8 (a character cut at the end of the sample allowed)."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head)
    except UnicodeDecodeError:
        return False
    return True


def _has_nul_bytes(path: Path) -> bool:
    """Whether the file holds a NUL byte anywhere (Polars would read it into a cell; no text file has one)."""
    with path.open("rb") as stream:
        try:
            # Searched in place, without copying the file into memory chunk by chunk.
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return mapped.find(b"\x00") >= 0
        except (OSError, ValueError):
            while chunk := stream.read(CHUNK_BYTES):
                if b"\x00" in chunk:
                    return True
            return False


def _read_utf8_csv(path: Path, source_name: str, head: bytes, header_score: HeaderScore) -> RawTable | None:
    """The file read by Polars as UTF-8, or None when it cannot be read so (not UTF-8, not well-formed, or a
    line with more cells than the header) and the careful way must find out why."""
    head_text = codecs.getincrementaldecoder("utf-8")("strict").decode(head)
    separator, width = _header_shape(head_text.removeprefix("\ufeff"), header_score)
    if width == 0:
        raise UnreadableFile(source_name, BLANK_ONLY)
    try:
        frame = _read_csv(path, separator, width, spare=0)
    except pl.exceptions.PolarsError:
        # Not UTF-8, not well-formed or a line with more cells than the header (whose cells past the spare
        # columns would be cut off unread): the full check and the careful read say what it is.
        return None
    encoding = "utf-8-sig" if head.startswith(UTF8_BOM) else "utf-8"
    return RawTable(frame=frame, encoding=encoding, excel=False, spare_from=width)


def _read_csv_cells(source: Path | bytes, source_name: str, separator: str, width: int) -> pl.DataFrame:
    """Every line's cells as text; a line with more cells than the header gets spare columns."""
    try:
        try:
            return _read_csv(source, separator, width, spare=0)
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
                raise
            # Some line has more cells than the header. Read again with room for them, so that the reader
            # can refuse those lines rather than lose their last cells.
            return _read_csv(source, separator, width, spare=SPARE_COLUMNS)
    except pl.exceptions.PolarsError as exc:
        _refuse_csv(source_name, exc)


def _refuse_csv(source_name: str, exc: pl.exceptions.PolarsError) -> NoReturn:
    if "not properly escaped" in str(exc):
        raise UnreadableFile(source_name, UNPAIRED_QUOTE) from exc
    raise UnreadableFile(source_name, "不是格式正确的 CSV 文件") from exc


def _read_csv(source: Path | bytes, separator: str, width: int, *, spare: int) -> pl.DataFrame:
    return pl.read_csv(
        source,
        has_header=False,
        separator=separator,
        schema=dict.fromkeys(column_names(width + spare), pl.String),
        missing_columns="insert",
        truncate_ragged_lines=spare > 0,
        raise_if_empty=False,
    )


def _utf8_encoding(path: Path, source_name: str, head: bytes) -> str:
    """Say "utf-8-sig" or "utf-8" when the whole file decodes strictly as UTF-8, otherwise "gb18030"."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines = 0
    non_ascii = False
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            if b"\x00" in chunk:
                raise UnreadableFile(source_name, "这是二进制文件，不是 CSV 或 Excel 表格")
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = max(exc.start - len(pending), 0)
                # GBK text almost never forms valid multi-byte UTF-8: once some did, this is damaged UTF-8.
                if non_ascii or not chunk[:bad].isascii():
                    line = lines + chunk.count(b"\n", 0, bad) + 1
                    raise UnreadableFile(
                        source_name,
                        f"按 UTF-8 编码读到第{line}行时遇到无法识别的字节，文件可能已损坏或混用了多种编码",
                    ) from exc
                return "gb18030"
            non_ascii = non_ascii or not chunk.isascii()
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if non_ascii:
                raise UnreadableFile(
                    source_name, "文件末尾不完整（UTF-8 字符被截断），可能没有上传完"
                ) from exc
            return "gb18030"
    return "utf-8-sig" if head.startswith(UTF8_BOM) else "utf-8"


def _transcode_gb18030(path: Path, source_name: str) -> bytes:
    """The file re-encoded as UTF-8, chunk by chunk so that only the result is held whole."""
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    out = io.BytesIO()
    lines = 0
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(CHUNK_BYTES):
                if b"\x00" in chunk:
                    raise UnreadableFile(source_name, "这是二进制文件，不是 CSV 或 Excel 表格")
                try:
                    out.write(decoder.decode(chunk).encode("utf-8"))
                except UnicodeDecodeError as exc:
                    lines += chunk.count(b"\n", 0, max(exc.start, 0))
                    raise
                lines += chunk.count(b"\n")
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                source_name,
                f"文件编码既不是 UTF-8 也不是 GBK/GB18030（第{lines + 1}行起有两种编码都无法识别的字节，"
                f"可能是其他编码的文本，或文件已损坏），{SAVE_AS_UTF8}",
            ) from exc
    return out.getvalue()


def _header_shape(text: str, header_score: HeaderScore) -> tuple[str, int]:
    """The separator (comma or tab) and the number of cells of the header row, from the file's start.

    Each separator splits the first non-blank rows; the one whose best header row scores higher (then
    has more cells) wins. Rows that no schema column names leave the first row as the header.
    """
    best: tuple[int, int, str] = (0, 0, ",")
    for separator in (",", "\t"):
        parsed = csv.reader(io.StringIO(text), delimiter=separator)
        filled = (row for row in parsed if any(cell.strip(BLANK_CHARACTERS) for cell in row))
        rows = list(itertools.islice(filled, HEADER_SEARCH_ROWS))
        scores = [header_score(row) for row in rows]
        if rows:
            header = rows[scores.index(max(scores))]
            best = max(best, (max(scores), len(header), separator))
    return best[2], best[1]


def _load_workbook(path: Path, source_name: str, sheet: str | int | None, suffix: str) -> RawTable:
    data = path.read_bytes()
    try:
        sheets = fastexcel.read_excel(data).sheet_names
    except (fastexcel.FastExcelError, OSError) as exc:
        raise UnreadableFile(source_name, _broken_zip(data, suffix)) from exc
    target = _sheet_position(sheets, sheet, source_name)
    frame = _read_sheet(data, target, sheets, source_name)
    filled: tuple[str, ...] = ()
    if sheet is None and not _has_cells(frame):
        # Only for an empty first sheet: the user is told where the data went.
        filled = tuple(
            name
            for position, name in enumerate(sheets)
            if position != target and _has_cells(_read_sheet(data, position, sheets, source_name))
        )
    return RawTable(frame=frame, encoding="xlsx", excel=True, sheet=sheets[target], filled_sheets=filled)


def _read_sheet(data: bytes, position: int, sheets: list[str], source_name: str) -> pl.DataFrame:
    """Every cell of one worksheet as text in columns c0, c1, …; frame row i is row i+1 of the sheet."""
    try:
        frame = pl.read_excel(
            data,
            engine="calamine",
            sheet_id=position + 1,
            read_options={"header_row": None, "dtypes": "string", "skip_rows": 0},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError, ValueError) as exc:
        raise UnreadableFile(source_name, f"工作表“{sheets[position]}”无法读取，文件可能已损坏") from exc
    frame = frame.rename(dict(zip(frame.columns, column_names(frame.width), strict=True)))
    return frame.cast(pl.String)


def _has_cells(frame: pl.DataFrame) -> bool:
    """Whether a worksheet holds any non-blank cell."""
    if frame.height == 0 or frame.width == 0:
        return False
    found = frame.select(pl.any_horizontal(pl.all().str.contains(r"\S").fill_null(False)).any()).item()
    return bool(found)


def _broken_zip(data: bytes, suffix: str) -> str:
    """Why a ZIP file is not a workbook: a damaged or cut-off one, or an archive of something else."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏或没有上传完，请重新保存后再上传"
    if "xl/workbook.xml" in names:
        return "不是有效的 Excel 工作簿（.xlsx），工作簿的内容已损坏，请在 Excel 中打开后另存为 .xlsx 再上传"
    return wrong_content("zip", suffix)


def _sheet_position(sheets: list[str], sheet: str | int | None, source_name: str) -> int:
    if not sheets:
        raise UnreadableFile(source_name, "工作簿里没有工作表")
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        if not 1 <= sheet <= len(sheets):
            raise UnreadableFile(source_name, f"没有第{sheet}个工作表（共{len(sheets)}个）")
        return sheet - 1
    if sheet in sheets:
        return sheets.index(sheet)
    raise UnreadableFile(source_name, f"没有名为“{sheet}”的工作表（有：{'、'.join(sheets)}）")
