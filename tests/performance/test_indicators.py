"""The dual-monitoring figures on a year counted by hand (tests/performance/support.py says how)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.performance.support import ON, approve_targets, build
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.payments.models import Budget
from yikatong.performance import selectors, services
from yikatong.performance.domain import indicators
from yikatong.performance.models import SetState, TargetSet

pytestmark = pytest.mark.django_db


def _figures(m: selectors.Monitoring) -> dict[str, selectors.Figure]:
    return {f.code: f for f in m.figures}


def test_every_indicator_counted_by_hand(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"])
    Budget.objects.all()  # written by the approval (below)
    m = selectors.monitoring(user=world.user("finance"), policy=made["policy"], year=2026, on=ON)
    f = _figures(m)
    assert m.paid_fen == 25000 and m.budget_fen == 100000
    assert f["persons"].actual == Decimal(3)
    assert f["paid"].actual == Decimal("250.00")
    assert f["card_share"].actual == Decimal("80.00")
    assert f["pay_days"].actual == Decimal("2.40")  # across 国庆 2026: 3 and 2 working days
    assert f["failed_rate"].actual == Decimal("16.67")
    assert f["findings_rate"].actual == Decimal("1666.67")
    assert f["steps_on_time"].actual == Decimal("75.00")
    assert f["disclosed_on_time"].actual == Decimal("75.00")
    assert f["complaints_rate"].actual == Decimal("6666.67")
    assert f["complaints_on_time"].actual == Decimal("50.00")
    assert f["satisfaction"].actual is None and f["satisfaction"].typed
    # Months with no payments are zero; October holds all of it.
    assert m.monthly_paid == [0] * 9 + [25000, 0, 0]
    # Budget execution 25% against 11 of 12 payment months passed by 2 December (91.67%).
    assert m.execution == Decimal("25.00") and m.expected == Decimal("91.67") and m.lagging


def test_targets_met_missed_scores_and_warnings(world: World) -> None:
    made = build(world)
    target_set = approve_targets(world, made["policy"])
    services.satisfaction_record(user=world.user("dept_reviewer"), target_set=target_set, value="92")
    m = selectors.monitoring(user=world.user("finance"), policy=made["policy"], year=2026, on=ON)
    f = _figures(m)
    assert f["persons"].met is True and f["persons"].score == Decimal("10.00")
    assert f["paid"].met is False and f["paid"].score == Decimal("5.00")  # 10 × 250 ÷ 500
    assert f["failed_rate"].met is False and f["failed_rate"].score == Decimal("3.00")  # 10 × 5 ÷ 16.67
    assert f["pay_days"].met is True
    assert f["satisfaction"].actual == Decimal("92.00") and f["satisfaction"].met is True
    assert f["card_share"].target is None and f["card_share"].score is None  # not set: not scored
    assert m.score == Decimal("38.00") and m.score_max == Decimal("50.00")
    assert any("发放金额未达目标" in w for w in m.warnings)
    assert any("发放失败率未达目标" in w for w in m.warnings)
    assert m.warnings[0].startswith("预算执行进度滞后")


def test_lag_margin_is_configurable(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"], lag_margin="70")
    m = selectors.monitoring(user=world.user("finance"), policy=made["policy"], year=2026, on=ON)
    assert not m.lagging  # 25.00 is not below 91.67 − 70
    early = selectors.monitoring(
        user=world.user("finance"), policy=made["policy"], year=2026, on=dt.date(2026, 3, 15)
    )
    assert early.expected == Decimal("16.67") and not early.lagging


def test_a_policy_with_no_target(world: World) -> None:
    made = build(world)
    m = selectors.monitoring(user=world.user("finance"), policy=made["policy"], year=2026, on=ON)
    assert m.target_set is None and m.execution is None and not m.lagging
    assert all(f.target is None and f.met is None for f in m.figures)
    assert m.warnings == [] and m.score_max == 0


def test_drill_down_to_a_village_and_a_township_user_sees_only_their_own(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"])
    county = selectors.monitoring(user=world.user("finance"), policy=made["policy"], year=2026, on=ON)
    assert [a.code for a in county.areas] == ["232722100000"]
    village = selectors.monitoring(
        user=world.user("finance"), policy=made["policy"], year=2026, area="232722100201", on=ON
    )
    assert village.paid_fen == 25000 and village.execution is None  # the budget is the county's
    outsider = selectors.monitoring(
        user=world.user("dept_reviewer", "b"), policy=made["policy"], year=2026, on=ON
    )
    assert outsider.paid_fen == 0 and outsider.areas == []
    lines = selectors.lines(
        user=world.user("finance"), policy=made["policy"], year=2026, area="232722100201", status="failed"
    )
    assert lines.count() == 1


def test_budget_and_targets_approved_together_into_payments_budget(world: World) -> None:
    made = build(world)
    version = made["version"]
    type(version).objects.filter(pk=version.pk).update(
        share_central=Decimal("50"), share_provincial=Decimal("33.33"), share_county=Decimal("16.67")
    )
    target_set = approve_targets(world, made["policy"], budget_fen=100001)
    assert (target_set.central_fen, target_set.provincial_fen, target_set.county_fen) == (50001, 33330, 16670)
    budgets = dict(
        Budget.objects.filter(policy=made["policy"], year=2026).values_list("source", "amount_fen")
    )
    assert budgets == {"central": 50001, "provincial": 33330, "county": 16670}
    codes = list(
        AuditEvent.objects.filter(action__startswith="performance.").values_list("action", flat=True)
    )
    assert codes == ["performance.draft", "performance.submit", "performance.approve"]
    # Issued with the targets, the budget changes only by a new approved version, not on 预算指标 alone.
    from yikatong.payments.services import budget_set

    assert set(Budget.objects.filter(policy=made["policy"]).values_list("target_version", flat=True)) == {1}
    with pytest.raises(ValidationError, match="预算绩效目标"):
        budget_set(
            user=world.user("finance"), policy=made["policy"], year=2026, source="county", amount_fen=1
        )


def test_only_finance_approves_and_the_department_drafts(world: World) -> None:
    made = build(world)
    with pytest.raises(Exception, match="业务主管部门"):
        services.target_set_draft(
            user=world.user("finance"),
            policy=made["policy"],
            year=2026,
            budget_fen=1,
            targets={"persons": {"target": "1"}},
        )
    drafted = services.target_set_draft(
        user=world.user("dept_reviewer"),
        policy=made["policy"],
        year=2026,
        budget_fen=1,
        targets={"persons": {"target": "1"}},
    )
    with pytest.raises(ValidationError):  # not submitted yet
        services.target_set_approve(user=world.user("finance"), target_set=drafted)
    services.target_set_submit(user=world.user("dept_reviewer"), target_set=drafted)
    with pytest.raises(Exception, match="财政局"):
        services.target_set_approve(user=world.user("dept_reviewer"), target_set=drafted)
    returned = services.target_set_return(user=world.user("finance"), target_set=drafted, comment="目标偏低")
    assert returned.state == SetState.RETURNED
    assert not Budget.objects.filter(policy=made["policy"]).exists()


def test_adjustment_mid_year_is_a_new_version_and_the_old_stays_readable(world: World) -> None:
    made = build(world)
    first = approve_targets(world, made["policy"])
    with pytest.raises(ValidationError, match="调整原因"):
        services.target_set_draft(
            user=world.user("dept_reviewer"),
            policy=made["policy"],
            year=2026,
            budget_fen=50000,
            targets={"persons": {"target": "3"}},
        )
    second = approve_targets(
        world, made["policy"], budget_fen=50000, targets={"persons": {"target": "3"}}, reason="年中调减"
    )
    assert second.version == 2
    first.refresh_from_db()
    assert first.state == SetState.SUPERSEDED and first.budget_fen == 100000
    assert first.targets.count() == 5 and second.targets.count() == 1
    assert TargetSet.objects.get(policy=made["policy"], year=2026, state=SetState.APPROVED) == second
    assert Budget.objects.get(policy=made["policy"], year=2026, source="county").amount_fen == 50000
    m = selectors.monitoring(user=world.user("finance"), policy=made["policy"], year=2026, on=ON)
    assert m.execution == Decimal("50.00") and m.target_set == second


def test_indicator_rules() -> None:
    assert indicators.met("pay_days", Decimal(5), Decimal(5)) is True
    assert indicators.met("pay_days", Decimal("5.01"), Decimal(5)) is False
    assert indicators.met("persons", None, Decimal(5)) is None
    assert indicators.score("persons", Decimal(0), Decimal(0), Decimal(10)) == Decimal("10.00")
    assert indicators.split_budget(100, (Decimal(0), Decimal(0), Decimal(100))) == (0, 0, 100)
    assert indicators.payment_months("quarterly", []) == [3, 6, 9, 12]
    assert indicators.expected_share(2026, [6], dt.date(2026, 6, 30)) == Decimal(0)
    assert indicators.expected_share(2026, [6], dt.date(2026, 7, 1)) == Decimal(100)
    assert indicators.execution_lags(Decimal(70), Decimal(81), Decimal(10)) is True
    assert indicators.execution_lags(Decimal(71), Decimal(81), Decimal(10)) is False


def test_the_survey_figure_goes_on_the_version_in_force_only(world: World) -> None:
    made = build(world)
    drafted = services.target_set_draft(
        user=world.user("dept_reviewer"),
        policy=made["policy"],
        year=2026,
        budget_fen=1,
        targets={"satisfaction": {"target": "90"}},
    )
    with pytest.raises(ValidationError, match="已下达"):
        services.satisfaction_record(user=world.user("dept_reviewer"), target_set=drafted, value="95")
    services.target_set_submit(user=world.user("dept_reviewer"), target_set=drafted)
    approved = services.target_set_approve(user=world.user("finance"), target_set=drafted)
    with pytest.raises(ValidationError, match="0 到 100"):
        services.satisfaction_record(user=world.user("dept_reviewer"), target_set=approved, value="101")
    services.satisfaction_record(user=world.user("dept_reviewer"), target_set=approved, value="95")
    event = AuditEvent.objects.filter(action="performance.survey").get()
    assert event.after == {"satisfaction": "95%"}
