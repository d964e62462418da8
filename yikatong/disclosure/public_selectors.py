"""The public side's only reads of the disclosure (补贴发放公开): masked strings, amounts and dates only.

Every function returns frozen dataclasses whose text fields are already masked (王*兰, 2327**********1234);
they read only the disclosure's own tables (which hold no clear personal data) and the names of regions and
policies. No public view, export or template reads a model directly. What other public code may call:

- ``filter_choices() -> Choices``: the townships, villages, policies and periods that have published lines.
- ``line_page(query: Query, after: str = "", size: int = PAGE) -> LinePage``: the current lines matching a
  query (township, village, policy code, period, masked-name prefix), by keyset (``after`` is the page's
  ``next_cursor``; no OFFSET). Ordered by village, policy, period and line, or by masked name for a search.
- ``totals(query: Query) -> Totals``: lines and amount per village and per policy of the current revisions.
- ``disclosure(village_code, policy_code, period, revision=None) -> PublicDisclosure | None``: one
  disclosure's header (current revision, or an earlier one, which stays readable), with its revisions.
- ``disclosure_lines(item: PublicDisclosure, after: str = "", size: int = PAGE) -> LinePage``: its lines.
- ``disclosure_all_lines(item: PublicDisclosure) -> list[PublicLine]``: all its lines (the printed notice).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date

from yikatong.core.models import Region
from yikatong.policies.models import Policy, PolicyVersion

PAGE = 50
MAX_PAGE = 200
LINE_COLUMNS = (
    "dl.id, dl.village_id, dl.policy_id, dl.period, dl.name_masked, dl.id_masked, dl.amount_fen, dl.paid_on, "
    "dl.disclosed_on, dl.withdrawn, dl.change_note"
)


@dataclass(frozen=True)
class PublicLine:
    """One disclosed line as anyone may see it."""

    line_id: int
    village_code: str
    village: str
    township: str
    policy_code: str
    policy: str
    period: str
    name_masked: str
    id_masked: str
    amount_fen: int
    paid_on: dt.date | None
    disclosed_on: dt.date | None
    withdrawn: bool
    change_note: str


@dataclass(frozen=True)
class LinePage:
    """One page of lines and the cursor of the next (empty on the last page)."""

    lines: list[PublicLine]
    next_cursor: str = ""


@dataclass(frozen=True)
class Query:
    """What the public filters by; every part optional."""

    township: str = ""
    village: str = ""
    policy: str = ""  # a policy's code
    period: str = ""
    name_prefix: str = ""  # the start of a masked name (the surname)


@dataclass(frozen=True)
class Option:
    """One choice of a filter."""

    value: str
    label: str


@dataclass(frozen=True)
class Choices:
    """The filters' choices."""

    townships: list[Option]
    villages: list[Option]
    policies: list[Option]
    periods: list[str]


@dataclass(frozen=True)
class Total:
    """Lines and amount of one village or one policy."""

    key: str
    label: str
    lines: int
    amount_fen: int


@dataclass(frozen=True)
class Totals:
    """Totals of the current revisions matching a query."""

    villages: list[Total]
    policies: list[Total]
    lines: int
    amount_fen: int


@dataclass(frozen=True)
class Revision:
    """One published revision of a disclosure."""

    revision: int
    published_on: dt.date
    current: bool
    change_note: str


@dataclass(frozen=True)
class PublicDisclosure:
    """One disclosure (policy, period, village) in one revision."""

    disclosure_id: int
    village_code: str
    village: str
    township: str
    policy_code: str
    policy: str
    period: str
    revision: int
    current: bool
    published_on: dt.date
    change_note: str
    lines: int
    amount_fen: int
    withdrawn: int
    revisions: list[Revision] = field(default_factory=list)


def _policy_labels() -> dict[int, tuple[str, str]]:
    labels: dict[int, tuple[str, str]] = {}
    rows = PolicyVersion.objects.order_by("policy_id", "number").values_list(
        "policy_id", "policy__code", "name"
    )
    for policy_id, code, name in rows:
        labels[policy_id] = (code, name)
    for policy_id, code in Policy.objects.values_list("id", "code"):
        labels.setdefault(policy_id, (code, code))
    return labels


def _regions(codes: set[str]) -> dict[str, str]:
    wanted = codes | {c[:9] + "000" for c in codes}
    return dict(Region.objects.filter(code__in=sorted(wanted)).values_list("code", "name"))


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(str(value)[:10])


def _lines(rows: list[tuple[Any, ...]]) -> list[PublicLine]:
    policies = _policy_labels() if rows else {}
    regions = _regions({str(r[1]) for r in rows})
    out = []
    for row in rows:
        code, name = policies.get(int(row[2]), ("", ""))
        village = str(row[1])
        out.append(
            PublicLine(
                line_id=int(row[0]),
                village_code=village,
                village=regions.get(village, village),
                township=regions.get(village[:9] + "000", ""),
                policy_code=code,
                policy=name,
                period=str(row[3]),
                name_masked=str(row[4]),
                id_masked=str(row[5]),
                amount_fen=int(row[6]),
                paid_on=_date(row[7]),
                disclosed_on=_date(row[8]),
                withdrawn=bool(row[9]),
                change_note=str(row[10] or ""),
            )
        )
    return out


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def _uncursor(text: str, size: int) -> list[Any] | None:
    if not text:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    return values


def _policy_id(code: str) -> int | None:
    if not code:
        return None
    return Policy.objects.filter(code=code).values_list("id", flat=True).first()


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _where(query: Query) -> tuple[list[str], list[Any]] | None:
    """The query's conditions on current lines; None when it can match nothing (an unknown policy)."""
    where = ["d.state = 'published'"]
    params: list[Any] = []
    if query.village:
        where.append("dl.village_id = %s")
        params.append(query.village)
    elif query.township:
        # A range on the village code, so the village index serves a township too.
        where.append("dl.village_id BETWEEN %s AND %s")
        params += [query.township[:9] + "000", query.township[:9] + "999"]
    if query.policy:
        policy_id = _policy_id(query.policy)
        if policy_id is None:
            return None
        where.append("dl.policy_id = %s")
        params.append(policy_id)
    if query.period:
        where.append("dl.period = %s")
        params.append(query.period)
    if query.name_prefix:
        where.append("dl.name_masked BETWEEN %s AND %s")
        params += [query.name_prefix, query.name_prefix + "\U0010ffff"]
    return where, params


def line_page(query: Query, after: str = "", size: int = PAGE) -> LinePage:
    """The current lines matching a query, one keyset page at a time."""
    size = max(1, min(size, MAX_PAGE))
    built = _where(query)
    if built is None:
        return LinePage([])
    where, params = built
    by_name = bool(query.name_prefix)
    order = (
        ["dl.name_masked", "dl.id"] if by_name else ["dl.village_id", "dl.policy_id", "dl.period", "dl.id"]
    )
    cursor = _uncursor(after, len(order))
    if cursor is not None:
        where.append(f"({', '.join(order)}) > ({', '.join(['%s'] * len(order))})")
        params += cursor
    rows = _fetch(
        f"SELECT {LINE_COLUMNS} FROM disclosure_disclosedline dl "  # noqa: S608 - identifiers are the module's own; values are parameters
        "JOIN disclosure_disclosure d ON d.id = dl.disclosure_id "
        f"WHERE {' AND '.join(where)} ORDER BY {', '.join(order)} LIMIT %s",
        [*params, size + 1],
    )
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = ""
    if more and rows:
        last = rows[-1]
        next_cursor = _cursor([last[4], last[0]] if by_name else [last[1], last[2], last[3], last[0]])
    return LinePage(_lines(rows), next_cursor)


def filter_choices() -> Choices:
    """The townships, villages, policies and periods with published disclosures."""
    rows = _fetch(
        "SELECT DISTINCT village_id, policy_id, period FROM disclosure_disclosure WHERE state = 'published'",
        [],
    )
    villages = {str(r[0]) for r in rows}
    regions = _regions(villages)
    policies = _policy_labels()
    townships = sorted({v[:9] + "000" for v in villages})
    return Choices(
        townships=[Option(t, regions.get(t, t)) for t in townships],
        villages=[Option(v, regions.get(v, v)) for v in sorted(villages)],
        policies=sorted(
            {Option(policies[int(r[1])][0], policies[int(r[1])][1]) for r in rows if int(r[1]) in policies},
            key=lambda o: o.value,
        ),
        periods=sorted({str(r[2]) for r in rows}, reverse=True),
    )


def totals(query: Query) -> Totals:
    """Lines and amounts per village and per policy of the current revisions matching a query (no name)."""
    where = ["state = 'published'"]
    params: list[Any] = []
    if query.village:
        where.append("village_id = %s")
        params.append(query.village)
    elif query.township:
        where.append("village_id BETWEEN %s AND %s")
        params += [query.township[:9] + "000", query.township[:9] + "999"]
    if query.policy:
        policy_id = _policy_id(query.policy)
        if policy_id is None:
            return Totals([], [], 0, 0)
        where.append("policy_id = %s")
        params.append(policy_id)
    if query.period:
        where.append("period = %s")
        params.append(query.period)
    rows = _fetch(
        "SELECT village_id, policy_id, SUM(line_count), SUM(total_fen) FROM disclosure_disclosure "  # noqa: S608 - identifiers are the module's own; values are parameters
        f"WHERE {' AND '.join(where)} GROUP BY village_id, policy_id",
        params,
    )
    regions = _regions({str(r[0]) for r in rows})
    policies = _policy_labels() if rows else {}
    by_village: dict[str, list[int]] = {}
    by_policy: dict[int, list[int]] = {}
    for village, policy_id, lines, fen in rows:
        for entry in (
            by_village.setdefault(str(village), [0, 0]),
            by_policy.setdefault(int(policy_id), [0, 0]),
        ):
            entry[0] += int(lines or 0)
            entry[1] += int(fen or 0)
    return Totals(
        villages=[Total(k, regions.get(k, k), v[0], v[1]) for k, v in sorted(by_village.items())],
        policies=[
            Total(policies.get(k, ("", ""))[0], policies.get(k, ("", ""))[1], v[0], v[1])
            for k, v in sorted(by_policy.items(), key=lambda item: policies.get(item[0], ("", ""))[0])
        ],
        lines=sum(v[0] for v in by_village.values()),
        amount_fen=sum(v[1] for v in by_village.values()),
    )


def disclosure(
    village_code: str, policy_code: str, period: str, revision: int | None = None
) -> PublicDisclosure | None:
    """One disclosure in its current revision (or the revision asked for), with the list of revisions."""
    policy_id = _policy_id(policy_code)
    if policy_id is None:
        return None
    rows = _fetch(
        "SELECT id, revision, state, published_on, change_note, line_count, total_fen, withdrawn_count "
        "FROM disclosure_disclosure WHERE village_id = %s AND policy_id = %s AND period = %s "
        "ORDER BY revision",
        [village_code, policy_id, period],
    )
    if not rows:
        return None
    revisions = [
        Revision(int(r[1]), _date(r[3]) or dt.date.min, r[2] == "published", str(r[4])) for r in rows
    ]
    if revision is None:
        chosen = next((r for r in rows if r[2] == "published"), rows[-1])
    else:
        found = [r for r in rows if int(r[1]) == revision]
        if not found:
            return None
        chosen = found[0]
    regions = _regions({village_code})
    labels = _policy_labels()
    return PublicDisclosure(
        disclosure_id=int(chosen[0]),
        village_code=village_code,
        village=regions.get(village_code, village_code),
        township=regions.get(village_code[:9] + "000", ""),
        policy_code=policy_code,
        policy=labels.get(policy_id, (policy_code, policy_code))[1],
        period=period,
        revision=int(chosen[1]),
        current=chosen[2] == "published",
        published_on=_date(chosen[3]) or dt.date.min,
        change_note=str(chosen[4]),
        lines=int(chosen[5]),
        amount_fen=int(chosen[6]),
        withdrawn=int(chosen[7]),
        revisions=revisions,
    )


def disclosure_lines(item: PublicDisclosure, after: str = "", size: int = PAGE) -> LinePage:
    """One keyset page of a disclosure revision's lines, in published order."""
    size = max(1, min(size, MAX_PAGE))
    cursor = _uncursor(after, 1)
    params: list[Any] = [item.disclosure_id]
    extra = ""
    if cursor is not None:
        extra = " AND dl.id > %s"
        params.append(int(cursor[0]))
    rows = _fetch(
        f"SELECT {LINE_COLUMNS} FROM disclosure_disclosedline dl WHERE dl.disclosure_id = %s{extra} "  # noqa: S608 - identifiers are the module's own; values are parameters
        "ORDER BY dl.id LIMIT %s",
        [*params, size + 1],
    )
    more = len(rows) > size
    rows = rows[:size]
    return LinePage(_lines(rows), _cursor([rows[-1][0]]) if more and rows else "")


def disclosure_all_lines(item: PublicDisclosure) -> list[PublicLine]:
    """Every line of a disclosure revision (a village's list is some hundreds at most)."""
    rows = _fetch(
        f"SELECT {LINE_COLUMNS} FROM disclosure_disclosedline dl WHERE dl.disclosure_id = %s ORDER BY dl.id",  # noqa: S608 - identifiers are the module's own; values are parameters
        [item.disclosure_id],
    )
    return _lines(rows)
