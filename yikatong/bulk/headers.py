"""Which column of an uploaded file is which: Chinese, English or alias headers in any order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from yikatong.bulk.errors import UnreadableFile
from yikatong.bulk.schemas import Column

# A unit or note after the name, as in "承包面积（亩）" or "金额(元)".
_SUFFIX = re.compile(r"\(.*\)$")
# Templates mark required columns with an asterisk; English headers come as "id_number" or "ID Number".
_IGNORED = re.compile(r"[\s_*]+")


def header_key(header: str) -> str:
    """The form headers are compared in: NFKC (full width folded), case-folded, no spaces or underscores."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", header).casefold())


def _loose_key(header: str) -> str:
    return header_key(_SUFFIX.sub("", unicodedata.normalize("NFKC", header).strip()))


@dataclass(frozen=True)
class HeaderMatch:
    """The file column position holding each schema column, and the headers the schema does not know."""

    positions: dict[str, int]
    unknown: list[str]


def blank_header_label(position: int) -> str:
    """How a column without a header is named in reports: by its place, as a person counts columns."""
    return f"第{position + 1}列（无表头）"


@lru_cache(maxsize=32)
def _lookup(schema: tuple[Column, ...]) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in schema:
        for spelling in column.headers():
            lookup.setdefault(header_key(spelling), column)
    return lookup


def _column_of(header: str, lookup: dict[str, Column]) -> Column | None:
    return lookup.get(header_key(header)) or lookup.get(_loose_key(header))


def header_score(cells: Sequence[str | None], schema: tuple[Column, ...]) -> int:
    """How much a row looks like the header: the schema columns it names, far more if it names every
    required one. The header is the best-scoring row near the top of a file."""
    lookup = _lookup(schema)
    found = {column.name for cell in cells if cell and (column := _column_of(cell, lookup))}
    complete = all(column.name in found for column in schema if column.required)
    return len(found) + (len(schema) + 1 if complete else 0)


def find_header(rows: Sequence[Sequence[str | None]], schema: tuple[Column, ...]) -> int:
    """The position of the header among a file's first non-blank rows (the first row when none names
    a column, so that matching it reports what is missing)."""
    scores = [header_score(row, schema) for row in rows]
    return scores.index(max(scores)) if scores else 0


def match_headers(
    headers: Sequence[str | None], filled: Sequence[bool], schema: tuple[Column, ...], source_name: str
) -> HeaderMatch:
    """Map each header to its schema column; refuse duplicates and missing required columns."""
    lookup = _lookup(schema)
    positions: dict[str, int] = {}
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    unknown: list[str] = []
    for position, header in enumerate(headers):
        if header is None or not header.strip():
            if filled[position]:
                unknown.append(blank_header_label(position))
            continue
        key = header_key(header)
        matched = _column_of(header, lookup)
        identity = f"column:{matched.name}" if matched else f"header:{key}"
        if identity in seen:
            first, again = (headers[seen[identity]] or "").strip(), header.strip()
            duplicates.append(f"“{first}”和“{again}”" if first != again else f"“{again}”")
            continue
        seen[identity] = position
        if matched is None:
            unknown.append(header.strip())
        else:
            positions[matched.name] = position
    if duplicates:
        raise UnreadableFile(source_name, "表头重复：" + "、".join(duplicates))
    missing = [column.chinese for column in schema if column.required and column.name not in positions]
    if missing:
        raise UnreadableFile(source_name, "缺少必需的列：" + "、".join(missing))
    return HeaderMatch(positions=positions, unknown=unknown)
