"""事中跟踪监控 of the money: disbursement plans on their way by state, and failed payments waiting for
their origin to correct them or for finance to re-issue them, by who must act and township (set-based)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yikatong.accounts.roles import Role
from yikatong.checks.monitor.shapes import Filters
from yikatong.core.models import Region
from yikatong.payments.domain import plans
from yikatong.payments.models import DisbursementPlan, LineStatus, PlanLine

WAITING = (LineStatus.FAILED, LineStatus.READY, LineStatus.HELD)


@dataclass(frozen=True)
class PlanState:
    state: str
    label: str
    plans: int
    lines: int
    fen: int
    late: int
    href: str


@dataclass(frozen=True)
class FailedGroup:
    role_label: str
    township: str
    status_label: str
    lines: int
    fen: int
    href: str


@dataclass(frozen=True)
class PaymentFigures:
    states: tuple[PlanState, ...]
    failed: tuple[FailedGroup, ...]
    failed_lines: int
    failed_fen: int


def _plans(user: Any, filters: Filters) -> Any:
    rows = DisbursementPlan.objects.restrict(user).filter(state__in=sorted(plans.OPEN))
    if filters.period:
        rows = rows.filter(period=filters.period)
    if filters.policy:
        rows = rows.filter(policy__code=filters.policy)
    return rows


def _query(state: str, filters: Filters) -> str:
    return urlencode({"state": state, "period": filters.period, "policy": filters.policy})


def payment_figures(*, user: Any, filters: Filters) -> PaymentFigures:
    """Plans in flight by state (with those past their time limit) and the failed lines waiting."""
    now = timezone.now()
    by_state = {
        row["state"]: row
        for row in _plans(user, filters)
        .values("state")
        .annotate(
            n=Count("id"),
            lines=Sum("line_count"),
            fen=Sum("total_fen"),
            late=Count("id", filter=Q(deadline__lt=now)),
        )
    }
    plan_list = reverse("payments:plans")
    states = tuple(
        PlanState(
            state=state,
            label=_(plans.LABELS[state]),
            plans=by_state[state]["n"],
            lines=by_state[state]["lines"] or 0,
            fen=by_state[state]["fen"] or 0,
            late=by_state[state]["late"],
            href=f"{plan_list}?{_query(state, filters)}",
        )
        for state in plans.LABELS
        if state in by_state
    )
    lines = PlanLine.objects.restrict(user).filter(active=True, status__in=WAITING)
    if filters.period:
        lines = lines.filter(plan__period=filters.period)
    if filters.policy:
        lines = lines.filter(plan__policy__code=filters.policy)
    grouped = list(
        lines.annotate(township=Substr("village_id", 1, 9))
        .values("remedy_role", "status", "township")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
        .order_by("township", "remedy_role", "status")
    )
    names = dict(
        Region.objects.filter(code__in={f"{g['township']}000" for g in grouped}).values_list("code", "name")
    )
    status_labels = dict(LineStatus.choices)
    failed = tuple(
        FailedGroup(
            role_label=str(Role(g["remedy_role"]).label) if g["remedy_role"] in Role.values else _("财政局"),
            township=names.get(f"{g['township']}000", g["township"]),
            status_label=str(status_labels.get(g["status"], g["status"])),
            lines=g["n"],
            fen=g["fen"] or 0,
            href=reverse("payments:failed"),
        )
        for g in grouped
    )
    return PaymentFigures(
        states=states,
        failed=failed,
        failed_lines=sum(g.lines for g in failed),
        failed_fen=sum(g.fen for g in failed),
    )
