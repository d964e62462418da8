"""How each kind of cell is normalised and validated, as Polars expressions over a whole column.

Every check reads the cleaned cells of one column (NFKC, trimmed, null when empty) and gives the canonical
value and the reason a cell is wrong (null when it is fine). Intermediate results that an expression would
use more than once are named helper columns, added in steps: a Polars expression tree repeats shared
sub-expressions, so re-using one by reference would parse the column again for every use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from yikatong.bulk.idnumbers import id_number_errors, id_number_steps, valid_ymd, ymd_number
from yikatong.bulk.regions import UNKNOWN_REGION, RegionScope, region_code_error
from yikatong.bulk.schemas import Column

EMPTY = "不能为空"
LINE_BREAK = "单元格里有换行（CSV 文件中常是某个单元格以不成对的英文引号开头，把后面几行并进了这一格）"
EARLIEST_DATE = 18900101
LATEST_DATE = 20991231
DATE_FORMS = "不是有效的日期（应写作 2026-07-24、2026/7/24、2026.7.24、20260724 或 2026年7月24日）"
# The 1900 date system: serial 61 is 1900-03-01; earlier serials count Excel's fictitious 1900-02-29.
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_FIRST_SERIAL, EXCEL_LAST_SERIAL = 61, 2_958_465
# Excel shows long numbers typed into a numeric cell as 2.32722E+17, and a CSV saved from it keeps only that.
SCIENTIFIC = r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$"
LOST_TO_EXCEL = "被 Excel 改成了科学计数法，号码已丢失，请把该列设为文本格式后重新录入"
# Enough for a value in fen (or ten-thousandths of a 亩) to fit a signed 64-bit integer.
MAX_DIGITS = 18

# Cells made only of ASCII and common CJK ideographs are already in NFKC form; anything else (full-width
# letters and digits, ideographic spaces, compatibility ideographs, zero-width marks) needs the full pass.
NEEDS_NFKC = r"[^\x00-\x7F\x{4E00}-\x{9FFF}]"
INVISIBLE = r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}]"

Steps = list[dict[str, pl.Expr]]

# Canonical text: printable ASCII and common ideographs, inner spaces only. A canonical Chinese name: 1 to 30
# common ideographs (no spaces, digits or stray marks to remove or refuse).
_PLAIN = r"\x21-\x7E\x{4E00}-\x{9FFF}"
TEXT_AS_IS = rf"^[{_PLAIN}]([ {_PLAIN}]*[{_PLAIN}])?$"
NAME_AS_IS = r"^[\x{4E00}-\x{9FFF}]{1,30}$"
# Cells are checked once per distinct value when there are at most one per FEW_VALUES_SHARE cells, among
# the first FEW_VALUES_SAMPLE and then among all, in a column of more than FEW_VALUES_FROM.
FEW_VALUES_FROM = 1_000
FEW_VALUES_SAMPLE = 10_000
FEW_VALUES_SHARE = 20


@dataclass(frozen=True)
class Context:
    """What the checks need beyond the cell: the day of the upload, reference lists and the file type."""

    today: dt.date
    known_villages: pl.Series | None = None
    # Every region and the user's area: a village code outside it is told apart from one that does not exist.
    regions: RegionScope | None = None
    known_banks: pl.Series | None = None
    excel: bool = False


@dataclass(frozen=True)
class Checked:
    """Helper columns to add step by step, then a column's canonical value and failure message."""

    value: pl.Expr
    error: pl.Expr
    steps: Steps = field(default_factory=list)


def clean(name: str, *, needs_nfkc: bool = True) -> pl.Expr:
    """A raw column trimmed, with full-width and compatibility characters folded, and empty cells as null."""
    cell = pl.col(name)
    if needs_nfkc:
        cell = cell.str.normalize("NFKC").str.replace_all(INVISIBLE, "")
    # replace, not when/then: a when/then would repeat the NFKC pass for its condition and its value.
    return cell.str.strip_chars().replace("", None)


def check_cells(
    cells: Sequence[str | None] | pl.Series, column: Column, context: Context, *, shortcuts: bool = True
) -> pl.DataFrame:
    """Clean and check raw cells of one column: a frame of "value" (null unless valid) and "error"."""
    value, error = check_series(pl.Series(cells, dtype=pl.String), column, context, shortcuts=shortcuts)
    return pl.DataFrame({"value": value, "error": error})


def check_series(
    raw: pl.Series, column: Column, context: Context, *, shortcuts: bool = True
) -> tuple[pl.Series, pl.Series]:
    """The canonical value (null unless valid) and the failure message (null if fine) of each raw cell.

    Two shortcuts give the same results as the full check (``shortcuts=False``) in a fraction of its time:
    cells already written in canonical form (``canonical_pattern``) skip the cleaning and the reshaping,
    and only the others are checked in full; cells of few distinct values (an enum, quantities written
    as "1") are checked once per distinct value. Every check looks at one cell alone, so neither changes
    what any cell gives.
    """
    raw = raw.cast(pl.String).rename("raw")
    if not shortcuts:
        return _full_check(raw, column, context)
    pattern = canonical_pattern(column, context)
    if pattern is None:
        return _check_each_value(raw, column, context)
    # Empty cells (null as read) need no check either: absent if optional, refused if required.
    plain = raw.str.contains(pattern).fill_null(True)
    others = (~plain).arg_true()
    # Every cell is taken as written, then the others are replaced by their full check.
    value, error = _check_plain(raw, column, context)
    if others.len() == 0:
        return value, error
    if others.len() == raw.len():
        return _check_each_value(raw, column, context)
    value_of_others, error_of_others = _check_each_value(raw.gather(others), column, context)
    return value.clone().scatter(others, value_of_others), error.clone().scatter(others, error_of_others)


def _check_each_value(raw: pl.Series, column: Column, context: Context) -> tuple[pl.Series, pl.Series]:
    """The full check, once per distinct value when the first cells show that there are few."""
    if raw.len() > FEW_VALUES_FROM and raw.head(FEW_VALUES_SAMPLE).n_unique() * FEW_VALUES_SHARE < min(
        raw.len(), FEW_VALUES_SAMPLE
    ):
        distinct = raw.unique()
        if distinct.len() * FEW_VALUES_SHARE < raw.len():
            value, error = _full_check(distinct, column, context)
            table = pl.DataFrame({"raw": distinct, "value": value, "error": error})
            joined = raw.to_frame().join(table, on="raw", how="left", nulls_equal=True, maintain_order="left")
            return joined.get_column("value"), joined.get_column("error")
    return _full_check(raw, column, context)


def _check_plain(cells: pl.Series, column: Column, context: Context) -> tuple[pl.Series, pl.Series]:
    """Cells in canonical form (or null): kept as written; only an ID number's digits still need checking."""
    if column.kind == "id_number":
        # The canonical pattern holds 17 digits and a digit or X: the check digit and the rest remain.
        error = id_number_errors(cells, today=context.today, as_digits=True).rename("error")
        value = cells.zip_with(error.is_null(), _nulls("value", cells.len())).rename("value")
    else:
        value, error = cells.rename("value"), _nulls("error", cells.len())
    if column.required and cells.has_nulls():
        error = error.zip_with(
            cells.is_not_null(), pl.repeat(EMPTY, cells.len(), dtype=pl.String, eager=True)
        )
    elif cells.has_nulls():
        error = error.zip_with(cells.is_not_null(), _nulls("error", cells.len()))
    return value, error.rename("error")


def _nulls(name: str, length: int) -> pl.Series:
    return pl.repeat(None, length, dtype=pl.String, eager=True).rename(name)


def _full_check(raw: pl.Series, column: Column, context: Context) -> tuple[pl.Series, pl.Series]:
    # Decided for the cells at hand, not per cell: the NFKC pass is the costliest step, and a cell of
    # ASCII and common ideographs comes out of it unchanged, so the result is the same either way.
    needs_nfkc = bool(raw.str.contains(NEEDS_NFKC).any())
    frame = raw.to_frame("raw").select(clean("raw", needs_nfkc=needs_nfkc).alias("cell"))
    checked = check("cell", column, context)
    frame = apply(frame, [checked]).with_columns(checked.error.alias("error"))
    result = frame.select(pl.when(pl.col("error").is_null()).then(checked.value).alias("value"), "error")
    return result.get_column("value"), result.get_column("error")


def canonical_pattern(column: Column, context: Context) -> str | None:
    """A pattern of raw cells already in canonical form, which the check keeps as they are and never refuses.

    Such a cell has no surrounding spaces, no character NFKC would change and no line break, and is written
    exactly as the kind's canonical form. An ID number so written still has its digits checked; kinds
    whose every value needs reshaping or looking up (dates, phone numbers, enums, codes checked against a
    list) have none.
    """
    kind = column.kind
    if kind == "id_number":
        # Its value as written; the check digit, birth date and place code are checked all the same.
        return r"^[0-9]{17}[0-9X]$"
    if kind == "text":
        return TEXT_AS_IS
    if kind == "name":
        return NAME_AS_IS
    if kind == "village_code" and context.known_villages is None and context.regions is None:
        return r"^[0-9]{12}$"
    if kind == "bank_code" and context.known_banks is None:
        return r"^[0-9]{3,12}$"
    if kind == "account":
        return r"^[0-9]{8,32}$"
    if kind == "int":
        return rf"^(0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}})$"
    if kind == "decimal":
        whole = MAX_DIGITS - column.places
        if column.places == 0:
            return rf"^(0|[1-9][0-9]{{0,{whole - 1}}})$"
        return rf"^(0|[1-9][0-9]{{0,{whole - 1}}})\.[0-9]{{{column.places}}}$"
    if kind == "period":
        return r"^[0-9]{4}(-(0[1-9]|1[0-2])|Q[1-4])?$"
    return None


def check(cell: str, column: Column, context: Context) -> Checked:
    """Normalise and validate the cleaned cells in column ``cell`` according to the column's kind."""
    checked = CHECKS[column.kind](cell, column, context)
    present = pl.col(cell).is_not_null()
    if column.kind != "text":
        # Only free text may break lines; elsewhere a line break is most often a CSV cell that opened with
        # an unpaired quote and swallowed the lines after it, which the user must see as such.
        swallowed = pl.col(cell).str.contains("\n", literal=True)
        checked = Checked(
            checked.value, pl.when(swallowed).then(pl.lit(LINE_BREAK)).otherwise(checked.error), checked.steps
        )
    # An empty optional cell is simply absent; an empty required one gets that one message.
    if column.required:
        error = pl.when(~present).then(pl.lit(EMPTY)).otherwise(checked.error)
    else:
        error = pl.when(present).then(checked.error)
    return Checked(value=pl.when(present).then(checked.value), error=error, steps=checked.steps)


def apply(frame: pl.DataFrame, checks: Sequence[Checked]) -> pl.DataFrame:
    """Add the helper columns of all checks, one step of every check at a time so columns run in parallel."""
    for depth in range(max((len(checked.steps) for checked in checks), default=0)):
        step = {
            name: expr
            for checked in checks
            if depth < len(checked.steps)
            for name, expr in checked.steps[depth].items()
        }
        frame = frame.with_columns(**step)
    return frame


def _id_number(cell: str, column: Column, context: Context) -> Checked:
    number = f"{cell}:number"
    steps, error = id_number_steps(number, today=context.today)
    normalised = pl.col(cell).str.replace_all(" ", "", literal=True).str.to_uppercase()
    error = pl.when(pl.col(cell).str.contains(SCIENTIFIC)).then(pl.lit(LOST_TO_EXCEL)).otherwise(error)
    return Checked(pl.col(number), error, [{number: normalised}, *steps])


def _text(cell: str, column: Column, context: Context) -> Checked:
    return Checked(pl.col(cell), pl.lit(None, pl.String))


def _name(cell: str, column: Column, context: Context) -> Checked:
    text = pl.col(cell)
    name = f"{cell}:name"
    # Chinese names are often padded for alignment ("王  伟"); other names keep single spaces between words.
    spaced = (
        pl.when(text.str.contains(r"\p{Han}"))
        .then(text.str.replace_all(r"\s+", ""))
        .otherwise(text.str.replace_all(r"\s+", " "))
    )
    error = (
        pl.when(pl.col(name).str.len_chars() > 30)
        .then(pl.lit("不能超过30个字"))
        .when(pl.col(name).str.contains(r"\d"))
        .then(pl.lit("不能含有数字"))
        .when(pl.col(name).str.contains(r"[\p{Cc}\x{FFFD}?]"))
        .then(pl.lit("含有无法识别的字符（可能是文件编码不对）"))
    )
    return Checked(pl.col(name), error, [{name: spaced}])


def _date(cell: str, column: Column, context: Context) -> Checked:
    text, year, month, day, iso, ymd = (
        f"{cell}:{part}" for part in ("text", "year", "month", "day", "iso", "ymd")
    )
    # Excel date cells arrive as "2026-07-24 00:00:00"; the time of day is not part of any date kept here.
    shaped = pl.col(cell).str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "").str.replace(r"日$", "")
    shaped = shaped.str.replace_all(r"[年月/.]", "-").str.replace(r"^(\d{4})(\d{2})(\d{2})$", "$1-$2-$3")
    parts = pl.col(text).str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    as_iso = pl.concat_str(
        [
            pl.col(year).cast(pl.String),
            pl.col(month).cast(pl.String).str.zfill(2),
            pl.col(day).cast(pl.String).str.zfill(2),
        ],
        separator="-",
    )
    valid = valid_ymd(pl.col(year), pl.col(month), pl.col(day))
    steps: Steps = [
        {text: shaped},
        {
            year: parts.struct.field("1").str.to_integer(strict=False),
            month: parts.struct.field("2").str.to_integer(strict=False),
            day: parts.struct.field("3").str.to_integer(strict=False),
        },
        {
            iso: pl.when(valid).then(as_iso),
            ymd: pl.when(valid).then(pl.col(year) * 10_000 + pl.col(month) * 100 + pl.col(day)),
        },
    ]
    if context.excel:
        serial = pl.col(cell).str.extract(r"^(\d{1,7})(?:\.0+)?$").str.to_integer(strict=False)
        is_serial = serial.is_between(EXCEL_FIRST_SERIAL, EXCEL_LAST_SERIAL)
        day_of_serial = pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
        steps.append(
            {
                iso: pl.when(is_serial).then(day_of_serial.dt.to_string("%Y-%m-%d")).otherwise(pl.col(iso)),
                ymd: pl.when(is_serial)
                .then(day_of_serial.dt.to_string("%Y%m%d").str.to_integer())
                .otherwise(pl.col(ymd)),
            }
        )
    latest = min(ymd_number(context.today), LATEST_DATE) if column.not_future else LATEST_DATE
    error = (
        pl.when(pl.col(ymd).is_null())
        .then(pl.lit(DATE_FORMS))
        .when(pl.col(ymd) < EARLIEST_DATE)
        .then(pl.lit("早于1890年"))
        .when(pl.col(ymd) > latest)
        .then(pl.lit("晚于今天" if column.not_future else "晚于2099年"))
    )
    return Checked(pl.col(iso), error, steps)


def _village_code(cell: str, column: Column, context: Context) -> Checked:
    malformed = "应为12位数字的村级区划代码"
    if context.regions is None:
        return _code(cell, r"^[0-9]{12}$", malformed, context.known_villages, UNKNOWN_REGION)
    code = f"{cell}:code"
    error = (
        pl.when(~pl.col(code).str.contains(r"^[0-9]{12}$"))
        .then(pl.lit(malformed))
        .otherwise(region_code_error(pl.col(code), context.regions))
    )
    return Checked(pl.col(code), error, [{code: pl.col(cell).str.replace_all(r"\s", "")}])


def _bank_code(cell: str, column: Column, context: Context) -> Checked:
    return _code(cell, r"^[0-9]{3,12}$", "应为3至12位数字", context.known_banks, "银行代码 {} 不存在")


def _code(cell: str, pattern: str, malformed: str, known: pl.Series | None, unknown: str) -> Checked:
    code = f"{cell}:code"
    wrong_shape = ~pl.col(code).str.contains(pattern)
    if known is None:
        error: pl.Expr = pl.when(wrong_shape).then(pl.lit(malformed))
    else:
        not_known = ~pl.col(code).is_in(known.implode())
        error = (
            pl.when(wrong_shape)
            .then(pl.lit(malformed))
            .when(not_known)
            .then(pl.format(unknown, pl.col(code)))
        )
    return Checked(pl.col(code), error, [{code: pl.col(cell).str.replace_all(r"\s", "")}])


def _account(cell: str, column: Column, context: Context) -> Checked:
    account = pl.col(cell).str.replace_all(r"[\s-]", "")
    error = (
        pl.when(pl.col(cell).str.contains(SCIENTIFIC))
        .then(pl.lit(LOST_TO_EXCEL))
        .when(~account.str.contains(r"^[0-9]{8,32}$"))
        .then(pl.lit("应为8至32位数字"))
    )
    return Checked(account, error)


def _phone(cell: str, column: Column, context: Context) -> Checked:
    compact, landline = f"{cell}:compact", f"{cell}:landline"
    digits = pl.col(cell).str.replace_all(r"[\s()\-]", "").str.replace(r"^\+?86(1[0-9]{10})$", "$1")
    # Beijing (010) and the big cities (02x) have 3-digit area codes, every other area a 4-digit one.
    area = (
        pl.when(pl.col(compact).str.starts_with("01") | pl.col(compact).str.starts_with("02"))
        .then(3)
        .otherwise(4)
    )
    split = pl.concat_str(
        [pl.col(compact).str.slice(0, area), pl.col(compact).str.slice(area)], separator="-"
    )
    mobile = pl.col(compact).str.contains(r"^1[3-9][0-9]{9}$")
    is_landline = pl.col(compact).str.contains(r"^0[0-9]{9,11}$") & pl.col(landline).str.contains(
        r"^0[0-9]{2,3}-[1-9][0-9]{6,7}$"
    )
    error = pl.when(~mobile & ~is_landline).then(
        pl.lit("应为11位手机号或带区号的固定电话（如 0457-3662123）")
    )
    value = pl.when(mobile).then(pl.col(compact)).otherwise(pl.col(landline))
    return Checked(value, error, [{compact: digits}, {landline: split}])


def _decimal(cell: str, column: Column, context: Context) -> Checked:
    places = column.places
    text, whole, fraction = (f"{cell}:{part}" for part in ("text", "whole", "fraction"))
    raw = pl.col(cell).str.replace_all(" ", "", literal=True)
    # Thousands separators are dropped only where they sit every three digits, so "1,5" stays an error.
    grouped = raw.str.contains(r"^\+?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
    parts = pl.col(text).str.extract_groups(r"^\+?([0-9]*)\.?([0-9]*)$")
    canonical = pl.when(pl.col(whole) == "").then(pl.lit("0")).otherwise(pl.col(whole))
    if places:
        canonical = pl.concat_str([canonical, pl.col(fraction).str.pad_end(places, "0")], separator=".")
    error = (
        pl.when(pl.col(text).str.starts_with("-"))
        .then(pl.lit("不能为负数"))
        .when(~pl.col(text).str.contains(r"^\+?([0-9]+\.?[0-9]*|\.[0-9]+)$"))
        .then(pl.lit("不是有效的数字"))
        .when(pl.col(fraction).str.len_chars() > places)
        .then(pl.lit(f"最多{places}位小数" if places else "应为整数"))
        .when(pl.col(whole).str.len_chars() + places > MAX_DIGITS)
        .then(pl.lit("数值过大"))
    )
    steps: Steps = [
        {text: pl.when(grouped).then(raw.str.replace_all(",", "", literal=True)).otherwise(raw)},
        {
            whole: parts.struct.field("1").str.strip_chars_start("0"),
            fraction: parts.struct.field("2").fill_null("").str.strip_chars_end("0"),
        },
    ]
    return Checked(canonical, error, steps)


def _int(cell: str, column: Column, context: Context) -> Checked:
    digits = f"{cell}:digits"
    # Excel hands whole numbers over as "12", but some sheets store "12.0".
    extracted = pl.col(cell).str.replace_all(" ", "", literal=True).str.extract(r"^\+?([0-9]+)(?:\.0*)?$")
    whole = pl.col(digits).str.strip_chars_start("0")
    canonical = pl.when(whole == "").then(pl.lit("0")).otherwise(whole)
    error = (
        pl.when(pl.col(cell).str.starts_with("-"))
        .then(pl.lit("不能为负数"))
        .when(pl.col(digits).is_null())
        .then(pl.lit("应为整数"))
        .when(whole.str.len_chars() > MAX_DIGITS)
        .then(pl.lit("数值过大"))
    )
    return Checked(canonical, error, [{digits: extracted}])


def _enum(cell: str, column: Column, context: Context) -> Checked:
    code = f"{cell}:code"
    mapping = {spelling.lower(): value for spelling, value in column.choices}
    lookup = pl.col(cell).str.replace_all(r"\s", "").str.to_lowercase().replace_strict(mapping, default=None)
    # The message shows one spelling per code, the first Chinese one where there is one.
    shown: dict[str, str] = {}
    for spelling, value in column.choices:
        if value not in shown or (shown[value].isascii() and not spelling.isascii()):
            shown[value] = spelling
    error = pl.when(pl.col(code).is_null()).then(pl.lit("应为以下之一：" + "、".join(shown.values())))
    return Checked(pl.col(code), error, [{code: lookup}])


def _period(cell: str, column: Column, context: Context) -> Checked:
    text = f"{cell}:text"
    shaped = pl.col(cell).str.replace_all(r"\s", "").str.to_uppercase()
    shaped = shaped.str.replace(r"^(\d{4})年?第?([1-4])季度?$", "${1}Q$2").str.replace(r"^(\d{4})年$", "$1")
    shaped = shaped.str.replace(r"月$", "").str.replace_all(r"[年/.]", "-")
    shaped = shaped.str.replace(r"^(\d{4})(\d{2})$", "$1-$2").str.replace(r"^(\d{4})-(\d)$", "${1}-0$2")
    month = pl.col(text).str.extract(r"^\d{4}-(\d{2})$").str.to_integer(strict=False)
    valid = pl.col(text).str.contains(r"^\d{4}(Q[1-4])?$") | month.is_between(1, 12).fill_null(False)
    error = pl.when(~valid).then(pl.lit("应写作 2026-10（月）、2026Q4（季度）或 2026（年）"))
    return Checked(pl.col(text), error, [{text: shaped}])


def _codes(cell: str, column: Column, context: Context) -> Checked:
    codes = f"{cell}:codes"
    split = pl.col(cell).str.replace_all(r"[；;、,，]", ";").str.split(";")
    split = split.list.eval(pl.element().str.strip_chars()).list.eval(pl.element().filter(pl.element() != ""))
    bad = pl.col(codes).list.eval(~pl.element().str.contains(r"^[0-9A-Za-z_\-]+$")).list.any()
    error = pl.when(bad).then(pl.lit("项目代码只能由字母、数字、下划线和连字符组成，多个代码用分号隔开"))
    joined = pl.col(codes).list.join(";")
    return Checked(pl.when(joined != "").then(joined), error, [{codes: split}])


CHECKS: dict[str, Callable[[str, Column, Context], Checked]] = {
    "id_number": _id_number,
    "text": _text,
    "name": _name,
    "date": _date,
    "village_code": _village_code,
    "bank_code": _bank_code,
    "account": _account,
    "phone": _phone,
    "decimal": _decimal,
    "int": _int,
    "enum": _enum,
    "period": _period,
    "codes": _codes,
}
