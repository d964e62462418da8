"""The flat 代发 file an agent bank takes and the 回盘 files it sends back, written and read by a layout.

:func:`write_flat` streams a payment file: amounts from integer fen (元 ``12.30`` or 分 ``1230``), fixed
widths counted in bytes of the layout's encoding (a GBK Chinese character is 2 bytes; a value that does not
fit is refused, never cut), and a value the encoding cannot hold or that contains the separator is refused
with the line it is on. A summary line that comes FIRST needs the count and the total before the first
detail: the details are written, while counted, to a spooled temporary file (memory up to 8 MB, disk
beyond) and copied out after the summary, so the caller's iterable is read once and 500,000 lines are never
held in memory. On an error part of the file may already be in ``out``: write to a temporary file and keep
it only when the call returns.

:func:`read_flat_return` reads a success or failure 回盘 file into a :class:`ReturnFile`: it refuses a file in
another encoding than the layout's (a UTF-8 file for a GBK layout is told apart, never read as mojibake),
a wrong number of columns, a missing 合计 line, a 合计 that disagrees with the lines, and a serial given
twice. The bank's word is final: a success line is PAID, a failure line FAILED, a 退回 line RETURNED.
A line for a serial the caller does not know is kept; the caller decides. :func:`write_flat_returns` is
the bank simulator's side: the same 回盘 files, from decisions. No Django imports.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import islice
from typing import IO, BinaryIO

from yikatong.payments.domain.instructions import (
    Decision,
    FileHeader,
    Instruction,
    Outcome,
    PaymentFileError,
    ReturnFile,
    ReturnFileError,
    ReturnKind,
    ReturnLine,
)
from yikatong.payments.domain.layouts import (
    DATE_FORMATS,
    READY_LAYOUTS,
    SEPARATORS,
    UNMAPPED_REASON,
    Column,
    FlatLayout,
)
from yikatong.payments.domain.reasons import REASONS, reason_words

__all__ = [
    "READY_LAYOUTS",
    "FlatPaymentFile",
    "preview",
    "preview_returns",
    "read_flat",
    "read_flat_return",
    "reason_code",
    "write_flat",
    "write_flat_returns",
]

_SPOOL_BYTES = 8 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_YUAN = re.compile(r"(\d*)(?:\.(\d{1,2}))?")
_BLANKS = " \u3000"


def write_flat(
    out: BinaryIO, layout: FlatLayout, header: FileHeader, instructions: Iterable[Instruction]
) -> tuple[int, int]:
    """Write the payment file of ``instructions`` to ``out`` in ``layout``; returns (count, total fen)."""
    _usable(layout, PaymentFileError)
    writer = _Writer(layout)
    first = layout.summary_position == "first"
    number = 2 if first else 1
    count = total = 0
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        details: IO[bytes] = spool if first else out
        for instruction in instructions:
            where = f"第 {number} 行（流水号 {instruction.end_to_end_id}）"
            details.write(
                writer.line(layout.details, _instruction_values(instruction, header, writer, where), where)
            )
            count += 1
            total += instruction.amount_fen
            number += 1
        if not count:
            raise PaymentFileError("付款文件没有任何明细，不能生成")
        summary = writer.line(layout.summary, _header_values(header, writer, count, total), "汇总行")
        out.write(summary)
        if first:
            spool.seek(0)
            shutil.copyfileobj(spool, out)
    if layout.end_marker:
        out.write(writer.marker(layout.end_marker))
    return count, total


def preview(
    layout: FlatLayout,
    header: FileHeader | None = None,
    instructions: Iterable[Instruction] | None = None,
    *,
    lines: int = 5,
) -> str:
    """The payment file of the first ``lines`` instructions (sample ones by default), as text to show."""
    buffer = io.BytesIO()
    chosen = islice(SAMPLE_INSTRUCTIONS if instructions is None else instructions, lines)
    write_flat(buffer, layout, header or SAMPLE_HEADER, chosen)
    return _shown(buffer.getvalue(), layout)


def preview_returns(
    layout: FlatLayout,
    header: FileHeader | None = None,
    instructions: Iterable[Instruction] | None = None,
    decisions: Iterable[Decision] | None = None,
) -> tuple[str, str]:
    """The success and failure 回盘 files of sample decisions, as text for the screen."""
    chosen = list(SAMPLE_INSTRUCTIONS if instructions is None else instructions)
    if decisions is None:
        decisions = _sample_decisions(chosen)
    success, failure = write_flat_returns(
        layout, header or SAMPLE_HEADER, {item.end_to_end_id: item for item in chosen}, decisions
    )
    return _shown(success, layout), _shown(failure, layout)


def write_flat_returns(
    layout: FlatLayout,
    header: FileHeader,
    instructions_by_id: Mapping[str, Instruction],
    decisions: Iterable[Decision],
) -> tuple[bytes, bytes]:
    """The bank's success and failure 回盘 files for ``decisions`` (the simulator's answer to a payment file).

    PAID decisions go to the success file, FAILED and RETURNED ones to the failure file; an ACCEPTED decision
    has no place in a flat 回盘 and is left out (its payment stays unknown, as with a real bank). A failure
    without the bank's words gets the layout's text for its code, so reading the file gives the code back.
    """
    _usable(layout, PaymentFileError)
    writer = _Writer(layout)
    paid: list[tuple[Instruction, Decision]] = []
    refused: list[tuple[Instruction, Decision]] = []
    for decision in decisions:
        instruction = instructions_by_id.get(decision.end_to_end_id)
        if instruction is None:
            raise PaymentFileError(f"回盘的流水号 {decision.end_to_end_id} 不在付款文件中")
        if decision.outcome is Outcome.PAID:
            paid.append((instruction, decision))
        elif decision.outcome in (Outcome.FAILED, Outcome.RETURNED):
            refused.append((instruction, decision))
    return writer.return_file(header, paid, success=True), writer.return_file(header, refused, success=False)


def read_flat_return(data: bytes, layout: FlatLayout, kind: ReturnKind) -> ReturnFile:
    """Read and check one 回盘 file (``kind`` FLAT_SUCCESS or FLAT_FAILURE) of ``layout``."""
    if kind not in (ReturnKind.FLAT_SUCCESS, ReturnKind.FLAT_FAILURE):
        raise ValueError(f"not a flat return kind: {kind}")
    _usable(layout, ReturnFileError)
    success = kind is ReturnKind.FLAT_SUCCESS
    what = "成功回盘文件" if success else "失败回盘文件"
    returns = layout.returns
    reader = _Reader(layout, ReturnFileError, what)
    head, rows = reader.read(
        data,
        returns.success if success else returns.failure,
        returns.total,
        returns.total_position,
        returns.end_marker,
        "合计行",
    )
    codes: dict[str, str] = {}
    table = returns.reason_table()
    lines: list[ReturnLine] = []
    for row in _unique(rows, reader):
        outcome = reader.outcome(row, success)
        text = row.values.get("reason", "")
        if outcome is not Outcome.PAID and text not in codes:
            codes[text] = reason_code(text, table)
        lines.append(
            ReturnLine(
                end_to_end_id=row.values["serial"],
                outcome=outcome,
                amount_fen=reader.fen(row, "amount") if "amount" in row.values else None,
                reason_code="" if outcome is Outcome.PAID else codes[text],
                reason_text=text,
                settled_on=reader.day(row, "date") if row.values.get("date") else None,
                account=row.values.get("account", ""),
                name=row.values.get("name", ""),
            )
        )
    declared_total = reader.fen(head, "total") if "total" in head.values else None
    amounts = [line.amount_fen for line in lines if line.amount_fen is not None]
    reader.totals(head, len(lines), sum(amounts) if declared_total is not None else None)
    return ReturnFile(
        kind=kind,
        message_id=hashlib.sha256(data).hexdigest(),
        original_message_id=reader.batch(head, rows),
        declared_count=reader.count(head),
        declared_total_fen=declared_total,
        lines=lines,
    )


@dataclass
class FlatPaymentFile:
    """A flat payment file as the bank reads it (the simulator's side): its summary and its instructions."""

    execution_date: date | None
    unit_code: str
    batch: str
    declared_count: int
    declared_total_fen: int
    instructions: list[Instruction] = field(default_factory=list)


def read_flat(data: bytes, layout: FlatLayout) -> FlatPaymentFile:
    """Read a payment file of ``layout`` as the bank does: refused whole when its summary disagrees."""
    _usable(layout, PaymentFileError)
    reader = _Reader(layout, PaymentFileError, "付款文件")
    head, rows = reader.read(
        data, layout.details, layout.summary, layout.summary_position, layout.end_marker, "汇总行"
    )
    instructions = [
        Instruction(
            end_to_end_id=row.values["serial"],
            amount_fen=reader.fen(row, "amount"),
            creditor_name=row.values["name"],
            creditor_account=row.values["account"],
            id_number=row.values.get("id_number", ""),
            remark=row.values.get("remark", ""),
            id_type=row.values.get("id_type") or "01",
        )
        for row in _unique(rows, reader)
    ]
    total = reader.fen(head, "total")
    reader.totals(head, len(instructions), sum(item.amount_fen for item in instructions))
    return FlatPaymentFile(
        execution_date=reader.day(head, "date") if head.values.get("date") else None,
        unit_code=head.values.get("unit_code", ""),
        batch=reader.batch(head, rows),
        declared_count=reader.count(head),
        declared_total_fen=total,
        instructions=instructions,
    )


def reason_code(text: str, table: Mapping[str, str]) -> str:
    """The code a bank's reason text stands for, by the layout's table, else by the ISO words, else NARR.

    The table decides first: the text itself, else the longest of its texts found in the bank's words
    (已销户 before 销户); then a text that is exactly a code's ISO wording in Chinese (余额不足 → AM04).
    """
    words = text.strip()
    if words in table:
        return table[words]
    known = [candidate for candidate in table if candidate and candidate in words]
    if known:
        return table[max(known, key=lambda candidate: (len(candidate), candidate))]
    return _ISO_CODES.get(words, UNMAPPED_REASON)


# The ISO wordings that name exactly one code (重复支付 is both AM05 and DUPL, so it names none).
_ISO_CODES = {words: code for code, words in REASONS.items() if list(REASONS.values()).count(words) == 1}


def yuan(fen: int | None) -> str:
    """Fen as 元 with two decimals, for messages."""
    if fen is None:
        return "—"
    return f"{fen // 100}.{fen % 100:02d}"


def _shown(data: bytes, layout: FlatLayout) -> str:
    return data.decode(layout.codec).replace("\r\n", "\n")


def _usable(layout: FlatLayout, error: type[ValueError]) -> None:
    problems = layout.validate()
    if problems:
        raise error(f"银行格式“{layout.name}”有误：" + "；".join(problems))


def _instruction_values(
    instruction: Instruction, header: FileHeader, writer: _Writer, where: str
) -> dict[str, str]:
    amount = instruction.amount_fen
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PaymentFileError(f"{where}的金额应为大于 0 的整数分，现为 {amount!r}")
    if not instruction.end_to_end_id:
        raise PaymentFileError(f"{where}没有流水号")
    return {
        "serial": instruction.end_to_end_id,
        "name": instruction.creditor_name,
        "account": instruction.creditor_account,
        "amount": writer.amount(amount),
        "id_type": instruction.id_type,
        "id_number": instruction.id_number,
        "remark": instruction.remark,
        "unit_code": header.unit_code,
        "date": writer.day(header.execution_date),
        "batch": header.message_id,
    }


def _header_values(header: FileHeader, writer: _Writer, count: int, total: int) -> dict[str, str]:
    return {
        "date": writer.day(header.execution_date),
        "unit_code": header.unit_code,
        "payer_name": header.debtor_name,
        "payer_account": header.debtor_account,
        "batch": header.message_id,
        "count": str(count),
        "total": writer.amount(total),
    }


class _Writer:
    """Turns values into the bytes of one line of the layout."""

    def __init__(self, layout: FlatLayout) -> None:
        self.layout = layout
        self.codec = layout.codec
        self.separator = layout.separator.encode(self.codec)
        self.ending = layout.line_ending.encode(self.codec)
        self.date_format = DATE_FORMATS[layout.date_format]

    def amount(self, fen: int) -> str:
        return yuan(fen) if self.layout.amount_unit == "yuan" else str(fen)

    def day(self, value: date) -> str:
        return value.strftime(self.date_format)

    def marker(self, text: str) -> bytes:
        return text.encode(self.codec) + self.ending

    def line(self, columns: tuple[Column, ...], values: Mapping[str, str], where: str) -> bytes:
        cells = [self.cell(column, values, where) for column in columns]
        if self.layout.fixed:
            return b"".join(cells) + self.ending
        return (
            self.separator.join(cells)
            + (self.separator if self.layout.trailing_separator else b"")
            + self.ending
        )

    def cell(self, column: Column, values: Mapping[str, str], where: str) -> bytes:
        if column.field == "constant":
            text = column.value
        elif column.field == "filler":
            text = ""
        else:
            text = values[column.field]
        if "\r" in text or "\n" in text:
            raise PaymentFileError(f"{where}的{column.label}含有换行符")
        separator = self.layout.separator
        if not self.layout.fixed and separator in text:
            raise PaymentFileError(
                f"{where}的{column.label}含有分隔符{SEPARATORS[separator]}，银行会把它当成分列：请先更正"
            )
        try:
            raw = text.encode(self.codec)
        except UnicodeEncodeError as error:
            character = text[error.start]
            hint = (
                "；银行若收 GB18030，可把该银行格式的编码改为 GB18030"
                if self.layout.encoding == "GBK"
                else ""
            )
            raise PaymentFileError(
                f"{where}的{column.label}含有 {self.layout.encoding} 无法表示的字符“{character}”"
                f"（U+{ord(character):04X}）{hint}"
            ) from None
        if not self.layout.fixed:
            return raw
        width = column.width or 0
        if len(raw) > width:
            raise PaymentFileError(
                f"{where}的{column.label}占 {len(raw)} 字节（{self.layout.encoding}），"
                f"超过该列的 {width} 字节"
            )
        padding = column.pad.encode(self.codec) * (width - len(raw))
        return raw + padding if column.pad_side == "right" else padding + raw

    def return_file(
        self, header: FileHeader, pairs: list[tuple[Instruction, Decision]], *, success: bool
    ) -> bytes:
        returns = self.layout.returns
        columns = returns.success if success else returns.failure
        first = returns.total_position == "first"
        table = returns.reason_table()
        body: list[bytes] = []
        total = 0
        for number, (instruction, decision) in enumerate(pairs, 2 if first else 1):
            where = f"回盘第 {number} 行（流水号 {instruction.end_to_end_id}）"
            values = _instruction_values(instruction, header, self, where)
            values["result"] = {
                Outcome.PAID: returns.paid_text,
                Outcome.FAILED: returns.failed_text,
                Outcome.RETURNED: returns.returned_text,
            }[decision.outcome]
            values["reason"] = (
                "" if success else decision.reason_text or _text_for(decision.reason_code, table)
            )
            body.append(self.line(columns, values, where))
            total += instruction.amount_fen
        head_values = {
            "date": self.day(header.execution_date),
            "unit_code": header.unit_code,
            "batch": header.message_id,
            "count": str(len(pairs)),
            "total": self.amount(total),
        }
        head = self.line(returns.total, head_values, "合计行")
        lines = [head, *body] if first else [*body, head]
        if returns.end_marker:
            lines.append(self.marker(returns.end_marker))
        return b"".join(lines)


def _text_for(code: str, table: Mapping[str, str]) -> str:
    """The bank's words for a reason code: the layout's longest text for it, else the code's ISO wording."""
    texts = [text for text, known in table.items() if known == code]
    return max(texts, key=lambda text: (len(text), text)) if texts else reason_words(code)


class _ShapeError(Exception):
    """A line that is not of the columns expected at its place (told apart for the summary or 合计 line)."""


@dataclass(frozen=True)
class _Row:
    number: int  # the line's number in the file, from 1
    values: dict[str, str]


class _Reader:
    """Splits a file of the layout into its summary (or 合计) line and its detail lines, with checks."""

    def __init__(self, layout: FlatLayout, error: type[ValueError], what: str) -> None:
        self.layout = layout
        self.error = error
        self.what = what

    def read(
        self,
        data: bytes,
        columns: tuple[Column, ...],
        head_columns: tuple[Column, ...],
        head_position: str,
        end_marker: str,
        head_label: str,
    ) -> tuple[_Row, list[_Row]]:
        lines = self._lines(data)
        if end_marker:
            if not lines or self._text(*lines[-1]).strip(_BLANKS) != end_marker.strip(_BLANKS):
                raise self.error(f"{self.what}缺少结束标志“{end_marker}”（文件可能不完整）")
            lines.pop()
        if not lines:
            raise self.error(f"{self.what}是空的，缺少{head_label}")
        head_at = 0 if head_position == "first" else len(lines) - 1
        rows: list[_Row] = []
        for index, (number, line) in enumerate(lines):
            try:
                rows.append(
                    _Row(number, self._values(number, line, head_columns if index == head_at else columns))
                )
            except _ShapeError as error:
                if index == head_at:
                    place = "首" if head_position == "first" else "末"
                    raise self.error(f"{self.what}缺少{head_label}（应在{place}行）：{error}") from None
                raise self.error(str(error)) from None
        return rows.pop(head_at), rows

    def _lines(self, data: bytes) -> list[tuple[int, bytes]]:
        data = self._in_encoding(data)
        lines = [(number, line.removesuffix(b"\r")) for number, line in enumerate(data.split(b"\n"), 1)]
        while lines and not lines[-1][1].strip():
            lines.pop()
        for number, line in lines:
            if not line.strip():
                raise self.error(f"{self.what}第 {number} 行是空行")
        return lines

    def _in_encoding(self, data: bytes) -> bytes:
        """The data without a UTF-8 BOM, refused when it is plainly in another encoding than the layout's."""
        encoding = self.layout.encoding
        utf8 = data.startswith(_UTF8_BOM)
        if utf8 and encoding == "UTF-8":
            return data[len(_UTF8_BOM) :]
        if not utf8 and encoding != "UTF-8" and not data.isascii():
            # Chinese text in GBK is practically never valid UTF-8, so a file that is must be UTF-8: read as
            # GBK it would decode without error into mojibake.
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return data
            utf8 = True
        if utf8:
            raise self.error(
                f"{self.what}是 UTF-8 编码，而银行格式“{self.layout.name}”规定 {encoding}："
                f"请核对所选的银行格式，或请银行按 {encoding} 重新发送"
            )
        return data

    def _text(self, number: int, raw: bytes, column: Column | None = None) -> str:
        try:
            return raw.decode(self.layout.codec)
        except UnicodeDecodeError:
            where = f"第 {number} 行" + (f"的{column.label}" if column else "")
            hint = "，或定长切分切在了一个汉字中间（请核对各列长度）" if column else ""
            if self.layout.encoding == "GBK":
                hint += "；银行若用 GB18030，请把银行格式的编码改为 GB18030"
            raise self.error(f"{self.what}{where}不是 {self.layout.encoding} 编码的文字{hint}") from None

    def _values(self, number: int, line: bytes, columns: tuple[Column, ...]) -> dict[str, str]:
        cells = (
            self._fixed_cells(number, line, columns)
            if self.layout.fixed
            else self._separated_cells(number, line, columns)
        )
        values: dict[str, str] = {}
        for position, (column, text) in enumerate(zip(columns, cells, strict=True), 1):
            text = text.strip(_BLANKS)
            if column.field == "constant":
                if text != column.value.strip(_BLANKS):
                    raise _ShapeError(
                        f"{self.what}第 {number} 行第 {position} 列应为“{column.value}”，现为“{text}”"
                    )
            elif column.field != "filler":
                values[column.field] = text
        return values

    def _separated_cells(self, number: int, line: bytes, columns: tuple[Column, ...]) -> list[str]:
        cells = self._text(number, line).split(self.layout.separator)
        if self.layout.trailing_separator:
            if len(cells) < 2 or cells[-1].strip(_BLANKS):
                raise _ShapeError(f"{self.what}第 {number} 行应以分隔符结尾")
            cells.pop()
        if len(cells) != len(columns):
            raise _ShapeError(f"{self.what}第 {number} 行有 {len(cells)} 列，应为 {len(columns)} 列")
        return cells

    def _fixed_cells(self, number: int, line: bytes, columns: tuple[Column, ...]) -> list[str]:
        width = sum(column.width or 0 for column in columns)
        if len(line) != width:
            raise _ShapeError(f"{self.what}第 {number} 行长 {len(line)} 字节，应为 {width} 字节")
        cells: list[str] = []
        start = 0
        for column in columns:
            end = start + (column.width or 0)
            text = self._text(number, line[start:end], column)
            text = text.lstrip(column.pad) if column.pad_side == "left" else text.rstrip(column.pad)
            if not text and column.pad == "0" and column.field in ("amount", "count", "total"):
                text = "0"  # a zero count, all padding
            cells.append(text)
            start = end
        return cells

    def fen(self, row: _Row, key: str) -> int:
        text = row.values[key]
        if self.layout.amount_unit == "fen":
            if text.isascii() and text.isdigit():
                return int(text)
        else:
            match = _YUAN.fullmatch(text)
            if match and (match[1] or match[2]):
                return int(match[1] or "0") * 100 + int((match[2] or "0").ljust(2, "0"))
        unit = "元（最多两位小数）" if self.layout.amount_unit == "yuan" else "分（整数）"
        raise self.error(f"{self.what}第 {row.number} 行的{_label(key)}“{text}”不是以{unit}表示的金额")

    def count(self, row: _Row) -> int:
        text = row.values["count"]
        if not (text.isascii() and text.isdigit()):
            raise self.error(f"{self.what}第 {row.number} 行的总笔数“{text}”不是整数")
        return int(text)

    def day(self, row: _Row, key: str) -> date:
        text = row.values[key]
        try:
            return datetime.strptime(text, DATE_FORMATS[self.layout.date_format]).date()
        except ValueError:
            raise self.error(
                f"{self.what}第 {row.number} 行的日期“{text}”不是 {self.layout.date_format} 格式的日期"
            ) from None

    def totals(self, head: _Row, count: int, total: int | None) -> None:
        """Refuse a file whose summary or 合计 line disagrees with its lines, giving both figures."""
        declared_count = self.count(head)
        declared_total = self.fen(head, "total") if "total" in head.values else None
        if declared_count != count or declared_total != total:
            stated = f"{declared_count} 笔" + (
                f"、{yuan(declared_total)} 元" if declared_total is not None else ""
            )
            found = f"{count} 笔" + (f"、{yuan(total)} 元" if total is not None else "")
            raise self.error(
                f"{self.what}第 {head.number} 行合计为 {stated}，明细却是 {found}：两者不符，整个文件不能接收"
            )

    def batch(self, head: _Row, rows: list[_Row]) -> str:
        """The 批次号 the file carries (on its summary line or on every line), or ""."""
        seen = {row.values["batch"] for row in (head, *rows) if row.values.get("batch")}
        if len(seen) > 1:
            raise self.error(f"{self.what}含有不同的批次号：" + "、".join(sorted(seen)))
        return seen.pop() if seen else ""

    def outcome(self, row: _Row, success: bool) -> Outcome:
        returns = self.layout.returns
        if "result" not in row.values:
            return Outcome.PAID if success else Outcome.FAILED
        word = row.values["result"]
        outcome = {
            returns.paid_text.strip(_BLANKS): Outcome.PAID,
            returns.failed_text.strip(_BLANKS): Outcome.FAILED,
            returns.returned_text.strip(_BLANKS): Outcome.RETURNED,
        }.get(word)
        if outcome is None:
            raise self.error(
                f"{self.what}第 {row.number} 行的处理结果“{word}”不是"
                f"“{returns.paid_text}”“{returns.failed_text}”或“{returns.returned_text}”"
            )
        if (outcome is Outcome.PAID) != success:
            raise self.error(f"{self.what}第 {row.number} 行的处理结果是“{word}”，不应出现在{self.what}里")
        return outcome


def _unique(rows: list[_Row], reader: _Reader) -> Iterator[_Row]:
    """The rows, refused when a serial is missing or given twice."""
    seen: dict[str, int] = {}
    for row in rows:
        serial = row.values["serial"]
        if not serial:
            raise reader.error(f"{reader.what}第 {row.number} 行没有流水号")
        if serial in seen:
            raise reader.error(f"{reader.what}第 {row.number} 行的流水号 {serial} 与第 {seen[serial]} 行重复")
        seen[serial] = row.number
        yield row


def _label(key: str) -> str:
    return {"amount": "金额", "total": "总金额"}.get(key, key)


_BEIJING = timezone(timedelta(hours=8))

#: What the editing screen previews a layout with (synthetic people of 塔河县).
SAMPLE_HEADER = FileHeader(
    message_id="PF202609010001",
    created_at=datetime(2026, 9, 1, 9, 0, tzinfo=_BEIJING),
    execution_date=date(2026, 9, 2),
    debtor_name="塔河县财政局",
    debtor_account="0800000000000000001",
    debtor_agent_cnaps="102100000001",
    creditor_agent_cnaps="402100000002",
    unit_code="THX0001",
    payment_info_id="PF202609010001-1",
    purpose="2026-09 耕地地力保护补贴",
)
SAMPLE_INSTRUCTIONS: tuple[Instruction, ...] = (
    Instruction(
        "E2E000001", 123450, "罗广义", "6217000000000000011", "232722195405030015", "2026-09 耕地地力保护补贴"
    ),
    Instruction(
        "E2E000002", 80000, "王丽娟", "6217000000000000029", "232722196811120026", "2026-09 耕地地力保护补贴"
    ),
    Instruction(
        "E2E000003", 3050, "欧阳秀兰", "6217000000000000037", "232722194902280043", "2026-09 高龄补贴"
    ),
)


def _sample_decisions(instructions: list[Instruction]) -> list[Decision]:
    answers = [
        Decision("", Outcome.PAID),
        Decision("", Outcome.FAILED, "BE01", "户名不符"),
        Decision("", Outcome.RETURNED, "AC04", "已销户"),
    ]
    return [
        Decision(item.end_to_end_id, answer.outcome, answer.reason_code, answer.reason_text)
        for item, answer in zip(instructions, answers * (len(instructions) // len(answers) + 1), strict=False)
    ]
