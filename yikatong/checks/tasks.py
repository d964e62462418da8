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
    checked = check_run(
        line_set=line_set,
        kind=kind,
        user=run.created_by,
        codes=rules or None,
        region_code=region_code,
        progress=lambda done, total, message: progress(done, total, message),
    )
    return {
        "check_run_id": checked.pk,
        "lines": checked.line_count,
        "findings": checked.finding_count,
        "summary": checked.summary,
        "skipped": checked.skipped,
        "link": {"url": reverse("checks:run_detail", args=[checked.pk]), "label": "查看核查结果"},
    }
