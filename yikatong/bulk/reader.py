"""Uploaded registries, policies and rosters turned into clean frames plus the rows that were refused.

``read_table`` reads a CSV (UTF-8 with or without BOM, GBK/GB18030) or .xlsx file, maps its headers to the
schema, normalises and checks every cell with whole-column Polars expressions, and splits the rows into
``rows`` (valid, canonical) and ``rejected`` (the original cells and every reason). No row is dropped
silently: ``rows.height + rejected.height == total_rows``.

With ``keep_every_row`` nothing is refused: every row is in ``rows``, a cell that cannot be read is null
there, and the row says which cells (``UNREADABLE``: their column names, each followed by a comma; null
when every cell could be read) and why (``PROBLEMS``). The
offline audit reads rosters this way, because a line that is in the file is never outside the audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from yikatong.bulk.errors import UnreadableFile
from yikatong.bulk.headers import HeaderMatch, blank_header_label, find_header, header_score, match_headers
from yikatong.bulk.kinds import Context, check_series
from yikatong.bulk.loading import HEADER_SEARCH_ROWS, RawTable, load
from yikatong.bulk.regions import RegionScope
from yikatong.bulk.report import REASON, write_error_report
from yikatong.bulk.rules import REASONS, add_reason, derive_and_compare, repeated_keys
from yikatong.bulk.schemas import KEYS, SCHEMAS, Column

__all__ = ["ParsedTable", "UnreadableFile", "read_table", "write_error_report"]

ROW_NO = "row_no"
NON_BLANK = r"\S"
FILLED_SAMPLE = 1_000
ERROR = "__error"
UNREADABLE = "__unreadable"
PROBLEMS = "__problems"
SPARE_CELLS = "该行的单元格比表头多（可能某个单元格里有没加引号的逗号）"


@dataclass
class ParsedTable:
    """An uploaded table after reading: its valid rows in canonical form and its refused rows with reasons."""

    kind: str
    source_name: str
    encoding: str
    rows: pl.DataFrame
    rejected: pl.DataFrame
    unknown_columns: list[str]
    total_rows: int


def read_table(
    path: Path,
    kind: str,
    *,
    source_name: str | None = None,
    known_villages: Collection[str] | None = None,
    regions: RegionScope | None = None,
    known_banks: Collection[str] | None = None,
    sheet: str | int | None = None,
    today: dt.date | None = None,
    columns: Collection[str] | None = None,
    keep_every_row: bool = False,
) -> ParsedTable:
    """Read one uploaded file of the given kind into valid rows and rejected rows, or raise UnreadableFile.

    ``columns`` (default: all) names the schema columns the caller will use: only they and the kind's key
    are checked and returned, so a row is refused only for what those cells hold. The file must still
    have every required header. The offline audit reads registries this way; imports read everything.
    ``keep_every_row``: see the module's docstring. ``regions`` (every region and the user's area) checks
    village codes as ``known_villages`` does and tells a code outside the user's area from an unknown one.
    """
    if kind not in SCHEMAS:
        raise ValueError(f"unknown table kind {kind!r}; expected one of {', '.join(SCHEMAS)}")
    schema = SCHEMAS[kind]
    kept_schema = _kept_columns(kind, schema, columns)
    name = source_name or path.name
    raw = load(path, name, sheet=sheet, header_score=lambda cells: header_score(cells, schema))
    encoding, excel = raw.encoding, raw.excel
    data, headers, spare = _data_rows(raw, name, schema)
    # Only the data rows are kept: the frame as read would otherwise stay alive next to them.
    del raw
    filled = _filled(data, len(headers))
    match = match_headers(headers, filled, schema, name)
    context = Context(
        today=today or dt.date.today(),
        known_villages=None if known_villages is None else pl.Series(list(known_villages), dtype=pl.String),
        known_banks=None if known_banks is None else pl.Series(list(known_banks), dtype=pl.String),
        regions=regions,
        excel=excel,
    )
    checked = _check(data, kept_schema, match, context, spare, note_unreadable=keep_every_row)
    checked = derive_and_compare(kind, checked)
    if kind in KEYS:
        by_name = {column.name: column for column in schema}
        checked = repeated_keys(checked, [by_name[key] for key in KEYS[kind]])
    names = [ROW_NO, *(column.name for column in kept_schema)]
    if keep_every_row:
        return ParsedTable(
            kind=kind,
            source_name=name,
            encoding=encoding,
            rows=checked.select(*names, UNREADABLE, pl.col(REASONS).alias(PROBLEMS)),
            rejected=data.clear().select(ROW_NO, pl.lit(None, pl.String).alias(REASON)),
            unknown_columns=match.unknown,
            total_rows=data.height,
        )
    refused = checked.get_column(REASONS).is_not_null()
    if refused.any():
        rows = checked.filter(~refused).select(names)
        rejected = data.filter(refused).select(
            ROW_NO,
            *_original_cells(headers, filled, spare, data),
            checked.get_column(REASONS).filter(refused).alias(REASON),
        )
    else:
        # The usual case needs no copy of the million valid rows.
        rows = checked.select(names)
        rejected = data.clear().select(
            ROW_NO, *_original_cells(headers, filled, spare, data), pl.lit(None, pl.String).alias(REASON)
        )
    return ParsedTable(
        kind=kind,
        source_name=name,
        encoding=encoding,
        rows=rows,
        rejected=rejected,
        unknown_columns=match.unknown,
        total_rows=data.height,
    )


def _kept_columns(
    kind: str, schema: tuple[Column, ...], columns: Collection[str] | None
) -> tuple[Column, ...]:
    """The schema columns to check and return: those asked for and the key, in schema order."""
    if columns is None:
        return schema
    unknown = set(columns) - {column.name for column in schema}
    if unknown:
        raise ValueError(f"table kind {kind!r} has no columns {', '.join(sorted(unknown))}")
    wanted = set(columns) | set(KEYS.get(kind, ()))
    return tuple(column for column in schema if column.name in wanted)


def _data_rows(
    raw: RawTable, source_name: str, schema: tuple[Column, ...]
) -> tuple[pl.DataFrame, list[str | None], list[str]]:
    """The non-blank rows after the header, numbered as in the file; the header cells; the spare columns.

    The header is the row among the first few non-blank ones that best names the schema's columns: a
    title or a note above it is not data.
    """
    frame = raw.frame
    spare = frame.columns[raw.spare_from :] if raw.spare_from is not None else []
    non_blank = _non_blank_rows(frame)
    numbered = frame.with_row_index(ROW_NO, offset=1).with_columns(pl.col(ROW_NO).cast(pl.Int64))
    # Filtering copies every column; a file without blank lines is used as read.
    kept = numbered if non_blank.all() else numbered.filter(non_blank)
    if kept.height == 0:
        raise UnreadableFile(source_name, raw.empty_cause())
    width = raw.spare_from if raw.spare_from is not None else frame.width
    top = [list(row[1 : width + 1]) for row in kept.head(HEADER_SEARCH_ROWS).iter_rows()]
    at = find_header(top, schema)
    headers: list[str | None] = top[at]
    data = kept.slice(at + 1)
    if data.height == 0:
        raise UnreadableFile(source_name, "只有表头，没有数据行")
    return data, headers, spare


def _non_blank_rows(frame: pl.DataFrame) -> pl.Series:
    """Whether each row has a non-blank cell.

    The fullest column decides most rows on its own; the other columns are looked at only for the rows
    where its cell is blank.
    """
    if frame.width == 0:
        return pl.Series(dtype=pl.Boolean)
    nulls = frame.null_count().row(0)
    fullest = frame.columns[nulls.index(min(nulls))]
    found = frame.get_column(fullest).str.contains(NON_BLANK).fill_null(False)
    undecided = (~found).arg_true()
    others = [name for name in frame.columns if name != fullest]
    if undecided.len() == 0 or not others:
        return found
    rest = frame.select(others)[undecided].select(
        pl.any_horizontal([pl.col(name).str.contains(NON_BLANK).fill_null(False) for name in others])
    )
    return found.scatter(undecided, rest.to_series())


def _filled(data: pl.DataFrame, width: int) -> list[bool]:
    """Whether each header column holds any non-blank cell (the first rows settle most columns)."""
    names = [f"c{position}" for position in range(width)]
    found = [bool(value) for value in data.head(FILLED_SAMPLE).select(_any_non_blank(names)).row(0)]
    empty = [name for name, filled in zip(names, found, strict=True) if not filled]
    if empty and data.height > FILLED_SAMPLE:
        later = dict(zip(empty, data.select(_any_non_blank(empty)).row(0), strict=True))
        found = [filled or bool(later[name]) for name, filled in zip(names, found, strict=True)]
    return found


def _any_non_blank(names: Sequence[str]) -> list[pl.Expr]:
    return [pl.col(name).str.contains(NON_BLANK).any().fill_null(False) for name in names]


def _check(
    data: pl.DataFrame,
    schema: tuple[Column, ...],
    match: HeaderMatch,
    context: Context,
    spare: Sequence[str],
    *,
    note_unreadable: bool = False,
) -> pl.DataFrame:
    """Every schema column normalised (null unless given and valid) and each row's reasons (null if none).

    ``note_unreadable`` adds ``UNREADABLE``: the names of the columns whose cell each row could not give.
    """
    sources = {
        column.name: f"c{match.positions[column.name]}" for column in schema if column.name in match.positions
    }
    overflow = pl.lit(None, pl.String)
    if spare:
        cells = pl.any_horizontal([pl.col(name).str.contains(NON_BLANK).fill_null(False) for name in spare])
        overflow = pl.when(cells).then(pl.lit(SPARE_CELLS))
    checked = data.select(ROW_NO, overflow.alias(REASONS))
    if note_unreadable:
        checked = checked.with_columns(pl.lit(None, pl.String).alias(UNREADABLE))
    # One column at a time: its helper columns are dropped before the next column's are made, which keeps
    # the peak memory of a million-row file near the size of the file itself.
    for column in schema:
        source = sources.get(column.name)
        if source is None:
            checked = checked.with_columns(pl.lit(None, pl.String).alias(column.name))
            continue
        value, error = check_series(data.get_column(source), column, context)
        checked = checked.with_columns(value.alias(column.name))
        if error.null_count() < error.len():
            checked = add_reason(
                checked.with_columns(error.alias(ERROR)),
                pl.concat_str(pl.lit(f"{column.chinese}："), pl.col(ERROR)),
            )
            if note_unreadable:
                checked = checked.with_columns(
                    pl.when(pl.col(ERROR).is_not_null())
                    .then(pl.concat_str(pl.col(UNREADABLE).fill_null(""), pl.lit(f"{column.name},")))
                    .otherwise(pl.col(UNREADABLE))
                    .alias(UNREADABLE)
                )
            checked = checked.drop(ERROR)
    return checked


def _original_cells(
    headers: Sequence[str | None], filled: Sequence[bool], spare: Sequence[str], data: pl.DataFrame
) -> list[pl.Expr]:
    """The cells of the file as read, under the file's own headers, for the error report."""
    cells: list[pl.Expr] = []
    taken = {ROW_NO, REASON}
    for position, header in enumerate(headers):
        label = header.strip() if header and header.strip() else None
        if label is None:
            if not filled[position]:
                continue
            label = blank_header_label(position)
        while label in taken:
            label += "（原表）"
        taken.add(label)
        cells.append(pl.col(f"c{position}").alias(label))
    for name in spare:
        if data.select(pl.col(name).str.contains(NON_BLANK).any()).item():
            cells.append(pl.col(name).alias(blank_header_label(int(name[1:]))))
    return cells
