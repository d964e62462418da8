"""Resident ID numbers (居民身份证号码, GB 11643) checked a whole column at a time.

The one place GB 11643 is written down: the check weights and characters (``WEIGHTS``, ``CHECK_CHARACTERS``,
``check_digit``) and the place codes (``known_places``). The checks and their order are those of
``yikatong.core.idnumber.validate_id_number``, which validates one number with the same tables: length, 17
digits, check digit, birth date (a real day from 1890-01-01 to today), then the 6-digit place code, which
must be one that ever existed in python-stdnum's ``cn/loc`` table, whatever the birth year.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import polars as pl
from stdnum import numdb

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# The check character of a weighted sum modulo 11.
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH = 18900101

LENGTH = "长度应为18位"
FORMAT = "含有非法字符"
CHECKSUM = "校验位错误"
# Excel keeps 15 significant digits, so a number typed into a numeric cell ends in zeros and fails its check.
CHECKSUM_EXCEL = (
    "校验位错误（末尾是000，可能被 Excel 当作数字保存而丢失了末几位，请把该列设为文本后重新录入）"
)
BIRTH = "出生日期无效"
PLACE = "地区码不存在"


@lru_cache(maxsize=1)
def known_places() -> pl.Series:
    """Every 6-digit division code stdnum's ``cn/loc`` table knows, of any period."""
    codes: list[str] = []

    def walk(prefix: str, entries: list[Any]) -> None:
        # numdb entries are (length, low, high, properties, children); a range covers low..high.
        for length, low, high, props, children in entries:
            for number in range(int(low), int(high) + 1):
                code = prefix + str(number).zfill(length)
                if len(code) == 6:
                    if props:
                        codes.append(code)
                elif len(code) < 6:
                    walk(code, children)

    walk("", numdb.get("cn/loc").prefixes)
    return pl.Series("place", sorted(set(codes)), dtype=pl.String)


def check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


@lru_cache(maxsize=1)
def known_place_codes() -> frozenset[str]:
    """``known_places`` as a set, for checking one number at a time."""
    return frozenset(known_places().to_list())


def valid_ymd(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Whether integer year, month and day make a real day of the proleptic Gregorian calendar."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    return (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)


def ymd_number(day: dt.date) -> int:
    """A date as the integer YYYYMMDD, the form the birth date takes inside an ID number."""
    return day.year * 10_000 + day.month * 100 + day.day


def id_number_steps(
    number: str, *, today: dt.date, as_digits: bool = False
) -> tuple[list[dict[str, pl.Expr]], pl.Expr]:
    """Validate the normalised ID numbers (18 characters, upper case) in column ``number``.

    Returns the helper columns to add, step by step, and the failure message (null when valid) built on
    them. Helpers are materialised because an expression tree repeats every shared sub-expression: the
    17 weighted digits and the date parts would otherwise re-parse the whole column dozens of times.
    ``as_digits`` says every number is already known to be 17 digits and a digit or X (the length and
    character checks are left out).
    """
    col = pl.col(number)
    first17 = col.str.slice(0, 17)
    digits_ok, value, total, ymd = (f"{number}:{part}" for part in ("digits_ok", "value", "total", "ymd"))
    year, month, day = (f"{number}:{part}" for part in ("year", "month", "day"))
    given, birth_ok = f"{number}:given", f"{number}:birth_ok"
    last = col.str.slice(17, 1)
    first: dict[str, pl.Expr] = {
        value: first17.str.to_integer(strict=False),
        given: pl.when(last == "X").then(pl.lit(10, pl.Int64)).otherwise(last.str.to_integer(strict=False)),
    }
    if not as_digits:
        first[digits_ok] = first17.str.contains(r"^[0-9]{17}$")
    steps = [
        first,
        {
            total: pl.sum_horizontal(
                [(pl.col(value) // 10 ** (16 - place)) % 10 * weight for place, weight in enumerate(WEIGHTS)]
            ),
            ymd: (pl.col(value) // 1_000) % 100_000_000,
        },
        {
            year: pl.col(ymd) // 10_000,
            month: (pl.col(ymd) // 100) % 100,
            day: pl.col(ymd) % 100,
        },
        {
            birth_ok: valid_ymd(pl.col(year), pl.col(month), pl.col(day))
            & pl.col(ymd).is_between(EARLIEST_BIRTH, ymd_number(today)),
        },
    ]
    expected = (12 - pl.col(total) % 11) % 11
    checksum_message = (
        pl.when(col.str.ends_with("000")).then(pl.lit(CHECKSUM_EXCEL)).otherwise(pl.lit(CHECKSUM))
    )
    checksum_ok = pl.col(given).is_not_null() & (pl.col(given) == expected)
    place_ok = col.str.slice(0, 6).is_in(known_places().implode())
    if as_digits:
        error = (
            pl.when(~checksum_ok)
            .then(checksum_message)
            .when(~pl.col(birth_ok))
            .then(pl.lit(BIRTH))
            .when(~place_ok)
            .then(pl.lit(PLACE))
        )
        return steps, error
    error = (
        pl.when(col.str.len_chars() != 18)
        .then(pl.lit(LENGTH))
        .when(~pl.col(digits_ok))
        .then(pl.lit(FORMAT))
        .when(~checksum_ok)
        .then(checksum_message)
        .when(~pl.col(birth_ok))
        .then(pl.lit(BIRTH))
        .when(~place_ok)
        .then(pl.lit(PLACE))
    )
    return steps, error


def id_birth_date(number: pl.Expr) -> pl.Expr:
    """The ISO birth date written in valid ID numbers."""
    return pl.concat_str(
        [number.str.slice(6, 4), number.str.slice(10, 2), number.str.slice(12, 2)], separator="-"
    )


def id_gender(number: pl.Expr) -> pl.Expr:
    """The gender code, M or F, from the parity of the 17th digit of valid ID numbers (odd for men)."""
    odd = number.str.slice(16, 1).str.to_integer(strict=False) % 2 == 1
    return pl.when(odd).then(pl.lit("M")).otherwise(pl.lit("F"))


def id_number_errors(numbers: pl.Series, *, today: dt.date, as_digits: bool = False) -> pl.Series:
    """The failure message of each normalised ID number, null where it is valid (``as_digits``: see
    ``id_number_steps``)."""
    steps, error = id_number_steps("number", today=today, as_digits=as_digits)
    frame = pl.DataFrame({"number": numbers.cast(pl.String)})
    for step in steps:
        frame = frame.with_columns(**step)
    return frame.select(error.alias("error")).to_series()
