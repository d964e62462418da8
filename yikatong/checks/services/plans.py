"""The checks a disbursement plan waits on (在途核查 of its lines, payment history included), given to the
payments app as its gate, as the roster approval's gate is given to the rosters app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yikatong.checks.models import Finding, FindingState, RunKind
from yikatong.checks.platform import LineSet
from yikatong.checks.selectors import blocking_message
from yikatong.checks.services.runs import check_run
from yikatong.core.models import region_prefix
from yikatong.payments.models import DisbursementPlan, PlanLine
from yikatong.payments.services import PlanGate


def check_plan(user: Any, plan: DisbursementPlan, statuses: list[str] | None = None) -> int:
    """All rules over the plan's lines (those in ``statuses`` only, when given); the run's id."""
    line_set = LineSet(
        periods=(plan.period,),
        states=("approved",),
        policy_code=plan.policy.code,
        region_prefix=region_prefix(plan.region.code, plan.region.level),
        plan_id=plan.pk,
        plan_statuses=tuple(statuses or ()),
    )
    run = check_run(line_set=line_set, kind=RunKind.INFLIGHT, user=user, region_code=plan.region_id)
    return int(run.pk)


def plan_open_blocking(plan: DisbursementPlan, statuses: list[str] | None = None) -> QuerySet[Finding]:
    """The open blocking findings on the plan's lines (those in ``statuses`` only, when given)."""
    lines = PlanLine.objects.filter(plan=plan, active=True)
    if statuses is not None:
        lines = lines.filter(status__in=statuses)
    return Finding.objects.filter(
        kind=RunKind.INFLIGHT,
        blocking=True,
        state=FindingState.OPEN,
        line_id__in=lines.values("roster_line_id"),
    )


def _refusal(plan: DisbursementPlan, statuses: list[str] | None) -> str:
    blocking = plan_open_blocking(plan, statuses)
    return blocking_message(blocking) if blocking.exists() else ""


def plan_gate() -> PlanGate:
    """What a plan's submission, approval and re-issue wait on."""
    return PlanGate(check=check_plan, refusal=_refusal)
