"""From the bytes of an upload to a frame of untouched strings: file type, encoding and the CSV or sheet.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
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

ZIP_MAGIC = b"PK"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_MAGIC = b"%PDF"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = codecs.BOM_UTF8
# Text files hold tabs and line ends but next to no other control bytes; binary files hold plenty.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))
MAX_CONTROL_SHARE = 0.01
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
    """Read a CSV or .xlsx upload, whatever its name says, into a RawTable; refuse what is not a table.

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
        raise UnreadableFile(source_name, "文件是空的")
    if head.startswith(ZIP_MAGIC):
        return _load_workbook(path, source_name, sheet)
    if head.startswith(OLE2_MAGIC):
        raise UnreadableFile(
            source_name,
            "这是旧版 Excel（.xls）或加密的工作簿，请在 Excel 或 WPS 中另存为 .xlsx 或 CSV（UTF-8）后再上传",
        )
    if head.startswith(PDF_MAGIC):
        raise UnreadableFile(source_name, "这是 PDF 文件，不是 CSV 或 Excel 表格")
    if head.startswith(UTF16_BOMS):
        raise UnreadableFile(
            source_name, "这是 UTF-16 编码的文本（Excel 的“Unicode 文本”），请另存为 CSV（UTF-8）后再上传"
        )
    if b"\x00" in head or sum(head.count(byte) for byte in CONTROL_BYTES) > MAX_CONTROL_SHARE * len(head):
        raise UnreadableFile(source_name, "这是二进制文件，不是 CSV 或 Excel 表格")
    return _load_csv(path, source_name, head, header_score)


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
        raise UnreadableFile(source_name, "文件是空的")
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
        raise UnreadableFile(source_name, "文件是空的")
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
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(CHUNK_BYTES):
                if b"\x00" in chunk:
                    raise UnreadableFile(source_name, "这是二进制文件，不是 CSV 或 Excel 表格")
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                source_name, "既不是 UTF-8 也不是 GBK/GB18030 编码的文本，可能已损坏或不是表格文件"
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


def _load_workbook(path: Path, source_name: str, sheet: str | int | None) -> RawTable:
    data = path.read_bytes()
    try:
        sheets = fastexcel.read_excel(data).sheet_names
    except (fastexcel.FastExcelError, OSError) as exc:
        raise UnreadableFile(
            source_name, "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏、没有上传完或是改了扩展名的压缩包"
        ) from exc
    target = _sheet_position(sheets, sheet, source_name)
    try:
        frame = pl.read_excel(
            data,
            engine="calamine",
            sheet_id=target + 1,
            # No header row and no skipped rows: row i of the frame is row i+1 of the sheet.
            read_options={"header_row": None, "dtypes": "string", "skip_rows": 0},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError, ValueError) as exc:
        raise UnreadableFile(source_name, f"工作表“{sheets[target]}”无法读取，文件可能已损坏") from exc
    frame = frame.rename(dict(zip(frame.columns, column_names(frame.width), strict=True)))
    return RawTable(frame=frame.cast(pl.String), encoding="xlsx", excel=True)


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
