"""Writes of the performance app: drafting, approving and adjusting a policy's yearly budget and targets,
the survey figure, and the public summary. Each write is one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.payments import services as payments
from yikatong.payments.models import FundingSource
from yikatong.performance.domain import indicators
from yikatong.performance.models import Publication, SetState, Target, TargetSet
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.policies.selectors import published_in_force

OPEN_STATES = (SetState.DRAFT, SetState.SUBMITTED, SetState.RETURNED)


def version_for(policy: Policy, year: int) -> PolicyVersion | None:
    """The policy's published version that governs the year: in force today, or on the year's last day."""
    today = timezone.localdate()
    day = today if today.year == year else dt.date(year, 12, 31)
    found = published_in_force(day).filter(policy=policy).first()
    if found is None and day != dt.date(year, 1, 1):
        found = published_in_force(dt.date(year, 1, 1)).filter(policy=policy).first()
    return found


def _decimal(value: Any, field: str) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError({field: f"“{text}”不是数字"}) from exc
    if not number.is_finite() or number < 0 or number >= Decimal("1e14"):
        raise ValidationError({field: "应为不小于 0 的数字"})
    return number.quantize(Decimal("0.01"))


def _plain(number: Decimal) -> str:
    """A decimal as written by hand: 10.00 → "10", 2.50 → "2.5"."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _snapshot(target_set: TargetSet) -> dict[str, Any]:
    targets = "；".join(
        f"{indicators.indicator(t.indicator).name} {_plain(t.target)}（权重 {_plain(t.weight)}）"
        for t in target_set.targets.all()
    )
    return {
        "version": target_set.version,
        "state": target_set.state,
        "budget_fen": target_set.budget_fen,
        "central_fen": target_set.central_fen,
        "provincial_fen": target_set.provincial_fen,
        "county_fen": target_set.county_fen,
        "lag_margin": _plain(target_set.lag_margin),
        "targets": targets,
    }


def target_set_draft(
    *,
    user: Any,
    policy: Policy,
    year: int,
    budget_fen: int,
    targets: dict[str, dict[str, Any]],
    lag_margin: Any = "10",
    budget_line: str = "",
    reason: str = "",
) -> TargetSet:
    """The department drafts (or revises its draft of) a policy's yearly budget and performance targets.

    ``targets`` maps indicator codes to {"target": …, "weight": …}; an indicator left without a target is
    not set. When an approved version exists the draft is its adjustment (调整): a new version, with a
    reason; the approved one stays in force until finance approves the adjustment.
    """
    authorize(user, "performance.draft", policy)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应为四位年份"})
    if budget_fen < 0:
        raise ValidationError({"budget": "预算金额不能为负数"})
    version = version_for(policy, year)
    if version is None:
        raise ValidationError({"year": f"{year}年没有执行中的“{policy.code}”政策版本"})
    margin = _decimal(lag_margin, "lag_margin")
    if margin is None or margin > 100:
        raise ValidationError({"lag_margin": "预警幅度应为 0 到 100 之间的百分点"})
    rows: list[tuple[str, Decimal, Decimal]] = []
    for code, values in targets.items():
        if code not in indicators.BY_CODE:
            raise ValidationError({"targets": f"未知的指标：{code}"})
        target = _decimal(values.get("target"), code)
        if target is None:
            continue
        weight = _decimal(values.get("weight"), code)
        rows.append(
            (
                code,
                target,
                weight if weight is not None else Decimal(indicators.indicator(code).default_weight),
            )
        )
    if not rows:
        raise ValidationError({"targets": "请至少设定一项绩效目标"})
    shares = (version.share_central, version.share_provincial, version.share_county)
    central, provincial, county = indicators.split_budget(budget_fen, shares)
    with transaction.atomic():
        sets = TargetSet.objects.select_for_update().filter(policy=policy, year=year)
        current = sets.filter(state__in=OPEN_STATES).first()
        approved = sets.filter(state=SetState.APPROVED).exists()
        if current is not None and current.state == SetState.SUBMITTED:
            raise ValidationError("已报财政审核，审核完成前不能修改")
        if approved and not reason.strip():
            raise ValidationError({"reason": "已下达的预算和绩效目标调整时，请说明调整原因"})
        before = _snapshot(current) if current is not None else None
        if current is None:
            number = (sets.aggregate(top=Max("version"))["top"] or 0) + 1
            current = TargetSet(policy=policy, year=year, version=number, drafted_by=user)
        current.state = SetState.DRAFT
        current.budget_fen, current.central_fen = budget_fen, central
        current.provincial_fen, current.county_fen = provincial, county
        current.budget_line = budget_line.strip()[:64]
        current.lag_margin = margin
        current.reason = reason.strip()[:300]
        current.drafted_by, current.drafted_at = user, timezone.now()
        current.save()
        current.targets.all().delete()
        Target.objects.bulk_create(
            [Target(target_set=current, indicator=c, target=t, weight=w) for c, t, w in rows]
        )
        audit_record(
            action="performance.draft",
            obj=current,
            region_code=policy.region_id,
            before=before,
            after=_snapshot(current),
            actor=user,
        )
    return current


def _locked(target_set: TargetSet) -> TargetSet:
    return TargetSet.objects.select_for_update().select_related("policy").get(pk=target_set.pk)


def target_set_submit(*, user: Any, target_set: TargetSet) -> TargetSet:
    """The department sends its draft to finance (budget and targets together)."""
    authorize(user, "performance.draft", target_set.policy)
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.state not in (SetState.DRAFT, SetState.RETURNED):
            raise ValidationError(f"当前为“{locked.get_state_display()}”，不能报审")
        locked.state, locked.submitted_at = SetState.SUBMITTED, timezone.now()
        locked.save(update_fields=["state", "submitted_at"])
        audit_record(
            action="performance.submit",
            obj=locked,
            region_code=locked.policy.region_id,
            actor=user,
            after={"version": locked.version},
        )
    return locked


def target_set_return(*, user: Any, target_set: TargetSet, comment: str) -> TargetSet:
    """Finance sends the draft back with its reasons (neither the budget nor the targets are issued)."""
    authorize(user, "performance.approve", target_set.policy)
    if not comment.strip():
        raise ValidationError({"comment": "退回时请写明意见"})
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.state != SetState.SUBMITTED:
            raise ValidationError(f"当前为“{locked.get_state_display()}”，不能退回")
        locked.state, locked.comment = SetState.RETURNED, comment.strip()[:300]
        locked.save(update_fields=["state", "comment"])
        audit_record(
            action="performance.return",
            obj=locked,
            region_code=locked.policy.region_id,
            actor=user,
            after={"version": locked.version, "comment": locked.comment},
        )
    return locked


def target_set_approve(*, user: Any, target_set: TargetSet, comment: str = "") -> TargetSet:
    """Finance approves budget and targets together (同步审核、同步下达).

    The version becomes the one in force, the one before it is superseded (still readable), and the
    budget by funding source is written into payments' 预算指标, what plans are checked against.
    """
    authorize(user, "performance.approve", target_set.policy)
    with transaction.atomic():
        locked = _locked(target_set)
        if locked.state != SetState.SUBMITTED:
            raise ValidationError(f"当前为“{locked.get_state_display()}”，不能审核下达")
        previous = TargetSet.objects.select_for_update().filter(
            policy=locked.policy, year=locked.year, state=SetState.APPROVED
        )
        previous.update(state=SetState.SUPERSEDED)
        locked.state, locked.comment = SetState.APPROVED, comment.strip()[:300]
        locked.approved_by, locked.approved_at = user, timezone.now()
        locked.save(update_fields=["state", "comment", "approved_by", "approved_at"])
        line = locked.budget_line or f"绩效目标第{locked.version}版"
        for source, amount in (
            (FundingSource.CENTRAL, locked.central_fen),
            (FundingSource.PROVINCIAL, locked.provincial_fen),
            (FundingSource.COUNTY, locked.county_fen),
        ):
            payments.budget_set(
                user=user,
                policy=locked.policy,
                year=locked.year,
                source=source,
                amount_fen=amount,
                budget_line=line,
                target_version=locked.version,
            )
        audit_record(
            action="performance.approve",
            obj=locked,
            region_code=locked.policy.region_id,
            actor=user,
            after=_snapshot(locked),
        )
    return locked


def satisfaction_record(*, user: Any, target_set: TargetSet, value: Any) -> TargetSet:
    """The department enters the satisfaction survey's figure (the one actual typed in, shown as such)."""
    authorize(user, "performance.draft", target_set.policy)
    if target_set.state != SetState.APPROVED:
        raise ValidationError("满意度调查结果填报在已下达的版本上")
    number = _decimal(value, "satisfaction")
    if number is None or number > 100:
        raise ValidationError({"satisfaction": "满意度应为 0 到 100 之间的百分数"})
    with transaction.atomic():
        target = (
            Target.objects.select_for_update().filter(target_set=target_set, indicator="satisfaction").first()
        )
        if target is None:
            raise ValidationError("该版本没有设定满意度目标")
        before = {
            "satisfaction": f"{_plain(target.typed_actual)}%" if target.typed_actual is not None else None
        }
        target.typed_actual = number
        target.save(update_fields=["typed_actual"])
        audit_record(
            action="performance.survey",
            obj=target_set,
            region_code=target_set.policy.region_id,
            before=before,
            after={"satisfaction": f"{_plain(number)}%"},
            actor=user,
        )
    return target_set


def publication_publish(*, user: Any, target_set: TargetSet, summary: dict[str, Any]) -> Publication:
    """The disclosure officer publishes the evaluation's summary to the public column."""
    authorize(user, "performance.publish", target_set.policy)
    if target_set.state != SetState.APPROVED:
        raise ValidationError("只有已下达的绩效目标才能公开评价摘要")
    with transaction.atomic():
        publication = Publication.objects.create(
            policy=target_set.policy,
            year=target_set.year,
            target_set=target_set,
            summary=summary,
            published_by=user,
        )
        audit_record(
            action="performance.publish",
            obj=publication,
            region_code=target_set.policy.region_id,
            after={"policy": target_set.policy_id, "year": target_set.year, "version": target_set.version},
            actor=user,
        )
    return publication
