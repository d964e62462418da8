"""Disbursement plans: built from approved lines, checked, submitted, approved by finance within the budget,
split per agent bank into batches of payments; returns applied; failed lines corrected and re-issued."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.support.registry import banks, make_card
from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.payments import services
from yikatong.payments.domain import plans
from yikatong.payments.models import BatchState, DisbursementPlan, LineStatus, Payment, PaymentBatch, PlanLine
from yikatong.policies.models import Policy
from yikatong.registry.models import CardStatus, SocialSecurityCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_world(world: World) -> World:
    publish_elderly_allowance(world)
    people = elders(4)
    # Two of the four are paid through another bank.
    SocialSecurityCard.objects.filter(person__in=people[2:]).update(bank=banks()["105"])
    approved(world, people, "2026-10")
    return world


def _budget(world: World, fen: int = 10_000_000) -> None:
    services.budget_set(
        user=world.user("finance"),
        policy=Policy.objects.get(code="GLJT"),
        year=2026,
        source="county",
        amount_fen=fen,
        budget_line="塔财预〔2026〕1号",
    )


def _plan(world: World) -> DisbursementPlan:
    return services.plan_build(
        user=world.user("dept_reviewer"), policy=Policy.objects.get(code="GLJT"), period="2026-10"
    )


def _approved_plan(world: World) -> DisbursementPlan:
    _budget(world)
    plan = services.plan_submit(user=world.user("dept_reviewer"), plan=_plan(world))
    return services.plan_approve(
        user=world.user("finance"), plan=plan, budget_line="塔财预〔2026〕1号", voucher_no="ZF2026100001"
    )


def test_plan_takes_the_approved_lines_once_and_is_checked(paid_world: World) -> None:
    plan = _plan(paid_world)
    assert plan.state == plans.CHECKED
    assert plan.line_count == 4
    assert plan.total_fen == 4 * 5000
    assert plan.check_run_id is not None
    assert plan.number.startswith("JH2026")
    # The same lines cannot go into a second plan while this one is open.
    with pytest.raises(ValidationError, match="未提交的发放计划"):
        _plan(paid_world)
    assert AuditEvent.objects.filter(action="plan.build", object_id=str(plan.pk)).exists()


def test_cancelled_plan_frees_its_lines(paid_world: World) -> None:
    plan = _plan(paid_world)
    services.plan_cancel(user=paid_world.user("dept_reviewer"), plan=plan, reason="范围选错")
    again = _plan(paid_world)
    assert again.line_count == 4


def test_only_the_department_builds_and_only_finance_approves(paid_world: World) -> None:
    from yikatong.core.restrict import AccessDenied

    with pytest.raises(AccessDenied):
        services.plan_build(
            user=paid_world.user("finance"), policy=Policy.objects.get(code="GLJT"), period="2026-10"
        )
    plan = services.plan_submit(user=paid_world.user("dept_reviewer"), plan=_plan(paid_world))
    with pytest.raises(AccessDenied):
        services.plan_approve(
            user=paid_world.user("dept_reviewer"), plan=plan, budget_line="x", voucher_no="y"
        )


def test_approval_refused_without_a_budget_and_past_it_with_the_figures(paid_world: World) -> None:
    finance = paid_world.user("finance")
    plan = services.plan_submit(user=paid_world.user("dept_reviewer"), plan=_plan(paid_world))
    with pytest.raises(ValidationError, match="尚未录入预算指标"):
        services.plan_approve(user=finance, plan=plan, budget_line="b", voucher_no="v1")
    _budget(paid_world, fen=15_000)
    with pytest.raises(ValidationError) as refused:
        services.plan_approve(user=finance, plan=plan, budget_line="b", voucher_no="v1")
    text = str(refused.value)
    assert "预算 150.00 元" in text and "本计划 200.00 元" in text and "超出 50.00 元" in text
    assert DisbursementPlan.objects.get(pk=plan.pk).state == plans.SUBMITTED


def test_approval_splits_the_plan_into_one_batch_per_bank(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    assert plan.state == plans.APPROVED and plan.voucher_no == "ZF2026100001"
    batches = list(PaymentBatch.objects.filter(plan=plan).order_by("bank__code"))
    assert [(b.bank.code, b.count, b.total_fen) for b in batches] == [("103", 2, 10000), ("105", 2, 10000)]
    assert sum(b.total_fen for b in batches) == plan.total_fen
    payments = Payment.objects.filter(batch__plan=plan)
    ids = list(payments.values_list("end_to_end_id", flat=True))
    assert len(set(ids)) == 4 and all(len(e) == 20 and e.startswith("232722") for e in ids)
    assert all(p.status == plans.PENDING and p.attempt == 1 for p in payments)
    # The account is the card's, readable through the same encryption context.
    card = SocialSecurityCard.objects.get(person=payments[0].line.person)
    assert payments[0].account_no == card.account_no
    # Budget: what is in flight now counts against the year.
    position = services.budget_position(plan.policy, 2026)
    assert position.in_flight_fen == 20000 and position.paid_fen == 0


def test_a_plan_line_has_one_payment_in_flight_and_is_paid_once(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    payment = Payment.objects.filter(batch__plan=plan).first()
    assert payment is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            batch=payment.batch,
            line=payment.line,
            attempt=2,
            end_to_end_id="X1",
            amount_fen=1,
            holder_name="x",
            account_no="1",
            account_bidx="1",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanLine.objects.create(
            plan=plan,
            roster_line=payment.line.roster_line,
            person=payment.line.person,
            village=payment.line.village,
            amount_fen=1,
        )


def test_batch_sums_always_add_up(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.filter(plan=plan).first()
    assert batch is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk).update(paid_fen=1)


def _answer(batch: PaymentBatch, outcome: dict[int, tuple[str, str]]) -> services.Applied:
    """Apply a return: per payment index, (status, reason code)."""
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    rows = [
        {
            "end_to_end_id": payments[i].end_to_end_id,
            "status": status,
            "reason_code": code,
            "reason_text": "账户已销户" if code == "AC04" else "",
            "settled_on": None,
            "amount_fen": payments[i].amount_fen,
        }
        for i, (status, code) in outcome.items()
    ]
    with transaction.atomic():
        applied = services.apply_return_lines(bank_id=batch.bank_id, rows=rows)
        services.reconcile(applied.batches, user=None)
    return applied


def test_returns_apply_accumulate_and_never_go_backwards(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    services.batch_mark_sent(user=None, batch=batch) if batch.state == BatchState.FILE_READY else None
    PaymentBatch.objects.filter(pk=batch.pk).update(state=BatchState.SENT)
    # Partial: only the first payment answered; the second stays unknown, not failed.
    applied = _answer(batch, {0: (plans.PAID, "")})
    assert (applied.changed, applied.unknown) == (1, 0)
    batch.refresh_from_db()
    assert (batch.paid_count, batch.unknown_count, batch.state) == (1, 1, BatchState.PARTLY_PAID)
    # Out of order: an acceptance arriving after the settlement changes nothing.
    assert _answer(batch, {0: (plans.ACCEPTED, "")}).changed == 0
    # The same answer twice changes nothing.
    assert _answer(batch, {0: (plans.PAID, "")}).changed == 0
    _answer(batch, {1: (plans.FAILED, "AC04")})
    batch.refresh_from_db()
    assert (batch.paid_count, batch.failed_count, batch.unknown_count, batch.state) == (
        1,
        1,
        0,
        BatchState.CLOSED,
    )
    assert batch.paid_fen + batch.failed_fen == batch.total_fen
    failed = PlanLine.objects.get(payments__batch=batch, payments__status=plans.FAILED)
    assert (failed.status, failed.reason_code, failed.remedy_role) == (LineStatus.FAILED, "AC04", "hrss")
    assert DisbursementPlan.objects.get(pk=plan.pk).state == plans.PARTLY_PAID


def test_unknown_end_to_end_ids_and_wrong_amounts_change_nothing(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    payment = Payment.objects.filter(batch=batch).first()
    assert payment is not None
    rows = [
        {
            "end_to_end_id": "232722NOTOURS000",
            "status": plans.PAID,
            "reason_code": "",
            "reason_text": "",
            "settled_on": None,
            "amount_fen": 1,
        },
        {
            "end_to_end_id": payment.end_to_end_id,
            "status": plans.PAID,
            "reason_code": "",
            "reason_text": "",
            "settled_on": None,
            "amount_fen": payment.amount_fen + 1,
        },
    ]
    with transaction.atomic():
        applied = services.apply_return_lines(bank_id=batch.bank_id, rows=rows)
    assert (applied.changed, applied.unknown) == (0, 2)
    # Another bank's return cannot touch this bank's payments.
    other = banks()["105"]
    with transaction.atomic():
        applied = services.apply_return_lines(
            bank_id=other.pk, rows=[{**rows[1], "amount_fen": payment.amount_fen}]
        )
    assert applied.changed == 0
    assert Payment.objects.get(pk=payment.pk).status == plans.PENDING


def test_failed_line_goes_to_hrss_then_is_reissued_with_a_new_end_to_end_id(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    _answer(batch, {0: (plans.PAID, ""), 1: (plans.FAILED, "AC04")})
    line = PlanLine.objects.get(plan=plan, status=LineStatus.FAILED)
    first = line.payments.get()
    # The village cannot clear a card problem; HRSS must record a new card first.
    with pytest.raises(ValidationError, match="人社"):
        services.line_fix(user=paid_world.user("village_clerk", "village_a"), line=line, note="已核实")
    with pytest.raises(ValidationError, match="与失败时相同"):
        services.line_fix(user=paid_world.user("hrss"), line=line, note="已核实")
    SocialSecurityCard.objects.filter(person=line.person).update(status=CardStatus.CLOSED)
    make_card(line.person, account="6228480099999999999", bank="103")
    services.line_fix(user=paid_world.user("hrss"), line=line, note="已登记新卡")
    batches = services.plan_reissue(user=paid_world.user("finance"), plan=plan)
    assert [(b.round, b.count) for b in batches] == [(2, 1)]
    second = Payment.objects.get(line=line, attempt=2)
    assert second.end_to_end_id != first.end_to_end_id
    assert second.account_no == "6228480099999999999"
    line.refresh_from_db()
    assert (line.status, line.attempts) == (LineStatus.WAITING, 2)


def test_hrss_corrects_at_once_every_failed_line_whose_new_card_is_registered(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    _answer(batch, {0: (plans.FAILED, "AC04"), 1: (plans.FAILED, "AC04")})
    renewed, waiting = PlanLine.objects.filter(plan=plan, status=LineStatus.FAILED).order_by("id")
    hrss = paid_world.user("hrss")
    # Nothing yet: both still hold the account their payment failed on.
    assert services.lines_fix_all(user=hrss, note="已统一补办") == services.FixedAll(fixed=0, left=2)
    assert not AuditEvent.objects.filter(action="payment.fix_all").exists()
    SocialSecurityCard.objects.filter(person=renewed.person).update(status=CardStatus.CLOSED)
    make_card(renewed.person, account="6228480099999999998", bank="103")
    # The village's clerk is not who a card problem waits on; a note is required.
    assert services.lines_fix_all(user=paid_world.user("village_clerk", "village_a"), note="x").fixed == 0
    with pytest.raises(ValidationError):
        services.lines_fix_all(user=hrss, note=" ")
    # HRSS of another township fixes nothing of this one's (the lines of the user's own area only).
    assert services.lines_fix_all(user=paid_world.user("hrss", "b"), note="已统一补办").fixed == 0
    # On the screen: HRSS's 发放失败待处理 offers the one form, and it corrects the renewed line only.
    page = paid_world.client("hrss").get(reverse("payments:failed"))
    assert 'data-testid="fix-all"' in page.content.decode()
    answer = paid_world.client("hrss").post(
        reverse("payments:lines_fix_all"), {"note": "已统一补办"}, follow=True
    )
    assert "已更正 1 行" in answer.content.decode() and "仍有 1 行" in answer.content.decode()
    renewed.refresh_from_db()
    waiting.refresh_from_db()
    assert (renewed.status, renewed.fixed_by, renewed.fix_note) == (LineStatus.READY, hrss, "已统一补办")
    assert waiting.status == LineStatus.FAILED
    event = AuditEvent.objects.get(action="payment.fix_all")
    assert event.after["lines"] == [renewed.pk] and event.after["left"] == 1
    (second,) = services.plan_reissue(user=paid_world.user("finance"), plan=plan)
    assert second.count == 1
    assert Payment.objects.get(line=renewed, attempt=2).account_no == "6228480099999999998"


def test_attempts_are_capped_then_finance_decides(paid_world: World, settings: object) -> None:
    setattr(settings, "YIKATONG_MAX_PAYMENT_ATTEMPTS", 1)  # noqa: B010
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    _answer(batch, {0: (plans.FAILED, "MS03")})
    line = PlanLine.objects.get(plan=plan, reason_code="MS03")
    assert (line.status, line.remedy_role) == (LineStatus.HELD, "finance")
    services.line_decide(
        user=paid_world.user("finance"), line=line, allow=False, reason="受益人已迁出，停止发放"
    )
    line.refresh_from_db()
    assert line.status == LineStatus.STOPPED


def test_deceased_failure_stops_the_line(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="105")
    _answer(batch, {0: (plans.FAILED, "MD07")})
    line = PlanLine.objects.get(plan=plan, reason_code="MD07")
    assert (line.status, line.remedy_role) == (LineStatus.STOPPED, "dept_reviewer")


def test_a_settled_payment_sent_back_goes_back_to_its_origin(paid_world: World) -> None:
    plan = _approved_plan(paid_world)
    batch = PaymentBatch.objects.get(plan=plan, bank__code="103")
    _answer(batch, {0: (plans.PAID, ""), 1: (plans.PAID, "")})
    line = PlanLine.objects.filter(plan=plan, bank__code="103").order_by("id").first()
    assert line is not None and line.status == LineStatus.PAID
    _answer(batch, {0: (plans.RETURNED, "AC04")})
    line.refresh_from_db()
    assert (line.status, line.reason_code, line.remedy_role) == (LineStatus.FAILED, "AC04", "hrss")
    batch.refresh_from_db()
    assert (batch.paid_count, batch.returned_count) == (1, 1)
    assert services.budget_position(plan.policy, 2026).paid_fen == 5000


def test_a_plan_not_paid_by_its_time_limit_is_late(paid_world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from yikatong.checks.models import Finding
    from yikatong.checks.platform import LineSet
    from yikatong.checks.services import check_run

    plan = _approved_plan(paid_world)
    DisbursementPlan.objects.filter(pk=plan.pk).update(deadline=timezone.now() - dt.timedelta(days=3))
    check_run(line_set=LineSet(periods=("2026-10",), states=("approved",)), user=paid_world.user("finance"))
    late = Finding.objects.filter(rule="LATE", detail__contains="财政审批后发放到卡")
    assert late.exists() and "至今未完成" in late.first().detail
