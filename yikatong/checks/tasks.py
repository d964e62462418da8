"""Background work of the checks: a run over a line set, started from a screen, the API or the CLI."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from yikatong.checks.services import check_run, line_set_for
from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, tracked_task


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
