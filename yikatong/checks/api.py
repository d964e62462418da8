"""Checks through the API: findings (read, settle) and check runs (read, start), as the screens allow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from yikatong.accounts.permissions import requires, shown
from yikatong.checks import selectors, services, tasks
from yikatong.checks.models import CheckRun, Finding, RunKind

router = Router(tags=["核查疑点 checks"])

MAX_PAGE_SIZE = 500


class FindingOut(Schema):
    id: int
    kind: str
    rule: str
    rule_title: str
    severity: str
    blocking: bool
    state: str
    state_label: str
    region_code: str
    village_name: str
    person_name: str
    id_number: str
    policy_code: str
    period: str
    roster_id: int | None
    line_id: int | None
    detail: str
    run_id: int
    first_run_id: int
    found_at: dt.datetime
    settled_by: str
    settled_at: dt.datetime | None
    settle_reason: str


class FindingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FindingOut]


class SettleIn(Schema):
    outcome: str
    reason: str


class RuleCount(Schema):
    rule: str
    title: str
    count: int


class RunOut(Schema):
    id: int
    kind: str
    state: str
    region_code: str
    policy_code: str
    roster_id: int | None
    period_from: str
    period_to: str
    rules: list[str]
    skipped: dict[str, str]
    summary: list[RuleCount]
    snapshots: dict[str, dict[str, Any]]
    # Whether each rule blocked when the run started; null for runs made before this was recorded.
    rule_settings: dict[str, dict[str, bool]] | None
    line_count: int
    finding_count: int
    sample_size: int
    sample_seed: int | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str


class RunIn(Schema):
    kind: str = RunKind.INFLIGHT
    period_from: str
    period_to: str = ""
    policy_code: str = ""
    region_code: str = ""
    rules: list[str] = []


class TaskRef(Schema):
    task_id: str
    progress_url: str


def _finding_out(finding: Finding, role: str) -> FindingOut:
    person = finding.person
    name = person.name if person else ""
    number = person.id_number if person else ""
    return FindingOut(
        id=finding.pk,
        kind=finding.kind,
        rule=finding.rule,
        rule_title=getattr(finding, "rule_title", finding.rule),
        severity=finding.severity,
        blocking=finding.blocking,
        state=finding.state,
        state_label=finding.get_state_display(),
        region_code=finding.region_code,
        village_name=getattr(finding, "village_name", None) or "",
        person_name=shown(role, "name", name),
        id_number=shown(role, "id_number", number),
        policy_code=finding.policy.code,
        period=finding.period,
        roster_id=finding.roster_id,
        line_id=finding.line_id,
        detail=finding.detail,
        run_id=finding.run_id,
        first_run_id=finding.first_run_id,
        found_at=finding.found_at,
        settled_by=finding.settled_by.display_name if finding.settled_by else "",
        settled_at=finding.settled_at,
        settle_reason=finding.settle_reason,
    )


def _run_out(run: CheckRun) -> RunOut:
    return RunOut(
        id=run.pk,
        kind=run.kind,
        state=run.state,
        region_code=run.region_code,
        policy_code=run.policy.code if run.policy else "",
        roster_id=run.roster_id,
        period_from=run.period_from,
        period_to=run.period_to,
        rules=list(run.rules),
        skipped=dict(run.skipped),
        summary=[RuleCount(**item) for item in run.summary],
        snapshots=dict(run.snapshots),
        rule_settings=run.rule_settings,
        line_count=run.line_count,
        finding_count=run.finding_count,
        sample_size=len(run.sample),
        sample_seed=run.sample_seed,
        started_at=run.started_at,
        finished_at=run.finished_at,
        error=run.error,
    )


@router.get("/findings", response=FindingPage, summary="核查疑点（按规则、状态、期间、项目、名册筛选，分页）")
@requires("finding.view")
def finding_list(
    request: HttpRequest,
    rule: str = "",
    state: str = "",
    period: str = "",
    policy: str = "",
    roster: int | None = None,
    run: int | None = None,
    blocking: bool = False,
    page: int = 1,
    page_size: int = 100,
) -> FindingPage:
    filters = selectors.FindingFilters(
        rule=rule.strip().upper(),
        state=state,
        period=period.strip(),
        policy=policy.strip(),
        roster=roster,
        run=run,
        blocking=blocking,
    )
    found = selectors.finding_list(user=request.user, filters=filters)
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    start = (page - 1) * page_size
    role = getattr(request.user, "role", "")
    return FindingPage(
        count=found.count(),
        page=page,
        page_size=page_size,
        items=[_finding_out(f, role) for f in found[start : start + page_size]],
    )


@router.get("/findings/{finding_id}", response=FindingOut, summary="一条核查疑点")
@requires("finding.view")
def finding_detail(request: HttpRequest, finding_id: int) -> FindingOut:
    finding = get_object_or_404(selectors.finding_list(user=request.user), pk=finding_id)
    return _finding_out(finding, getattr(request.user, "role", ""))


@router.post(
    "/findings/{finding_id}/settle",
    response=FindingOut,
    summary="处理核查疑点：explained 说明情况放行、dismissed 排除疑点、confirmed 确认属实（退回该行）",
)
@requires("finding.settle")
def finding_settle(request: HttpRequest, finding_id: int, payload: SettleIn) -> FindingOut:
    finding = get_object_or_404(selectors.finding_list(user=request.user), pk=finding_id)
    services.finding_settle(
        user=request.user, finding=finding, outcome=payload.outcome, reason=payload.reason
    )
    settled = get_object_or_404(selectors.finding_list(user=request.user), pk=finding_id)
    return _finding_out(settled, getattr(request.user, "role", ""))


@router.get("/runs", response=list[RunOut], summary="核查批次（最新在前，最多 200 条）")
@requires("checkrun.view")
def check_run_list(request: HttpRequest, kind: str = "") -> list[RunOut]:
    return [_run_out(run) for run in selectors.run_list(user=request.user, kind=kind)[:200]]


@router.get("/runs/{run_id}", response=RunOut, summary="一个核查批次：各规则疑点数、未核查规则、所用比对数据")
@requires("checkrun.view")
def check_run_detail(request: HttpRequest, run_id: int) -> RunOut:
    return _run_out(get_object_or_404(selectors.run_list(user=request.user), pk=run_id))


@router.post("/runs", response=TaskRef, summary="发起核查（inflight 在途 / posthoc 事后专项，后台任务）")
@requires("checkrun.start")
def check_run_start(request: HttpRequest, payload: RunIn) -> TaskRef:
    task = tasks.check_start(
        user=request.user,
        kind=payload.kind,
        period_from=payload.period_from,
        period_to=payload.period_to,
        policy_code=payload.policy_code,
        region_code=payload.region_code,
        codes=payload.rules,
    )
    return TaskRef(task_id=str(task.pk), progress_url=f"/api/tasks/{task.pk}")
