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
from yikatong.checks.engine.catalogue import CATALOGUE, rule_title
from yikatong.checks.models import (
    RULE_REASON_MAX,
    CheckedLine,
    CheckRun,
    Finding,
    FindingState,
    RuleSetting,
    RunKind,
    RunState,
)
from yikatong.checks.platform import LINES_FROM
from yikatong.checks.selectors import line_set_for
from yikatong.core.restrict import ensure_in_scope
from yikatong.core.tables import read_frame
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, RosterEvent, RosterLine

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
def rule_setting_change(*, user: Any, code: str, blocking: bool, reason: str) -> RuleSetting:
    """Finance or the administrator decides, with a reason, whether a rule blocks; the change and its
    reason are one audit event. Refused when the rule already is as asked (someone changed it meanwhile)."""
    authorize(user, "rule.change")
    rule = CATALOGUE.get(code)
    if rule is None:
        raise ValidationError(f"未知的核查规则：{code}")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写调整理由"})
    if len(reason) > RULE_REASON_MAX:
        raise ValidationError({"reason": f"调整理由不能超过{RULE_REASON_MAX}字"})
    # One row per rule, locked: of two people confirming the same switch at once, the second is told.
    RuleSetting.objects.get_or_create(code=code, defaults={"blocking": rule.blocking, "updated_by": user})
    setting = RuleSetting.objects.select_for_update().get(code=code)
    before = setting.blocking
    if before == blocking:
        state = "阻断发放" if blocking else "不阻断发放"
        raise ValidationError(f"规则“{rule.title_zh}”已是{state}，无需调整")
    setting.blocking = blocking
    setting.reason = reason
    setting.updated_by = user
    setting.updated_at = timezone.now()
    setting.save(update_fields=["blocking", "reason", "updated_by", "updated_at"])
    audit_record(
        action="checks.rule_setting",
        obj=setting,
        before={"code": code, "title": rule.title_zh, "blocking": before},
        after={"code": code, "title": rule.title_zh, "blocking": blocking, "reason": reason},
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
            line.reason = f"核查疑点属实（{rule_title(finding.rule)}）：{reason}"[:300]
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
    """The lines a sample of the run is drawn from, in id order: those the run read, so never a line of
    another period or one approved after it started."""
    recorded = read_frame(
        f"SELECT line_id AS id FROM {CheckedLine._meta.db_table} WHERE run_id = %s ORDER BY line_id",
        [run.pk],
        schema={"id": pl.Int64},
    )
    # Runs record the lines they read since they record the rule settings too (the same change): a run
    # with settings and no lines read none.
    if recorded.height or run.rule_settings is not None:
        return recorded["id"].to_list()
    return _population_before_recording(run)


def _population_before_recording(run: CheckRun) -> list[int]:
    """For a run made before runs kept the lines they read: the approved lines of its period range whose
    roster had been approved when it started."""
    where, params = line_set_for(
        kind=run.kind,
        period_from=run.period_from,
        period_to=run.period_to,
        policy_code=run.policy.code if run.policy else "",
        region_code=run.region_code,
    ).where()
    lines = read_frame(
        f"SELECT l.id, l.roster_id {LINES_FROM} WHERE {where}",
        params,
        schema={"id": pl.Int64, "roster_id": pl.Int64},
    )
    approved = RosterEvent.objects.filter(to_state=workflow.APPROVED, at__lte=run.started_at)
    rosters = pl.DataFrame(
        {"roster_id": list(approved.values_list("roster_id", flat=True).distinct())},
        schema={"roster_id": pl.Int64},
    )
    return lines.join(rosters, on="roster_id", how="semi").sort("id")["id"].to_list()
