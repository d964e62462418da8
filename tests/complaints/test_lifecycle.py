"""A complaint from filing to closure: routing, working-day deadlines across 国庆 2026, the handler's steps,
reassignment, overdue flagging, a finding opened on a true complaint, and the personal lookup's list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from tests.complaints.support import at, file_complaint
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import Finding, FindingState
from yikatong.checks.services import finding_settle
from yikatong.complaints import selectors, services
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Complaint, ComplaintEvent
from yikatong.core.crypto import key_ring
from yikatong.core.models import Department
from yikatong.core.restrict import AccessDenied
from yikatong.core.workdays import add_working_days


@pytest.fixture
def policy(world: World) -> None:
    publish_elderly_allowance(world)


def test_deadline_counts_working_days_across_national_day(world: World, policy: None) -> None:
    # Filed on Monday 2026-09-28: 国庆 (10-01 to 10-07) does not count, 10-10 (Saturday, 调休) does.
    filed = file_complaint(now=at(dt.date(2026, 9, 28)))
    assert filed.complaint.due_on == dt.date(2026, 10, 23)
    assert filed.complaint.due_on == add_working_days(dt.date(2026, 9, 28), 15)
    # Without the holiday calendar the fifteenth working day would be 10-19.
    assert filed.complaint.due_on > dt.date(2026, 10, 19)


def test_deadline_is_a_setting(world: World, policy: None, settings: object) -> None:
    settings.YIKATONG_COMPLAINT_DAYS = 1  # type: ignore[attr-defined]
    filed = file_complaint(now=at(dt.date(2026, 9, 30)))
    assert filed.complaint.due_on == dt.date(2026, 10, 8)


def test_filing_routes_by_policy_and_else_by_region_to_the_township(world: World, policy: None) -> None:
    by_policy = file_complaint()
    assert by_policy.complaint.department == world.user("dept_reviewer").department
    assert by_policy.complaint.state == rules.ASSIGNED
    assert by_policy.number.startswith("TS-")
    by_region = file_complaint(policy_code="", kind=rules.REPORT)
    assert by_region.complaint.department.code == "gov-232722100"
    assert by_region.number.startswith("JB-")
    kinds = list(ComplaintEvent.objects.filter(complaint=by_region.complaint).values_list("kind", flat=True))
    assert kinds == [rules.FILED, rules.ROUTED]
    assert AuditEvent.objects.filter(action="complaint.file", object_id=str(by_region.complaint.pk)).exists()
    with pytest.raises(ValidationError):
        file_complaint(policy_code="", region_code="")


def test_secret_is_stored_hashed_and_details_encrypted(world: World, policy: None) -> None:
    filed = file_complaint(contact_id_number="232722195603011234")
    complaint = Complaint.objects.get(pk=filed.complaint.pk)
    assert filed.secret not in complaint.secret_hash
    assert services.complaint_for_secret(number=filed.number, secret=filed.secret) == complaint
    assert services.complaint_for_secret(number=filed.number.lower(), secret=f" {filed.secret.lower()} ")
    assert services.complaint_for_secret(number=filed.number, secret="WRONG23456") is None
    assert services.complaint_for_secret(number="TS-2026-999999", secret=filed.secret) is None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_phone, contact_id_number FROM complaints_complaint WHERE id = %s", [complaint.pk]
        )
        phone, number = cursor.fetchone()
    assert "13904570001" not in phone and "232722195603011234" not in number


def test_reply_ask_info_answer_and_close(world: World, policy: None) -> None:
    filed = file_complaint()
    handler = world.user("dept_reviewer")
    complaint = services.complaint_reply(user=handler, complaint=filed.complaint, text="已收到，正在核实")
    assert complaint.state == rules.ANSWERING
    complaint = services.complaint_ask_info(user=handler, complaint=complaint, text="请提供去世人员姓名")
    assert complaint.state == rules.INFO_REQUESTED
    with pytest.raises(AccessDenied):
        services.complaint_add_info(complaint=complaint, secret="WRONG23456", text="王某")
    complaint = services.complaint_add_info(complaint=complaint, secret=filed.secret, text="王某，三月去世")
    assert complaint.state == rules.ANSWERING
    with pytest.raises(ValidationError):
        services.complaint_add_info(complaint=complaint, secret=filed.secret, text="再补充")
    services.complaint_note(user=handler, complaint=complaint, text="内部：已调取死亡登记")
    complaint = services.complaint_close(
        user=handler, complaint=complaint, result=rules.NOT_TRUE, action_taken="经核实，王某未领取津贴"
    )
    assert complaint.state == rules.CLOSED and complaint.result == rules.NOT_TRUE
    status = selectors.public_status(complaint)
    texts = [step.text for step in status.steps]
    assert "已收到，正在核实" in texts and "王某，三月去世" in texts
    assert not any("内部" in text for text in texts), "internal notes are not the complainant's"
    assert status.result == "不属实"
    with pytest.raises(ValidationError):
        services.complaint_reply(user=handler, complaint=complaint, text="又一条")
    actions = set(AuditEvent.objects.filter(object_id=str(complaint.pk)).values_list("action", flat=True))
    assert {
        "complaint.reply",
        "complaint.ask_info",
        "complaint.info_added",
        "complaint.note",
        "complaint.close",
    } <= actions


def test_reassignment_moves_the_complaint_with_its_reason(world: World, policy: None) -> None:
    filed = file_complaint()
    department = world.user("dept_reviewer")
    township = world.user("township_reviewer", "a")
    with pytest.raises(AccessDenied):
        services.complaint_reply(user=township, complaint=filed.complaint, text="不是我们办")
    with pytest.raises(ValidationError):
        services.complaint_reassign(
            user=department,
            complaint=filed.complaint,
            department=Department.objects.get(code="gov-232722100"),
            reason=" ",
        )
    with pytest.raises(ValidationError):
        # The place is in 塔河镇, not in 依西肯乡.
        services.complaint_reassign(
            user=department,
            complaint=filed.complaint,
            department=Department.objects.get(code="gov-232722201"),
            reason="属乡镇职责",
        )
    complaint = services.complaint_reassign(
        user=department,
        complaint=filed.complaint,
        department=Department.objects.get(code="gov-232722100"),
        reason="属村务公开问题，由乡镇办理",
    )
    assert complaint.department.code == "gov-232722100"
    assert complaint.due_on == filed.complaint.due_on, "reassignment keeps the complainant's deadline"
    event = ComplaintEvent.objects.get(complaint=complaint, kind=rules.REASSIGN)
    assert event.from_department == department.department and event.text == "属村务公开问题，由乡镇办理"
    with pytest.raises(AccessDenied):
        services.complaint_reply(user=department, complaint=complaint, text="仍由我们答复")
    services.complaint_reply(user=township, complaint=complaint, text="乡镇已受理")
    assert selectors.handled_by(township).filter(pk=complaint.pk).exists()
    assert not selectors.handled_by(department).filter(pk=complaint.pk).exists()


def test_overdue_complaints_are_flagged(world: World, policy: None) -> None:
    late = file_complaint(now=at(dt.date(2026, 9, 1)))
    file_complaint()
    handler = world.user("dept_reviewer")
    todo = selectors.todo_for(handler, today=dt.date(2026, 12, 2))
    assert todo.open == 2 and todo.overdue == 1
    stats = selectors.statistics(user=world.user("auditor"), today=dt.date(2026, 12, 2))
    assert stats.overdue == 1 and [c.pk for c in stats.overdue_rows] == [late.complaint.pk]
    assert {row.label: row.total for row in stats.by_policy} == {"高龄津贴": 2}
    assert {row.label: row.total for row in stats.by_township} == {"塔河镇": 2}
    assert {row.key: row.total for row in stats.by_kind} == {rules.COMPLAINT: 2}
    assert {row.key: row.total for row in stats.by_result} == {"": 2}
    services.complaint_close(
        user=handler, complaint=late.complaint, result=rules.PARTLY_TRUE, action_taken="已整改"
    )
    assert selectors.todo_for(handler, today=dt.date(2026, 12, 2)).overdue == 0
    close = AuditEvent.objects.get(action="complaint.close")
    assert close.after["late"] is True


def test_true_complaint_about_a_line_opens_a_finding(world: World, policy: None) -> None:
    roster = township_reviewed(world, elders(1))
    line = roster.lines.get()
    filed = file_complaint()
    handler = world.user("dept_reviewer")
    with pytest.raises(ValidationError):
        services.complaint_close(
            user=handler, complaint=filed.complaint, result=rules.TRUE, action_taken="属实", open_finding=True
        )
    complaint = services.complaint_link(user=handler, complaint=filed.complaint, roster_line_id=line.pk)
    complaint = services.complaint_close(
        user=handler, complaint=complaint, result=rules.TRUE, action_taken="经查属实，停发", open_finding=True
    )
    finding = Finding.objects.get(pk=complaint.finding_id)
    assert finding.rule == services.COMPLAINT_RULE and finding.line_id == line.pk
    assert finding.state == FindingState.OPEN and complaint.number in finding.detail
    # The department settles it like any finding: the line goes back to its village.
    finding_settle(user=handler, finding=finding, outcome=FindingState.CONFIRMED, reason="投诉属实")
    line.refresh_from_db()
    assert line.state == "returned" and "投诉举报查实" in line.reason


def test_the_lookup_lists_the_open_complaints_a_person_filed(world: World, policy: None) -> None:
    number = "232722195603011234"
    filed = file_complaint(contact_id_number=number)
    file_complaint(contact_id_number="", anonymous=True, contact_name="", contact_phone="")
    bidx = key_ring().blind_index(number, context="person.id_number")
    assert [c.number for c in selectors.complaints_filed_by(bidx)] == [filed.number]
    from yikatong.disclosure import lookup

    subject = lookup.LookupSubject(person_id=0, id_number=number, id_bidx=bidx)
    assert [c.number for c in lookup.complaints_of(subject)] == [filed.number]
    services.complaint_close(
        user=world.user("dept_reviewer"),
        complaint=filed.complaint,
        result=rules.NOT_TRUE,
        action_taken="不属实",
    )
    assert selectors.complaints_filed_by(bidx) == []


def test_states_refuse_steps_out_of_order() -> None:
    assert rules.next_state(rules.ASSIGNED, rules.REPLY) == rules.ANSWERING
    with pytest.raises(rules.StepRefused):
        rules.next_state(rules.CLOSED, rules.REPLY)
    with pytest.raises(rules.StepRefused):
        rules.next_state(rules.ANSWERING, rules.INFO_ADDED)
    assert rules.tracking_number(rules.COMPLAINT, 2026, 123) == "TS-2026-000123"
    assert rules.normalise_number(" ts－2026－000123 ") == "TS-2026-000123"


def test_the_days_waiting_for_information_move_the_deadline(world: World, policy: None) -> None:
    filed = file_complaint(now=at(dt.date(2026, 11, 2)))
    handler = world.user("dept_reviewer")
    due = filed.complaint.due_on
    complaint = services.complaint_ask_info(user=handler, complaint=filed.complaint, text="请提供照片")
    # Asked on Monday 2026-11-23; answered today (2026-12-02, Wednesday): 7 working days later.
    ComplaintEvent.objects.filter(complaint=complaint, kind=rules.ASK_INFO).update(
        at=at(dt.date(2026, 11, 23))
    )
    with time_machine.travel(at(dt.date(2026, 12, 2)), tick=False):
        complaint = services.complaint_add_info(complaint=complaint, secret=filed.secret, text="照片已补")
    assert complaint.due_on == add_working_days(due, 7)
