"""A 高龄津贴 2026 whose every figure is counted by hand (tests/performance).

Village A (永丰村, 塔河镇), three elders with cards. Two plans:
- 2026-09: approved 2026-09-29, three lines of 50 元; two paid on 2026-10-09 (3 working days: 09-30, then
  国庆 10-01…10-07, then 10-08 and 10-09), one failed (BE01);
- 2026-10: approved 2026-10-20, three lines of 50 元, all paid on 2026-10-22 (2 working days).
So: 5 paid payments, 250.00 元, 3 persons; average 12 ÷ 5 = 2.40 working days; failed 1 of 6 final =
16.67%; one paid payment went to an account that is not the person's card: 4 of 5 = 80.00%; nothing is
paid in any month but October. One finding on 6 plan lines: 1666.67 per 10,000. Four roster moves with a
deadline, one late: 75.00%. Two disclosures (3 lines on time, 1 late): 75.00%. Two complaints (one closed
in time, one open past its due date): 50.00% on time, 2 per 3 persons = 6666.67 per 10,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import TOWN_A, VILLAGE_A, World
from yikatong.checks.models import CheckRun, Finding
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Complaint
from yikatong.disclosure.models import Disclosure
from yikatong.payments.domain import plans
from yikatong.payments.models import DisbursementPlan, LineStatus, Payment, PaymentBatch, PlanLine
from yikatong.performance import services
from yikatong.policies.models import PolicyVersion
from yikatong.registry.models import AgentBank
from yikatong.rosters.models import Roster, RosterEvent

AMOUNT = 5000
ON = dt.date(2026, 12, 2)


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def _plan(world: World, roster: Roster, approved_on: dt.date, number: str) -> DisbursementPlan:
    return DisbursementPlan.objects.create(
        number=number,
        policy=roster.policy,
        policy_version=roster.policy_version,
        period=roster.period,
        region_id=TOWN_A,
        state=plans.CLOSED,
        line_count=3,
        total_fen=3 * AMOUNT,
        created_by=world.user("dept_reviewer"),
        approved_by=world.user("finance"),
        approved_at=_aware(approved_on),
    )


def build(world: World) -> dict[str, Any]:
    """The policy's year as described above; returns its pieces."""
    publish_elderly_allowance(world)
    people = elders(3)
    september = approved(world, people, "2026-09")
    october = approved(world, people, "2026-10")
    bank = AgentBank.objects.get(code="103")
    seq = 0

    def batch_of(plan: DisbursementPlan, paid: int, failed: int) -> PaymentBatch:
        return PaymentBatch.objects.create(
            plan=plan,
            bank=bank,
            message_id=f"PERF{plan.period}",
            count=paid + failed,
            total_fen=(paid + failed) * AMOUNT,
            paid_count=paid,
            paid_fen=paid * AMOUNT,
            failed_count=failed,
            failed_fen=failed * AMOUNT,
        )

    def pay(batch: PaymentBatch, roster_line: Any, status: str, settled: dt.date | None, own: bool) -> None:
        nonlocal seq
        seq += 1
        person = roster_line.person
        card = person.cards.first()
        line = PlanLine.objects.create(
            plan=batch.plan,
            roster_line=roster_line,
            person=person,
            village_id=VILLAGE_A,
            amount_fen=AMOUNT,
            bank=bank,
            status=LineStatus.PAID if status == plans.PAID else LineStatus.FAILED,
            attempts=1,
        )
        Payment.objects.create(
            batch=batch,
            line=line,
            attempt=1,
            end_to_end_id=f"232722PERF{seq:05d}",
            amount_fen=AMOUNT,
            holder_name=person.name,
            account_no="6228480000000000000",
            account_bidx=card.account_bidx if own else "not-the-card",
            status=status,
            settled_on=settled,
            reason_code="" if status == plans.PAID else "BE01",
        )

    sep_plan = _plan(world, september, dt.date(2026, 9, 29), "JH2026PERF09")
    sep_lines = list(september.lines.order_by("pk"))
    sep_batch = batch_of(sep_plan, 2, 1)
    pay(sep_batch, sep_lines[0], plans.PAID, dt.date(2026, 10, 9), True)
    pay(sep_batch, sep_lines[1], plans.PAID, dt.date(2026, 10, 9), False)
    pay(sep_batch, sep_lines[2], plans.FAILED, None, True)
    oct_plan = _plan(world, october, dt.date(2026, 10, 20), "JH2026PERF10")
    oct_batch = batch_of(oct_plan, 3, 0)
    for roster_line in october.lines.order_by("pk"):
        pay(oct_batch, roster_line, plans.PAID, dt.date(2026, 10, 22), True)

    policy = september.policy
    Finding.objects.all().delete()
    run = CheckRun.objects.order_by("pk").first()
    Finding.objects.create(
        run=run,
        first_run=run,
        kind="inflight",
        subject="老人0",
        rule="DUPLICATE",
        severity="high",
        policy=policy,
        period="2026-10",
        region_code=VILLAGE_A,
        state="explained",
    )
    RosterEvent.objects.all().delete()
    for i in range(4):
        RosterEvent.objects.create(
            roster=october,
            from_state="publicized",
            to_state="township_reviewed",
            deadline=_aware(dt.date(2026, 10, 10)),
            late=(i == 0),
        )
    admin = world.user("disclosure_officer")
    for village, count, late, period in ((VILLAGE_A, 3, False, "2026-09"), (VILLAGE_A, 1, True, "2026-10")):
        Disclosure.objects.create(
            policy=policy,
            period=period,
            village_id=village,
            clock_started_on=dt.date(2026, 10, 22),
            due_on=dt.date(2026, 11, 19),
            published_on=dt.date(2026, 11, 25) if late else dt.date(2026, 11, 2),
            approved_by=admin,
            line_count=count,
        )
    Complaint.objects.create(
        number="TS2026PERF01",
        secret_hash="x",
        kind="complaint",
        policy=policy,
        region_id=VILLAGE_A,
        text="迟发",
        state=rules.CLOSED,
        result=rules.NOT_TRUE,
        due_on=dt.date(2026, 11, 20),
        closed_at=_aware(dt.date(2026, 11, 10)),
    )
    Complaint.objects.create(
        number="TS2026PERF02",
        secret_hash="x",
        kind="complaint",
        policy=policy,
        region_id=VILLAGE_A,
        text="少发",
        state=rules.ANSWERING,
        due_on=dt.date(2026, 11, 30),
    )
    return {"policy": policy, "people": people, "version": PolicyVersion.objects.get(policy=policy)}


TARGETS = {
    "persons": {"target": "3", "weight": "10"},
    "paid": {"target": "500", "weight": "10"},
    "pay_days": {"target": "5", "weight": "10"},
    "failed_rate": {"target": "5", "weight": "10"},
    "satisfaction": {"target": "90", "weight": "10"},
}


def approve_targets(world: World, policy: Any, budget_fen: int = 100000, **extra: Any) -> Any:
    """The department drafts 2026's budget and targets, finance approves them together."""
    drafted = services.target_set_draft(
        user=world.user("dept_reviewer"),
        policy=policy,
        year=2026,
        budget_fen=budget_fen,
        targets=extra.pop("targets", TARGETS),
        **extra,
    )
    services.target_set_submit(user=world.user("dept_reviewer"), target_set=drafted)
    return services.target_set_approve(user=world.user("finance"), target_set=drafted)


__all__ = ["AMOUNT", "ON", "TARGETS", "Decimal", "approve_targets", "build"]
