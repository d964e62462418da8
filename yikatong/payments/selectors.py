"""Disbursement reads: plans, their totals by township and by agent bank, batches (a bank operator sees its
own bank's only), payments, failed lines awaiting whoever must act, budgets against execution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from yikatong.core.models import Region
from yikatong.core.periods import Period
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BankReturn,
    Budget,
    DisbursementPlan,
    LineStatus,
    Payment,
    PaymentBatch,
    PlanLine,
)
from yikatong.payments.services import BudgetPosition, budget_position
from yikatong.policies.models import Policy


def plan_list(*, user: Any) -> QuerySet[DisbursementPlan]:
    """The plans in the user's area (a department's own policies only)."""
    return DisbursementPlan.objects.restrict(user).select_related("policy", "policy_version", "region")


def plan_get(*, user: Any, pk: int) -> DisbursementPlan:
    """One plan the user may see (DoesNotExist otherwise)."""
    return plan_list(user=user).get(pk=pk)


@dataclass(frozen=True)
class Subtotal:
    code: str
    name: str
    count: int
    total_fen: int
    paid_count: int = 0
    paid_fen: int = 0


def plan_by_township(plan: DisbursementPlan) -> list[Subtotal]:
    """The plan's lines and amounts per township (the village code's first nine digits), set-based."""
    rows = (
        PlanLine.objects.filter(plan=plan, active=True)
        .annotate(township=Substr("village_id", 1, 9))
        .values("township")
        .annotate(
            n=Count("id"),
            fen=Sum("amount_fen"),
            paid_n=Count("id", filter=Q(status=LineStatus.PAID)),
            paid=Sum("amount_fen", filter=Q(status=LineStatus.PAID)),
        )
        .order_by("township")
    )
    names = dict(
        Region.objects.filter(code__in=[f"{r['township']}000" for r in rows]).values_list("code", "name")
    )
    return [
        Subtotal(
            code=r["township"],
            name=names.get(f"{r['township']}000", r["township"]),
            count=r["n"],
            total_fen=r["fen"] or 0,
            paid_count=r["paid_n"],
            paid_fen=r["paid"] or 0,
        )
        for r in rows
    ]


def plan_by_bank(plan: DisbursementPlan) -> list[Subtotal]:
    """The plan's lines and amounts per agent bank (no bank: no open card yet)."""
    rows = (
        PlanLine.objects.filter(plan=plan, active=True)
        .values("bank__code", "bank__name")
        .annotate(
            n=Count("id"),
            fen=Sum("amount_fen"),
            paid_n=Count("id", filter=Q(status=LineStatus.PAID)),
            paid=Sum("amount_fen", filter=Q(status=LineStatus.PAID)),
        )
        .order_by("bank__code")
    )
    return [
        Subtotal(
            code=r["bank__code"] or "",
            name=r["bank__name"] or "无有效社保卡账户",
            count=r["n"],
            total_fen=r["fen"] or 0,
            paid_count=r["paid_n"],
            paid_fen=r["paid"] or 0,
        )
        for r in rows
    ]


def plan_status_counts(plan: DisbursementPlan) -> dict[str, dict[str, int]]:
    """Per line status, how many lines and how much (they add up to the plan's totals)."""
    rows = (
        PlanLine.objects.filter(plan=plan, active=True)
        .values("status")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
    )
    return {r["status"]: {"count": r["n"], "fen": r["fen"] or 0} for r in rows}


def plan_lines(plan: DisbursementPlan) -> QuerySet[PlanLine]:
    return PlanLine.objects.filter(plan=plan, active=True).select_related("person", "village", "bank")


def plan_budget(plan: DisbursementPlan) -> BudgetPosition:
    return budget_position(plan.policy, Period.parse(plan.period).year)


def batch_list(*, user: Any) -> QuerySet[PaymentBatch]:
    """The batches the user may see: a bank operator its own bank's; others those of the plans they see."""
    if getattr(user, "role", "") == "bank_operator":
        batches = PaymentBatch.objects.restrict(user)
    else:
        batches = PaymentBatch.objects.filter(plan__in=plan_list(user=user))
    return batches.select_related("plan__policy_version", "bank")


def batch_get(*, user: Any, pk: int) -> PaymentBatch:
    return batch_list(user=user).get(pk=pk)


def batch_payments(batch: PaymentBatch) -> QuerySet[Payment]:
    return Payment.objects.filter(batch=batch).select_related("line__village", "line__person")


def batch_returns(batch: PaymentBatch) -> QuerySet[BankReturn]:
    return BankReturn.objects.filter(batch=batch).select_related("imported_by")


def failed_lines(*, user: Any) -> QuerySet[PlanLine]:
    """The failed lines waiting on this user's role in their area (finance: also those held at the cap)."""
    role = getattr(user, "role", "")
    lines = PlanLine.objects.restrict(user).filter(active=True)
    wanted = Q(status=LineStatus.FAILED, remedy_role=role)
    if role == "finance":
        wanted |= Q(status__in=[LineStatus.HELD, LineStatus.READY]) | Q(
            status=LineStatus.FAILED, remedy_role="finance"
        )
    if role == "admin":
        wanted = Q(status__in=[LineStatus.FAILED, LineStatus.HELD, LineStatus.READY])
    return lines.filter(wanted).select_related("plan__policy_version", "person", "village", "bank")


def last_payment(line: PlanLine) -> Payment | None:
    return line.payments.order_by("-attempt").first()


@dataclass(frozen=True)
class BudgetRow:
    policy: Policy
    year: int
    budgets: list[Budget]
    position: BudgetPosition


def budget_rows(*, user: Any, year: int) -> list[BudgetRow]:
    """Each policy the user sees, with its budget by funding source and its execution for the year."""
    policies = Policy.objects.restrict(user).select_related("department").order_by("code")
    budgets: dict[int, list[Budget]] = {}
    for budget in Budget.objects.filter(year=year, policy__in=policies).select_related("entered_by"):
        budgets.setdefault(budget.policy_id, []).append(budget)
    return [
        BudgetRow(policy=p, year=year, budgets=budgets.get(p.pk, []), position=budget_position(p, year))
        for p in policies
    ]


def open_plan_states() -> list[str]:
    return sorted(plans.OPEN)
