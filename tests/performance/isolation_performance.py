"""Region isolation cases for the performance app (collected by tests/test_region_isolation.py): township
A's 高龄津贴 2026 gets a paid payment of 77.31 元 in 永丰村 on top of the payments app's isolation plan, and
the year an approved target set. Township B's users see their own region's figures (none), never A's."""

from __future__ import annotations

from typing import Any

from tests.payments.isolation_payments import township_a_plan
from tests.support.isolation import Case, Target, url
from tests.support.world import World
from yikatong.payments.domain import plans
from yikatong.payments.models import BatchState, Payment, PaymentBatch
from yikatong.performance.models import Publication, SetState, TargetSet
from yikatong.performance.models import Target as Goal

PAID = "77.31"


def _year(world: World, rows: dict[str, Any]) -> dict[str, Any]:
    if "perf_set" not in rows:
        plan = township_a_plan(rows)
        line = rows["plan_line"]
        batch = PaymentBatch.objects.create(
            plan=plan,
            bank=line.bank,
            round=2,
            message_id="YKT2026PERFISO",
            state=BatchState.CLOSED,
            count=1,
            total_fen=7731,
            paid_count=1,
            paid_fen=7731,
        )
        Payment.objects.create(
            batch=batch,
            line=line,
            attempt=2,
            end_to_end_id="232722PERFISO02",
            amount_fen=7731,
            holder_name=line.person.name,
            account_no="6228480000000007731",
            account_bidx="x",
            status=plans.PAID,
        )
        target_set = TargetSet.objects.create(
            policy=plan.policy,
            year=2026,
            version=1,
            state=SetState.APPROVED,
            budget_fen=1_000_000,
            county_fen=1_000_000,
            drafted_by=world.user("dept_reviewer"),
        )
        Goal.objects.create(target_set=target_set, indicator="persons", target=1)
        rows["perf_set"] = target_set
    return rows


def _aim(route: str, marker: str = "", **kwargs: Any) -> Any:
    def aim(w: World, r: dict[str, Any]) -> Target:
        _year(w, r)
        return Target(url(route, **kwargs), marker)

    return aim


def _write(route: str, changed: Any, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    def aim(w: World, r: dict[str, Any]) -> Target:
        _year(w, r)
        target_kwargs = {k: (v(r) if callable(v) else v) for k, v in kwargs.items()}
        return Target(url(route, **target_kwargs), data=data or {}, changed=lambda: changed(r))

    return aim


def _api(path: str) -> Any:
    def aim(w: World, r: dict[str, Any]) -> Target:
        _year(w, r)
        return Target(path, PAID)

    return aim


CASES: list[Case] = [
    Case("performance:monitor", "GET", "finance", _aim("performance:monitor", PAID)),
    Case(
        "performance:policy_monitor",
        "GET",
        "finance",
        _aim("performance:policy_monitor", "永丰村", code="GLJT", year=2026),
    ),
    Case("performance:lines", "GET", "finance", _aim("performance:lines", "永丰村", code="GLJT", year=2026)),
    Case("performance:report", "GET", "auditor", _aim("performance:report", PAID, code="GLJT", year=2026)),
    Case(
        "performance:draft",
        "POST",
        "dept_reviewer",
        _write(
            "performance:draft",
            lambda r: TargetSet.objects.filter(year=2026, state=SetState.DRAFT).exists(),
            {"budget": "100", "lag_margin": "10", "reason": "调整", "target_persons": "2"},
            code="GLJT",
            year=2026,
        ),
        insider_place="county",
    ),
    Case(
        "performance:action",
        "POST",
        "dept_reviewer",
        _write(
            "performance:action",
            lambda r: (
                Goal.objects.filter(indicator="satisfaction").exists()
                and Goal.objects.get(indicator="satisfaction").typed_actual is not None
            ),
            {"satisfaction": "95"},
            pk=lambda r: _with_survey(r).pk,
            action="survey",
        ),
        insider_place="county",
    ),
    Case(
        "performance:publish",
        "POST",
        "disclosure_officer",
        _write("performance:publish", lambda r: Publication.objects.exists(), code="GLJT", year=2026),
        insider_place="county",
    ),
    Case(
        "api:performance_monitoring",
        "GET",
        "finance",
        _api("/api/performance/GLJT/2026/monitoring"),
        api=True,
    ),
    Case("api:performance_report", "GET", "auditor", _api("/api/performance/GLJT/2026/report"), api=True),
]


def _with_survey(rows: dict[str, Any]) -> TargetSet:
    target_set: TargetSet = rows["perf_set"]
    Goal.objects.get_or_create(target_set=target_set, indicator="satisfaction", defaults={"target": 90})
    return target_set


EXEMPT = {
    "performance:list": "the county's budgets and targets, shared down like 预算指标; no township's rows",
    "performance:detail": "one county policy's budget and targets (shared down); writes: performance:draft",
    "performance:report_pdf": "the same restricted figures as performance:report (one selector), as PDF",
    "performance:report_xlsx": "the same restricted figures as performance:report (one selector), as Excel",
    "public_performance:index": "public page: published summaries, figures only",
    "public_performance:detail": "public page: one published summary, figures only",
}
