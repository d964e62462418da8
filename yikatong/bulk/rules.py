"""Checks that look at more than one cell: facts derived from the ID number, and keys repeated in a file.

They run on the checked frame, where a value is null unless it was given and valid, so "both present" means
"both present and valid". Each adds its messages to the row's reasons.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from yikatong.bulk.idnumbers import id_birth_date, id_gender
from yikatong.bulk.schemas import Column

REASONS = "__reasons"
SEPARATOR = "；"


def add_reason(frame: pl.DataFrame, error: pl.Expr) -> pl.DataFrame:
    """Append a message (null where there is none) to each row's reasons."""
    reasons = pl.col(REASONS)
    return frame.with_columns(
        pl.when(reasons.is_null())
        .then(error)
        .when(error.is_null())
        .then(reasons)
        .otherwise(pl.concat_str([reasons, error], separator=SEPARATOR))
        .alias(REASONS)
    )


def derive_and_compare(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the facts a file may leave out from the ID number, and refuse rows whose given facts disagree."""
    if kind == "persons":
        number = pl.col("id_number")
        gender, birth = id_gender(number), id_birth_date(number)
        given_gender, given_birth = pl.col("gender"), pl.col("birth_date")
        frame = add_reason(
            frame,
            pl.when(number.is_not_null() & given_gender.is_not_null() & (given_gender != gender)).then(
                pl.lit("性别：与身份证号不符")
            ),
        )
        frame = add_reason(
            frame,
            pl.when(number.is_not_null() & given_birth.is_not_null() & (given_birth != birth)).then(
                pl.lit("出生日期：与身份证号不符")
            ),
        )
        return frame.with_columns(
            pl.when(number.is_not_null()).then(given_gender.fill_null(gender)).alias("gender"),
            pl.when(number.is_not_null()).then(given_birth.fill_null(birth)).alias("birth_date"),
        )
    if kind == "deaths":
        died_before_birth = pl.col("death_date") < id_birth_date(pl.col("id_number"))
        return add_reason(
            frame, pl.when(died_before_birth).then(pl.lit("死亡日期：早于身份证号中的出生日期"))
        )
    if kind == "policies":
        band_reversed = pl.col("max_age").cast(pl.Int64) < pl.col("min_age").cast(pl.Int64)
        return add_reason(frame, pl.when(band_reversed).then(pl.lit("最高年龄：小于最低年龄")))
    return frame


def repeated_keys(frame: pl.DataFrame, key: Sequence[Column]) -> pl.DataFrame:
    """Refuse every row whose key (all cells valid) already appeared on an earlier row of the file."""
    names = [column.name for column in key]
    present = pl.all_horizontal([pl.col(name).is_not_null() for name in names])
    repeated = (
        present & ~pl.struct(names).is_first_distinct()
        if len(names) > 1
        else present & ~pl.col(names[0]).is_first_distinct()
    )
    later = frame.select(pl.col("row_no"), *names).filter(repeated)
    if later.height == 0:
        return frame
    # Repeats are rare, so the earliest row of each repeated key is looked up among those keys only.
    first = (
        frame.select(pl.col("row_no"), *names)
        .join(later.select(names).unique(), on=names)
        .group_by(names)
        .agg(pl.col("row_no").min().alias("__first"))
    )
    label = "、".join(column.chinese for column in key)
    messages = later.join(first, on=names).select(
        pl.col("row_no"), pl.format(f"{label}：与第{{}}行重复", pl.col("__first")).alias("__repeat")
    )
    frame = frame.join(messages, on="row_no", how="left", maintain_order="left")
    return add_reason(frame, pl.col("__repeat")).drop("__repeat")
