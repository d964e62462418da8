"""A bank's flat 代发 layout as data: the payment file it takes and the 回盘 files it sends back.

An agent bank's 代发文件 is a summary line (汇总行) and one line per payment, either separated (``|``, ``,``
or a tab) or fixed width; its return (回盘) is a success file and a failure file, each with a 合计 line. A
:class:`FlatLayout` says all of it: encoding, separator or widths, 元 or 分, where the summary goes, the
columns by field key, the words of the result column and the bank's reason texts with the ISO code each
stands for. It is plain JSON (:meth:`FlatLayout.to_dict`), stored per bank and edited on a screen;
:meth:`FlatLayout.validate` says in Chinese what is wrong with one. No Django imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from yikatong.payments.domain.reasons import REASONS


def gettext_noop(message: str) -> str:
    """Marks a choice's name for the English catalogue (the domain imports no Django)."""
    return message


def pgettext(context: str, message: str) -> str:
    """Marks a field's label with its context (摘要 and 批次号 mean other things elsewhere)."""
    return message


#: The catalogue context of the field labels, for the screen's pgettext.
FIELD_CONTEXT = "bank file field"


#: Every field a column can hold, by key, with the Chinese label the screen and the messages show (the labels
#: here and the choices below are marked for the English catalogue; the screen translates them).
FIELD_LABELS: dict[str, str] = {
    "serial": pgettext("bank file field", "流水号"),  # also called 代理编号: the instruction's end-to-end id
    "name": pgettext("bank file field", "户名"),
    "account": pgettext("bank file field", "账号"),
    "amount": pgettext("bank file field", "金额"),
    "id_type": pgettext("bank file field", "证件类型"),
    "id_number": pgettext("bank file field", "证件号码"),
    "remark": pgettext("bank file field", "摘要"),
    "unit_code": pgettext("bank file field", "单位编号"),
    "payer_name": pgettext("bank file field", "单位名称"),
    "payer_account": pgettext("bank file field", "付款账号"),
    "batch": pgettext("bank file field", "批次号"),
    "date": pgettext("bank file field", "日期"),
    "count": pgettext("bank file field", "总笔数"),
    "total": pgettext("bank file field", "总金额"),
    "result": pgettext("bank file field", "处理结果"),
    "reason": pgettext("bank file field", "失败原因"),
    "filler": pgettext("bank file field", "空白"),
    "constant": pgettext("bank file field", "固定文字"),
}

SUMMARY_FIELDS = frozenset(
    {"date", "unit_code", "payer_name", "payer_account", "batch", "count", "total", "filler", "constant"}
)
DETAIL_FIELDS = frozenset(
    {
        "serial",
        "name",
        "account",
        "amount",
        "id_type",
        "id_number",
        "remark",
        "unit_code",
        "date",
        "batch",
        "filler",
        "constant",
    }
)
RETURN_FIELDS = DETAIL_FIELDS | {"result", "reason"}
TOTAL_FIELDS = frozenset({"date", "unit_code", "batch", "count", "total", "filler", "constant"})
_REPEATABLE = frozenset({"filler", "constant"})
# Read back, a value loses the padding on its padded side: a "0" padded on the left of these would eat
# their own leading zeros (an account or a serial may start with 0).
_KEEP_LEADING_ZEROS = frozenset({"serial", "name", "account", "id_number", "remark", "batch", "unit_code"})

#: The layout's encoding → Python's codec.
ENCODINGS: dict[str, str] = {"GBK": "gbk", "GB18030": "gb18030", "UTF-8": "utf-8"}
SEPARATORS: dict[str, str] = {
    "|": gettext_noop("竖线“|”"),
    ",": gettext_noop("逗号“,”"),
    "\t": gettext_noop("制表符"),
}
LINE_ENDINGS: dict[str, str] = {"\r\n": "CRLF（Windows）", "\n": "LF"}
DATE_FORMATS: dict[str, str] = {"YYYYMMDD": "%Y%m%d", "YYYY-MM-DD": "%Y-%m-%d", "YYYY/MM/DD": "%Y/%m/%d"}
AMOUNT_UNITS: dict[str, str] = {
    "yuan": gettext_noop("元（两位小数，如 12.30）"),
    "fen": gettext_noop("分（整数，如 1230）"),
}
POSITIONS: dict[str, str] = {"first": gettext_noop("首行"), "last": gettext_noop("末行")}
STYLES: dict[str, str] = {"separated": gettext_noop("分隔符"), "fixed": gettext_noop("定长")}
PAD_SIDES: dict[str, str] = {
    "right": gettext_noop("右侧补位（内容靠左）"),
    "left": gettext_noop("左侧补位（内容靠右）"),
}

#: A fixed-width summary or 合计 line holds at least 999,999 lines and 999,999,999.99 元.
MIN_COUNT_WIDTH = 6
MIN_TOTAL_DIGITS = 11

_REASON_CODE = re.compile(r"[A-Z0-9]{4}")

#: The bank's reason texts seen in 回盘 files and the ISO 20022 external status reason each stands for.
#: Longest text wins when several occur in one reason (已销户 before 销户). 介质状态异常 (the card or
#: passbook is reported lost, damaged or not activated) is AC06: the account is open but blocked, and the
#: remedy is the same as for a frozen one (the person goes to the bank); 只进不出 and 只出不进 are partial
#: restrictions the bank reports as refusals, also AC06.
BANK_REASONS: dict[str, str] = {
    "户名不符": "BE01",
    "户名与账号不符": "BE01",
    "证件号码不符": "BE01",
    "已销户": "AC04",
    "销户": "AC04",
    "完全冻结": "AC06",
    "冻结": "AC06",
    "只进不出": "AC06",
    "只出不进": "AC06",
    "挂失": "AC06",
    "介质状态异常": "AC06",
    "非结算户": "AG01",
    "账号不存在": "AC01",
    "账户不存在": "AC01",
    "无此账号": "AC01",
    "死亡": "MD07",
}

#: The code of a reason text the layout does not map; the bank's words are kept beside it.
UNMAPPED_REASON = "NARR"


class LayoutError(ValueError):
    """A layout's JSON that is not even the right shape; the message is Chinese, for the admin."""


@dataclass(frozen=True)
class Column:
    """One column of a line: the field it holds and, in a fixed-width file, its width in bytes."""

    field: str
    width: int | None = None  # bytes in the layout's encoding (a GBK Chinese character is 2)
    pad: str = " "
    pad_side: str = "right"  # where the padding goes: "right" keeps the value on the left
    value: str = ""  # the text of a constant column (合计, CNY …)

    @property
    def label(self) -> str:
        """The Chinese name of the column's field."""
        return FIELD_LABELS.get(self.field, self.field)

    def to_dict(self) -> dict[str, Any]:
        """The column as plain JSON."""
        return {
            "field": self.field,
            "width": self.width,
            "pad": self.pad,
            "pad_side": self.pad_side,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Column:
        """A column from its JSON; a value of the wrong type is a :class:`LayoutError` naming it."""
        if not isinstance(data, Mapping):
            raise LayoutError(f"{where}应为一个对象")
        width = data.get("width")
        if width is not None and (isinstance(width, bool) or not isinstance(width, int)):
            raise LayoutError(f"{where}的长度应为整数")
        return cls(
            field=_text(data, "field", where, ""),
            width=width,
            pad=_text(data, "pad", where, " "),
            pad_side=_text(data, "pad_side", where, "right"),
            value=_text(data, "value", where, ""),
        )


def text_column(field: str, width: int | None = None) -> Column:
    """A column whose value sits on the left, padded with spaces."""
    return Column(field, width)


def number_column(field: str, width: int | None = None) -> Column:
    """A column whose value sits on the right, padded with zeros (amounts and counts of fixed-width files)."""
    return Column(field, width, pad="0", pad_side="left")


def constant_column(value: str, width: int | None = None) -> Column:
    """A column that always holds the same text."""
    return Column("constant", width, value=value)


@dataclass(frozen=True)
class ReturnLayout:
    """The bank's 回盘: the columns of its success and failure files, their 合计 line and its words."""

    success: tuple[Column, ...]
    failure: tuple[Column, ...]
    total: tuple[Column, ...]  # the 合计 line, recognised by its constant column
    total_position: str = "last"
    end_marker: str = ""
    paid_text: str = "成功"
    failed_text: str = "失败"
    returned_text: str = "退回"
    reasons: tuple[tuple[str, str], ...] = ()  # (the bank's text, reason code)

    def reason_table(self) -> dict[str, str]:
        """The bank's reason texts → codes."""
        return dict(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """The return layout as plain JSON."""
        return {
            "success": [column.to_dict() for column in self.success],
            "failure": [column.to_dict() for column in self.failure],
            "total": [column.to_dict() for column in self.total],
            "total_position": self.total_position,
            "end_marker": self.end_marker,
            "paid_text": self.paid_text,
            "failed_text": self.failed_text,
            "returned_text": self.returned_text,
            "reasons": dict(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ReturnLayout:
        """A return layout from its JSON."""
        if not isinstance(data, Mapping):
            raise LayoutError("回盘格式应为一个对象")
        reasons = data.get("reasons", {})
        if not isinstance(reasons, Mapping) or not all(
            isinstance(text, str) and isinstance(code, str) for text, code in reasons.items()
        ):
            raise LayoutError("失败原因对照应为“银行文字 → 原因代码”的对象")
        return cls(
            success=_columns(data, "success", "成功回盘明细"),
            failure=_columns(data, "failure", "失败回盘明细"),
            total=_columns(data, "total", "回盘合计行"),
            total_position=_text(data, "total_position", "回盘", "last"),
            end_marker=_text(data, "end_marker", "回盘", ""),
            paid_text=_text(data, "paid_text", "回盘", "成功"),
            failed_text=_text(data, "failed_text", "回盘", "失败"),
            returned_text=_text(data, "returned_text", "回盘", "退回"),
            reasons=tuple(sorted(reasons.items())),
        )


@dataclass(frozen=True)
class FlatLayout:
    """代发文件格式: one agent bank's flat payment file and its 回盘 files."""

    name: str
    summary: tuple[Column, ...]  # 汇总行
    details: tuple[Column, ...]
    returns: ReturnLayout
    encoding: str = "GBK"
    style: str = "separated"  # or "fixed"
    separator: str = "|"  # "" when fixed width
    trailing_separator: bool = False  # each line also ends with the separator (a|b|c|)
    line_ending: str = "\r\n"
    amount_unit: str = "yuan"  # "yuan": 12.30, "fen": 1230
    date_format: str = "YYYYMMDD"
    summary_position: str = "first"
    end_marker: str = ""  # a last line such as ########

    @property
    def fixed(self) -> bool:
        """Whether columns are cut by width rather than by a separator."""
        return self.style == "fixed"

    @property
    def codec(self) -> str:
        """Python's name of the layout's encoding."""
        return ENCODINGS[self.encoding]

    def to_dict(self) -> dict[str, Any]:
        """The layout as plain JSON (for a JSONField and the editing screen)."""
        return {
            "name": self.name,
            "encoding": self.encoding,
            "style": self.style,
            "separator": self.separator,
            "trailing_separator": self.trailing_separator,
            "line_ending": self.line_ending,
            "amount_unit": self.amount_unit,
            "date_format": self.date_format,
            "summary_position": self.summary_position,
            "summary": [column.to_dict() for column in self.summary],
            "details": [column.to_dict() for column in self.details],
            "end_marker": self.end_marker,
            "returns": self.returns.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> FlatLayout:
        """A layout from its JSON: missing keys take their defaults, wrong types raise LayoutError."""
        if not isinstance(data, Mapping):
            raise LayoutError("银行格式应为一个对象")
        trailing = data.get("trailing_separator", False)
        if not isinstance(trailing, bool):
            raise LayoutError("“行末是否带分隔符”应为是或否")
        return cls(
            name=_text(data, "name", "银行格式", ""),
            summary=_columns(data, "summary", "汇总行"),
            details=_columns(data, "details", "明细行"),
            returns=ReturnLayout.from_dict(data.get("returns", {})),
            encoding=_text(data, "encoding", "银行格式", "GBK").upper(),
            style=_text(data, "style", "银行格式", "separated"),
            separator=_text(data, "separator", "银行格式", "|"),
            trailing_separator=trailing,
            line_ending=_text(data, "line_ending", "银行格式", "\r\n"),
            amount_unit=_text(data, "amount_unit", "银行格式", "yuan"),
            date_format=_text(data, "date_format", "银行格式", "YYYYMMDD"),
            summary_position=_text(data, "summary_position", "银行格式", "first"),
            end_marker=_text(data, "end_marker", "银行格式", ""),
        )

    def validate(self) -> list[str]:
        """What is wrong with the layout, in Chinese, one message per fault (empty when it can be used)."""
        return _Validator(self).errors()


def _text(data: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise LayoutError(f"{where}的“{key}”应为文字")
    return value


def _columns(data: Mapping[str, Any], key: str, where: str) -> tuple[Column, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise LayoutError(f"{where}应为列的列表")
    return tuple(Column.from_dict(item, f"{where}第 {number} 列") for number, item in enumerate(value, 1))


class _Validator:
    """Collects every fault of one layout, so the admin sees them all at once."""

    def __init__(self, layout: FlatLayout) -> None:
        self.layout = layout
        self.found: list[str] = []

    def errors(self) -> list[str]:
        layout = self.layout
        if not layout.name.strip():
            self.found.append("格式名称不能为空")
        self._choice(layout.encoding, ENCODINGS, "编码", "只能是 GBK、GB18030 或 UTF-8")
        self._choice(layout.style, STYLES, "格式类型", "只能是分隔符或定长")
        self._choice(layout.line_ending, LINE_ENDINGS, "换行符", "只能是 CRLF 或 LF")
        self._choice(layout.amount_unit, AMOUNT_UNITS, "金额单位", "只能是元或分")
        self._choice(layout.date_format, DATE_FORMATS, "日期格式", "只能是 " + "、".join(DATE_FORMATS))
        self._choice(layout.summary_position, POSITIONS, "汇总行位置", "只能是首行或末行")
        self._choice(layout.returns.total_position, POSITIONS, "回盘合计行位置", "只能是首行或末行")
        if layout.fixed:
            if layout.separator:
                self.found.append(f"定长格式不用分隔符，却设了分隔符“{_shown(layout.separator)}”")
            if layout.trailing_separator:
                self.found.append("定长格式不用分隔符，“行末带分隔符”应为否")
        elif layout.style == "separated" and layout.separator not in SEPARATORS:
            self.found.append(f"分隔符“{_shown(layout.separator)}”不支持：只能是竖线、逗号或制表符")
        returns = layout.returns
        self._line(layout.summary, "汇总行", SUMMARY_FIELDS, required=("count", "total"))
        self._line(layout.details, "明细行", DETAIL_FIELDS, required=("serial", "name", "account", "amount"))
        self._line(returns.success, "成功回盘明细", RETURN_FIELDS, required=("serial",))
        self._line(returns.failure, "失败回盘明细", RETURN_FIELDS, required=("serial", "reason"))
        self._line(returns.total, "回盘合计行", TOTAL_FIELDS, required=("constant", "count"))
        if any(column.field == "total" for column in returns.total):
            for columns, where in ((returns.success, "成功回盘明细"), (returns.failure, "失败回盘明细")):
                if columns and not any(column.field == "amount" for column in columns):
                    self.found.append(f"回盘合计行有总金额，{where}却没有金额列，无法核对")
        for marker, where in ((layout.end_marker, "结束标志"), (returns.end_marker, "回盘结束标志")):
            if marker:
                self._plain(marker, where)
        self._words()
        self._reasons()
        return self.found

    def _choice(self, value: str, choices: Mapping[str, str], what: str, hint: str) -> None:
        if value not in choices:
            self.found.append(f"{what}“{_shown(value)}”不支持：{hint}")

    def _line(
        self, columns: tuple[Column, ...], where: str, allowed: frozenset[str], required: tuple[str, ...]
    ) -> None:
        if not columns:
            self.found.append(f"{where}没有任何列")
            return
        present = [column.field for column in columns]
        for key in required:
            if key not in present:
                self.found.append(f"{where}缺少“{FIELD_LABELS[key]}”列")
        for key in dict.fromkeys(present):
            if key not in _REPEATABLE and present.count(key) > 1:
                self.found.append(f"{where}的“{FIELD_LABELS.get(key, key)}”列出现了 {present.count(key)} 次")
        for number, column in enumerate(columns, 1):
            self._column(column, f"{where}第 {number} 列", allowed)

    def _column(self, column: Column, where: str, allowed: frozenset[str]) -> None:
        if column.field not in FIELD_LABELS:
            self.found.append(f"{where}：未知字段“{column.field}”")
            return
        if column.field not in allowed:
            self.found.append(f"{where}：这一行不能有“{column.label}”")
        where = f"{where}（{column.label}）"
        if column.field == "constant":
            if not column.value:
                self.found.append(f"{where}没有填写文字")
            else:
                self._plain(column.value, where)
        if not self.layout.fixed:
            return
        if column.width is None or column.width < 1:
            self.found.append(f"{where}：定长格式每列都要有长度（字节数）")
            return
        self._padding(column, where)
        needed = self._needed_width(column)
        if needed > column.width:
            self.found.append(f"{where}长 {column.width} 字节，至少要 {needed} 字节")

    def _padding(self, column: Column, where: str) -> None:
        if column.pad_side not in PAD_SIDES:
            self.found.append(f"{where}：补位方向只能是左侧或右侧")
        if len(column.pad) != 1 or self._bytes(column.pad) != 1:
            self.found.append(f"{where}：补位字符应为一个单字节字符（如空格或 0），现为“{column.pad}”")
        elif column.pad in "\r\n":
            self.found.append(f"{where}：补位字符不能是换行符")
        if column.pad == "0" and column.pad_side == "left" and column.field in _KEEP_LEADING_ZEROS:
            self.found.append(
                f"{where}：在左侧补 0 会和{column.label}本身开头的 0 混淆，请改用空格或在右侧补位"
            )

    def _needed_width(self, column: Column) -> int:
        """The least width the column's values need, where the field says (0 when it does not)."""
        fen = self.layout.amount_unit == "fen"
        if column.field == "constant":
            return self._bytes(column.value)
        if column.field == "date":
            return len(date(2000, 1, 1).strftime(DATE_FORMATS.get(self.layout.date_format, "%Y%m%d")))
        if column.field == "count":
            return MIN_COUNT_WIDTH
        if column.field == "total":
            return MIN_TOTAL_DIGITS + (0 if fen else 1)
        if column.field == "id_type":
            return 2
        if column.field == "result":
            words = (
                self.layout.returns.paid_text,
                self.layout.returns.failed_text,
                self.layout.returns.returned_text,
            )
            return max(self._bytes(word) for word in words)
        return 0

    def _bytes(self, text: str) -> int:
        try:
            return len(text.encode(ENCODINGS.get(self.layout.encoding, "gb18030")))
        except UnicodeEncodeError:
            return 0  # reported by _plain

    def _plain(self, text: str, where: str) -> None:
        """Text written as is into every file: encodable, on one line, and not cut by the separator."""
        if "\r" in text or "\n" in text:
            self.found.append(f"{where}不能含换行符")
        separator = self.layout.separator
        if not self.layout.fixed and separator and separator in text:
            self.found.append(f"{where}“{text}”含有分隔符“{_shown(separator)}”")
        codec = ENCODINGS.get(self.layout.encoding)
        if codec is not None:
            try:
                text.encode(codec)
            except UnicodeEncodeError as error:
                self.found.append(f"{where}含有 {self.layout.encoding} 无法表示的字符“{text[error.start]}”")

    def _words(self) -> None:
        returns = self.layout.returns
        words = {"成功": returns.paid_text, "失败": returns.failed_text, "退回": returns.returned_text}
        for meaning, word in words.items():
            if not word.strip():
                self.found.append(f"处理结果“{meaning}”的写法不能为空")
            else:
                self._plain(word, f"处理结果“{meaning}”的写法")
        written = [word.strip() for word in words.values() if word.strip()]
        if len(set(written)) < len(written):
            self.found.append("处理结果的成功、失败、退回三种写法不能相同")

    def _reasons(self) -> None:
        for text, code in self.layout.returns.reasons:
            if not text.strip():
                self.found.append(f"失败原因对照里有一条银行文字为空（代码 {code}）")
            if not _REASON_CODE.fullmatch(code):
                self.found.append(f"失败原因“{text}”的代码“{code}”应为 4 位大写字母或数字（如 AC04）")
            elif code not in REASONS:
                self.found.append(f"失败原因“{text}”的代码“{code}”不是平台认识的 ISO 20022 原因代码")


def _shown(text: str) -> str:
    return {"\t": "制表符", "\r\n": "CRLF", "\n": "LF", "\r": "CR"}.get(text, text)


# The two layouts ready to pick. The fixed one's widths are bytes in GBK: 户名 40 holds 20 Chinese characters.
_PIPE_RETURN_LINE = (
    text_column("serial"),
    text_column("name"),
    text_column("account"),
    text_column("amount"),
    text_column("result"),
)
_FIXED_RETURN_LINE = (
    text_column("serial", 20),
    text_column("name", 40),
    text_column("account", 32),
    number_column("amount", 15),
    text_column("result", 4),
)

PIPE_SUMMARY_FIRST = FlatLayout(
    name="竖线分隔（汇总行在首行）",
    summary=tuple(text_column(key) for key in ("date", "unit_code", "batch", "count", "total")),
    details=tuple(
        text_column(key)
        for key in ("serial", "name", "amount", "account", "unit_code", "id_type", "id_number", "remark")
    ),
    returns=ReturnLayout(
        success=_PIPE_RETURN_LINE,
        failure=(*_PIPE_RETURN_LINE, text_column("reason")),
        total=(constant_column("合计"), text_column("batch"), text_column("count"), text_column("total")),
        total_position="last",
        reasons=tuple(sorted(BANK_REASONS.items())),
    ),
    encoding="GBK",
    style="separated",
    separator="|",
    amount_unit="yuan",
    summary_position="first",
)

FIXED_SUMMARY_LAST = FlatLayout(
    name="定长（汇总行在末行，分为单位）",
    summary=(
        constant_column("HZ", 2),
        text_column("date", 8),
        text_column("unit_code", 20),
        number_column("count", 10),
        number_column("total", 15),
    ),
    details=(
        constant_column("MX", 2),
        text_column("serial", 20),
        text_column("name", 40),
        text_column("account", 32),
        number_column("amount", 15),
        text_column("id_type", 2),
        text_column("id_number", 18),
        text_column("remark", 60),
    ),
    returns=ReturnLayout(
        success=(*_FIXED_RETURN_LINE, text_column("date", 8)),
        failure=(*_FIXED_RETURN_LINE, text_column("reason", 60)),
        total=(constant_column("合计", 4), number_column("count", 10), number_column("total", 15)),
        total_position="first",
        end_marker="########",
        reasons=tuple(sorted(BANK_REASONS.items())),
    ),
    encoding="GBK",
    style="fixed",
    separator="",
    amount_unit="fen",
    summary_position="last",
    end_marker="########",
)

#: The layouts an admin can start from, by their Chinese names.
READY_LAYOUTS: dict[str, FlatLayout] = {
    layout.name: layout for layout in (PIPE_SUMMARY_FIRST, FIXED_SUMMARY_LAST)
}
