"""Demo disbursement, walked through the real services on the story's own days:

- 永丰村 September (高龄津贴): 民政局 builds the plan the day after approving the roster; finance enters
  the year's budget and approves it for 国库集中支付 (budget line, payment voucher); the plan splits into
  one batch per agent bank, each file in its bank's format (中国建设银行 ISO 20022 pain.001, the others 代发
  flat files); before the banks pay, one elder's card is closed at the bank (销户), so the simulated bank
  answers that line AC04 (账户已销户): it goes back to 人社局, which records the new card; finance re-issues
  it in a second round with a new EndToEndId, and it is paid.
- 塔丰村 October: declared, noticed, reviewed and approved in October; 民政局's plan for October is submitted
  and waits for finance's approval (sign in as ``finance``).
- 永丰村 October 农村低保 (NCDB): declared beside 塔丰村's roster, approved with it, planned, approved by
  finance and paid on the day that makes its public disclosure due tomorrow (20 working days later): the
  disclosure officer's 待公开 shows it one working day from late.
"""

from __future__ import annotations

from yikatong.accounts.models import User
from yikatong.demo.clock import StoryClock
from yikatong.notices.providers import sms_provider
from yikatong.notices.sending import send_due
from yikatong.payments import files, services, simulator
from yikatong.payments.models import DisbursementPlan, LineStatus, PaymentBatch, PlanLine
from yikatong.payments.reference import load_bank_setups
from yikatong.policies.models import Policy
from yikatong.registry.models import CardStatus, SocialSecurityCard
from yikatong.registry.services import card_change_status, card_register
from yikatong.rosters import services as rosters
from yikatong.rosters.models import Roster

TAFENG = "232722100203"  # 塔丰村


def _files_and_answers(
    plan: DisbursementPlan,
    batches: list[PaymentBatch],
    clock: StoryClock,
    days: float,
    hours: tuple[int, int, int] = (11, 15, 18),
) -> None:
    """Each batch's file (the worker's job, done here before the server starts) and the bank's answer."""
    finance = User.objects.get(username="finance")
    bank_abc = User.objects.get(username="bank_abc")
    with clock.days_ago(days, hour=hours[0]):
        for batch in batches:
            files.batch_file(batch=batch, user=finance)
    with clock.days_ago(days, hour=hours[1]):
        for batch in batches:
            # 农业银行's operator takes its own files; the other banks' answers arrive through finance.
            operator = bank_abc if batch.bank.branch_id == bank_abc.department_id else finance
            simulator.bank_simulate(user=operator, batch=batch, technical_share=0)
    # The notices' worker tells each paid beneficiary that evening (逐项告知), as it does when the demo runs.
    with clock.days_ago(days, hour=hours[2]):
        send_due(sms_provider())


def september_paid(clock: StoryClock) -> DisbursementPlan | None:
    """永丰村 September, planned, approved, paid; one failed line re-issued and paid."""
    load_bank_setups()
    department = User.objects.get(username="dept_civil")
    finance = User.objects.get(username="finance")
    hrss = User.objects.get(username="hrss")
    policy = Policy.objects.get(code="GLJT")
    with clock.days_ago(57):
        services.budget_set(
            user=finance,
            policy=policy,
            year=clock.now.year,
            source="county",
            amount_fen=1_200_000_00,
            budget_line="塔财预〔2026〕12号",
        )
        plan = services.plan_build(user=department, policy=policy, period="2026-09")
        services.plan_submit(user=department, plan=plan)
    with clock.days_ago(56):
        services.plan_approve(
            user=finance, plan=plan, budget_line="塔财预〔2026〕12号", voucher_no="塔财支〔2026〕0912号"
        )
        first = list(PaymentBatch.objects.filter(plan=plan, round=1))
    # Before the bank pays, an elder's account is closed at the bank (本人申请销户).
    line = (
        PlanLine.objects.filter(plan=plan, bank__code="103").select_related("person").order_by("id").first()
    )
    with clock.days_ago(55, hour=10):
        card = (
            SocialSecurityCard.objects.filter(person=line.person, status=CardStatus.ACTIVE).first()
            if line
            else None
        )
        if card is not None:
            card_change_status(user=hrss, card=card, status=CardStatus.CLOSED, reason="本人到银行办理销户")
    _files_and_answers(plan, first, clock, 55)
    failed = PlanLine.objects.filter(plan=plan, status=LineStatus.FAILED).select_related("person")
    if not failed.exists():
        return plan
    with clock.days_ago(53):
        for item in failed:
            assert item.bank is not None  # a failed line was paid through a bank
            card_register(
                user=hrss,
                person=item.person,
                bank=item.bank,
                account_no=f"62284801{item.person.pk:011d}",
                holder_name=item.person.name,
            )
            services.line_fix(user=hrss, line=item, note="已为受益人补办社保卡并登记新账户")
    with clock.days_ago(52):
        second = services.plan_reissue(user=finance, plan=plan)
    _files_and_answers(plan, second, clock, 51)
    return plan


YONGFENG = "232722100201"  # 永丰村
# How many of 永丰村's households the 低保 roster holds.
DIBAO_PERSONS = 3


def _dibao_declared(clock: StoryClock, start: int) -> Roster | None:
    """永丰村 October 农村低保: a few adults with a card and no death record, declared ``start`` days ago
    (an hour before 塔丰村's roster) and noticed for their week."""
    from decimal import Decimal

    from yikatong.registry.models import Person
    from yikatong.registry.selectors import deaths_of

    clerk = User.objects.get(username="clerk_yongfeng")
    candidates = list(
        Person.objects.filter(
            village_id=YONGFENG, cards__status=CardStatus.ACTIVE, birth_date__year__range=(1960, 1985)
        ).order_by("pk")[:20]
    )
    dead = deaths_of(p.id_bidx for p in candidates)
    people = [p for p in candidates if p.id_bidx not in dead][:DIBAO_PERSONS]
    if not people:
        return None
    with clock.days_ago(start, hour=8):
        roster = rosters.roster_create(
            user=clerk, policy_code="NCDB", period="2026-10", village_code=YONGFENG
        )
        for person in people:
            rosters.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
        return rosters.roster_submit(user=clerk, roster=roster)


def tafeng_october(clock: StoryClock) -> DisbursementPlan | None:
    """塔丰村 October, approved, in 民政局's October plan that waits for finance; beside it 永丰村's
    October 低保 roster goes the same way into its own plan (paid later: :func:`dibao_paid`)."""
    from yikatong.checks.selectors import open_blocking
    from yikatong.checks.services import check_roster, finding_settle
    from yikatong.demo.rosters import declared_elders

    clerk = User.objects.get(username="clerk_tafeng")
    township = User.objects.get(username="township_tahe")
    department = User.objects.get(username="dept_civil")
    dibao = _dibao_declared(clock, 50)
    roster = declared_elders(clerk, TAFENG, "2026-10", clock, 50, limit=15)
    if roster is None:
        return None
    if dibao is not None:
        with clock.days_ago(43, hour=17):
            dibao = rosters.publicity_close(
                user=User.objects.get(username="clerk_yongfeng"), roster=Roster.objects.get(pk=dibao.pk)
            )
    with clock.days_ago(42):
        for item in (roster, dibao):
            if item is not None:
                rosters.township_finish(user=township, roster=item, accept_pending=True)
    with clock.days_ago(41):
        for item in (roster, dibao):
            if item is None:
                continue
            checked = Roster.objects.get(pk=item.pk)
            check_roster(user=department, roster=checked)
            for finding in open_blocking(checked):
                finding_settle(
                    user=department, finding=finding, outcome="explained", reason="经民政所入户核实，情况属实"
                )
            rosters.roster_approve(user=department, roster=checked)
    with clock.days_ago(40):
        if dibao is not None:
            dibao_plan = services.plan_build(
                user=department, policy=Policy.objects.get(code="NCDB"), period="2026-10"
            )
            services.plan_submit(user=department, plan=dibao_plan)
        plan = services.plan_build(user=department, policy=Policy.objects.get(code="GLJT"), period="2026-10")
        return services.plan_submit(user=department, plan=plan)


def _pay_day(clock: StoryClock) -> int:
    """How many days ago a payment must be made for its disclosure (20 working days) to fall due on the
    working day after today."""
    import datetime as dt

    from django.utils import timezone

    from yikatong.core.workdays import add_working_days

    today = timezone.localtime(clock.now).date()
    due = add_working_days(today, 1)
    for days in range(20, 45):
        if add_working_days(today - dt.timedelta(days=days), 20) == due:
            return days
    return 27


def dibao_paid(clock: StoryClock) -> DisbursementPlan | None:
    """永丰村 October 低保: finance approves its plan and the banks pay it on the day that leaves its public
    disclosure due tomorrow, one working day from late."""
    plan = DisbursementPlan.objects.filter(policy__code="NCDB", period="2026-10").first()
    if plan is None:
        return None
    finance = User.objects.get(username="finance")
    days = _pay_day(clock)
    with clock.days_ago(days + 1, hour=14):
        services.budget_set(
            user=finance,
            policy=plan.policy,
            year=clock.now.year,
            source="central",
            amount_fen=80_000_00,
            budget_line="塔财预〔2026〕31号",
        )
        services.plan_approve(
            user=finance, plan=plan, budget_line="塔财预〔2026〕31号", voucher_no="塔财支〔2026〕1031号"
        )
    # Early in the day: 新建村's story goes on from that morning (demo/rosters.py).
    batches = list(PaymentBatch.objects.filter(plan=plan, round=1))
    _files_and_answers(plan, batches, clock, days, hours=(6, 7, 8))
    return DisbursementPlan.objects.get(pk=plan.pk)
