"""The roster's path on a real database: every move, every refusal, objections, deadlines, duplicates."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.support.registry import record_death
from tests.support.rosters import elders, publish_elderly_allowance
from tests.support.world import VILLAGE_A, VILLAGE_B, World
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import Finding
from yikatong.checks.services import finding_settle
from yikatong.core.restrict import AccessDenied
from yikatong.registry.models import Person
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster, RosterLine
from yikatong.rosters.selectors import todo

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(world: World) -> Roster:
    publish_elderly_allowance(world)
    roster = services.roster_create(
        user=world.user("village_clerk", "village_a"),
        policy_code="GLJT",
        period="2026-10",
        village_code=VILLAGE_A,
    )
    for person in elders(3):
        services.roster_line_add(
            user=world.user("village_clerk", "village_a"), roster=roster, person=person, quantity=Decimal(1)
        )
    return roster


def _publicized(world: World, roster: Roster) -> Roster:
    clerk = world.user("village_clerk", "village_a")
    services.roster_submit(user=clerk, roster=roster)
    Roster.objects.filter(pk=roster.pk).update(publicity_end=timezone.now() - dt.timedelta(seconds=1))
    return services.publicity_close(user=clerk, roster=Roster.objects.get(pk=roster.pk))


def test_amounts_come_from_the_policy_and_a_differing_typed_amount_is_kept_and_flagged(
    world: World, roster: Roster
) -> None:
    line = roster.lines.first()
    assert (
        line is not None and line.standard_fen == 5000 and line.amount_fen == 5000 and not line.amount_differs
    )
    young = Person.objects.create(
        id_number="",
        id_bidx="young",
        name="青年",
        gender="M",
        birth_date=dt.date(1990, 1, 1),
        village_id=VILLAGE_A,
    )
    typed = services.roster_line_add(
        user=world.user("village_clerk", "village_a"),
        roster=roster,
        person=young,
        quantity=Decimal(1),
        amount_fen=9900,
    )
    assert typed.amount_fen == 9900 and typed.standard_fen is None and "80" in typed.ineligible_reason


def test_the_whole_path_and_its_history(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    township = world.user("township_reviewer", "a")
    services.township_finish(user=township, roster=Roster.objects.get(pk=roster.pk), accept_pending=True)
    services.roster_approve(user=world.user("dept_reviewer"), roster=Roster.objects.get(pk=roster.pk))
    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED
    assert list(roster.events.values_list("to_state", flat=True)) == [
        "draft", "submitted", "publicizing", "publicized", "township_reviewed", "approved",
    ]  # fmt: skip
    assert set(roster.lines.values_list("state", flat=True)) == {LineState.APPROVED}
    assert AuditEvent.objects.filter(action="roster.approved", object_id=str(roster.pk)).exists()


def test_states_cannot_be_skipped_and_each_move_has_its_role(world: World, roster: Roster) -> None:
    with pytest.raises(ValidationError, match="不能直接"):
        services.roster_approve(user=world.user("dept_reviewer"), roster=roster)
    with pytest.raises(ValidationError):
        services.township_finish(
            user=world.user("township_reviewer", "a"), roster=roster, accept_pending=True
        )
    with pytest.raises(AccessDenied):
        services.roster_submit(user=world.user("village_clerk", "village_b"), roster=roster)


def test_publicity_cannot_end_early_or_with_open_objections(world: World, roster: Roster) -> None:
    clerk = world.user("village_clerk", "village_a")
    services.roster_submit(user=clerk, roster=roster)
    roster.refresh_from_db()
    assert roster.publicity_end - roster.publicity_start == dt.timedelta(days=7)
    with pytest.raises(ValidationError, match="公示期未满"):
        services.publicity_close(user=clerk, roster=roster)
    line = roster.lines.first()
    objection = services.objection_lodge(roster=roster, line=line, text="此人已迁出本村", channel="public")
    late = roster.publicity_end + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="未处理的公示异议"):
        services.publicity_close(user=clerk, roster=roster, now=late)
    with pytest.raises(ValidationError):
        services.objection_settle(user=clerk, objection=objection, upheld=False, settlement="")
    services.objection_settle(user=clerk, objection=objection, upheld=True, settlement="核实属实，已删除")
    assert RosterLine.objects.get(pk=line.pk).state == LineState.REMOVED
    services.publicity_close(user=clerk, roster=roster, now=late)
    roster.refresh_from_db()
    assert roster.state == workflow.PUBLICIZED


def test_an_upheld_objection_against_the_whole_roster_sends_it_back_for_a_new_notice(
    world: World, roster: Roster
) -> None:
    clerk = world.user("village_clerk", "village_a")
    services.roster_submit(user=clerk, roster=roster)
    whole = services.objection_lodge(roster=roster, text="名册漏报了本村多位老人", channel="public")
    other = services.objection_lodge(
        roster=roster, line=roster.lines.first(), text="此人已迁出", channel="public"
    )
    services.objection_settle(user=clerk, objection=whole, upheld=True, settlement="核实属实，补报后重新公示")
    roster.refresh_from_db()
    assert roster.state == workflow.RETURNED and roster.lines.exclude(state=LineState.REMOVED).count() == 3
    assert roster.events.last().comment == "对整个名册的公示异议成立：核实属实，补报后重新公示"
    # Corrected and submitted again, it is noticed for a new seven days; the other objection is still heard.
    services.roster_submit(user=clerk, roster=roster)
    roster.refresh_from_db()
    assert roster.state == workflow.PUBLICIZING and roster.publicity_end > timezone.now() + dt.timedelta(
        days=6
    )
    with pytest.raises(ValidationError, match="未处理的公示异议"):
        services.publicity_close(
            user=clerk, roster=roster, now=roster.publicity_end + dt.timedelta(minutes=1)
        )
    services.objection_settle(user=clerk, objection=other, upheld=False, settlement="经核实仍在本村居住")


def test_lines_are_reviewed_once_and_rejections_need_a_reason(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    township = world.user("township_reviewer", "a")
    first, second, _ = list(roster.lines.all())
    services.line_review(user=township, line=first, accept=True)
    with pytest.raises(ValidationError, match="不能重复审核"):
        services.line_review(user=township, line=first, accept=True)
    with pytest.raises(ValidationError):
        services.line_review(user=township, line=second, accept=False)
    services.line_review(user=township, line=second, accept=False, reason="年龄证明不符")
    with pytest.raises(ValidationError, match="未审核"):
        services.township_finish(user=township, roster=roster)
    with pytest.raises(AccessDenied):
        services.line_review(user=world.user("township_reviewer", "b"), line=first, accept=True)


def test_a_return_sends_the_roster_back_to_the_village_to_correct(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    services.roster_return(user=world.user("township_reviewer", "a"), roster=roster, comment="请补充年龄证明")
    roster.refresh_from_db()
    assert roster.state == workflow.RETURNED
    clerk = world.user("village_clerk", "village_a")
    assert [item.roster.pk for item in todo(user=clerk)] == [roster.pk]
    services.roster_line_remove(user=clerk, line=roster.lines.first())
    services.roster_submit(user=clerk, roster=roster)
    assert Roster.objects.get(pk=roster.pk).state == workflow.PUBLICIZING


def test_a_person_is_approved_once_per_policy_and_period(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    services.township_finish(user=world.user("township_reviewer", "a"), roster=roster, accept_pending=True)
    services.roster_approve(user=world.user("dept_reviewer"), roster=roster)
    # The same person declared again by another village's roster (moved, or declared twice):
    person = roster.lines.first().person
    other = Roster.objects.create(
        policy=roster.policy, policy_version=roster.policy_version, period="2026-10",
        village_id="232722100202", created_by=world.user("village_clerk", "village_a"),
    )  # fmt: skip
    RosterLine.objects.create(
        roster=other, line_no=1, person=person, policy=roster.policy, period="2026-10", quantity=1,
        amount_fen=5000, state=LineState.ACCEPTED,
    )  # fmt: skip
    Roster.objects.filter(pk=other.pk).update(state=workflow.TOWNSHIP_REVIEWED)
    department = world.user("dept_reviewer")
    # The pre-payment check catches it first (重复发放, blocking) …
    with pytest.raises(ValidationError, match="重复发放 1条"):
        services.roster_approve(user=department, roster=Roster.objects.get(pk=other.pk))
    # … and even a department that waves the finding through meets the database constraint.
    finding = Finding.objects.get(rule="DUPLICATE", roster=other)
    finding_settle(user=department, finding=finding, outcome="explained", reason="误判")
    with pytest.raises(ValidationError, match="重复申报"):
        services.roster_approve(user=department, roster=Roster.objects.get(pk=other.pk))


def test_late_steps_are_recorded(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    Roster.objects.filter(pk=roster.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    services.township_finish(
        user=world.user("township_reviewer", "a"),
        roster=Roster.objects.get(pk=roster.pk),
        accept_pending=True,
    )
    event = roster.events.get(to_state=workflow.TOWNSHIP_REVIEWED)
    assert event.late and event.deadline is not None
    items = todo(user=world.user("dept_reviewer"))
    assert [i.roster.pk for i in items] == [roster.pk]


def test_prefill_rolls_over_last_periods_approved_lines(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    services.township_finish(user=world.user("township_reviewer", "a"), roster=roster, accept_pending=True)
    services.roster_approve(user=world.user("dept_reviewer"), roster=roster)
    clerk = world.user("village_clerk", "village_a")
    october = {line.person_id: line for line in roster.lines.all()}
    dead, moved, stays = sorted(october.values(), key=lambda line: line.line_no)
    # 民政 registered the first elder's death in October; the second moved to another village.
    record_death(dead.person, dt.date(2026, 10, 20))
    Person.objects.filter(pk=moved.person_id).update(village_id=VILLAGE_B)
    november = services.roster_create(
        user=clerk, policy_code="GLJT", period="2026-11", village_code=VILLAGE_A
    )
    assert services.roster_prefill(user=clerk, roster=november) == 1
    line = november.lines.get()
    # The one who stays is rolled over with October's quantity, the standard amount and line number 1.
    assert (line.person_id, line.line_no, line.quantity) == (stays.person_id, 1, stays.quantity)
    assert line.amount_fen == line.standard_fen == stays.standard_fen and line.state == "pending"
    # A death after the new period starts does not stop the roll-over.
    december = services.roster_create(
        user=clerk, policy_code="GLJT", period="2026-12", village_code=VILLAGE_A
    )
    Person.objects.filter(pk=moved.person_id).update(village_id=VILLAGE_A)
    record_death(stays.person, dt.date(2026, 12, 15))
    approved_november = Roster.objects.filter(pk=november.pk)
    approved_november.update(state="approved")
    november.lines.update(state="approved")
    assert services.roster_prefill(user=clerk, roster=december) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_cannot_both_win(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL test")
    publish_elderly_allowance(world)
    clerk = world.user("village_clerk", "village_a")
    roster = services.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    for person in elders(2):
        services.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    _publicized(world, roster)
    township = world.user("township_reviewer", "a")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def act(kind: str) -> None:
        from django.db import connections

        try:
            barrier.wait()
            fresh = Roster.objects.get(pk=roster.pk)
            if kind == "finish":
                services.township_finish(user=township, roster=fresh, accept_pending=True)
            else:
                services.roster_return(user=township, roster=fresh, comment="退回")
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(k,)) for k in ("finish", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["refused", "won"]
    assert Roster.objects.get(pk=roster.pk).events.filter(from_state=workflow.PUBLICIZED).count() == 1


def test_the_period_must_fit_the_policys_payment_frequency(world: World) -> None:
    from yikatong.policies import services as policies

    version = policies.policy_draft_create(
        user=world.user("dept_reviewer"),
        code="GDDL",
        department=None,
        data={
            "effective_from": dt.date(2025, 1, 1),
            "name": "耕地地力保护补贴",
            "basis_title": "耕地地力保护补贴实施方案",
            "target": "承包耕地的农户",
            "unit": "mu",
            "frequency": "yearly",
        },
        bands=[{"rate": Decimal("71.45")}],
    )
    policies.policy_version_publish(user=world.user("finance"), version=version)
    publish_elderly_allowance(world)
    clerk = world.user("village_clerk", "village_a")
    with pytest.raises(ValidationError, match="该项目按年发放，发放期间应为年度（如 2026）"):
        services.roster_create(user=clerk, policy_code="GDDL", period="2026-11", village_code=VILLAGE_A)
    assert services.roster_create(user=clerk, policy_code="GDDL", period="2026", village_code=VILLAGE_A)
    with pytest.raises(ValidationError, match="按月发放，发放期间应为月份"):
        services.roster_create(user=clerk, policy_code="GLJT", period="2026Q4", village_code=VILLAGE_A)
