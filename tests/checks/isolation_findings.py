"""Region isolation cases for the checks app's findings, runs and rules endpoints, screens and API alike
(collected by tests/test_region_isolation.py, whose ``rows`` give township A's draft roster with one line)."""

from __future__ import annotations

from typing import Any

from tests.support.isolation import Case, Target, url
from yikatong.checks.models import CheckRun, Finding, FindingState, RunKind, RunState
from yikatong.tasks.models import TaskRun

# ASCII inside, so that it reads the same in a page and in JSON (which escapes Chinese).
FINDING_MARKER = "jia-4417"
FINDING_DETAIL = f"甲村疑点 {FINDING_MARKER}：未查到本人社保卡账户"


def township_a_finding(rows: dict[str, Any]) -> Finding:
    """An open blocking finding on township A's roster line, as the department's approval would store it."""
    if "finding" not in rows:
        roster = rows["roster"]
        line = roster.lines.get()
        run = CheckRun.objects.create(
            kind=RunKind.INFLIGHT,
            state=RunState.DONE,
            region_code=roster.village_id,
            policy=roster.policy,
            roster=roster,
            period_from=roster.period,
            period_to=roster.period,
            rules=["NO_CARD"],
            summary=[{"rule": "NO_CARD", "title": "无社保卡账户", "count": 1}],
            line_count=1,
            finding_count=1,
        )
        rows["finding"] = Finding.objects.create(
            kind=RunKind.INFLIGHT,
            run=run,
            first_run=run,
            subject=f"line:{line.pk}",
            rule="NO_CARD",
            severity="high",
            blocking=True,
            line=line,
            roster=roster,
            person=line.person,
            policy=roster.policy,
            period=roster.period,
            region_code=roster.village_id,
            detail=FINDING_DETAIL,
        )
    return rows["finding"]


def township_a_audit(rows: dict[str, Any], *, sampled: bool = False) -> CheckRun:
    """A finished post-hoc run over township A's village (its one line drawn as the sample if asked)."""
    if "audit" not in rows:
        roster = rows["roster"]
        rows["audit"] = CheckRun.objects.create(
            kind=RunKind.POSTHOC,
            state=RunState.DONE,
            region_code=roster.village_id,
            period_from=roster.period,
            period_to=roster.period,
            rules=["DECEASED"],
            summary=[{"rule": "DECEASED", "title": "死亡人员冒领", "count": 0}],
            line_count=1,
            sample=[roster.lines.get().pk] if sampled else [],
            sample_seed=7 if sampled else None,
        )
    return rows["audit"]


def _settled(finding: Finding) -> bool:
    finding.refresh_from_db()
    return finding.state != FindingState.OPEN


def _seeded(run: CheckRun) -> bool:
    run.refresh_from_db()
    return run.sample_seed == 5


def _checks_queued(region_code: str) -> bool:
    return TaskRun.objects.filter(task_path__endswith="run_checks", region_code=region_code).exists()


def _settle(kind: str) -> dict[str, str]:
    return {"outcome": "explained", "reason": f"{kind}：已核实"}


def _run_page(r: dict[str, Any]) -> str:
    return url("checks:run_detail", pk=township_a_finding(r).run_id)


CASES: list[Case] = [
    Case(
        "checks:findings",
        "GET",
        "dept_reviewer",
        lambda w, r: Target(
            url("checks:findings") + f"?period={township_a_finding(r).period}", FINDING_MARKER
        ),
    ),
    Case(
        "checks:finding_detail",
        "GET",
        "dept_reviewer",
        lambda w, r: Target(url("checks:finding_detail", pk=township_a_finding(r).pk), marker=FINDING_MARKER),
    ),
    Case(
        "checks:finding_settle",
        "POST",
        "finance",
        lambda w, r: Target(
            url("checks:finding_settle", pk=township_a_finding(r).pk),
            data=_settle("页面"),
            changed=lambda: _settled(r["finding"]),
        ),
    ),
    Case(
        "checks:runs",
        "GET",
        "auditor",
        lambda w, r: Target(url("checks:runs"), marker=_run_page(r)),
    ),
    Case(
        "checks:run_start",
        "POST",
        "finance",
        lambda w, r: Target(
            url("checks:run_start"),
            data={"period": "2026-10", "region": r["village"]},
            changed=lambda: _checks_queued(r["village"]),
        ),
    ),
    Case(
        "checks:run_detail",
        "GET",
        "auditor",
        lambda w, r: Target(_run_page(r), marker=_run_page(r) + "findings.xlsx"),
    ),
    Case(
        "checks:run_export",
        "GET",
        "auditor",
        lambda w, r: Target(url("checks:run_export", pk=township_a_finding(r).run_id)),
    ),
    Case(
        "checks:run_sample",
        "POST",
        "auditor",
        lambda w, r: Target(
            url("checks:run_sample", pk=township_a_audit(r).pk),
            data={"size": 1, "seed": 5},
            changed=lambda: _seeded(r["audit"]),
        ),
    ),
    Case(
        "checks:run_sample_export",
        "GET",
        "auditor",
        lambda w, r: Target(url("checks:run_sample_export", pk=township_a_audit(r, sampled=True).pk)),
    ),
    Case(
        "checks:posthoc",
        "GET",
        "auditor",
        lambda w, r: Target(
            url("checks:posthoc"), marker=url("checks:run_detail", pk=township_a_audit(r).pk)
        ),
    ),
    Case(
        "checks:posthoc",
        "POST",
        "auditor",
        lambda w, r: Target(
            url("checks:posthoc"),
            data={"period_from": "2026-01", "period_to": "2026-10", "region": r["village"]},
            changed=lambda: _checks_queued(r["village"]),
        ),
    ),
    Case(
        "api:finding_list",
        "GET",
        "dept_reviewer",
        lambda w, r: Target(f"/api/checks/findings?roster={township_a_finding(r).roster_id}", FINDING_MARKER),
        api=True,
    ),
    Case(
        "api:finding_detail",
        "GET",
        "dept_reviewer",
        lambda w, r: Target(f"/api/checks/findings/{township_a_finding(r).pk}", marker=FINDING_MARKER),
        api=True,
    ),
    Case(
        "api:finding_settle",
        "POST",
        "finance",
        lambda w, r: Target(
            f"/api/checks/findings/{township_a_finding(r).pk}/settle",
            data=_settle("接口"),
            changed=lambda: _settled(r["finding"]),
        ),
        api=True,
    ),
    Case(
        "api:check_run_list",
        "GET",
        "auditor",
        lambda w, r: Target("/api/checks/runs", marker=f'"id": {township_a_finding(r).run_id},'),
        api=True,
    ),
    Case(
        "api:check_run_detail",
        "GET",
        "auditor",
        lambda w, r: Target(
            f"/api/checks/runs/{township_a_audit(r).pk}", marker=f'"region_code": "{r["village"]}"'
        ),
        api=True,
    ),
    Case(
        "api:check_run_start",
        "POST",
        "auditor",
        lambda w, r: Target(
            "/api/checks/runs",
            data={
                "kind": "posthoc",
                "period_from": "2026-01",
                "period_to": "2026-10",
                "region_code": r["village"],
            },
            changed=lambda: _checks_queued(r["village"]),
        ),
        api=True,
    ),
]

EXEMPT: dict[str, str] = {
    "checks:rules": "the county's rule settings (which rules block): no region's rows; only finance and the "
    "administrator change them (tests/checks/test_posthoc.py)",
    "checks:rule_change": "confirming one rule's blocking switch with a reason: a county-wide setting, no "
    "region's rows; only finance and the administrator reach it, garbage included "
    "(tests/checks/test_rule_settings.py)",
}
