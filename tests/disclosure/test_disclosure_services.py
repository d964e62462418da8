"""Disclosure services on a real database: the queue, approval, the 20-working-day clock across 国庆,
corrections as new revisions, and nothing published ever edited or deleted in place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.disclosure.disclosure_world import PERIOD, group, paid, policy_id
from tests.support.world import VILLAGE_A, World
from yikatong.audit.models import AuditEvent
from yikatong.core.restrict import AccessDenied
from yikatong.disclosure import selectors, services
from yikatong.disclosure.domain import clock
from yikatong.disclosure.models import DisclosedLine, Disclosure, DisclosureState
from yikatong.payments.models import Payment

pytestmark = pytest.mark.django_db
SEPT_30 = dt.date(2026, 9, 30)
DUE = dt.date(2026, 11, 3)
AFTER_DUE = dt.date(2026, 11, 4)


def test_clock_runs_twenty_working_days_across_national_day() -> None:
    # 国庆 2026: 10-01 to 10-07 off (10-10 a working Saturday), so 20 working days from 09-30 end on 11-03.
    from yikatong.core import workdays

    assert clock.due_on(SEPT_30, workdays.add_working_days) == DUE
    assert clock.days_left(dt.date(2026, 11, 2), DUE, workdays.working_days_between) == 1
    assert clock.days_left(AFTER_DUE, DUE, workdays.working_days_between) == -1
    assert clock.mask_id_public("232722194801011234") == "2327**********1234"


def test_queue_groups_paid_payments_with_their_clock(world: World) -> None:
    paid(world, 3)
    due = selectors.due_list("232722", today=dt.date(2026, 10, 9))
    assert len(due) == 1
    item = due[0]
    assert (item.policy_id, item.period, item.village_code) == (policy_id(), PERIOD, VILLAGE_A)
    assert item.kind == selectors.FIRST and item.revision == 1
    assert item.added == 2  # one of the three failed
    assert item.clock_started_on == SEPT_30 and item.due_on == DUE
    assert not item.late
    late = selectors.due_list("232722", today=AFTER_DUE)[0]
    assert late.late and late.days_left == -1
    # Another township's officer sees nothing of it.
    assert selectors.due_list("232722201") == []


def test_approve_publishes_masked_lines_and_audits(world: World) -> None:
    villagers = paid(world, 3)
    officer = world.user("disclosure_officer")
    preview = services.disclosure_preview(user=officer, today=dt.date(2026, 10, 9), **group())
    assert preview is not None and preview.line_count == 2
    disclosure = services.disclosure_approve(user=officer, today=dt.date(2026, 10, 9), **group())
    assert disclosure.revision == 1 and disclosure.state == DisclosureState.PUBLISHED
    assert disclosure.line_count == 2 and not disclosure.late
    assert disclosure.total_fen == sum(p.amount_fen for p in Payment.objects.filter(status="paid"))
    lines = list(DisclosedLine.objects.filter(disclosure=disclosure).order_by("id"))
    assert [(x.name_masked, x.id_masked) for x in lines] == [
        (p.name_masked, p.id_masked) for p in preview.lines
    ]
    clear = {v.id_number for v in villagers} | {v.name for v in villagers}
    for line in lines:
        assert line.name_masked not in clear and line.id_masked not in clear
        assert "*" in line.id_masked and line.id_masked[:4] == "2327" and len(line.id_masked) == 18
        assert line.disclosed_on == dt.date(2026, 10, 9) and line.paid_on == SEPT_30
    assert AuditEvent.objects.filter(action="disclosure.publish", object_id=str(disclosure.pk)).exists()
    assert selectors.due_list("232722", today=dt.date(2026, 10, 9)) == []
    with pytest.raises(ValidationError):
        services.disclosure_approve(user=officer, **group())


def test_late_approval_is_marked_late(world: World) -> None:
    paid(world, 2)
    disclosure = services.disclosure_approve(
        user=world.user("disclosure_officer"), today=AFTER_DUE, **group()
    )
    assert disclosure.late and disclosure.due_on == DUE


def test_only_the_officer_of_the_region_approves(world: World) -> None:
    paid(world, 2)
    with pytest.raises(AccessDenied):
        services.disclosure_approve(user=world.user("finance"), **group())
    with pytest.raises(AccessDenied):
        services.disclosure_approve(user=world.user("disclosure_officer", "b"), **group())


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        DisclosedLine.objects.order_by("id").values_list(
            "id",
            "disclosure_id",
            "payment_id",
            "name_masked",
            "id_masked",
            "amount_fen",
            "paid_on",
            "disclosed_on",
            "withdrawn",
            "change_note",
        )
    )


def test_corrections_are_new_revisions_and_nothing_is_edited_in_place(world: World) -> None:
    paid(world, 3)
    officer = world.user("disclosure_officer")
    first = services.disclosure_approve(user=officer, today=dt.date(2026, 10, 9), **group())
    before = _snapshot()
    first_row = Disclosure.objects.filter(pk=first.pk).values().get()
    # The bank returns one settled payment (款项退回): a correction becomes due from that day.
    returned = Payment.objects.filter(status="paid").order_by("id").first()
    assert returned is not None
    Payment.objects.filter(pk=returned.pk).update(status="returned")
    due = selectors.due_list("232722", today=dt.date(2026, 10, 20))
    assert len(due) == 1 and due[0].kind == selectors.CORRECTION and due[0].revision == 2
    assert due[0].withdrawn == 1 and due[0].added == 0
    second = services.disclosure_approve(user=officer, today=dt.date(2026, 10, 20), **group())
    assert second.revision == 2 and second.line_count == 1 and second.withdrawn_count == 1
    assert second.change_note == "更正：撤回1笔，更正日期 2026-10-20"
    withdrawn = DisclosedLine.objects.get(disclosure=second, withdrawn=True)
    assert withdrawn.change_note == "更正：撤回（发放款项被银行退回），更正日期 2026-10-20"
    # A confirmed finding withdraws another line: a third revision.
    other = DisclosedLine.objects.get(disclosure=second, withdrawn=False)
    services.disclosure_withdraw(
        user=officer, payment=other.payment, reason="经核实已死亡，不符合条件", source="FD-1"
    )
    third = services.disclosure_approve(user=officer, today=dt.date(2026, 10, 21), **group())
    assert third.revision == 3 and third.line_count == 0 and third.withdrawn_count == 2
    notes = set(DisclosedLine.objects.filter(disclosure=third).values_list("change_note", flat=True))
    assert "更正：撤回（经核实已死亡，不符合条件），更正日期 2026-10-21" in notes
    # Every earlier line is exactly as it was; earlier revisions stay, superseded.
    after = _snapshot()
    assert after[: len(before)] == before
    assert len(after) == len(before) + 2 + 2
    states = dict(Disclosure.objects.values_list("revision", "state"))
    assert states == {1: "superseded", 2: "superseded", 3: "published"}
    kept = Disclosure.objects.filter(pk=first.pk).values().get()
    assert {k: v for k, v in kept.items() if k != "state"} == {
        k: v for k, v in first_row.items() if k != "state"
    }


def test_reissued_payment_republished_with_a_note(world: World) -> None:
    paid(world, 2)
    officer = world.user("disclosure_officer")
    services.disclosure_approve(user=officer, today=dt.date(2026, 10, 9), **group())
    old = Payment.objects.filter(status="paid").order_by("id").first()
    assert old is not None
    Payment.objects.filter(pk=old.pk).update(status="returned")
    Payment.objects.create(
        batch=old.batch,
        line=old.line,
        attempt=old.attempt + 1,
        end_to_end_id=old.end_to_end_id + "R",
        amount_fen=old.amount_fen,
        holder_name=old.holder_name,
        account_no=old.account_no,
        account_bidx=old.account_bidx,
        status="paid",
        settled_on=dt.date(2026, 10, 22),
    )
    due = selectors.due_list("232722", today=dt.date(2026, 10, 23))[0]
    assert due.clock_started_on == dt.date(2026, 10, 20) or due.clock_started_on <= dt.date(2026, 10, 22)
    second = services.disclosure_approve(user=officer, today=dt.date(2026, 10, 23), **group())
    notes = dict(DisclosedLine.objects.filter(disclosure=second).values_list("withdrawn", "change_note"))
    assert notes[False] == "更正：原发放被退回，已重新发放到卡，更正日期 2026-10-23"
    assert notes[True].startswith("更正：撤回（发放款项被银行退回）")
    assert second.line_count == 1
