"""Region isolation cases for the payments app's screens (collected by tests/test_region_isolation.py, whose
``rows`` give township A's draft roster with one line): a plan of township A with one line, one batch of the
bank ``bank-abc`` (township A's and B's bank operators both work for it), one payment, one failed line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings

from tests.support.isolation import Case, Target, url
from tests.support.uploads import RereadableUpload
from tests.support.world import TOWN_A
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BankReturn,
    BatchState,
    Budget,
    DisbursementPlan,
    LineStatus,
    Payment,
    PaymentBatch,
    PaymentFile,
    PlanLine,
)
from yikatong.payments.reference import load_bank_setups
from yikatong.registry.models import AgentBank

AMOUNT = 5000
MARKER = "JH2026777001"
BATCH_MARKER = "YKT202610ISOLATION"


def township_a_plan(rows: dict[str, Any]) -> DisbursementPlan:
    """A submitted plan of township A with its one line, a sent batch and a failed payment on it."""
    if "plan" not in rows:
        roster = rows["roster"]
        line = roster.lines.get()
        bank = AgentBank.objects.get(code="103")
        load_bank_setups()
        plan = DisbursementPlan.objects.create(
            number=MARKER,
            policy=roster.policy,
            policy_version=roster.policy_version,
            period=roster.period,
            region_id=TOWN_A,
            state=plans.SUBMITTED,
            line_count=1,
            total_fen=AMOUNT,
            created_by=roster.created_by,
        )
        plan_line = PlanLine.objects.create(
            plan=plan,
            roster_line=line,
            person=line.person,
            village_id=roster.village_id,
            amount_fen=AMOUNT,
            bank=bank,
            status=LineStatus.FAILED,
            attempts=1,
            reason_code="BE01",
            reason_text="户名不符",
            remedy_role="village_clerk",
        )
        batch = PaymentBatch.objects.create(
            plan=plan,
            bank=bank,
            message_id=BATCH_MARKER,
            state=BatchState.FILE_READY,
            count=1,
            total_fen=AMOUNT,
            failed_count=1,
            failed_fen=AMOUNT,
        )
        Payment.objects.create(
            batch=batch,
            line=plan_line,
            attempt=1,
            end_to_end_id="232722ISOLATION01",
            amount_fen=AMOUNT,
            holder_name=line.person.name,
            account_no="6228480000000007731",
            account_bidx="x",
            status=plans.FAILED,
            reason_code="BE01",
            reason_text="户名不符",
        )
        kept = Path(settings.MEDIA_ROOT) / "payment-files" / "isolation.txt"
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(b"isolation")
        PaymentFile.objects.create(
            batch=batch,
            bank=bank,
            message_id=BATCH_MARKER,
            file_format="flat",
            file_name="isolation.txt",
            path=str(kept),
            sha256=hashlib.sha256(b"isolation").hexdigest(),
            size=9,
            count=1,
            total_fen=AMOUNT,
        )
        rows["plan"], rows["plan_line"], rows["pay_batch"] = plan, plan_line, batch
    return rows["plan"]


def _plan_state(plan: DisbursementPlan) -> str:
    return DisbursementPlan.objects.get(pk=plan.pk).state


def _line_status(line: PlanLine) -> str:
    return PlanLine.objects.get(pk=line.pk).status


def _batch_state(batch: PaymentBatch) -> str:
    return PaymentBatch.objects.get(pk=batch.pk).state


def _plan_url(route: str, r: dict[str, Any], **extra: Any) -> str:
    return url(route, pk=township_a_plan(r).pk, **extra)


def _batch_url(route: str, r: dict[str, Any]) -> str:
    township_a_plan(r)
    return url(route, pk=r["pay_batch"].pk)


def _line(r: dict[str, Any]) -> PlanLine:
    township_a_plan(r)
    return r["plan_line"]


CASES: list[Case] = [
    Case("payments:plans", "GET", "finance", lambda w, r: Target(url("payments:plans"), _line_marker(r))),
    Case("payments:plan", "GET", "finance", lambda w, r: Target(_plan_url("payments:plan", r), MARKER)),
    Case(
        "payments:plan_sheet",
        "GET",
        "finance",
        lambda w, r: Target(_plan_url("payments:plan_sheet", r), MARKER),
    ),
    Case(
        "payments:plan_action",
        "POST",
        "finance",
        lambda w, r: Target(
            _plan_url("payments:plan_action", r, action="send_back"),
            data={"comment": "请核实"},
            changed=lambda: _plan_state(r["plan"]) == plans.CHECKED,
        ),
    ),
    Case(
        "payments:batches",
        "GET",
        "bank_operator",
        lambda w, r: Target(url("payments:batches"), _batch_marker(r)),
    ),
    Case(
        "payments:batch",
        "GET",
        "bank_operator",
        lambda w, r: Target(_batch_url("payments:batch", r), BATCH_MARKER),
    ),
    Case("payments:batch_file", "GET", "finance", lambda w, r: Target(_batch_url("payments:batch_file", r))),
    Case(
        "payments:batch_send",
        "POST",
        "finance",
        lambda w, r: Target(
            _batch_url("payments:batch_send", r),
            changed=lambda: _batch_state(r["pay_batch"]) == BatchState.SENT,
        ),
    ),
    Case(
        "payments:return_upload",
        "POST",
        "bank_operator",
        lambda w, r: Target(
            _batch_url("payments:return_upload", r),
            data={"kind": "success", "file": RereadableUpload("甲镇回盘-9921.txt", b"not a return file")},
            changed=lambda: BankReturn.objects.filter(file_name="甲镇回盘-9921.txt").exists(),
        ),
    ),
    Case(
        "payments:batch_simulate",
        "POST",
        "bank_operator",
        lambda w, r: Target(
            _batch_url("payments:batch_simulate", r), changed=lambda: r["pay_batch"].returns.exists()
        ),
    ),
    Case(
        "payments:failed",
        "GET",
        "village_clerk",
        lambda w, r: Target(url("payments:failed"), _line_marker(r)),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "payments:line_fix",
        "POST",
        "village_clerk",
        lambda w, r: Target(
            url("payments:line_fix"),
            data={"line": _line(r).pk, "note": "已更正户名"},
            changed=lambda: _line_status(r["plan_line"]) == LineStatus.READY,
        ),
        insider_place="village_a",
        outsider_place="village_b",
    ),
    Case(
        "payments:line_decide",
        "POST",
        "finance",
        lambda w, r: Target(
            url("payments:line_decide"),
            data={"line": _held(r).pk, "decision": "stop", "reason": "停止"},
            changed=lambda: _line_status(r["plan_line"]) == LineStatus.STOPPED,
        ),
    ),
]


def _batch_marker(r: dict[str, Any]) -> str:
    township_a_plan(r)
    return BATCH_MARKER


def _line_marker(r: dict[str, Any]) -> str:
    township_a_plan(r)
    return MARKER


def _held(r: dict[str, Any]) -> PlanLine:
    line = _line(r)
    PlanLine.objects.filter(pk=line.pk).update(status=LineStatus.HELD, remedy_role="finance")
    return line


EXEMPT = {
    "payments:lines_fix_all": "acts on no row it is given, only on the failed lines of the user's own area "
    "(an outsider's call fixes none of township A's: tests/payments/test_plans.py, the fix-all test)",
    "api:payment_fix_all": "the API of payments:lines_fix_all (same service, same area rule)",
    "payments:bank_setups": "agent banks' file settings are county reference data (admin only)",
    "payments:bank_setup": "agent banks' file settings are county reference data (admin only)",
    "payments:plan_new": "a plan is built only inside the builder's own region"
    " (tests/payments/test_plans.py)",
    "payments:budgets": "budgets are per county policy, shown to all its finance and department staff",
    "payments:budget_set": "budgets are per county policy (finance only; tests/payments/test_views.py)",
}


# --- the API: the same rows through /api/plans, /api/batches and /api/payments ----------------------------


def _checked(r: dict[str, Any]) -> DisbursementPlan:
    """Township A's plan back at 已核查, for the department to submit."""
    plan = township_a_plan(r)
    DisbursementPlan.objects.filter(pk=plan.pk).update(state=plans.CHECKED)
    return plan


def _budgeted(r: dict[str, Any]) -> DisbursementPlan:
    """Township A's submitted plan with its year's budget entered, for finance to approve."""
    plan = township_a_plan(r)
    Budget.objects.get_or_create(
        policy=plan.policy,
        year=2026,
        source="county",
        defaults={"amount_fen": 10**8, "entered_by": plan.created_by},
    )
    return plan


CASES += [
    Case("api:plan_list", "GET", "finance", lambda w, r: Target("/api/plans", _line_marker(r)), api=True),
    Case(
        "api:plan_detail",
        "GET",
        "finance",
        lambda w, r: Target(f"/api/plans/{township_a_plan(r).pk}", MARKER),
        api=True,
    ),
    Case(
        "api:plan_submit",
        "POST",
        "dept_reviewer",
        lambda w, r: Target(
            f"/api/plans/{_checked(r).pk}/submit",
            changed=lambda: _plan_state(r["plan"]) == plans.SUBMITTED,
        ),
        api=True,
    ),
    Case(
        "api:plan_approve",
        "POST",
        "finance",
        lambda w, r: Target(
            f"/api/plans/{_budgeted(r).pk}/approve",
            data={"budget_line": "塔财预〔2026〕9号", "voucher_no": "ZF-ISOLATION"},
            changed=lambda: _plan_state(r["plan"]) == plans.APPROVED,
        ),
        api=True,
    ),
    Case(
        "api:batch_list",
        "GET",
        "bank_operator",
        lambda w, r: Target("/api/batches", _batch_marker(r)),
        api=True,
    ),
    Case(
        "api:batch_detail",
        "GET",
        "bank_operator",
        lambda w, r: Target(f"/api/batches/{_batch_id(r)}", BATCH_MARKER),
        api=True,
    ),
    Case(
        "api:batch_file", "GET", "finance", lambda w, r: Target(f"/api/batches/{_batch_id(r)}/file"), api=True
    ),
    Case(
        "api:batch_payments",
        "GET",
        "bank_operator",
        lambda w, r: Target(f"/api/batches/{_batch_id(r)}/payments", "232722ISOLATION01"),
        api=True,
    ),
    Case(
        "api:payment_failed",
        "GET",
        "village_clerk",
        lambda w, r: Target("/api/payments/failed", _line_marker(r)),
        insider_place="village_a",
        outsider_place="village_b",
        api=True,
    ),
]


def _batch_id(r: dict[str, Any]) -> int:
    township_a_plan(r)
    return int(r["pay_batch"].pk)


EXEMPT |= {
    "api:plan_build": "a plan is built only inside the builder's own region (tests/payments/test_plans.py)",
    "api:batch_return": "a multipart upload (this table sends JSON): the batch is found through batch_list, "
    "404 outside the region or the bank; tests/payments/test_api.py",
}
