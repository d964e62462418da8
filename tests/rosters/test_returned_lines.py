"""Lines sent back by a confirmed finding (核查退回): on the clerk's 待办 with the reason, corrected or
withdrawn, and sent forward again through the same pre-payment checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.support.registry import make_card
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import Finding, FindingState
from yikatong.checks.services import finding_settle
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster, RosterLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_with_return(world: World) -> tuple[Roster, RosterLine]:
    """An approved 高龄津贴 roster whose third line (no card) a confirmed NO_CARD finding sent back."""
    publish_elderly_allowance(world)
    roster = township_reviewed(world, elders(2) + elders(1, cards=False))
    department = world.user("dept_reviewer")
    with pytest.raises(ValidationError):
        services.roster_approve(user=department, roster=roster)
    finding = Finding.objects.get(rule="NO_CARD")
    finding_settle(user=department, finding=finding, outcome="confirmed", reason="本人无卡，请村里协助办卡")
    services.roster_approve(user=department, roster=roster)
    roster.refresh_from_db()
    return roster, roster.lines.get(line_no=3)


def test_the_clerk_sees_the_returned_line_corrects_it_and_the_department_approves_it_after_the_checks(
    world: World, approved_with_return: tuple[Roster, RosterLine]
) -> None:
    roster, line = approved_with_return
    assert roster.state == workflow.APPROVED and line.state == LineState.RETURNED
    clerk = world.client("village_clerk", "village_a")
    todo = clerk.get("/rosters/todo/").content.decode()
    assert "核查退回的行" in todo and "请村里协助办卡" in todo and f"todo-line-{line.pk}" in todo
    page = clerk.get(f"/rosters/{roster.pk}/").content.decode()
    assert f'data-testid="correct-{line.line_no}"' in page
    # Correcting needs a note; then the line waits on the department's approval.
    clerk.post(f"/rosters/{roster.pk}/correct/", {"line": line.pk, "quantity": "1", "note": ""})
    line.refresh_from_db()
    assert line.state == LineState.RETURNED
    clerk.post(f"/rosters/{roster.pk}/correct/", {"line": line.pk, "quantity": "1", "note": "已协助办卡"})
    line.refresh_from_db()
    assert line.state == LineState.ACCEPTED and line.standard_fen == 5000 and "已协助办卡" in line.reason
    assert AuditEvent.objects.get(action="roster.line_correct").before["state"] == LineState.RETURNED
    assert "核查退回的行" not in clerk.get("/rosters/todo/").content.decode()

    department = world.client("dept_reviewer")
    assert "更正后重新报送的行" in department.get("/rosters/todo/").content.decode()
    # Still no card: the same check (NO_CARD) finds it again and the approval is refused.
    refused = department.post(f"/rosters/{roster.pk}/approve_corrections/", follow=True).content.decode()
    assert "无社保卡账户" in refused
    line.refresh_from_db()
    assert line.state == LineState.ACCEPTED
    assert Finding.objects.filter(rule="NO_CARD", state=FindingState.OPEN, line=line).exists()
    make_card(line.person, account="6228480000000007777")
    department.post(f"/rosters/{roster.pk}/approve_corrections/")
    line.refresh_from_db()
    assert line.state == LineState.APPROVED
    assert roster.events.last().comment == "更正后重新报送的 1 行审批通过"
    assert AuditEvent.objects.filter(action="roster.corrections_approve").exists()


def test_the_clerk_may_withdraw_a_returned_line_with_a_reason(
    world: World, approved_with_return: tuple[Roster, RosterLine]
) -> None:
    roster, line = approved_with_return
    clerk = world.client("village_clerk", "village_a")
    clerk.post(f"/rosters/{roster.pk}/withdraw/", {"line": line.pk, "reason": ""})
    line.refresh_from_db()
    assert line.state == LineState.RETURNED
    clerk.post(f"/rosters/{roster.pk}/withdraw/", {"line": line.pk, "reason": "本人已迁往外县"})
    line.refresh_from_db()
    assert line.state == LineState.WITHDRAWN and "本人已迁往外县" in line.reason
    with pytest.raises(ValidationError, match="不是核查退回的行"):
        services.returned_line_withdraw(user=world.user("village_clerk", "village_a"), line=line, reason="x")


def test_only_the_lines_village_corrects_and_only_returned_lines(
    world: World, approved_with_return: tuple[Roster, RosterLine]
) -> None:
    roster, line = approved_with_return
    other = world.client("village_clerk", "village_b")
    assert other.post(f"/rosters/{roster.pk}/correct/", {"line": line.pk, "note": "x"}).status_code == 404
    township = world.client("township_reviewer", "a")
    assert township.post(f"/rosters/{roster.pk}/correct/", {"line": line.pk, "note": "x"}).status_code == 403
    approved = roster.lines.get(line_no=1)
    with pytest.raises(ValidationError, match="不是核查退回的行"):
        services.returned_line_correct(
            user=world.user("village_clerk", "village_a"), line=approved, quantity=Decimal(1), note="x"
        )
