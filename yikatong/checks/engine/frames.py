"""Frame helpers the rules share: the findings frame, fen as 元, per-run caching, fast lookups by key.

Lookups that would compare every line with every registry row first narrow the candidates by hash (a
repeated key has a repeated hash; distinct hashes mean distinct keys) and compare the few candidates
exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

import polars as pl

from yikatong.checks.engine.inputs import AuditInputs

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "row_no": pl.Int64(),
    "rule": pl.String(),
    "severity": pl.String(),
    "id_number": pl.String(),
    "policy_code": pl.String(),
    "detail": pl.String(),
    # What the finding is about, as data: a "line" (row_no), a "roster" (roster_ref, with the workflow
    # step and its deadline for LATE) or a "person_policy" (id_number and policy_code, for MISSED). The
    # platform builds a stored finding's identity from these, never from a sign or from the wording.
    "subject": pl.String(),
    "roster_ref": pl.Int64(),
    "step": pl.String(),
    "due": pl.String(),
}
FINDING_COLUMNS = tuple(FINDING_SCHEMA)
SUBJECTS = ("line", "roster", "person_policy")
LOCKS = "__locks"
HASH, MATCHED = "__hash", "__matched"


def empty_findings() -> pl.DataFrame:
    """A findings frame with no rows."""
    return pl.DataFrame(schema=FINDING_SCHEMA)


def findings_of(frame: pl.DataFrame, code: str, detail: pl.Expr, subject: str = "line") -> pl.DataFrame:
    """The findings for the rows of ``frame`` (which has row_no, id_number, policy_code), one per row.

    A roster's finding takes ``roster_ref``, ``step`` and ``due`` from the frame.
    """
    assert subject in SUBJECTS, subject

    def given(name: str, dtype: pl.DataType) -> pl.Expr:
        return (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)

    return frame.select(
        (pl.col("row_no") if "row_no" in frame.columns else pl.lit(None)).cast(pl.Int64).alias("row_no"),
        pl.lit(code).alias("rule"),
        pl.lit(None, pl.String).alias("severity"),
        pl.col("id_number").cast(pl.String),
        pl.col("policy_code").cast(pl.String),
        detail.cast(pl.String).alias("detail"),
        pl.lit(subject).alias("subject"),
        given("roster_ref", pl.Int64()),
        given("step", pl.String()),
        given("due", pl.String()),
    )


def yuan(fen: pl.Expr) -> pl.Expr:
    """Integer fen as 元 with two decimals: 12345 → "123.45"."""
    return pl.concat_str(
        (fen // 100).cast(pl.String), pl.lit("."), (fen % 100).cast(pl.String).str.pad_start(2, "0")
    )


def cached(inputs: AuditInputs, key: str, build: Callable[[], Any]) -> Any:
    """``inputs.cache[key]``, built by ``build`` once per run even when several rules ask at the same time."""
    if key not in inputs.cache:
        locks: dict[str, threading.Lock] = inputs.cache.setdefault(LOCKS, {})
        with locks.setdefault(key, threading.Lock()):
            if key not in inputs.cache:
                inputs.cache[key] = build()
    return inputs.cache[key]


def frame_of(inputs: AuditInputs, key: str, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    return cast(pl.DataFrame, cached(inputs, key, build))


def repeated(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The rows whose values in ``columns`` may occur more than once: all that do, and rarely a few more.

    Equal values have equal hashes, so hashing the columns and keeping the repeated hashes finds every
    repeat; the callers compare the few rows kept exactly.
    """
    hashed = pl.struct(columns).hash() if len(columns) > 1 else pl.col(columns[0]).hash()
    return frame.filter(hashed.is_duplicated())


def keep(frame: pl.DataFrame, condition: pl.Expr) -> pl.DataFrame:
    """The rows meeting the condition; the frame itself, not a copy of it, when every row does."""
    kept = frame.select(condition.fill_null(False)).to_series()
    return frame if kept.all() else frame.filter(kept)


def join_unique(left: pl.DataFrame, right: pl.DataFrame, on: str) -> pl.DataFrame:
    """``left`` with the other columns of the ``right`` row whose ``on`` equals its own (null if none).

    ``right`` holds each value of ``on`` once (else its first row of a value counts), so ``left`` keeps
    its rows and their order: only its key is joined, and the found columns are set beside the others
    rather than every column being copied. The rows are matched on 64-bit hashes of the key, several times
    cheaper than on long strings, then the keys are compared: when the right-hand hashes are distinct, a
    left key whose hash finds a different key has no match.
    """
    others = [name for name in right.columns if name != on]
    keys = left.select(on)
    hashes = right.get_column(on).hash()
    if hashes.n_unique() != hashes.len():
        unique = right.unique(on, keep="first", maintain_order=True)
        found = keys.join(unique, on=on, how="left", maintain_order="left")
    else:
        hashed = right.with_columns(hashes.alias(HASH)).rename({on: MATCHED})
        joined = keys.with_columns(pl.col(on).hash().alias(HASH)).join(
            hashed, on=HASH, how="left", maintain_order="left"
        )
        same = pl.col(MATCHED) == pl.col(on)
        found = joined.select(pl.when(same).then(pl.col(name)).alias(name) for name in others)
    return left.hstack(found.select(others).get_columns())


# Set by the offline audit's roster reader (bulk.reader.UNREADABLE): the columns a line's file could not give.
UNREADABLE = "__unreadable"


def cell_unreadable(lines: pl.DataFrame, column: str) -> pl.Expr:
    """Whether a line's cell in ``column`` was given but could not be read (null and not just empty)."""
    if UNREADABLE not in lines.columns:
        return pl.lit(False)
    # The reader writes each column's name followed by a comma ("amount,quantity,").
    return pl.col(UNREADABLE).str.contains(f"(^|,){column},", literal=False).fill_null(False)
