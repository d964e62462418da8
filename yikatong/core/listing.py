"""Long lists on the staff screens: one table component with sortable columns and pages of 50 rows.

A table names its columns once: the Chinese header, the key a header link puts in ``?sort=`` (``name``,
``-amount``), the fields that key orders by, and whether the column holds figures (right-aligned by the
one ``num`` class). A key that is not a column's is ignored, so nothing a user types reaches ``order_by``;
every ordering ends with the primary key, so rows with equal values keep their places from page to page.
The pager keeps every other query parameter (filters), and a header link starts again at page one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, QueryDict
from django.utils.functional import Promise

PER_PAGE = 50
SORT = "sort"
PAGE = "page"
_KEY = re.compile(r"-?[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Column:
    """One column: its header, and (when sortable) the ``?sort=`` key and the fields it orders by."""

    label: str | Promise
    key: str = ""
    order: tuple[str, ...] = ()  # model paths; ``-path`` orders that one the other way round
    num: bool = False

    def fields(self) -> tuple[str, ...]:
        """The model paths this column orders by (its key's own field unless named)."""
        return self.order or ((self.key,) if self.key else ())


@dataclass(frozen=True)
class Header:
    """A column's header as drawn: the link that sorts by it, and how the rows are sorted by it now."""

    label: str
    num: bool
    url: str
    direction: str  # "asc", "desc" or "" (not the sort column)

    @property
    def aria_sort(self) -> str:
        """The header's ``aria-sort`` value."""
        return {"asc": "ascending", "desc": "descending"}.get(self.direction, "none")


@dataclass
class TablePage:
    """One page of a table: its rows, headers and pager."""

    page: Page
    headers: list[Header]
    sort: str
    rows: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many rows the whole list has."""
        return int(self.page.paginator.count)


@dataclass(frozen=True)
class Table:
    """A list's columns, its default order and page size; ``page()`` sorts and pages a queryset."""

    columns: tuple[Column, ...]
    default: str
    per_page: int = PER_PAGE
    # Sort keys that are not a column's header (the default order by creation time, say).
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        keys = self._orderings()
        if self.default.lstrip("-") not in keys:
            raise ValueError(f"default sort {self.default!r} is not a column's key")

    def _orderings(self) -> dict[str, tuple[str, ...]]:
        keys = {c.key: c.fields() for c in self.columns if c.key}
        keys.update(dict(self.extra))
        return keys

    def sort_of(self, value: str | None) -> str:
        """The sort a request asks for, if it is one of this table's keys; the default otherwise."""
        value = (value or "").strip()
        if _KEY.fullmatch(value) and value.lstrip("-") in self._orderings():
            return value
        return self.default

    def order_by(self, sort: str) -> list[OrderBy]:
        """The ORDER BY of a sort key (already checked): its fields (one written ``-field`` the other way
        round), then the primary key; empty values last either way, the same on SQLite and PostgreSQL."""
        descending = sort.startswith("-")
        order = []
        for name in [*self._orderings()[sort.lstrip("-")], "pk"]:
            against = name.startswith("-")
            column = F(name.lstrip("-"))
            down = descending != against
            order.append(column.desc(nulls_last=True) if down else column.asc(nulls_last=True))
        return order

    def sorted(self, rows: QuerySet[Any], sort: str) -> QuerySet[Any]:
        """The queryset in the order of a checked sort key."""
        return rows.order_by(*self.order_by(sort))

    def page(self, request: HttpRequest, rows: QuerySet[Any]) -> TablePage:
        """The page of rows the request asks for (``?page=``), sorted as it asks (``?sort=``)."""
        sort = self.sort_of(request.GET.get(SORT))
        page = Paginator(self.sorted(rows, sort), self.per_page).get_page(request.GET.get(PAGE))
        return TablePage(
            page=page, headers=self.headers(request, sort), sort=sort, rows=list(page.object_list)
        )

    def headers(self, request: HttpRequest, sort: str) -> list[Header]:
        """Each column's header: a link sorting by it (the other way round when it is the sort now)."""
        current, descending = sort.lstrip("-"), sort.startswith("-")
        headers = []
        for column in self.columns:
            if not column.key:
                headers.append(Header(str(column.label), column.num, "", ""))
                continue
            active = column.key == current
            direction = ("desc" if descending else "asc") if active else ""
            wanted = column.key if not active or descending else f"-{column.key}"
            headers.append(
                Header(str(column.label), column.num, query_with(request.GET, sort=wanted), direction)
            )
        return headers


def query_with(params: QueryDict, **changes: str | None) -> str:
    """The query string with some parameters changed (``None`` drops one); a new sort starts at page 1."""
    query = params.copy()
    if SORT in changes:
        query.pop(PAGE, None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"?{query.urlencode()}" if query else "?"


def kept_query(params: QueryDict) -> str:
    """The sort and page of a list, to come back to the same place after a form on it is posted."""
    kept = QueryDict(mutable=True)
    sort, page = params.get(SORT, ""), params.get(PAGE, "")
    if _KEY.fullmatch(sort):
        kept[SORT] = sort
    if page.isascii() and page.isdigit():
        kept[PAGE] = page
    return f"?{kept.urlencode()}" if kept else ""
