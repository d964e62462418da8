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
    """Fill the facts a file may leave out from the ID number, and refuse rows whose given facts disagree.

    A comparison is made only when the frame holds all of its columns (a caller may read only some).
    """
    present = set(frame.columns)
    if kind == "persons" and "id_number" in present:
        number = pl.col("id_number")
        facts = [
            (name, derived, message)
            for name, derived, message in (
                ("gender", id_gender(number), "性别：与身份证号不符"),
                ("birth_date", id_birth_date(number), "出生日期：与身份证号不符"),
            )
            if name in present
        ]
        for name, derived, message in facts:
            given = pl.col(name)
            frame = add_reason(
                frame,
                pl.when(number.is_not_null() & given.is_not_null() & (given != derived)).then(
                    pl.lit(message)
                ),
            )
        return frame.with_columns(
            pl.when(number.is_not_null()).then(pl.col(name).fill_null(derived)).alias(name)
            for name, derived, _ in facts
        )
    if kind == "deaths" and present >= {"id_number", "death_date"}:
        died_before_birth = pl.col("death_date") < id_birth_date(pl.col("id_number"))
        return add_reason(
            frame, pl.when(died_before_birth).then(pl.lit("死亡日期：早于身份证号中的出生日期"))
        )
    if kind == "policies" and present >= {"min_age", "max_age"}:
        band_reversed = pl.col("max_age").cast(pl.Int64) < pl.col("min_age").cast(pl.Int64)
        return add_reason(frame, pl.when(band_reversed).then(pl.lit("最高年龄：小于最低年龄")))
    return frame


def repeated_keys(frame: pl.DataFrame, key: Sequence[Column]) -> pl.DataFrame:
    """Refuse every row whose key (all cells valid) already appeared on an earlier row of the file."""
    names = [column.name for column in key]
    present = pl.all_horizontal([pl.col(name).is_not_null() for name in names])
    # Distinct hashes mean distinct keys: the usual file, with no repeats, needs no exact comparison.
    hashed = pl.struct(names).hash() if len(names) > 1 else pl.col(names[0]).hash()
    hashes = frame.select(hashed.filter(present)).to_series()
    if hashes.n_unique() == hashes.len():
        return frame
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
