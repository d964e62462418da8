"""Two writers at once, on PostgreSQL (row locks): the audit chain keeps one unbroken sequence, and one
finding is settled once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.audit.selectors import audit_chain_verify
from yikatong.audit.services import audit_record
from yikatong.checks.models import Finding, FindingState
from yikatong.checks.services import check_roster, finding_settle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(work: list[Callable[[], str]]) -> list[str]:
    """Run the callables in threads released together; return their outcomes."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL test")
    barrier = threading.Barrier(len(work))
    outcomes: list[str] = []

    def run(job: Callable[[], str]) -> None:
        try:
            barrier.wait()
            outcomes.append(job())
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_audit_writers_keep_one_gapless_chain(world: World) -> None:
    writers, per_writer = 4, 15

    def write(n: int) -> Callable[[], str]:
        def job() -> str:
            for i in range(per_writer):
                audit_record(action=f"test.concurrent.{n}.{i}", region_code="232722100201")
            return "ok"

        return job

    assert _at_once([write(n) for n in range(writers)]) == ["ok"] * writers
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert AuditEvent.objects.filter(action__startswith="test.concurrent.").count() == writers * per_writer
    total, broken = audit_chain_verify()
    assert broken is None and total == len(seqs)


def test_one_finding_settled_twice_at_once_is_settled_once(world: World) -> None:
    publish_elderly_allowance(world)
    roster = township_reviewed(world, elders(1, cards=False))
    department, finance = world.user("dept_reviewer"), world.user("finance")
    check_roster(user=department, roster=roster)
    finding = Finding.objects.get(rule="NO_CARD")

    def settle(user: object, outcome: str) -> Callable[[], str]:
        def job() -> str:
            fresh = Finding.objects.get(pk=finding.pk)
            finding_settle(user=user, finding=fresh, outcome=outcome, reason="并发处理测试")
            return "settled"

        return job

    outcomes = _at_once([settle(department, "explained"), settle(finance, "confirmed")])
    assert outcomes.count("settled") == 1, outcomes
    finding.refresh_from_db()
    assert finding.state in {FindingState.EXPLAINED, FindingState.CONFIRMED}
    events = AuditEvent.objects.filter(action="checks.finding_settle", object_id=str(finding.pk))
    assert events.count() == 1


def test_two_finance_users_approving_one_plan_at_once_make_one_set_of_batches(world: World) -> None:
    from tests.support.registry import banks
    from tests.support.rosters import approved
    from tests.support.world import make_user
    from yikatong.payments import services as payments
    from yikatong.payments.models import DisbursementPlan, Payment, PaymentBatch
    from yikatong.policies.models import Policy

    publish_elderly_allowance(world)
    banks()
    approved(world, elders(3), "2026-10")
    policy = Policy.objects.get(code="GLJT")
    payments.budget_set(
        user=world.user("finance"), policy=policy, year=2026, source="county", amount_fen=10**7
    )
    plan = payments.plan_build(user=world.user("dept_reviewer"), policy=policy, period="2026-10")
    payments.plan_submit(user=world.user("dept_reviewer"), plan=plan)
    other = make_user("finance", "232722000000", username="finance-2")

    def approve(user: object, voucher: str) -> Callable[[], str]:
        def job() -> str:
            payments.plan_approve(user=user, plan=plan, budget_line="塔财预1号", voucher_no=voucher)
            return "approved"

        return job

    outcomes = _at_once([approve(world.user("finance"), "ZF-A"), approve(other, "ZF-B")])
    assert outcomes.count("approved") == 1, outcomes
    assert any("只有已提交财政的计划可以审批" in o for o in outcomes), outcomes
    assert PaymentBatch.objects.filter(plan=plan).count() == 1
    assert Payment.objects.filter(batch__plan=plan).count() == 3
    assert DisbursementPlan.objects.get(pk=plan.pk).voucher_no in {"ZF-A", "ZF-B"}
