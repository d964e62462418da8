"""Reads for 事中跟踪监控: rosters in flight by stage and township, time limits near or passed, open findings.

Every figure is one grouped query through the model's ``restrict(user, "view")``, so a township sees only
its own villages and a department only its own policies; nothing here loops over roster lines in Python.
Disbursement plans and payments do not exist yet: the page says so instead of showing numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from yikatong.accounts.roles import Role
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.models import Finding, FindingState
from yikatong.core.models import Region, RegionLevel
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster, RosterEvent, RosterLine

# Who watches: the county's finance bureau, auditors, the departments (their own policies), township
# reviewers (their own township) and the administrator. Villages and banks have their own screens.

STAGES: tuple[str, ...] = tuple(workflow.LABELS)
ALL_PERIODS = "all"
DUE_SOON = dt.timedelta(days=2)
LIST_LIMIT = 100
LATE_STEPS_SHOWN = 20
# Lines that no longer count towards a roster: removed after an upheld objection, rejected by the township.
DROPPED_LINES = (LineState.REMOVED, LineState.REJECTED)


@dataclass(frozen=True)
class Choice:
    """One option of a filter."""

    value: str
    label: str


@dataclass(frozen=True)
class Filters:
    """What the page is narrowed to: a period ("" for every period), a policy code, and a drill-down."""

    period: str
    policy: str
    township: str = ""
    state: str = ""

    def query(self, **changes: str) -> str:
        """This page's query string with some parameters changed ("" drops one)."""
        values = {"period": self.period or ALL_PERIODS, "policy": self.policy}
        values |= {"township": self.township, "state": self.state} | changes
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def page_query(self) -> str:
        """This page's query string without the drill-down."""
        return self.query(township="", state="")

    def findings_query(self, *, rule: str = "", region: str = "") -> str:
        """The query string of the findings list for the open findings counted here."""
        values = {"rule": rule, "region": region, "state": FindingState.OPEN}
        values |= {"period": self.period, "policy": self.policy}
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class Figure:
    """Rosters, their lines still counting, and the lines' amount in fen."""

    rosters: int = 0
    lines: int = 0
    amount_fen: int = 0

    def __add__(self, other: Figure) -> Figure:
        """Two figures together."""
        return Figure(
            self.rosters + other.rosters, self.lines + other.lines, self.amount_fen + other.amount_fen
        )


@dataclass(frozen=True)
class StageCell:
    """One stage's figure, in a township or for the whole scope, with the drill-down's query string."""

    state: str
    label: str
    figure: Figure
    query: str


@dataclass(frozen=True)
class TownshipStages:
    """One township's rosters by stage."""

    code: str
    name: str
    cells: tuple[StageCell, ...]
    total: Figure
    query: str


@dataclass(frozen=True)
class DeadlineRow:
    """A roster whose time limit has passed (超期) or falls within two days (临期)."""

    roster_id: int
    village: str
    township: str
    policy: str
    period: str
    state_label: str
    step: str
    role_label: str
    deadline: dt.datetime
    overdue: bool
    days_overdue: int
    hours_left: int


@dataclass(frozen=True)
class Deadlines:
    """Rosters near or past their time limit, earliest first, and how many of each."""

    rows: tuple[DeadlineRow, ...]
    overdue: int
    due_soon: int

    @property
    def total(self) -> int:
        """Overdue and due soon together."""
        return self.overdue + self.due_soon


@dataclass(frozen=True)
class LateStep:
    """A step taken after its time limit (RosterEvent.late)."""

    roster_id: int
    village: str
    policy: str
    period: str
    step: str
    actor: str
    at: dt.datetime
    deadline: dt.datetime | None
    days_late: int


@dataclass(frozen=True)
class RuleCount:
    """Open findings of one rule, how many of them block, and the findings list's query string."""

    code: str
    title: str
    count: int
    blocking: int
    query: str


@dataclass(frozen=True)
class FindingCell:
    """Open findings of one rule in one township."""

    code: str
    count: int
    blocking: int
    query: str


@dataclass(frozen=True)
class TownshipFindings:
    """One township's open findings: in total, blocking, and by rule."""

    code: str
    name: str
    count: int
    blocking: int
    query: str
    cells: tuple[FindingCell, ...]


@dataclass(frozen=True)
class Findings:
    """Open findings by rule and by township."""

    rules: tuple[RuleCount, ...]
    townships: tuple[TownshipFindings, ...]
    count: int
    blocking: int
    query: str


@dataclass(frozen=True)
class DrillRow:
    """One roster of the drill-down."""

    roster_id: int
    village: str
    policy: str
    period: str
    state_label: str
    deadline: dt.datetime | None
    figure: Figure


@dataclass(frozen=True)
class DrillDown:
    """The rosters of one township and/or stage."""

    township: str
    state_label: str
    rows: tuple[DrillRow, ...]
    total: int


@dataclass(frozen=True)
class Overview:
    """Everything the monitoring page shows."""

    filters: Filters
    periods: tuple[Choice, ...]
    policies: tuple[Choice, ...]
    stages: tuple[StageCell, ...]
    townships: tuple[TownshipStages, ...]
    total: Figure
    deadlines: Deadlines
    late_steps: tuple[LateStep, ...]
    late_total: int
    findings: Findings
    drill: DrillDown | None
    now: dt.datetime


# --- filters ---------------------------------------------------------------------------------------------


def _period_key(text: str) -> tuple[dt.date, dt.date]:
    try:
        period = Period.parse(text)
    except InvalidPeriod:
        return (dt.date.min, dt.date.min)
    return (period.start, period.end)


def _period_label(text: str) -> str:
    try:
        return Period.parse(text).label_zh
    except InvalidPeriod:
        return text


def period_choices(*, user: Any) -> tuple[Choice, ...]:
    """The periods the user's rosters are for, latest first."""
    periods = Roster.objects.restrict(user, "view").order_by().values_list("period", flat=True).distinct()
    ordered = sorted(set(periods), key=_period_key, reverse=True)
    return tuple(Choice(p, _period_label(p)) for p in ordered)


def policy_choices(*, user: Any) -> tuple[Choice, ...]:
    """The policies the user's rosters are for, by code."""
    rows = (
        Roster.objects.restrict(user, "view")
        .order_by()
        .values("policy__code")
        .annotate(name=Max("policy_version__name"))
        .order_by("policy__code")
    )
    return tuple(Choice(row["policy__code"], f"{row['name']}（{row['policy__code']}）") for row in rows)


def _is_township(code: str) -> bool:
    return len(code) == 12 and code.isascii() and code.isdigit() and code[9:] == "000" and code[6:9] != "000"


def read_filters(
    params: Mapping[str, str], periods: tuple[Choice, ...], policies: tuple[Choice, ...]
) -> Filters:
    """The filters asked for; by default the latest period with rosters and every policy."""
    asked = params.get("period", "").strip()
    if asked == ALL_PERIODS:
        period = ""
    else:
        try:
            period = str(Period.parse(asked)) if asked else ""
        except InvalidPeriod:
            period = ""
        if not period and periods:
            period = periods[0].value
    policy = params.get("policy", "").strip()
    if policy not in {c.value for c in policies}:
        policy = ""
    township = params.get("township", "").strip()
    state = params.get("state", "").strip()
    return Filters(
        period=period,
        policy=policy,
        township=township if _is_township(township) else "",
        state=state if state in workflow.LABELS else "",
    )


def _rosters(user: Any, filters: Filters, *, every_period: bool = False) -> QuerySet[Roster]:
    rosters = Roster.objects.restrict(user, "view")
    if filters.period and not every_period:
        rosters = rosters.filter(period=filters.period)
    if filters.policy:
        rosters = rosters.filter(policy__code=filters.policy)
    return rosters


def townships_in_scope(*, user: Any) -> dict[str, str]:
    """The townships inside the user's region, code → name, in code order."""
    rows = (
        Region.objects.restrict(user, "view")
        .filter(level=RegionLevel.TOWNSHIP)
        .order_by("code")
        .values_list("code", "name")
    )
    return dict(rows)


# --- rosters by stage and township -----------------------------------------------------------------------


def stage_figures(*, user: Any, filters: Filters) -> dict[tuple[str, str], Figure]:
    """(township code, state) → rosters, lines still counting and their amount: two grouped queries."""
    rosters = (
        _rosters(user, filters)
        .order_by()
        .values("village__parent_id", "state")
        .annotate(n=Count("id"))
        .values_list("village__parent_id", "state", "n")
    )
    lines = RosterLine.objects.restrict(user, "view").exclude(state__in=DROPPED_LINES)
    if filters.period:
        lines = lines.filter(roster__period=filters.period)
    if filters.policy:
        lines = lines.filter(policy__code=filters.policy)
    sums = (
        lines.order_by()
        .values("roster__village__parent_id", "roster__state")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
        .values_list("roster__village__parent_id", "roster__state", "n", "fen")
    )
    figures: dict[tuple[str, str], Figure] = {}
    for township, state, count in rosters:
        figures[(township or "", state)] = Figure(rosters=count)
    for township, state, count, fen in sums:
        known = figures.get((township or "", state), Figure())
        figures[(township or "", state)] = Figure(known.rosters, count, int(fen or 0))
    return figures


def _stage_table(
    figures: dict[tuple[str, str], Figure], townships: dict[str, str], filters: Filters
) -> tuple[tuple[StageCell, ...], tuple[TownshipStages, ...], Figure]:
    names = dict(townships)
    for code, _state in figures:
        names.setdefault(code, code)
    rows = []
    for code in sorted(names):
        cells = tuple(
            StageCell(
                state,
                workflow.LABELS[state],
                figures.get((code, state), Figure()),
                filters.query(township=code, state=state),
            )
            for state in STAGES
        )
        total = sum((cell.figure for cell in cells), Figure())
        rows.append(TownshipStages(code, names[code], cells, total, filters.query(township=code, state="")))
    stages = tuple(
        StageCell(
            state,
            workflow.LABELS[state],
            sum((figures.get((code, state), Figure()) for code in names), Figure()),
            filters.query(township="", state=state),
        )
        for state in STAGES
    )
    return stages, tuple(rows), sum((cell.figure for cell in stages), Figure())


# --- time limits -----------------------------------------------------------------------------------------


def deadlines(*, user: Any, filters: Filters, now: dt.datetime) -> Deadlines:
    """Rosters of every period whose current time limit has passed or falls within two days."""
    pending = (
        _rosters(user, filters, every_period=True)
        .exclude(state=workflow.APPROVED)
        .filter(deadline__isnull=False, deadline__lte=now + DUE_SOON)
    )
    counts = pending.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=now)), soon=Count("id", filter=Q(deadline__gte=now))
    )
    found = pending.select_related("village__parent", "policy_version").order_by("deadline", "pk")
    rows = []
    for roster in found[:LIST_LIMIT]:
        if roster.deadline is None:  # excluded by the query; narrows the type
            continue
        step, role = workflow.AWAITED.get(roster.state, ("—", ""))
        late = now - roster.deadline
        rows.append(
            DeadlineRow(
                roster_id=roster.pk,
                village=roster.village.name,
                township=roster.village.parent.name if roster.village.parent else "",
                policy=roster.policy_version.name,
                period=roster.period,
                state_label=workflow.LABELS.get(roster.state, roster.state),
                step=step,
                role_label=str(Role(role).label) if role else "—",
                deadline=roster.deadline,
                overdue=late > dt.timedelta(0),
                days_overdue=_whole_days(late),
                hours_left=max(math.ceil(-late.total_seconds() / 3600), 0),
            )
        )
    return Deadlines(tuple(rows), counts["overdue"], counts["soon"])


def _whole_days(span: dt.timedelta) -> int:
    """Days begun: an hour late is one day late."""
    return max(math.ceil(span.total_seconds() / 86400), 0)


def late_steps(*, user: Any, filters: Filters) -> tuple[tuple[LateStep, ...], int]:
    """The latest steps taken after their time limit (every period), and how many there are in all."""
    rosters = _rosters(user, filters, every_period=True)
    events = RosterEvent.objects.filter(late=True, roster__in=rosters.order_by().values("pk"))
    total = events.count()
    found = events.select_related("roster__village", "roster__policy_version", "actor").order_by("-at", "-pk")
    steps = []
    for event in found[:LATE_STEPS_SHOWN]:
        before = workflow.LABELS.get(event.from_state, event.from_state)
        after = workflow.LABELS.get(event.to_state, event.to_state)
        steps.append(
            LateStep(
                roster_id=event.roster_id,
                village=event.roster.village.name,
                policy=event.roster.policy_version.name,
                period=event.roster.period,
                step=f"{before} → {after}",
                actor=event.actor.display_name if event.actor else "系统",
                at=event.at,
                deadline=event.deadline,
                days_late=_whole_days(event.at - event.deadline) if event.deadline else 0,
            )
        )
    return tuple(steps), total


# --- findings --------------------------------------------------------------------------------------------


def _title(code: str) -> str:
    rule = CATALOGUE.get(code)
    return rule.title_zh if rule else code


def _rule_order(code: str) -> tuple[int, str]:
    codes = list(CATALOGUE)
    return (codes.index(code) if code in CATALOGUE else len(codes), code)


def open_findings(*, user: Any, filters: Filters, townships: dict[str, str]) -> Findings:
    """Open findings by rule and by township (with the rules found there), blocking ones counted apart."""
    found = Finding.objects.restrict(user, "view").filter(state=FindingState.OPEN)
    if filters.period:
        found = found.filter(period=filters.period)
    if filters.policy:
        found = found.filter(policy__code=filters.policy)
    rows = (
        found.order_by()
        .annotate(town=Substr("region_code", 1, 9))
        .values("town", "rule")
        .annotate(n=Count("id"), n_blocking=Count("id", filter=Q(blocking=True)))
        .values_list("town", "rule", "n", "n_blocking")
    )
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for town, rule, count, blocking in rows:
        counts[(town.ljust(12, "0"), rule)] = (count, blocking)
    codes = sorted({rule for _town, rule in counts}, key=_rule_order)
    names = dict(townships)
    for town, _rule in counts:
        names.setdefault(town, town)

    def cell(town: str, code: str) -> FindingCell:
        count, blocking = counts.get((town, code), (0, 0))
        return FindingCell(code, count, blocking, filters.findings_query(rule=code, region=town))

    table = []
    for town in sorted(names):
        cells = tuple(cell(town, code) for code in codes)
        count, blocking = sum(c.count for c in cells), sum(c.blocking for c in cells)
        query = filters.findings_query(region=town)
        table.append(TownshipFindings(town, names[town], count, blocking, query, cells))
    rules = []
    for index, code in enumerate(codes):
        count = sum(row.cells[index].count for row in table)
        blocking = sum(row.cells[index].blocking for row in table)
        rules.append(RuleCount(code, _title(code), count, blocking, filters.findings_query(rule=code)))
    count, blocking = sum(r.count for r in rules), sum(r.blocking for r in rules)
    return Findings(tuple(rules), tuple(table), count, blocking, filters.findings_query())


# --- drill-down ------------------------------------------------------------------------------------------


def drill_down(*, user: Any, filters: Filters, townships: dict[str, str]) -> DrillDown | None:
    """The rosters of the chosen township and/or stage, with their lines and amount (one grouped query)."""
    if not filters.township and not filters.state:
        return None
    rosters = _rosters(user, filters)
    if filters.township:
        rosters = rosters.filter(village__code__startswith=filters.township[:9])
    if filters.state:
        rosters = rosters.filter(state=filters.state)
    counting = ~Q(lines__state__in=DROPPED_LINES)
    found = (
        rosters.select_related("village", "policy_version")
        .annotate(
            line_count=Count("lines", filter=counting), line_fen=Sum("lines__amount_fen", filter=counting)
        )
        .order_by("village__code", "policy__code", "period", "pk")
    )
    rows = tuple(
        DrillRow(
            roster_id=r.pk,
            village=r.village.name,
            policy=r.policy_version.name,
            period=r.period,
            state_label=workflow.LABELS.get(r.state, r.state),
            deadline=r.deadline,
            figure=Figure(1, r.line_count, int(r.line_fen or 0)),
        )
        for r in found[:LIST_LIMIT]
    )
    return DrillDown(
        township=townships.get(filters.township, filters.township),
        state_label=workflow.LABELS.get(filters.state, "") if filters.state else "",
        rows=rows,
        total=rosters.count(),
    )


def monitor_overview(*, user: Any, params: Mapping[str, str], now: dt.datetime | None = None) -> Overview:
    """Everything the monitoring page shows, for a user and the filters asked for."""
    now = now or timezone.now()
    periods = period_choices(user=user)
    policies = policy_choices(user=user)
    filters = read_filters(params, periods, policies)
    townships = townships_in_scope(user=user)
    stages, rows, total = _stage_table(stage_figures(user=user, filters=filters), townships, filters)
    steps, late_total = late_steps(user=user, filters=filters)
    return Overview(
        filters=filters,
        periods=periods,
        policies=policies,
        stages=stages,
        townships=rows,
        total=total,
        deadlines=deadlines(user=user, filters=filters, now=now),
        late_steps=steps,
        late_total=late_total,
        findings=open_findings(user=user, filters=filters, townships=townships),
        drill=drill_down(user=user, filters=filters, townships=townships),
        now=now,
    )
