"""Background work of the checks: a run over a line set, queued from a screen or the API (``check_start``)
and run by a worker (``run_checks``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from yikatong.accounts.permissions import authorize
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.models import RunKind
from yikatong.checks.selectors import line_set_for
from yikatong.checks.services import check_run
from yikatong.core.models import Region
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.core.restrict import AccessDenied
from yikatong.policies.models import Policy
from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, task_start, tracked_task


@tracked_task(title="核查")
def run_checks(
    run: TaskRun,
    progress: Progress,
    *,
    kind: str,
    period_from: str,
    period_to: str,
    policy_code: str = "",
    region_code: str = "",
    rules: list[str] | None = None,
) -> dict[str, Any]:
    """Run the rules over the line set and store the findings (a retry simply runs again: findings merge)."""
    line_set = line_set_for(
        kind=kind,
        period_from=period_from,
        period_to=period_to,
        policy_code=policy_code,
        region_code=region_code,
    )
    steps = {"total": 1}

    def step(done: int, total: int, message: str) -> None:
        steps["total"] = total
        progress(done, total, message)

    checked = check_run(
        line_set=line_set,
        kind=kind,
        user=run.created_by,
        codes=rules or None,
        region_code=region_code,
        progress=step,
        period_from=period_from,
        period_to=period_to,
    )
    # The last steps come faster than progress is written: say plainly that all of them are done.
    progress(steps["total"], steps["total"], "核查完成，疑点已保存", force=True)
    return {
        "check_run_id": checked.pk,
        "lines": checked.line_count,
        "findings": checked.finding_count,
        "summary": _summary(checked.line_count, checked.summary, checked.skipped),
        "per_rule": {item["rule"]: item["count"] for item in checked.summary},
        "skipped": checked.skipped,
        "link": {"url": reverse("checks:run_detail", args=[checked.pk]), "label": "查看核查结果"},
    }


def _summary(lines: int, summary: list[dict[str, Any]], skipped: dict[str, str]) -> str:
    """“核查 1,234 行，发现疑点：死亡人员冒领 2 条、无社保卡账户 5 条；未核查 2 条规则（缺少数据）”."""
    found = "、".join(f"{item['title']} {item['count']} 条" for item in summary if item["count"])
    text = f"核查 {lines:,} 行，" + (f"发现疑点：{found}" if found else "未发现疑点")
    if skipped:
        text += f"；未核查 {len(skipped)} 条规则（缺少比对数据）"
    return text


# The action that starts each kind of run.
RUN_ACTIONS: dict[str, str] = {RunKind.INFLIGHT: "checkrun.start", RunKind.POSTHOC: "posthoc.run"}


def check_start(
    *,
    user: Any,
    kind: str,
    period_from: str,
    period_to: str = "",
    policy_code: str = "",
    region_code: str = "",
    codes: Iterable[str] | None = None,
) -> Any:
    """Queue a check run for a worker within the user's region and policies; return the task run.

    In-flight runs (事前比对/事中监控) look at one period's lines accepted by townships or approved by
    departments; post-hoc runs (事后专项核查) at the approved lines of every period in the range.
    """
    if kind not in RUN_ACTIONS:
        raise ValidationError({"kind": "核查类型应为 inflight（在途）或 posthoc（事后专项）"})
    authorize(user, RUN_ACTIONS[kind])
    try:
        first = Period.parse(period_from)
        last = Period.parse(period_to) if period_to else first
    except InvalidPeriod as exc:
        raise ValidationError({"period_from": str(exc)}) from exc
    if kind == RunKind.INFLIGHT and last != first:
        raise ValidationError({"period_to": "在途核查一次只核查一个发放期间"})
    if last.end < first.start:
        raise ValidationError({"period_to": "截止期间不能早于起始期间"})
    region_code = region_code or str(user.region_id)
    region = Region.objects.filter(code=region_code).first()
    if region is None or not region_code.startswith(user.region_prefix):
        raise AccessDenied("核查范围超出本人所属区划")
    policy = None
    if policy_code:
        policy = Policy.objects.restrict(user, "view").filter(code=policy_code).first()
        if policy is None:
            raise ValidationError({"policy_code": f"没有可核查的补贴项目 {policy_code}"})
    elif getattr(user, "department_scoped", False):
        raise ValidationError({"policy_code": "业务主管部门须选择本部门的补贴项目"})
    chosen = [code.strip().upper() for code in (codes or []) if code.strip()]
    unknown = [code for code in chosen if code not in CATALOGUE]
    if unknown:
        raise ValidationError({"rules": f"未知的核查规则：{'、'.join(unknown)}"})
    label = "事后专项核查" if kind == RunKind.POSTHOC else "在途名册核查"
    period_text = str(first) if last == first else f"{first} 至 {last}"
    return task_start(
        task=run_checks,
        title=f"{label} {region.name} {period_text}" + (f" {policy.code}" if policy else ""),
        user=user,
        arguments={
            "kind": kind,
            "period_from": str(first),
            "period_to": str(last),
            "policy_code": policy.code if policy else "",
            "region_code": region.code,
            "rules": chosen,
        },
        region_code=region.code,
    )
