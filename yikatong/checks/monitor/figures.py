"""The monitor's figures: rosters by stage and township, time limits, open findings, drill-down; each one
grouped query through ``restrict(user, "view")``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from yikatong.accounts.roles import Role
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.models import Finding, FindingState
from yikatong.checks.monitor.filters import (
    period_choices,
    policy_choices,
    read_filters,
    rosters_in_view,
    townships_in_scope,
)
from yikatong.checks.monitor.shapes import (
    DROPPED_LINES,
    DUE_SOON,
    LATE_STEPS_SHOWN,
    LIST_LIMIT,
    STAGES,
    DeadlineRow,
    Deadlines,
    DrillDown,
    DrillRow,
    Figure,
    Filters,
    FindingCell,
    Findings,
    LateStep,
    Overview,
    RuleCount,
    StageCell,
    TownshipFindings,
    TownshipStages,
)
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import RosterEvent, RosterLine

# --- rosters by stage and township -----------------------------------------------------------------------


def stage_figures(*, user: Any, filters: Filters) -> dict[tuple[str, str], Figure]:
    """(township code, state) → rosters, lines still counting and their amount: two grouped queries."""
    rosters = (
        rosters_in_view(user, filters)
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
                gettext(workflow.LABELS[state]),
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
            gettext(workflow.LABELS[state]),
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
        rosters_in_view(user, filters, every_period=True)
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
                state_label=gettext(workflow.LABELS.get(roster.state, roster.state)),
                step=pgettext(workflow.STEP, step),
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
    rosters = rosters_in_view(user, filters, every_period=True)
    events = RosterEvent.objects.filter(late=True, roster__in=rosters.order_by().values("pk"))
    total = events.count()
    found = events.select_related("roster__village", "roster__policy_version", "actor").order_by("-at", "-pk")
    steps = []
    for event in found[:LATE_STEPS_SHOWN]:
        before = gettext(workflow.LABELS.get(event.from_state, event.from_state))
        after = gettext(workflow.LABELS.get(event.to_state, event.to_state))
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
    return gettext(rule.title_zh) if rule else code


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
    rosters = rosters_in_view(user, filters)
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
            state_label=gettext(workflow.LABELS.get(r.state, r.state)),
            deadline=r.deadline,
            figure=Figure(1, r.line_count, int(r.line_fen or 0)),
        )
        for r in found[:LIST_LIMIT]
    )
    return DrillDown(
        township=townships.get(filters.township, filters.township),
        state_label=gettext(workflow.LABELS[filters.state]) if filters.state in workflow.LABELS else "",
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
