"""Disbursement writes: budgets, plans from approved roster lines, finance's approval into one batch per agent
bank, the payments (attempts) of each batch, failed lines corrected at their origin and re-issued.

Everything that touches many rows is one SQL statement over the plan (INSERT … SELECT, UPDATE … WHERE);
every change records its audit event in its own transaction. What the checks must say before a plan moves
is given by the app above this one (``checks`` adds its gate in its AppConfig.ready), as for rosters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.core.models import Region, RegionLevel
from yikatong.core.money import fen_to_yuan
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.core.tables import analyze, execute
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BatchState,
    Budget,
    DisbursementPlan,
    LineStatus,
    Payment,
    PaymentBatch,
    PlanLine,
)
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.policies.selectors import published_in_force
from yikatong.registry.models import CardStatus
from yikatong.rosters.models import LineState

# --- the gates of the apps above (the checks) ---------------------------------------------------------------


@dataclass(frozen=True)
class PlanGate:
    """What a plan's moves wait on, given by an app above this one (the checks).

    ``check`` runs the rules over the plan's lines (those in the statuses given, or all of them; outside
    the move's transaction, so that what it finds is kept) and returns the run's id; ``refusal`` says,
    inside the move's transaction, why the plan may not go on ("" = it may).
    """

    check: Callable[[Any, DisbursementPlan, list[str] | None], int | None]
    # The plan, and the statuses of the lines that are to move (None: all its lines).
    refusal: Callable[[DisbursementPlan, list[str] | None], str]


PLAN_GATES: list[PlanGate] = []


def plan_gate_add(gate: PlanGate) -> None:
    """Make plans wait on a gate (once)."""
    if gate not in PLAN_GATES:
        PLAN_GATES.append(gate)


def _refusal(plan: DisbursementPlan, statuses: list[str] | None = None) -> str:
    for gate in PLAN_GATES:
        reason = gate.refusal(plan, statuses)
        if reason:
            return reason
    return ""


def max_attempts() -> int:
    """How many times a line may be paid before finance must decide (default 3)."""
    return int(getattr(settings, "YIKATONG_MAX_PAYMENT_ATTEMPTS", plans.DEFAULT_MAX_ATTEMPTS))


def _move(plan: DisbursementPlan, target: str, *, user: Any, comment: str = "", **fields: Any) -> None:
    """Move a plan (inside the caller's transaction) and record the move."""
    before = plan.state
    plans.check_move(before, target)
    DisbursementPlan.objects.filter(pk=plan.pk).update(state=target, **fields)
    plan.state = target
    for name, value in fields.items():
        setattr(plan, name, value)
    audit_record(
        action=f"plan.{target}",
        obj=plan,
        region_code=plan.region_id,
        before={"state": before},
        after={"state": target, **({"comment": comment} if comment else {}), **_jsonable(fields)},
        actor=user,
    )


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (value.isoformat() if hasattr(value, "isoformat") else getattr(value, "pk", value))
        for key, value in fields.items()
    }


def _locked(user: Any, plan: DisbursementPlan, code: str) -> DisbursementPlan:
    """The plan locked for the change (inside a transaction), asked again of the permission table."""
    locked = DisbursementPlan.objects.select_for_update().select_related("policy").get(pk=plan.pk)
    authorize(user, code, locked)
    return locked


# --- budgets ------------------------------------------------------------------------------------------------


def budget_set(
    *,
    user: Any,
    policy: Policy,
    year: int,
    source: str,
    amount_fen: int,
    budget_line: str = "",
    target_version: int | None = None,
) -> Budget:
    """Finance enters (or changes) a policy's yearly budget from one funding source (预算指标).

    A budget issued with the policy's performance targets (``target_version``: the approved version of
    预算绩效目标 that issues it) is changed only by approving a new version ("同步审核、同步下达"), never
    here on its own."""
    authorize(user, "budget.edit", policy)
    if amount_fen < 0:
        raise ValidationError({"amount": "预算金额不能为负数"})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "预算年度应为四位年份"})
    with transaction.atomic():
        existing = Budget.objects.select_for_update().filter(policy=policy, year=year, source=source).first()
        if existing is not None and existing.target_version is not None and target_version is None:
            raise ValidationError(
                f"该预算指标由已批复的预算绩效目标（第{existing.target_version}版）下达，"
                "请由主管部门调整预算绩效目标（新版本）并经财政审核，不能单独修改"
            )
        before = (
            {"amount_fen": existing.amount_fen, "budget_line": existing.budget_line} if existing else None
        )
        budget, _ = Budget.objects.update_or_create(
            policy=policy,
            year=year,
            source=source,
            defaults={
                "amount_fen": amount_fen,
                "budget_line": budget_line.strip(),
                "entered_by": user,
                "entered_at": timezone.now(),
                "target_version": target_version,
            },
        )
        audit_record(
            action="budget.set",
            obj=budget,
            region_code=policy.region_id,
            before=before,
            after={"year": year, "source": source, "amount_fen": amount_fen, "budget_line": budget_line},
            actor=user,
        )
    return budget


@dataclass(frozen=True)
class BudgetPosition:
    """Where a policy's year stands: budget, paid, in flight (approved and not yet paid or failed)."""

    year: int
    budget_fen: int
    paid_fen: int
    in_flight_fen: int
    entered: bool

    @property
    def available_fen(self) -> int:
        return self.budget_fen - self.paid_fen - self.in_flight_fen


def budget_position(policy: Policy, year: int) -> BudgetPosition:
    """The budget of a policy's year against what is paid and what is on its way (set-based sums)."""
    budgets = Budget.objects.filter(policy=policy, year=year)
    budget = budgets.aggregate(total=Sum("amount_fen"))["total"] or 0
    payments = Payment.objects.filter(
        batch__plan__policy=policy, batch__plan__period__startswith=str(year)
    ).aggregate(
        paid=Sum("amount_fen", filter=Q(status=plans.PAID)),
        flight=Sum("amount_fen", filter=Q(status__in=sorted(plans.IN_FLIGHT))),
    )
    return BudgetPosition(
        year=year,
        budget_fen=budget,
        paid_fen=payments["paid"] or 0,
        in_flight_fen=payments["flight"] or 0,
        entered=budgets.exists(),
    )


# --- building a plan ----------------------------------------------------------------------------------------


def _period(policy: Policy, text: str) -> tuple[Period, PolicyVersion]:
    try:
        period = Period.parse(text)
    except InvalidPeriod as exc:
        raise ValidationError({"period": str(exc)}) from exc
    version = published_in_force(period.start).filter(policy=policy).first()
    if version is None:
        raise ValidationError({"period": f"{period.label_zh}没有执行中的“{policy.code}”政策版本"})
    return period, version


def _scope_region(user: Any, townships: list[str]) -> tuple[Region, list[str]]:
    """The plan's region: the user's own (a county), or the chosen townships inside it."""
    own: Region | None = getattr(user, "region", None)
    if own is None:
        raise ValidationError("您的账号没有所属区划，不能编制发放计划")
    chosen = sorted(set(townships))
    if not chosen:
        return own, []
    found = Region.objects.filter(
        code__in=chosen, level=RegionLevel.TOWNSHIP, code__startswith=user.region_prefix
    )
    if found.count() != len(chosen):
        raise ValidationError({"townships": "所选乡镇不在您的区划内"})
    return own, chosen


def plan_build(
    *,
    user: Any,
    policy: Policy,
    period: str,
    townships: list[str] | None = None,
    supplementary: bool = False,
) -> DisbursementPlan:
    """The department builds a plan (发放计划) from the approved roster lines of a policy and period in its
    area (all villages, or chosen townships) that are in no other open plan, then checks it.

    A supplementary plan (补报) takes lines approved after the period's first plan, through the same path.
    """
    authorize(user, "plan.build", policy)
    parsed, version = _period(policy, period)
    region, chosen = _scope_region(user, townships or [])
    with transaction.atomic():
        earlier = DisbursementPlan.objects.filter(policy=policy, period=str(parsed)).exclude(
            state=plans.CANCELLED
        )
        if earlier.exists() and not supplementary:
            open_one = earlier.filter(state__in=sorted(plans.OPEN)).first()
            if open_one is not None and open_one.state in (plans.DRAFT, plans.CHECKED):
                raise ValidationError(
                    f"{parsed.label_zh}已有未提交的发放计划 {open_one.number}，"
                    "请在该计划中重新核查或作废后再编制"
                )
        plan = DisbursementPlan.objects.create(
            number=f"tmp-{timezone.now().timestamp()}",
            policy=policy,
            policy_version=version,
            period=str(parsed),
            region=region,
            townships=chosen,
            supplementary=supplementary or earlier.exists(),
            created_by=user,
            deadline=timezone.now() + timedelta(days=version.payment_days),
        )
        plan.number = f"JH{parsed.year}{plan.pk:06d}"
        added = _add_lines(plan, user, chosen)
        if not added:
            raise ValidationError(_nothing_to_plan(policy, parsed, region, chosen))
        totals = PlanLine.objects.filter(plan=plan).aggregate(n=Count("id"), fen=Sum("amount_fen"))
        DisbursementPlan.objects.filter(pk=plan.pk).update(
            number=plan.number, line_count=totals["n"], total_fen=totals["fen"] or 0
        )
        plan.line_count, plan.total_fen = totals["n"], totals["fen"] or 0
        audit_record(
            action="plan.build",
            obj=plan,
            region_code=region.code,
            after={
                "policy": policy.code,
                "period": str(parsed),
                "townships": chosen,
                "lines": plan.line_count,
                "total_fen": plan.total_fen,
                "supplementary": plan.supplementary,
            },
            actor=user,
        )
    return plan_check(user=user, plan=plan)


# Rows written in one statement past which the table's statistics are refreshed before it is read again.
_STATISTICS_AFTER = 10_000


def _fresh_statistics(table: str, written: int) -> None:
    """Refresh a table's planner statistics once a large INSERT … SELECT has committed (PostgreSQL only).

    The next steps (the payment files, the bank's returns) join on the rows just written; until autovacuum
    gets to them the planner takes them for a handful and picks nested loops over hundreds of thousands of
    rows. After the commit, so that no lock on the table is held meanwhile.
    """
    if written >= _STATISTICS_AFTER:
        transaction.on_commit(lambda: analyze(table))


def _add_lines(plan: DisbursementPlan, user: Any, townships: list[str]) -> int:
    """Insert the plan's lines in one statement: approved lines of the policy and period in the area, in no
    other open plan, each with the agent bank of its person's open card (none: the checks say NO_CARD)."""
    area = [f"{code[:9]}%" for code in townships] or [f"{user.region_prefix}%"]
    where_area = " OR ".join(["r.village_id LIKE %s"] * len(area))
    department = ""
    params: list[Any] = [plan.pk, plan.policy_id, plan.period, LineState.APPROVED, *area]
    if getattr(user, "department_scoped", False):
        department = " AND pol.department_id = %s"
        params.append(user.department_id)
    return execute(
        "INSERT INTO payments_planline (plan_id, roster_line_id, person_id, village_id, amount_fen, bank_id,"
        " active, status, attempts, reason_code, reason_text, remedy_role, fix_note) "
        "SELECT %s, l.id, l.person_id, r.village_id, l.amount_fen, c.bank_id, TRUE, 'waiting', 0, '', '',"
        " '', '' "
        "FROM rosters_rosterline l JOIN rosters_roster r ON r.id = l.roster_id "
        "JOIN policies_policy pol ON pol.id = l.policy_id "
        "LEFT JOIN registry_socialsecuritycard c ON c.person_id = l.person_id AND c.status <> 'closed' "
        f"WHERE l.policy_id = %s AND l.period = %s AND l.state = %s AND l.amount_fen > 0 AND ({where_area})"
        f"{department} "
        "AND NOT EXISTS (SELECT 1 FROM payments_planline o WHERE o.roster_line_id = l.id AND o.active) "
        "ORDER BY r.village_id, l.line_no",
        params,
    )


def _nothing_to_plan(policy: Policy, period: Period, region: Region, townships: list[str]) -> str:
    where = "、".join(Region.objects.filter(code__in=townships).values_list("name", flat=True)) or region.name
    return (
        f"{where}{period.label_zh}“{policy.code}”没有可编入发放计划的名册行："
        "名册须经主管部门审批，已编入其他发放计划的行不再编入"
    )


def plan_check(*, user: Any, plan: DisbursementPlan) -> DisbursementPlan:
    """Run the checks over the plan's lines (all rules, payment history included) and mark it checked."""
    authorize(user, "plan.build", plan)
    plan = DisbursementPlan.objects.get(pk=plan.pk)
    if plan.state not in (plans.DRAFT, plans.CHECKED):
        raise ValidationError("只有草稿或已核查的发放计划可以重新核查")
    run_id = None
    for gate in PLAN_GATES:
        run_id = gate.check(user, plan, None) or run_id
    with transaction.atomic():
        plan = _locked(user, plan, "plan.build")
        _move(plan, plans.CHECKED, user=user, check_run_id=run_id)
    return plan


def plan_cancel(*, user: Any, plan: DisbursementPlan, reason: str) -> DisbursementPlan:
    """The department voids a plan not yet submitted; its lines may go into another plan."""
    if not reason.strip():
        raise ValidationError({"reason": "作废发放计划须填写原因"})
    with transaction.atomic():
        plan = _locked(user, plan, "plan.build")
        PlanLine.objects.filter(plan=plan).update(active=False)
        _move(plan, plans.CANCELLED, user=user, comment=reason.strip())
    return plan


def plan_submit(*, user: Any, plan: DisbursementPlan) -> DisbursementPlan:
    """The department submits a checked plan to finance, with its totals (refused while blocked)."""
    with transaction.atomic():
        plan = _locked(user, plan, "plan.submit")
        if plan.state != plans.CHECKED:
            raise ValidationError("发放计划须先核查，才能提交财政")
        reason = _refusal(plan)
        if reason:
            raise ValidationError(reason)
        _move(plan, plans.SUBMITTED, user=user, submitted_at=timezone.now())
    return plan


def plan_send_back(*, user: Any, plan: DisbursementPlan, comment: str) -> DisbursementPlan:
    """Finance sends a submitted plan back to the department, with its reason."""
    if not comment.strip():
        raise ValidationError({"comment": "退回须填写意见"})
    with transaction.atomic():
        plan = _locked(user, plan, "plan.approve")
        if plan.state != plans.SUBMITTED:
            raise ValidationError("只有已提交财政的发放计划可以退回")
        _move(plan, plans.CHECKED, user=user, comment=comment.strip())
    return plan


# --- finance's approval: budget, batches, payments -------------------------------------------------------


def _budget_refusal(plan: DisbursementPlan) -> str:
    year = Period.parse(plan.period).year
    position = budget_position(plan.policy, year)
    if not position.entered:
        return f"{plan.policy.code} {year} 年度尚未录入预算指标，不能审批发放"
    if plan.total_fen > position.available_fen:
        return (
            f"超出预算：{year} 年度预算 {fen_to_yuan(position.budget_fen)} 元，已发放"
            f" {fen_to_yuan(position.paid_fen)}"
            " 元，"
            f"在途 {fen_to_yuan(position.in_flight_fen)} 元，本计划 {fen_to_yuan(plan.total_fen)} 元，"
            f"超出 {fen_to_yuan(plan.total_fen - position.available_fen)} 元"
        )
    return ""


def plan_approve(*, user: Any, plan: DisbursementPlan, budget_line: str, voucher_no: str) -> DisbursementPlan:
    """Finance approves a plan for 国库集中支付: the budget line, the payment voucher and who approved are
    recorded; the plan is refused past the year's budget or while a blocking finding is open; approval
    splits it into one batch per agent bank, with one payment (attempt 1) per line.

    Two finance users approving at once: the plan row is locked, the second sees it approved and is refused.
    """
    budget_line, voucher_no = budget_line.strip(), voucher_no.strip()
    errors = {}
    if not budget_line:
        errors["budget_line"] = "请填写预算指标"
    if not voucher_no:
        errors["voucher_no"] = "请填写支付凭证号"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            plan = _locked(user, plan, "plan.approve")
            if plan.state != plans.SUBMITTED:
                raise ValidationError(
                    f"发放计划当前为“{plans.LABELS.get(plan.state, plan.state)}”，"
                    "只有已提交财政的计划可以审批"
                )
            reason = _refusal(plan) or _budget_refusal(plan)
            if reason:
                raise ValidationError(reason)
            cardless = PlanLine.objects.filter(plan=plan, bank__isnull=True).count()
            if cardless:
                raise ValidationError(f"{cardless} 行没有有效的社保卡账户，不能审批：请人社局登记后重新核查")
            _move(
                plan,
                plans.APPROVED,
                user=user,
                approved_by=user,
                approved_at=timezone.now(),
                budget_line=budget_line,
                voucher_no=voucher_no,
                deadline=timezone.now() + timedelta(days=plan.policy_version.payment_days),
            )
            batches = _batches(plan, round_no=1, statuses=[LineStatus.WAITING], user=user)
    except IntegrityError as exc:
        raise ValidationError("支付凭证号已用于其他发放计划，或计划行已在其他批次中") from exc
    _after_commit_files(batches, user)
    return plan


def _end_to_end_sql(column: str = "id") -> str:
    """EndToEndId from the payment's own row id under the county's prefix: never reused, no personal data."""
    prefix = str(getattr(settings, "YIKATONG_COUNTY_CODE", "232722"))[:6]
    if connection.vendor == "postgresql":
        return f"'{prefix}' || lpad({column}::text, 14, '0')"
    return f"'{prefix}' || printf('%014d', {column})"


def _batches(plan: DisbursementPlan, *, round_no: int, statuses: list[str], user: Any) -> list[PaymentBatch]:
    """One batch per agent bank for the plan's lines in ``statuses``, and their payments, set-based."""
    now = timezone.now()
    lines = PlanLine.objects.filter(plan=plan, status__in=statuses, active=True)
    per_bank = list(
        lines.values("bank_id").annotate(n=Count("id"), fen=Sum("amount_fen")).order_by("bank_id")
    )
    batches = []
    for row in per_bank:
        batch = PaymentBatch.objects.create(
            plan=plan,
            bank_id=row["bank_id"],
            round=round_no,
            message_id=f"tmp-{plan.pk}-{row['bank_id']}-{round_no}",
            count=row["n"],
            total_fen=row["fen"],
            unknown_count=row["n"],
            unknown_fen=row["fen"],
            created_at=now,
        )
        batch.message_id = f"YKT{plan.period.replace('-', '')}{batch.pk:010d}"
        PaymentBatch.objects.filter(pk=batch.pk).update(message_id=batch.message_id)
        source = (
            "FROM payments_planline pl JOIN registry_person p ON p.id = pl.person_id "
            "JOIN registry_socialsecuritycard c ON c.person_id = pl.person_id AND c.status <> %s "
            "WHERE pl.plan_id = %s AND pl.bank_id = %s AND pl.active AND pl.status IN"
            f" ({', '.join(['%s'] * len(statuses))})"
        )
        params = [CardStatus.CLOSED, plan.pk, row["bank_id"], *statuses]
        if connection.vendor == "postgresql":
            # The row ids drawn from the table's own sequence in the INSERT, so that the EndToEndId is written
            # with the row, not by a second pass over every payment of the batch.
            inserted = execute(
                "INSERT INTO payments_payment (id, batch_id, line_id, attempt, end_to_end_id, amount_fen,"
                " holder_name, account_no, account_bidx, status, reason_code, reason_text, updated_at) "
                f"SELECT n.id, %s, n.line_id, n.attempt, {_end_to_end_sql('n.id')}, n.amount_fen, n.name,"
                " n.account_no, n.account_bidx, %s, '', '', %s FROM ("
                "SELECT nextval(pg_get_serial_sequence('payments_payment', 'id')) AS id, pl.id AS line_id,"
                " pl.attempts + 1 AS attempt, pl.amount_fen, p.name, c.account_no, c.account_bidx "
                f"{source}) n",
                [batch.pk, plans.PENDING, now, *params],
            )
        else:
            inserted = execute(
                "INSERT INTO payments_payment (batch_id, line_id, attempt, end_to_end_id, amount_fen,"
                " holder_name,"
                " account_no, account_bidx, status, reason_code, reason_text, updated_at) "
                "SELECT %s, pl.id, pl.attempts + 1, 'tmp-' || pl.id || '-' || (pl.attempts + 1),"
                " pl.amount_fen,"
                f" p.name, c.account_no, c.account_bidx, %s, '', '', %s {source}",
                [batch.pk, plans.PENDING, now, *params],
            )
        if inserted != row["n"]:
            raise ValidationError("有计划行的社保卡账户在审批过程中发生变化，请重新核查后再审批")
        if connection.vendor != "postgresql":
            execute(
                f"UPDATE payments_payment SET end_to_end_id = {_end_to_end_sql()} WHERE batch_id = %s",
                [batch.pk],
            )
        batches.append(batch)
    _fresh_statistics("payments_payment", sum(b.count for b in batches))
    moved = lines.update(
        attempts=F("attempts") + 1, status=LineStatus.WAITING, reason_code="", reason_text=""
    )
    audit_record(
        action="batch.create",
        obj=plan,
        region_code=plan.region_id,
        after={
            "round": round_no,
            "lines": moved,
            "batches": [
                {"message_id": b.message_id, "bank": b.bank_id, "count": b.count, "total_fen": b.total_fen}
                for b in batches
            ],
        },
        actor=user,
    )
    return batches


def _after_commit_files(batches: list[PaymentBatch], user: Any) -> None:
    """Generate each batch's file in a worker once the approval has committed."""
    if not batches:
        return
    from yikatong.payments.tasks import start_batch_files

    ids = [b.pk for b in batches]
    transaction.on_commit(lambda: start_batch_files(ids, user))


# --- sending, returns, reconciliation -----------------------------------------------------------------------


def batch_mark_sent(*, user: Any, batch: PaymentBatch) -> PaymentBatch:
    """The batch's file has gone to the bank (its first download by the bank, or the export command)."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().select_related("plan").get(pk=batch.pk)
        if batch.state != BatchState.FILE_READY:
            return batch
        now = timezone.now()
        PaymentBatch.objects.filter(pk=batch.pk).update(state=BatchState.SENT, sent_at=now)
        Payment.objects.filter(batch=batch, status=plans.PENDING).update(
            status=plans.SENT_TO_BANK, updated_at=now
        )
        batch.state, batch.sent_at = BatchState.SENT, now
        audit_record(
            action="batch.sent",
            obj=batch,
            region_code=batch.plan.region_id,
            after={"message_id": batch.message_id, "count": batch.count, "total_fen": batch.total_fen},
            actor=user,
        )
        plan = DisbursementPlan.objects.select_for_update().get(pk=batch.plan_id)
        if plan.state == plans.APPROVED and not plan.batches.exclude(state__in=_SENT_OR_LATER).exists():
            _move(plan, plans.SENT, user=user)
    return batch


_SENT_OR_LATER = [BatchState.SENT, BatchState.PARTLY_PAID, BatchState.CLOSED, BatchState.REJECTED]


@dataclass(frozen=True)
class Applied:
    """What importing one return did."""

    lines: int
    changed: int
    unchanged: int
    unknown: int
    batches: list[int]


# The answers a return may give, and from which payment states each one moves a payment (plans.may_follow,
# as SQL: later and more final answers win; an answer arriving after a more final one changes nothing).
_FROM = {
    plans.ACCEPTED: (plans.PENDING, plans.SENT_TO_BANK),
    plans.PAID: (plans.PENDING, plans.SENT_TO_BANK, plans.ACCEPTED),
    plans.FAILED: (plans.PENDING, plans.SENT_TO_BANK, plans.ACCEPTED),
    plans.RETURNED: (plans.PENDING, plans.SENT_TO_BANK, plans.ACCEPTED, plans.PAID),
}


def apply_return_lines(*, bank_id: int, rows: list[dict[str, Any]]) -> Applied:
    """Apply a return's lines (``end_to_end_id``, ``status``, ``reason_code``, ``reason_text``,
    ``settled_on``, ``amount_fen``) to this bank's payments, set-based, inside the caller's transaction.

    A line whose EndToEndId is not one of this bank's payments, or whose amount differs, is counted unknown
    and changes nothing; a payment the return does not mention stays as it was (unknown, not failed).
    """
    from yikatong.core.tables import staging_table

    with staging_table(
        "return_lines",
        {
            "end_to_end_id": "varchar(35)",
            "status": "varchar(16)",
            "reason_code": "varchar(8)",
            "reason_text": "varchar(200)",
            "settled_on": "date",
            "amount_fen": "bigint",
        },
    ) as table:
        if rows:
            import polars as pl

            from yikatong.core.tables import insert_frame

            frame = pl.DataFrame(
                rows,
                schema={
                    "end_to_end_id": pl.String,
                    "status": pl.String,
                    "reason_code": pl.String,
                    "reason_text": pl.String,
                    "settled_on": pl.Date,
                    "amount_fen": pl.Int64,
                },
            ).unique("end_to_end_id", keep="last", maintain_order=True)
            insert_frame(table, frame)
        with connection.cursor() as cursor:
            # The batches the lines name and, per batch, the lines that match a payment (amount included):
            # one join with the staged lines instead of two.
            cursor.execute(
                "SELECT p.batch_id, SUM(CASE WHEN s.amount_fen IS NULL OR s.amount_fen = p.amount_fen "
                f"THEN 1 ELSE 0 END) FROM {table} s JOIN payments_payment p ON p.end_to_end_id ="
                " s.end_to_end_id "
                "JOIN payments_paymentbatch b ON b.id = p.batch_id WHERE b.bank_id = %s GROUP BY p.batch_id",
                [bank_id],
            )
            per_batch = cursor.fetchall()
            matched = sum(int(row[1]) for row in per_batch)
            batch_ids = sorted(int(row[0]) for row in per_batch)
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            total = int(cursor.fetchone()[0])
        # One join with the staged lines (UPDATE … FROM, on SQLite too), each line's answer taken only from
        # the states it may follow: a correlated subquery per payment was quadratic in the return's size.
        moves, params = [], []
        for status, sources in _FROM.items():
            moves.append(
                f"(s.status = %s AND payments_payment.status IN ({', '.join(['%s'] * len(sources))}))"
            )
            params += [status, *sources]
        changed = execute(
            "UPDATE payments_payment SET status = s.status, reason_code = COALESCE(s.reason_code, ''), "
            "reason_text = COALESCE(s.reason_text, ''), "
            "settled_on = COALESCE(s.settled_on, payments_payment.settled_on), updated_at = %s "
            f"FROM {table} s WHERE s.end_to_end_id = payments_payment.end_to_end_id "
            "AND payments_payment.batch_id IN (SELECT id FROM payments_paymentbatch WHERE bank_id = %s) "
            "AND (s.amount_fen IS NULL OR s.amount_fen = payments_payment.amount_fen) "
            f"AND ({' OR '.join(moves)})",
            [timezone.now(), bank_id, *params],
        )
    # A large return turns most of a batch from sent to paid: the time limits' and notices' joins on paid
    # payments are planned from the statistics, which still say none is paid (bench/disbursement.py: a
    # nested loop over 500,000 × 500,000 rows in the LATE check of the re-issue).
    _fresh_statistics("payments_payment", changed)
    return Applied(
        lines=total, changed=changed, unchanged=matched - changed, unknown=total - matched, batches=batch_ids
    )


def reconcile(batch_ids: list[int], *, user: Any) -> None:
    """Recount the batches from their payments, move their plan lines and plans (inside a transaction).

    A batch's counts and sums always add up to its totals (a database constraint); a plan line takes its
    latest attempt's outcome: paid, or failed with the reason and who must act (plans.remedy_for), or held
    for finance once the attempts are used up.
    """
    if not batch_ids:
        return
    for batch in PaymentBatch.objects.select_for_update().filter(pk__in=batch_ids).select_related("plan"):
        sums = Payment.objects.filter(batch=batch).aggregate(
            paid_n=Count("id", filter=Q(status=plans.PAID)),
            paid=Sum("amount_fen", filter=Q(status=plans.PAID)),
            failed_n=Count("id", filter=Q(status=plans.FAILED)),
            failed=Sum("amount_fen", filter=Q(status=plans.FAILED)),
            returned_n=Count("id", filter=Q(status=plans.RETURNED)),
            returned=Sum("amount_fen", filter=Q(status=plans.RETURNED)),
            unknown_n=Count("id", filter=Q(status__in=sorted(plans.IN_FLIGHT))),
            unknown=Sum("amount_fen", filter=Q(status__in=sorted(plans.IN_FLIGHT))),
        )
        state = batch.state
        if batch.state != BatchState.REJECTED:
            if sums["unknown_n"] == 0:
                state = BatchState.CLOSED
            elif sums["paid_n"] or sums["failed_n"] or sums["returned_n"]:
                state = BatchState.PARTLY_PAID
        PaymentBatch.objects.filter(pk=batch.pk).update(
            state=state,
            paid_count=sums["paid_n"],
            paid_fen=sums["paid"] or 0,
            failed_count=sums["failed_n"],
            failed_fen=sums["failed"] or 0,
            returned_count=sums["returned_n"],
            returned_fen=sums["returned"] or 0,
            unknown_count=sums["unknown_n"],
            unknown_fen=sums["unknown"] or 0,
        )
    _lines_follow_payments(batch_ids)
    _notify_paid(batch_ids, user=user)
    plan_ids = set(PaymentBatch.objects.filter(pk__in=batch_ids).values_list("plan_id", flat=True))
    for plan in DisbursementPlan.objects.select_for_update().filter(pk__in=plan_ids):
        _plan_follows_lines(plan, user=user)


def _lines_follow_payments(batch_ids: list[int]) -> None:
    marks = ", ".join(["%s"] * len(batch_ids))

    def latest(statuses: str) -> str:
        # Each line's latest attempt, when it is one of these batches' payments and in ``statuses``.
        return (
            "SELECT p.line_id, COALESCE(p.reason_code, '') AS reason_code, COALESCE(p.reason_text, '') AS"
            " reason_text "
            f"FROM payments_payment p WHERE p.batch_id IN ({marks}) AND p.status IN ({statuses}) AND NOT"
            " EXISTS "
            "(SELECT 1 FROM payments_payment q WHERE q.line_id = p.line_id AND q.attempt > p.attempt)"
        )

    paid, failed = "'paid'", "'failed', 'returned'"
    # Lines already paid with nothing to clear are left alone: every return of a batch reconciles the whole
    # batch, and rewriting its paid lines each time cost as much as the return itself.
    execute(
        "UPDATE payments_planline SET status = 'paid', reason_code = '', reason_text = '', remedy_role = '' "
        f"WHERE id IN (SELECT line_id FROM ({latest(paid)}) x) "
        "AND NOT (status = 'paid' AND reason_code = '' AND reason_text = '' AND remedy_role = '')",
        batch_ids,
    )
    # What each failure calls for (plans.remedy_for) as SQL over the reason code, in one statement however
    # many lines failed: who acts, and STOPPED for a reason that is never re-issued; HELD for finance once a
    # line has used its attempts. A settled payment sent back (pacs.004, a 退回 line) takes its paid line
    # back to its origin too.
    code = "UPPER(x.reason_code)"
    role = f"CASE {code} " + "WHEN %s THEN %s " * len(plans.REMEDIES) + "ELSE %s END"
    role_params = [item for pair in plans.REMEDIES.items() for item in (pair[0].upper(), pair[1].role)]
    role_params.append(plans.remedy_for("").role)
    final = [c.upper() for c, remedy in plans.REMEDIES.items() if not remedy.reissue]
    stop = f"{code} IN ({', '.join(['%s'] * len(final))})" if final else "1 = 0"
    cap = max_attempts()
    execute(
        f"UPDATE payments_planline SET status = CASE WHEN {stop} THEN %s WHEN payments_planline.attempts >="
        " %s "
        "THEN %s ELSE %s END, reason_code = x.reason_code, reason_text = x.reason_text, "
        f"remedy_role = CASE WHEN {stop} THEN {role} WHEN payments_planline.attempts >= %s THEN %s ELSE"
        f" {role} END "
        f"FROM ({latest(failed)}) x "
        "WHERE x.line_id = payments_planline.id AND payments_planline.status IN (%s, %s)",
        [
            *final, LineStatus.STOPPED, cap, LineStatus.HELD, LineStatus.FAILED,
            *final, *role_params, cap, "finance", *role_params,
            *batch_ids,
            LineStatus.WAITING, LineStatus.PAID,
        ],
    )  # fmt: skip


def _plan_follows_lines(plan: DisbursementPlan, *, user: Any) -> None:
    counts = PlanLine.objects.filter(plan=plan, active=True).aggregate(
        total=Count("id"),
        paid=Count("id", filter=Q(status=LineStatus.PAID)),
        settled=Count("id", filter=Q(status__in=[LineStatus.PAID, LineStatus.STOPPED])),
    )
    target = plan.state
    if counts["total"] and counts["settled"] == counts["total"]:
        target = plans.CLOSED
    elif plan.batches.exclude(state=BatchState.CREATED).exclude(state=BatchState.FILE_READY).exists():
        target = plans.PARTLY_PAID if counts["paid"] or plan.state == plans.PARTLY_PAID else plans.SENT
    if target != plan.state and (plan.state, target) in plans.MOVES:
        _move(plan, target, user=user)


def batch_reject(*, batch: PaymentBatch, code: str, text: str, user: Any) -> None:
    """The bank refused the whole file (its totals disagree, or a group status RJCT): the batch is rejected
    and its payments fail together with the bank's reason, for finance to re-issue (inside a transaction)."""
    now = timezone.now()
    PaymentBatch.objects.filter(pk=batch.pk).update(
        state=BatchState.REJECTED, rejection=f"{code} {text}".strip()[:300]
    )
    Payment.objects.filter(batch=batch, status__in=sorted(plans.IN_FLIGHT)).update(
        status=plans.FAILED,
        reason_code=code[:8] or "FF01",
        reason_text=(text or "银行整批拒绝")[:200],
        updated_at=now,
    )
    audit_record(
        action="batch.rejected",
        obj=batch,
        region_code=batch.plan.region_id,
        after={"message_id": batch.message_id, "reason_code": code, "reason": text},
        actor=user,
    )
    reconcile([batch.pk], user=user)
    PlanLine.objects.filter(payments__batch=batch, status=LineStatus.FAILED).update(remedy_role="finance")


# --- failed lines: back to their origin, corrected, re-issued -------------------------------------------


def line_fix(*, user: Any, line: PlanLine, note: str) -> PlanLine:
    """The user a failure calls for says the line is corrected (HRSS recorded the new card, the village
    corrected the line); it is re-issued with the plan's next round."""
    if not note.strip():
        raise ValidationError({"note": "请说明如何更正"})
    with transaction.atomic():
        line = PlanLine.objects.select_for_update().select_related("plan", "person").get(pk=line.pk)
        authorize(user, "payment.fix", line)
        if line.status != LineStatus.FAILED:
            raise ValidationError("该行不是待处理的发放失败")
        if line.remedy_role and getattr(user, "role", "") not in (line.remedy_role, "admin"):
            from yikatong.accounts.roles import Role

            raise ValidationError(f"该行由{Role(line.remedy_role).label}更正")
        last = line.payments.order_by("-attempt").first()
        card = line.person.cards.exclude(status=CardStatus.CLOSED).first()
        if card is None:
            raise ValidationError("受益人没有有效的社保卡账户，请人社局先登记新的社保卡")
        if card.status != CardStatus.ACTIVE:
            raise ValidationError(f"受益人的社保卡状态为“{card.get_status_display()}”，不能补发")
        if line.remedy_role == "hrss" and last is not None and last.account_bidx == card.account_bidx:
            raise ValidationError("受益人的社保卡账户与失败时相同：请先登记新的社保卡账户")
        PlanLine.objects.filter(pk=line.pk).update(
            status=LineStatus.READY, bank=card.bank, fixed_by=user, fix_note=note.strip()[:300]
        )
        audit_record(
            action="payment.fix",
            obj=line,
            region_code=line.village_id,
            before={"status": line.status, "reason_code": line.reason_code},
            after={"status": LineStatus.READY, "note": note.strip(), "bank": card.bank_id},
            actor=user,
        )
        line.refresh_from_db()
    return line


@dataclass(frozen=True)
class FixedAll:
    """What one "all corrected" did: lines now ready for re-issue, and those still waiting (no usable card,
    or, for HRSS, still the account the payment failed on)."""

    fixed: int
    left: int


def lines_fix_all(*, user: Any, note: str) -> FixedAll:
    """Every failed line waiting on the user's role in their area that can now be paid is corrected at once
    (HRSS after registering a county's new cards; finance for the banks' technical failures), by the same
    rules as :func:`line_fix`, in one statement, with one audit event listing the lines."""
    from yikatong.payments.selectors import failed_lines

    note = note.strip()
    if not note:
        raise ValidationError({"note": "请说明如何更正"})
    authorize(user, "payment.fix")
    role = getattr(user, "role", "")
    waiting = failed_lines(user=user).filter(status=LineStatus.FAILED, remedy_role=role)
    chosen, chosen_params = waiting.values("id").query.get_compiler(using=connection.alias).as_sql()
    # HRSS corrects an account that failed: the card now on file must be another account than the last
    # attempt's (as line_fix asks one line at a time).
    new_account = (
        " AND NOT EXISTS (SELECT 1 FROM payments_payment p WHERE p.line_id = payments_planline.id"
        " AND p.account_bidx = c.account_bidx AND NOT EXISTS (SELECT 1 FROM payments_payment q"
        " WHERE q.line_id = p.line_id AND q.attempt > p.attempt))"
        if role == "hrss"
        else ""
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE payments_planline SET status = %s, bank_id = c.bank_id, fixed_by_id = %s, "
                "fix_note = %s FROM registry_socialsecuritycard c "
                "WHERE c.person_id = payments_planline.person_id "
                f"AND c.status = %s AND payments_planline.status = %s AND payments_planline.id IN ({chosen})"
                f"{new_account} RETURNING payments_planline.id",
                [
                    LineStatus.READY, user.pk, note[:300], CardStatus.ACTIVE, LineStatus.FAILED,
                    *chosen_params,
                ],
            )  # fmt: skip
            fixed = sorted(int(row[0]) for row in cursor.fetchall())
        left = waiting.count()
        if fixed:
            audit_record(
                action="payment.fix_all",
                object_type=PlanLine._meta.label_lower,
                object_id=f"{len(fixed)}",
                object_repr=f"{len(fixed)} 行",
                region_code=getattr(user, "region_id", "") or "",
                before={"status": LineStatus.FAILED},
                after={"status": LineStatus.READY, "note": note, "lines": fixed, "left": left},
                actor=user,
            )
    return FixedAll(fixed=len(fixed), left=left)


def line_decide(*, user: Any, line: PlanLine, allow: bool, reason: str) -> PlanLine:
    """Finance decides a line held at the attempt cap: one more attempt, or stop paying it."""
    if not reason.strip():
        raise ValidationError({"reason": "请填写决定的理由"})
    with transaction.atomic():
        line = PlanLine.objects.select_for_update().select_related("plan").get(pk=line.pk)
        authorize(user, "payment.decide", line)
        if line.status not in (LineStatus.HELD, LineStatus.FAILED):
            raise ValidationError("该行不在待财政决定的状态")
        target = LineStatus.READY if allow else LineStatus.STOPPED
        PlanLine.objects.filter(pk=line.pk).update(
            status=target, fixed_by=user, fix_note=reason.strip()[:300]
        )
        audit_record(
            action="payment.decide",
            obj=line,
            region_code=line.village_id,
            before={"status": line.status},
            after={"status": target, "reason": reason.strip()},
            actor=user,
        )
        _plan_follows_lines(DisbursementPlan.objects.select_for_update().get(pk=line.plan_id), user=user)
        line.refresh_from_db()
    return line


def plan_reissue(*, user: Any, plan: DisbursementPlan) -> list[PaymentBatch]:
    """Finance re-issues (补发) the plan's corrected lines: the checks run again over those lines (against
    the rest of the plan and the payment history), then a new round of batches with a new attempt (and a
    new EndToEndId) for each corrected line."""
    authorize(user, "payment.reissue", plan)
    if not PlanLine.objects.filter(plan=plan, status=LineStatus.READY).exists():
        raise ValidationError("没有已更正、待补发的行")
    for gate in PLAN_GATES:
        gate.check(user, plan, [LineStatus.READY])
    with transaction.atomic():
        plan = _locked(user, plan, "payment.reissue")
        reason = _refusal(plan, [LineStatus.READY])
        if reason:
            raise ValidationError(reason)
        ready = PlanLine.objects.filter(plan=plan, status=LineStatus.READY)
        over = ready.filter(attempts__gte=max_attempts() + 1)
        if over.exists():
            raise ValidationError(f"{over.count()} 行已达补发次数上限")
        round_no = (plan.batches.aggregate(r=Max("round"))["r"] or 0) + 1
        batches = _batches(plan, round_no=round_no, statuses=[LineStatus.READY], user=user)
        if plan.state == plans.CLOSED:
            raise ValidationError("发放计划已办结")
    _after_commit_files(batches, user)
    return batches


# --- notices to beneficiaries (逐项告知) -------------------------------------------------------------------


def _notify_paid(batch_ids: list[int], *, user: Any) -> int:
    """One itemised notice per newly paid payment of the batches (policy, period, amount, pay date, bank,
    in the policy version's own notice template), into the outbox inside this transaction; the notices'
    worker sends them after commit. A payment already notified is never notified again. Set-based: the
    texts are rendered per template with Polars (``notices.services.notify_frame``)."""
    import polars as pl

    from yikatong.core.crypto import key_ring
    from yikatong.core.domain.template import DEFAULT_TEMPLATE
    from yikatong.core.tables import read_frame
    from yikatong.notices.services import notify_frame
    from yikatong.policies.domain.notice import PAYMENT_NOTICE_PARAMS

    marks = ", ".join(["%s"] * len(batch_ids))
    frame = read_frame(
        "SELECT p.id, pl.person_id, pl.village_id, p.amount_fen, p.settled_on, p.updated_at, dp.period, "
        "v.name AS policy, v.bank_notice_template AS template, b.name AS bank, p.account_no "
        "FROM payments_payment p JOIN payments_planline pl ON pl.id = p.line_id "
        "JOIN payments_paymentbatch pb ON pb.id = p.batch_id JOIN registry_agentbank b ON b.id = pb.bank_id "
        "JOIN payments_disbursementplan dp ON dp.id = pb.plan_id "
        "JOIN policies_policyversion v ON v.id = dp.policy_version_id "
        f"WHERE p.batch_id IN ({marks}) AND p.status = 'paid' AND NOT EXISTS (SELECT 1 FROM "
        "notices_notification n WHERE n.dedup_key = 'payment:' || CAST(p.id AS TEXT))",
        batch_ids,
    )
    if not frame.height:
        return 0
    accounts = key_ring().decrypt_many(frame["account_no"].to_list(), context="card.account_no")
    fen = frame["amount_fen"].cast(pl.Int64)
    # A handful of distinct amounts: each formatted once (元, two decimals, thousands separators).
    yuan = {int(value): fen_to_yuan(int(value)) for value in fen.unique().to_list()}
    frame = frame.with_columns(
        pl.Series("last4", [(account or "")[-4:] for account in accounts], dtype=pl.Utf8),
        fen.replace_strict(yuan, return_dtype=pl.Utf8).alias("amount"),
        pl.coalesce(
            pl.col("settled_on").cast(pl.Utf8).str.slice(0, 10),
            pl.col("updated_at").cast(pl.Utf8).str.slice(0, 10),
        ).alias("date"),
    ).with_columns(
        pl.col("id").cast(pl.Utf8).alias("source_id"),
        pl.concat_str([pl.lit("payment:"), pl.col("id").cast(pl.Utf8)]).alias("dedup_key"),
        pl.lit("payment").alias("source_kind"),
        pl.when(pl.col("template").is_null() | (pl.col("template") == ""))
        .then(pl.lit(DEFAULT_TEMPLATE))
        .otherwise(pl.col("template"))
        .alias("template"),
        pl.col("village_id").cast(pl.Utf8),
        pl.col("policy").cast(pl.Utf8),
        pl.col("period").cast(pl.Utf8),
        pl.col("bank").cast(pl.Utf8),
    )
    # The names the policy list's own templates use (补贴政策清单 “银行短信模板”) beside the English ones.
    frame = frame.with_columns(
        pl.col("policy").alias("项目名称"),
        pl.col("period").alias("期间"),
        pl.col("amount").alias("金额"),
        pl.col("date").alias("日期"),
        pl.col("bank").alias("银行"),
        pl.col("last4").alias("账号后四位"),
    )
    return notify_frame(frame, params=PAYMENT_NOTICE_PARAMS, user=user).inserted
