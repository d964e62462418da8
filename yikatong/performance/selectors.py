"""Reads of the performance app: target sets, and the dual-monitoring figures computed from the platform's
own tables (payments, roster events, findings, disclosures, complaints).

Every figure is a handful of aggregate queries over the policy's year, restricted to a region prefix: the
user's own region, narrowed by the drill-down (township, village). Working days between approval and
payment are counted per distinct pair of dates (one grouped query), never per payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth, Substr, TruncDate
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.checks.engine.catalogue import rule_title
from yikatong.checks.models import FindingState
from yikatong.complaints.domain import rules as complaint_rules
from yikatong.core.models import Region
from yikatong.core.workdays import working_days_between
from yikatong.payments.domain import plans
from yikatong.payments.models import Payment, PlanLine
from yikatong.performance.domain import indicators
from yikatong.performance.models import Publication, SetState, Target, TargetSet
from yikatong.policies.models import Policy
from yikatong.registry.models import SocialSecurityCard
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import RosterEvent

NO_DATA = "暂无数据"


def target_sets(user: Any, year: int) -> QuerySet[TargetSet]:
    """Every version of every target set of the year the user may see."""
    return TargetSet.objects.restrict(user).filter(year=year).select_related("policy", "policy__department")


def versions(policy: Policy, year: int) -> list[TargetSet]:
    """All versions of a policy's year, newest first, with their targets."""
    return list(
        TargetSet.objects.filter(policy=policy, year=year)
        .select_related("drafted_by", "approved_by")
        .prefetch_related("targets")
        .order_by("-version")
    )


def in_force(policy: Policy, year: int) -> TargetSet | None:
    """The approved version of a policy's year (None when nothing is approved yet)."""
    return TargetSet.objects.filter(policy=policy, year=year, state=SetState.APPROVED).first()


def open_draft(policy: Policy, year: int) -> TargetSet | None:
    """The draft, submitted or returned version being prepared (an adjustment when one is in force)."""
    return TargetSet.objects.filter(
        policy=policy, year=year, state__in=[SetState.DRAFT, SetState.SUBMITTED, SetState.RETURNED]
    ).first()


def publications(policy: Policy | None = None) -> QuerySet[Publication]:
    """What the public column shows (newest first)."""
    rows = Publication.objects.select_related("policy", "policy__department")
    return rows.filter(policy=policy) if policy is not None else rows


# --- figures ------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One indicator's actual against its target."""

    code: str
    name: str
    category: str
    unit: str
    better: str
    actual: Decimal | None
    target: Decimal | None
    weight: Decimal
    typed: bool
    available: bool
    met: bool | None
    score: Decimal | None
    note: str = ""

    @property
    def missed(self) -> bool:
        return self.met is False


@dataclass
class Area:
    """One township or village of the drill-down."""

    code: str
    name: str
    persons: int
    paid_fen: int
    paid_count: int
    failed_count: int


@dataclass
class Monitoring:
    """Everything the dual-monitoring page shows for one policy, year and region."""

    policy: Policy
    policy_name: str
    year: int
    prefix: str
    region_name: str
    target_set: TargetSet | None
    on: dt.date
    budget_fen: int
    paid_fen: int
    in_flight_fen: int
    execution: Decimal | None
    expected: Decimal
    margin: Decimal
    lagging: bool
    months: list[int]
    monthly_paid: list[int]
    curve: list[tuple[int, Decimal]]
    figures: list[Figure]
    areas: list[Area]
    steps: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def score(self) -> Decimal:
        return sum((f.score for f in self.figures if f.score is not None), Decimal(0))

    @property
    def score_max(self) -> Decimal:
        return sum((f.weight for f in self.figures if f.score is not None), Decimal(0))


def _own(user: Any) -> str:
    return "" if user is None else str(getattr(user, "region_prefix", "\x00"))


def area_prefix(own: str, area: str) -> str:
    """The code prefix of a drill-down area (a 12-digit code) inside the user's own subtree; the user's
    own prefix for none, or for an area outside it."""
    if not (len(area) == 12 and area.isdigit()):
        return own
    prefix = area[:6] if area[6:] == "000000" else area[:9] if area[9:] == "000" else area
    return prefix if prefix.startswith(own) else own


def _payments(policy: Policy, year: int, prefix: str) -> QuerySet[Payment]:
    return Payment.objects.filter(
        batch__plan__policy=policy,
        batch__plan__period__startswith=str(year),
        line__village__code__startswith=prefix,
    )


def _model(label: str, name: str) -> Any:
    """A model of an app that may not be installed (yet): None then."""
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def pay_days(rows: QuerySet[Payment]) -> tuple[Decimal | None, int]:
    """Average working days from finance's approval to the money on the card, over paid payments."""
    pairs = (
        rows.filter(status=plans.PAID, settled_on__isnull=False, batch__plan__approved_at__isnull=False)
        .annotate(approved_on=TruncDate("batch__plan__approved_at"))
        .values("approved_on", "settled_on")
        .annotate(n=Count("id"))
    )
    total = days = 0
    for pair in pairs:
        total += pair["n"]
        days += working_days_between(pair["approved_on"], pair["settled_on"]) * pair["n"]
    if not total:
        return None, 0
    return (Decimal(days) / Decimal(total)).quantize(Decimal("0.01")), total


def monitoring(
    *, user: Any, policy: Policy, year: int, area: str = "", on: dt.date | None = None
) -> Monitoring:
    """The dual-monitoring figures of a policy's year in the user's region (or an area inside it)."""
    authorize(user, "performance.view", policy)
    from yikatong.performance.services import version_for

    on = on or timezone.localdate()
    own = _own(user)
    prefix = area_prefix(own, area)
    region_name = ""
    if prefix:
        code = prefix.ljust(12, "0")
        region_name = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
    target_set = in_force(policy, year)
    targets: dict[str, Target] = {t.indicator: t for t in target_set.targets.all()} if target_set else {}
    version = version_for(policy, year)
    months = indicators.payment_months(
        version.frequency if version else "monthly", version.pay_months if version else []
    )
    rows = _payments(policy, year, prefix)
    sums = rows.aggregate(
        paid_fen=Sum("amount_fen", filter=Q(status=plans.PAID)),
        paid=Count("id", filter=Q(status=plans.PAID)),
        persons=Count("line__person", filter=Q(status=plans.PAID), distinct=True),
        failed=Count("id", filter=Q(status__in=[plans.FAILED, plans.RETURNED])),
        final=Count("id", filter=Q(status__in=sorted(plans.FINAL))),
        flight=Sum("amount_fen", filter=Q(status__in=sorted(plans.IN_FLIGHT))),
    )
    paid_fen, paid_count = sums["paid_fen"] or 0, sums["paid"]
    persons, failed, final = sums["persons"], sums["failed"], sums["final"]
    on_card = (
        rows.filter(status=plans.PAID)
        .filter(
            Exists(
                SocialSecurityCard.objects.filter(
                    person_id=OuterRef("line__person_id"), account_bidx=OuterRef("account_bidx")
                )
            )
        )
        .count()
    )
    settled = Coalesce("settled_on", TruncDate("updated_at"))
    by_month = dict(
        rows.filter(status=plans.PAID)
        .annotate(month=ExtractMonth(settled))
        .values("month")
        .annotate(total=Sum("amount_fen"))
        .values_list("month", "total")
    )
    monthly_paid = [int(by_month.get(m, 0) or 0) for m in range(1, 13)]
    days, _days_count = pay_days(rows)
    line_count = PlanLine.objects.filter(
        plan__policy=policy, plan__period__startswith=str(year), active=True, village__code__startswith=prefix
    ).count()

    # Budget: the approved version's total when one is in force (a township's share is not budgeted).
    budget_fen = target_set.budget_fen if target_set else 0
    full_region = prefix == own and len(own) <= 6
    execution = indicators.share(paid_fen, budget_fen) if budget_fen and full_region else None
    expected = indicators.expected_share(year, months, on)
    margin = target_set.lag_margin if target_set else Decimal(10)
    lagging = indicators.execution_lags(execution, expected, margin)

    # Roster steps: each move made against a deadline, on time or not, by the step it finished.
    events = RosterEvent.objects.filter(
        roster__policy=policy,
        roster__period__startswith=str(year),
        roster__village__code__startswith=prefix,
        deadline__isnull=False,
    )
    steps = list(
        events.values("from_state")
        .annotate(total=Count("id"), late=Count("id", filter=Q(late=True)))
        .order_by("from_state")
    )
    for step in steps:
        step["step"] = workflow.AWAITED.get(step["from_state"], (step["from_state"], ""))[0]
    step_total = sum(s["total"] for s in steps)
    step_late = sum(s["late"] for s in steps)

    actual: dict[str, Decimal | None] = {
        "persons": Decimal(persons) if paid_count else None,
        "paid": (Decimal(paid_fen) / 100).quantize(Decimal("0.01")) if paid_count else None,
        "card_share": indicators.share(on_card, paid_count),
        "pay_days": days,
        "steps_on_time": indicators.share(step_total - step_late, step_total),
        "failed_rate": indicators.share(failed, final),
        "findings_rate": None,
        "disclosed_on_time": None,
        "complaints_rate": None,
        "complaints_on_time": None,
        "satisfaction": None,
    }
    notes: dict[str, str] = {}
    counts = {"lines": line_count, "paid": paid_count, "failed": failed, "final": final, "persons": persons}

    finding_rows: list[dict[str, Any]] = []
    finding_model = _model("checks", "Finding")
    if finding_model is not None:
        found = finding_model.objects.filter(
            policy=policy, period__startswith=str(year), region_code__startswith=prefix
        )
        finding_rows = list(found.values("rule", "state").annotate(n=Count("id")).order_by("rule", "state"))
        states = dict(FindingState.choices)
        for row in finding_rows:
            row["rule_title"] = rule_title(row["rule"])
            row["state_label"] = str(states.get(row["state"], row["state"]))
        findings = sum(r["n"] for r in finding_rows)
        counts["findings"] = findings
        actual["findings_rate"] = indicators.per_10k(findings, line_count)

    disclosure_model = _model("disclosure", "Disclosure")
    if disclosure_model is not None:
        first = disclosure_model.objects.filter(
            policy=policy, period__startswith=str(year), village__code__startswith=prefix, revision=1
        ).aggregate(
            lines=Sum("line_count"), on_time=Sum("line_count", filter=Q(published_on__lte=F("due_on")))
        )
        counts["disclosed"] = first["lines"] or 0
        actual["disclosed_on_time"] = indicators.share(first["on_time"] or 0, first["lines"] or 0)
    else:
        notes["disclosed_on_time"] = NO_DATA

    complaint_rows: list[dict[str, Any]] = []
    complaint_model = _model("complaints", "Complaint")
    if complaint_model is not None:
        filed = complaint_model.objects.filter(
            policy=policy, filed_at__year=year, region__code__startswith=prefix
        )
        totals = filed.aggregate(
            total=Count("id"),
            closed=Count("id", filter=Q(closed_at__isnull=False)),
            on_time=Count("id", filter=Q(closed_at__isnull=False, closed_at__date__lte=F("due_on"))),
            overdue_open=Count("id", filter=Q(closed_at__isnull=True, due_on__lt=on)),
        )
        complaint_rows = list(
            filed.values("state", "result").annotate(n=Count("id")).order_by("state", "result")
        )
        for row in complaint_rows:
            row["state_label"] = complaint_rules.STATE_LABELS.get(row["state"], row["state"])
            row["result_label"] = complaint_rules.RESULT_LABELS.get(row["result"], row["result"])
        counts["complaints"] = totals["total"]
        actual["complaints_rate"] = indicators.per_10k(totals["total"], persons) if paid_count else None
        actual["complaints_on_time"] = indicators.share(
            totals["on_time"], totals["closed"] + totals["overdue_open"]
        )
    else:
        notes["complaints_rate"] = notes["complaints_on_time"] = NO_DATA

    survey = targets.get("satisfaction")
    actual["satisfaction"] = survey.typed_actual if survey is not None else None

    figures = []
    warnings = []
    for ind in indicators.CATALOGUE:
        target = targets.get(ind.code)
        value = actual[ind.code]
        goal = target.target if target else None
        weight = target.weight if target else Decimal(0)
        met = indicators.met(ind.code, value, goal)
        figure = Figure(
            code=ind.code,
            name=ind.name,
            category=ind.category,
            unit=ind.unit,
            better=ind.better,
            actual=value,
            target=goal,
            weight=weight,
            typed=ind.typed,
            available=value is not None,
            met=met,
            score=indicators.score(ind.code, value, goal, weight),
            note=notes.get(ind.code, ""),
        )
        figures.append(figure)
        if met is False:
            warnings.append(f"{ind.name}未达目标：实际 {value}{ind.unit}，目标 {goal}{ind.unit}")
    if lagging:
        warnings.insert(
            0,
            f"预算执行进度滞后：已支付 {execution}%，按发放月份应达 {expected}%"
            f"（预警幅度 {margin} 个百分点）",
        )

    return Monitoring(
        policy=policy,
        policy_name=version.name if version else policy.code,
        year=year,
        prefix=prefix,
        region_name=region_name,
        target_set=target_set,
        on=on,
        budget_fen=budget_fen,
        paid_fen=paid_fen,
        in_flight_fen=sums["flight"] or 0,
        execution=execution,
        expected=expected,
        margin=margin,
        lagging=lagging,
        months=months,
        monthly_paid=monthly_paid,
        curve=indicators.curve(year, months),
        figures=figures,
        areas=_areas(rows, prefix),
        steps=steps,
        findings=finding_rows,
        complaints=complaint_rows,
        warnings=warnings,
        counts=counts,
    )


def _areas(rows: QuerySet[Payment], prefix: str) -> list[Area]:
    """The next level down: townships of a county, villages of a township (one grouped query)."""
    width = 9 if len(prefix) <= 6 else 12
    grouped = (
        rows.annotate(area=Substr("line__village__code", 1, width))
        .values("area")
        .annotate(
            persons=Count("line__person", filter=Q(status=plans.PAID), distinct=True),
            paid_fen=Sum("amount_fen", filter=Q(status=plans.PAID)),
            paid=Count("id", filter=Q(status=plans.PAID)),
            failed=Count("id", filter=Q(status__in=[plans.FAILED, plans.RETURNED])),
        )
        .order_by("area")
    )
    found = list(grouped)
    codes = [(g["area"] + "000") if width == 9 else g["area"] for g in found]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        Area(
            code=code,
            name=names.get(code, code),
            persons=g["persons"],
            paid_fen=g["paid_fen"] or 0,
            paid_count=g["paid"],
            failed_count=g["failed"],
        )
        for code, g in zip(codes, found, strict=True)
    ]


def lines(*, user: Any, policy: Policy, year: int, area: str, status: str = "") -> QuerySet[Payment]:
    """The payments behind a figure: the policy's year in an area of the user's region."""
    authorize(user, "performance.view", policy)
    prefix = area_prefix(_own(user), area)
    rows = _payments(policy, year, prefix).select_related("line__village", "batch__plan", "line__person")
    if status in plans.PAYMENT_LABELS:
        rows = rows.filter(status=status)
    return rows
