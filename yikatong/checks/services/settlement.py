"""Settling findings (说明情况、排除疑点、确认属实), the county's blocking switches, and audit samples."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.models import CheckRun, Finding, FindingState, RuleSetting, RunKind, RunState
from yikatong.checks.platform import LINES_FROM
from yikatong.checks.selectors import blocking_codes, line_set_for
from yikatong.core.restrict import ensure_in_scope
from yikatong.core.tables import read_frame
from yikatong.rosters.models import LineState, RosterLine

# Who may settle a finding: the department that owns the policy (it approves rosters) and finance (it
# approves disbursement plans). Auditors read and report; they do not settle.

OUTCOME_ZH = {
    FindingState.EXPLAINED: "说明情况后放行",
    FindingState.DISMISSED: "排除疑点",
    FindingState.CONFIRMED: "确认属实",
}

ProgressFn = Callable[[int, int, str], None]


# --- which rules block ---------------------------------------------------------------------------------


@transaction.atomic
def rule_setting_change(*, user: Any, code: str, blocking: bool) -> RuleSetting:
    """Finance or the administrator decides whether a rule blocks; audited."""
    authorize(user, "rule.change")
    if code not in CATALOGUE:
        raise ValidationError(f"未知的核查规则：{code}")
    before = code in blocking_codes()
    setting, _ = RuleSetting.objects.update_or_create(
        code=code, defaults={"blocking": blocking, "updated_by": user, "updated_at": timezone.now()}
    )
    audit_record(
        action="checks.rule_setting",
        obj=setting,
        before={"code": code, "blocking": before},
        after={"code": code, "blocking": blocking},
        actor=user,
    )
    return setting


# --- settling --------------------------------------------------------------------------------------------


@transaction.atomic
def finding_settle(*, user: Any, finding: Finding, outcome: str, reason: str) -> Finding:
    """Explain, dismiss or confirm a finding; confirming a line in flight sends it back to its village."""
    authorize(user, "finding.settle", finding)
    if outcome not in OUTCOME_ZH:
        raise ValidationError("处理方式应为：说明情况、排除疑点或确认属实")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "处理疑点须填写理由"})
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.state != FindingState.OPEN:
        raise ValidationError(f"该疑点已处理（{finding.get_state_display()}），不能重复处理")
    returned = False
    if outcome == FindingState.CONFIRMED and finding.line_id is not None:
        line = RosterLine.objects.select_for_update().get(pk=finding.line_id)
        if line.state in {LineState.ACCEPTED, LineState.PENDING}:
            line.state = LineState.RETURNED
            line.reason = f"核查疑点属实（{CATALOGUE[finding.rule].title_zh}）：{reason}"[:300]
            line.save(update_fields=["state", "reason"])
            returned = True
    finding.state = outcome
    finding.settled_by = user
    finding.settled_at = timezone.now()
    finding.settle_reason = reason
    finding.save(update_fields=["state", "settled_by", "settled_at", "settle_reason"])
    audit_record(
        action="checks.finding_settle",
        obj=finding,
        region_code=finding.region_code,
        before={"state": FindingState.OPEN},
        after={
            "rule": finding.rule,
            "state": outcome,
            "reason": reason,
            "line": finding.line_id,
            "line_returned": returned,
        },
        actor=user,
    )
    return finding


# --- post-hoc audits -------------------------------------------------------------------------------------


@transaction.atomic
def sample_draw(*, user: Any, run: CheckRun, size: int, seed: int | None = None) -> CheckRun:
    """Draw a random sample of the audited lines for field checks (抽样实地核实); audited, repeatable."""
    # Those who audit choose what is checked in the field, not those whose lines are checked.
    authorize(user, "sample.draw")
    ensure_in_scope(user, run, "view")
    if run.kind != RunKind.POSTHOC or run.state != RunState.DONE:
        raise ValidationError("只能对已完成的事后专项核查抽样")
    if size < 1:
        raise ValidationError({"size": "抽样数量应为正整数"})
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    lines = _posthoc_line_ids(run)
    # Not a secret: the seed is recorded so that anyone can draw the same sample again.
    chosen = sorted(random.Random(seed).sample(lines, min(size, len(lines))))  # noqa: S311
    CheckRun.objects.filter(pk=run.pk).update(sample=chosen, sample_seed=seed)
    run.refresh_from_db()
    audit_record(
        action="checks.sample",
        obj=run,
        region_code=run.region_code,
        after={"size": len(chosen), "seed": seed, "population": len(lines)},
        actor=user,
    )
    return run


def _posthoc_line_ids(run: CheckRun) -> list[int]:
    where, params = line_set_for(
        kind=run.kind,
        period_from=run.period_from,
        period_to=run.period_to,
        policy_code=run.policy.code if run.policy else "",
        region_code=run.region_code,
    ).where()
    frame = read_frame(
        f"SELECT l.id {LINES_FROM} WHERE {where} ORDER BY l.id", params, schema={"id": pl.Int64}
    )
    return frame["id"].to_list() if frame.height else []
