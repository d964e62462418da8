"""绩效双监控 through the API: the dual-monitoring figures and the evaluation report of a policy's year
(read only, the same permission table and region restriction as the screens)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from yikatong.accounts.permissions import requires
from yikatong.performance import report, selectors
from yikatong.policies.models import Policy

router = Router(tags=["绩效双监控 performance"])


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


class FigureOut(Schema):
    code: str
    name: str
    category: str
    unit: str
    better: str
    target: str | None
    actual: str | None
    typed: bool
    met: bool | None
    weight: str
    score: str | None
    note: str


class AreaOut(Schema):
    code: str
    name: str
    persons: int
    paid_yuan: str
    paid_count: int
    failed_count: int


class MonitoringOut(Schema):
    policy_code: str
    policy_name: str
    year: int
    region_code: str
    version: int | None
    on: str
    budget_yuan: str
    paid_yuan: str
    in_flight_yuan: str
    execution: str | None
    expected: str
    margin: str
    lagging: bool
    monthly_paid_yuan: list[str]
    figures: list[FigureOut]
    areas: list[AreaOut]
    warnings: list[str]
    score: str
    score_max: str


class CountOut(Schema):
    label: str
    detail: str
    count: int


class BudgetOut(Schema):
    source: str
    amount_yuan: str
    budget_line: str


class ReportOut(Schema):
    monitoring: MonitoringOut
    budgets: list[BudgetOut]
    findings: list[CountOut]
    complaints: list[CountOut]
    made_on: str


def _policy(request: HttpRequest, code: str, year: int) -> Policy:
    policy = Policy.objects.restrict(request.user).filter(code=code).first()
    if policy is None or not 2000 <= year <= 2100:
        raise Http404
    return policy


def _out(m: selectors.Monitoring) -> MonitoringOut:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return MonitoringOut(
        policy_code=m.policy.code,
        policy_name=m.policy_name,
        year=m.year,
        region_code=m.prefix.ljust(12, "0") if m.prefix else "",
        version=m.target_set.version if m.target_set else None,
        on=m.on.isoformat(),
        budget_yuan=_yuan(m.budget_fen),
        paid_yuan=_yuan(m.paid_fen),
        in_flight_yuan=_yuan(m.in_flight_fen),
        execution=text(m.execution),
        expected=str(m.expected),
        margin=str(m.margin),
        lagging=m.lagging,
        monthly_paid_yuan=[_yuan(v) for v in m.monthly_paid],
        figures=[
            FigureOut(
                code=f.code,
                name=f.name,
                category=f.category,
                unit=f.unit,
                better=f.better,
                target=text(f.target),
                actual=text(f.actual),
                typed=f.typed,
                met=f.met,
                weight=str(f.weight),
                score=text(f.score),
                note=f.note,
            )
            for f in m.figures
        ],
        areas=[
            AreaOut(
                code=a.code,
                name=a.name,
                persons=a.persons,
                paid_yuan=_yuan(a.paid_fen),
                paid_count=a.paid_count,
                failed_count=a.failed_count,
            )
            for a in m.areas
        ],
        warnings=m.warnings,
        score=str(m.score),
        score_max=str(m.score_max),
    )


@router.get(
    "/{code}/{year}/monitoring",
    response=MonitoringOut,
    summary="双监控：一个补贴项目年度的预算执行和各项绩效指标（按本人区划，可 area= 下钻到乡镇、村）",
)
@requires("performance.view")
def performance_monitoring(request: HttpRequest, code: str, year: int, area: str = "") -> MonitoringOut:
    policy = _policy(request, code, year)
    return _out(selectors.monitoring(user=request.user, policy=policy, year=year, area=area))


@router.get(
    "/{code}/{year}/report", response=ReportOut, summary="绩效评价报告：目标与实际、预算执行、疑点、投诉"
)
@requires("performance.view")
def performance_report(request: HttpRequest, code: str, year: int) -> ReportOut:
    policy = _policy(request, code, year)
    made = report.report_for(user=request.user, policy=policy, year=year)
    m = made.monitoring
    return ReportOut(
        monitoring=_out(m),
        budgets=[
            BudgetOut(source=b.source, amount_yuan=_yuan(b.amount_fen), budget_line=b.budget_line)
            for b in made.budgets
        ],
        findings=[CountOut(label=f["rule"], detail=f["state"], count=f["n"]) for f in m.findings],
        complaints=[CountOut(label=c["state"], detail=c["result"] or "", count=c["n"]) for c in m.complaints],
        made_on=made.made_on.isoformat(),
    )
