"""The monitor's filters: periods, policies and townships a user may choose, read from the query string."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Max, QuerySet

from yikatong.checks.monitor.shapes import (
    ALL_PERIODS,
    Choice,
    Filters,
)
from yikatong.core.models import Region, RegionLevel
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import Roster

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


def rosters_in_view(user: Any, filters: Filters, *, every_period: bool = False) -> QuerySet[Roster]:
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
