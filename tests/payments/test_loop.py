"""The whole loop against the bank simulator, in both formats: plan → approval → files (immutable) → the
bank's returns → reconciliation → failed lines back to HRSS → re-issue with a new EndToEndId."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from tests.support.registry import banks, make_card
from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.payments import files, returns, services, simulator
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BankReturn,
    BatchState,
    DisbursementPlan,
    LineStatus,
    Payment,
    PaymentBatch,
    PaymentFile,
    PlanLine,
    ReturnState,
)
from yikatong.payments.reference import load_bank_setups
from yikatong.policies.models import Policy
from yikatong.registry.models import CardStatus, SocialSecurityCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world: World) -> DisbursementPlan:
    """An approved plan of six elders: three paid through 农业银行 (flat file), three through 建设银行
    (ISO 20022); one card of each bank is closed by the time the bank pays."""
    publish_elderly_allowance(world)
    banks()
    load_bank_setups()
    people = elders(6)
    SocialSecurityCard.objects.filter(person__in=people[3:]).update(bank=banks()["105"])
    approved(world, people, "2026-10")
    policy = Policy.objects.get(code="GLJT")
    services.budget_set(
        user=world.user("finance"), policy=policy, year=2026, source="county", amount_fen=10**8
    )
    built = services.plan_build(user=world.user("dept_reviewer"), policy=policy, period="2026-10")
    services.plan_submit(user=world.user("dept_reviewer"), plan=built)
    services.plan_approve(user=world.user("finance"), plan=built, budget_line="塔财预1号", voucher_no="ZF-1")
    SocialSecurityCard.objects.filter(person__in=[people[0], people[3]]).update(status=CardStatus.CLOSED)
    return DisbursementPlan.objects.get(pk=built.pk)


@pytest.mark.parametrize("bank", ["103", "105"])
def test_file_is_generated_once_and_kept(world: World, plan: DisbursementPlan, bank: str) -> None:
    batch = PaymentBatch.objects.get(plan=plan, bank__code=bank)
    kept = files.batch_file(batch=batch, user=world.user("finance"))
    again = files.batch_file(batch=batch, user=world.user("finance"))
    assert again.pk == kept.pk and again.sha256 == kept.sha256
    assert PaymentFile.objects.filter(batch=batch).count() == 1
    data = files.file_bytes(kept)
    assert (kept.count, kept.total_fen) == (3, 15000)
    if bank == "105":
        assert (
            b"pain.001.001.09" in data
            and b"<NbOfTxs>3</NbOfTxs>" in data
            and b"<CtrlSum>150.00</CtrlSum>" in data
        )
    else:
        assert "老人".encode("gbk") in data  # GBK, the bank's layout
    assert PaymentBatch.objects.get(pk=batch.pk).state == BatchState.FILE_READY
    # A file changed on disk is refused, never handed out.
    Path(kept.path).write_bytes(data + b"x")
    with pytest.raises(ValidationError, match="摘要不符"):
        files.file_bytes(kept)


@pytest.mark.parametrize("bank", ["103", "105"])
def test_simulated_return_round_trip_then_reissue(world: World, plan: DisbursementPlan, bank: str) -> None:
    batch = PaymentBatch.objects.get(plan=plan, bank__code=bank)
    files.batch_file(batch=batch, user=world.user("finance"))
    # 农业银行's operator answers its own batches; finance plays 建设银行 (which has no operator here).
    operator = world.user("bank_operator") if bank == "103" else world.user("finance")
    imported = simulator.bank_simulate(user=operator, batch=batch, technical_share=0)
    assert all(r.state == ReturnState.APPLIED for r in imported), [r.message for r in imported]
    batch.refresh_from_db()
    assert (batch.paid_count, batch.failed_count, batch.unknown_count) == (2, 1, 0)
    assert batch.paid_fen + batch.failed_fen == batch.total_fen
    assert batch.state == BatchState.CLOSED
    failed = PlanLine.objects.get(plan=plan, bank__code=bank, status=LineStatus.FAILED)
    assert failed.reason_code == "AC04" and failed.remedy_role == "hrss"
    # The same return again changes nothing.
    for produced in simulator.simulate(batch, technical_share=0):
        again = returns.return_import(
            user=operator,
            data=produced.data,
            file_name=produced.name,
            bank=batch.bank,
            kind=produced.kind,
        )
        assert again.state in (ReturnState.DUPLICATE, ReturnState.APPLIED)
        assert again.changed == 0
    # HRSS records the new card; finance re-issues with a new EndToEndId after the checks run again.
    make_card(failed.person, account=f"62284899{failed.person.pk:011d}", bank=bank)
    services.line_fix(user=world.user("hrss"), line=failed, note="已补办社保卡")
    (second,) = services.plan_reissue(user=world.user("finance"), plan=plan)
    assert second.round == 2 and second.count == 1
    # The checks ran again over the corrected line alone, against the rest of the plan and its payments.
    from yikatong.checks.models import CheckRun

    assert CheckRun.objects.order_by("-pk").values_list("line_count", flat=True)[0] == 1
    files.batch_file(batch=second, user=world.user("finance"))
    simulator.bank_simulate(user=operator, batch=second, technical_share=0)
    payments = list(Payment.objects.filter(line=failed).order_by("attempt"))
    assert [p.status for p in payments] == [plans.FAILED, plans.PAID]
    assert payments[0].end_to_end_id != payments[1].end_to_end_id
    failed.refresh_from_db()
    assert failed.status == LineStatus.PAID
    # Each paid payment gave one itemised notice (逐项告知), the re-issued one too, never two.
    from yikatong.notices.models import Notification

    paid = Payment.objects.filter(batch__plan=plan, batch__bank__code=bank, status=plans.PAID)
    notices = Notification.objects.filter(dedup_key__in=[f"payment:{p.pk}" for p in paid])
    assert notices.count() == paid.count() == 3
    assert all("50.00" in n.text and "高龄津贴" in n.text for n in notices)
    # …with every parameter a policy's template may name (policies/domain/notice.py), and no other.
    from yikatong.policies.domain.notice import PAYMENT_NOTICE_PARAMS

    assert all(set(n.params) == set(PAYMENT_NOTICE_PARAMS) for n in notices)
    assert AuditEvent.objects.filter(action="return.import").count() >= 2
    # The plan's total is the sum of its lines, of its first-round batches, and of its lines by status.
    from django.db.models import Sum

    from yikatong.payments.selectors import plan_status_counts

    plan.refresh_from_db()
    lines = PlanLine.objects.filter(plan=plan, active=True)
    assert plan.total_fen == lines.aggregate(s=Sum("amount_fen"))["s"] == 6 * 5000
    first = PaymentBatch.objects.filter(plan=plan, round=1)
    assert first.aggregate(s=Sum("total_fen"))["s"] == plan.total_fen
    counts = plan_status_counts(plan)
    assert sum(c["fen"] for c in counts.values()) == plan.total_fen
    assert sum(c["count"] for c in counts.values()) == plan.line_count == 6


def test_bank_operator_of_one_bank_cannot_import_for_another(world: World, plan: DisbursementPlan) -> None:
    batch = PaymentBatch.objects.get(plan=plan, bank__code="105")
    files.batch_file(batch=batch, user=world.user("finance"))
    produced = simulator.simulate(batch, technical_share=0)[0]
    with pytest.raises(ValidationError, match="本行"):
        returns.return_import(
            user=world.user("bank_operator"), data=produced.data, file_name=produced.name, bank=batch.bank
        )


def test_unreadable_and_hostile_returns_are_kept_refused_and_change_nothing(
    world: World, plan: DisbursementPlan
) -> None:
    batch = PaymentBatch.objects.get(plan=plan, bank__code="105")
    files.batch_file(batch=batch, user=world.user("finance"))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">&lol2;</Document>'
    )
    finance = world.user("finance")
    for data in (bomb, b"", b"\xff\xfe garbage"):
        kept = returns.return_import(user=finance, data=data, file_name="bad.xml", bank=batch.bank)
        assert kept.state == ReturnState.REFUSED and kept.message
    assert not Payment.objects.filter(batch=batch).exclude(status=plans.PENDING).exists()
    assert BankReturn.objects.filter(state=ReturnState.REFUSED).count() == 3


def test_whole_file_rejected_sets_the_batch_not_each_line_to_the_villages(
    world: World, plan: DisbursementPlan
) -> None:
    from yikatong.payments.domain import isobank

    batch = PaymentBatch.objects.get(plan=plan, bank__code="105")
    files.batch_file(batch=batch, user=world.user("finance"))
    setup = files.setup_of(batch)
    report = isobank.write_pain002(
        files.header_of(batch, setup),
        [],
        "RPTREJECT1",
        batch.created_at,
        rejected_whole=("AM05", "总金额与明细不符"),
    )
    kept = returns.return_import(
        user=world.user("finance"), data=report, file_name="rjct.xml", bank=batch.bank
    )
    assert kept.state == ReturnState.APPLIED
    batch.refresh_from_db()
    assert batch.state == BatchState.REJECTED
    assert set(PlanLine.objects.filter(payments__batch=batch).values_list("remedy_role", flat=True)) == {
        "finance"
    }


def test_post_hoc_audit_reads_the_paid_lines(world: World, plan: DisbursementPlan) -> None:
    from yikatong.checks.models import RunKind
    from yikatong.checks.selectors import line_set_for

    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    files.batch_file(batch=batch, user=world.user("finance"))
    simulator.bank_simulate(user=world.user("bank_operator"), batch=batch, technical_share=0)
    line_set = line_set_for(
        kind=RunKind.POSTHOC,
        period_from="2026-10",
        period_to="2026-10",
        policy_code="GLJT",
        region_code="232722000000",
    )
    assert line_set.paid_only
    from yikatong.checks.services import check_run

    run = check_run(line_set=line_set, kind=RunKind.POSTHOC, user=world.user("auditor"))
    assert run.line_count == PlanLine.objects.filter(plan=plan, status=LineStatus.PAID).count() == 2


def test_payments_not_notified_in_time_are_late(world: World, plan: DisbursementPlan) -> None:
    import datetime as dt

    from django.utils import timezone

    from yikatong.checks.models import Finding
    from yikatong.checks.platform import LineSet
    from yikatong.checks.services import check_run

    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    files.batch_file(batch=batch, user=world.user("finance"))
    simulator.bank_simulate(user=world.user("bank_operator"), batch=batch, technical_share=0)
    # The notices were queued but no worker sent them, and the payments were five days ago.
    Payment.objects.filter(batch=batch).update(updated_at=timezone.now() - dt.timedelta(days=5))
    check_run(line_set=LineSet(periods=("2026-10",), states=("approved",)), user=world.user("finance"))
    late = Finding.objects.filter(rule="LATE", detail__contains="发放后逐项告知受益人")
    assert late.exists() and "至今未完成" in late.first().detail


def test_an_empty_failure_file_is_refused_saying_how_to_name_its_batch(
    world: World, plan: DisbursementPlan
) -> None:
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    SocialSecurityCard.objects.update(status=CardStatus.ACTIVE)  # every card pays: no failure line at all
    files.batch_file(batch=batch, user=world.user("finance"))
    produced = {p.kind: p for p in simulator.simulate(batch, technical_share=0)}
    empty = produced["failure"]
    operator = world.user("bank_operator")
    kept = returns.return_import(
        user=operator, data=empty.data, file_name=empty.name, bank=batch.bank, kind="failure"
    )
    assert kept.state == ReturnState.REFUSED and "--batch" in kept.message and "没有明细行" in kept.message
    # Named by its batch (the batch page's upload, or --batch), the same file is taken: nothing failed.
    named = returns.return_import(
        user=world.user("bank_operator"),
        data=empty.data,
        file_name=empty.name,
        bank=batch.bank,
        kind="failure",
        batch=batch,
    )
    assert named.state == ReturnState.APPLIED and named.changed == 0
