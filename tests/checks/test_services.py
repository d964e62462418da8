"""Stored findings: merged across runs, settled by the right people, blocking the department's approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.support.registry import make_card
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import VILLAGE_A, World
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import CheckRun, Finding, FindingState, RunKind
from yikatong.checks.platform import LineSet
from yikatong.checks.selectors import blocking_codes, open_blocking
from yikatong.checks.services import (
    NO_LONGER_FOUND,
    check_roster,
    check_run,
    finding_settle,
    rule_setting_change,
)
from yikatong.core.restrict import AccessDenied
from yikatong.registry.models import Person
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(world: World) -> Roster:
    """A township-reviewed 高龄津贴 roster of three elders; the third has no card."""
    publish_elderly_allowance(world)
    return township_reviewed(world, elders(2) + elders(1, cards=False))


def _cardless(roster: Roster) -> Person:
    return roster.lines.get(line_no=3).person


def test_a_run_stores_findings_with_line_person_and_snapshot_facts(world: World, reviewed: Roster) -> None:
    run = check_roster(user=world.user("dept_reviewer"), roster=reviewed)
    assert run.state == "done" and run.line_count == 3 and run.finding_count == 1
    finding = Finding.objects.get()
    assert (finding.rule, finding.blocking, finding.state) == ("NO_CARD", True, FindingState.OPEN)
    assert finding.person == _cardless(reviewed) and finding.line.roster == reviewed
    assert finding.region_code == VILLAGE_A and finding.period == "2026-10" and finding.policy.code == "GLJT"
    assert "社保卡" in finding.detail
    assert {"rule": "NO_CARD", "title": "无社保卡账户", "count": 1} in run.summary
    assert AuditEvent.objects.filter(action="checks.run.inflight", object_id=str(run.pk)).exists()


def test_checking_again_keeps_the_settlement_and_closes_what_is_gone(world: World, reviewed: Roster) -> None:
    department = world.user("dept_reviewer")
    check_roster(user=department, roster=reviewed)
    finding = Finding.objects.get()
    finding_settle(user=department, finding=finding, outcome="explained", reason="卡在补办，已核实本人")
    second = check_roster(user=department, roster=reviewed)
    finding.refresh_from_db()
    # one finding per line and rule: refreshed by the new run, still explained
    assert Finding.objects.count() == 1
    assert finding.run == second and finding.first_run != second and finding.state == FindingState.EXPLAINED
    # an open finding the next run no longer finds is closed by the system (rules that could not run, for
    # want of data, close nothing)
    other = Finding.objects.create(
        kind=RunKind.INFLIGHT, run=second, first_run=second, subject=f"line:{reviewed.lines.first().pk}",
        rule="OUT_OF_REGION", severity="medium", blocking=False, line=reviewed.lines.first(), roster=reviewed,
        policy=reviewed.policy, period="2026-10", region_code=VILLAGE_A, detail="旧疑点",
    )  # fmt: skip
    make_card(_cardless(reviewed), account="6228480000000009999")
    check_roster(user=department, roster=reviewed)
    other.refresh_from_db()
    finding.refresh_from_db()
    assert other.state == FindingState.DISMISSED and other.settle_reason == NO_LONGER_FOUND
    assert other.settled_by is None
    assert finding.state == FindingState.EXPLAINED  # settled by a person: left as it was


def test_a_system_closed_finding_reopens_when_found_again(world: World, reviewed: Roster) -> None:
    department = world.user("dept_reviewer")
    check_roster(user=department, roster=reviewed)
    Finding.objects.update(state=FindingState.DISMISSED, settle_reason=NO_LONGER_FOUND)
    check_roster(user=department, roster=reviewed)
    assert Finding.objects.get().state == FindingState.OPEN


def test_blocking_findings_stop_approval_until_settled(world: World, reviewed: Roster) -> None:
    department = world.user("dept_reviewer")
    with pytest.raises(ValidationError, match="无社保卡账户 1条"):
        services.roster_approve(user=department, roster=reviewed)
    reviewed.refresh_from_db()
    assert reviewed.state == workflow.TOWNSHIP_REVIEWED
    assert open_blocking(reviewed).count() == 1  # the findings outlive the refused approval
    finding = Finding.objects.get()
    finding_settle(user=department, finding=finding, outcome="confirmed", reason="本人无卡，退回村里办卡")
    line = finding.line
    line.refresh_from_db()
    assert line.state == LineState.RETURNED and "退回村里办卡" in line.reason
    services.roster_approve(user=department, roster=reviewed)
    assert set(reviewed.lines.values_list("state", flat=True)) == {LineState.APPROVED, LineState.RETURNED}
    event = AuditEvent.objects.get(action="checks.finding_settle")
    assert event.after["line_returned"] is True and event.after["state"] == "confirmed"


@pytest.mark.parametrize(
    ("role", "place"),
    [
        ("auditor", "county"),
        ("village_clerk", "village_a"),
        ("township_reviewer", "a"),
        ("dept_reviewer", "b"),
    ],
)
def test_only_the_department_or_finance_in_scope_settle(
    world: World, reviewed: Roster, role: str, place: str
) -> None:
    check_roster(user=world.user("dept_reviewer"), roster=reviewed)
    finding = Finding.objects.get()
    with pytest.raises(AccessDenied):
        finding_settle(user=world.user(role, place), finding=finding, outcome="explained", reason="x")
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN
    finding_settle(user=world.user("finance"), finding=finding, outcome="dismissed", reason="数据有误")
    finding.refresh_from_db()
    assert finding.state == FindingState.DISMISSED and finding.settled_by == world.user("finance")


def test_settling_needs_a_reason_and_happens_once(world: World, reviewed: Roster) -> None:
    department = world.user("dept_reviewer")
    check_roster(user=department, roster=reviewed)
    finding = Finding.objects.get()
    with pytest.raises(ValidationError):
        finding_settle(user=department, finding=finding, outcome="explained", reason="  ")
    with pytest.raises(ValidationError):
        finding_settle(user=department, finding=finding, outcome="approved", reason="x")
    finding_settle(user=department, finding=finding, outcome="explained", reason="已核实")
    with pytest.raises(ValidationError, match="不能重复处理"):
        finding_settle(user=finance_or(world), finding=finding, outcome="dismissed", reason="x")


def finance_or(world: World) -> object:
    return world.user("finance")


def test_a_rule_made_non_blocking_lets_approval_through(world: World, reviewed: Roster) -> None:
    assert "NO_CARD" in blocking_codes()
    with pytest.raises(AccessDenied):
        rule_setting_change(user=world.user("auditor"), code="NO_CARD", blocking=False, reason="试")
    rule_setting_change(user=world.user("finance"), code="NO_CARD", blocking=False, reason="先行发放")
    assert "NO_CARD" not in blocking_codes()
    services.roster_approve(user=world.user("dept_reviewer"), roster=reviewed)
    finding = Finding.objects.get()
    assert finding.state == FindingState.OPEN and not finding.blocking
    assert AuditEvent.objects.filter(action="checks.rule_setting").exists()


def test_missed_and_posthoc_findings(world: World, reviewed: Roster) -> None:
    """A beneficiary of last period missing now is stored on last period's line; post-hoc runs stand alone."""
    department = world.user("dept_reviewer")
    rule_setting_change(user=world.user("finance"), code="NO_CARD", blocking=False, reason="先行发放")
    services.roster_approve(user=department, roster=reviewed)
    clerk = world.user("village_clerk", "village_a")
    november = services.roster_create(
        user=clerk, policy_code="GLJT", period="2026-11", village_code=VILLAGE_A
    )
    first = reviewed.lines.get(line_no=1)
    services.roster_line_add(user=clerk, roster=november, person=first.person, quantity=Decimal(1))
    november.lines.update(state=LineState.ACCEPTED)
    run = check_run(line_set=LineSet(periods=("2026-11",)), user=department, region_code=VILLAGE_A)
    missed = Finding.objects.filter(rule="MISSED", run=run)
    assert missed.count() == 2
    assert {f.line.roster_id for f in missed} == {reviewed.pk} and {f.period for f in missed} == {"2026-11"}
    posthoc = check_run(
        line_set=LineSet(periods=("2026-10",), states=(LineState.APPROVED,)),
        kind=RunKind.POSTHOC,
        user=world.user("auditor"),
        region_code=VILLAGE_A,
    )
    again = check_run(
        line_set=LineSet(periods=("2026-10",), states=(LineState.APPROVED,)),
        kind=RunKind.POSTHOC,
        user=world.user("auditor"),
        region_code=VILLAGE_A,
    )
    assert posthoc.finding_count == again.finding_count == 1  # NO_CARD, once per audit
    assert Finding.objects.filter(kind=RunKind.POSTHOC).count() == 2
    assert CheckRun.objects.filter(kind=RunKind.POSTHOC).count() == 2


def test_late_is_stored_on_the_roster_once(world: World, reviewed: Roster) -> None:
    """A department approval overdue by two days: one LATE finding on the roster, however often checked."""
    Roster.objects.filter(pk=reviewed.pk).update(deadline=timezone.now() - dt.timedelta(days=2))
    run = check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=VILLAGE_A)
    check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=VILLAGE_A)
    late = Finding.objects.get(rule="LATE")
    assert late.roster == reviewed and late.line is None and late.first_run == run
    assert "主管部门审批" in late.detail and "至今未完成" in late.detail
    due = timezone.localtime(Roster.objects.get(pk=reviewed.pk).deadline).date().isoformat()
    assert late.subject == f"roster:{reviewed.pk}:township_reviewed:{due}"


def test_settled_late_findings_of_the_old_key_survive_the_migration(world: World, reviewed: Roster) -> None:
    """A LATE finding keyed the old way (its wording parsed back) is carried over by migration 0002 and a
    re-check then finds the same finding, still settled, instead of opening a new one."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("yikatong.checks.migrations.0002_structured_subjects")
    Roster.objects.filter(pk=reviewed.pk).update(deadline=timezone.now() - dt.timedelta(days=2))
    finance = world.user("finance")
    check_run(line_set=LineSet(periods=("2026-10",)), user=finance, region_code=VILLAGE_A)
    late = Finding.objects.get(rule="LATE")
    due = late.subject.rsplit(":", 1)[1]
    old = f"roster:{reviewed.pk}:永丰村2026-10名册“主管部门审批”应于{due}"
    assert migration.structured_subject(old) == late.subject
    assert migration.structured_subject("line:12") is None
    Finding.objects.filter(pk=late.pk).update(
        subject=old, state=FindingState.EXPLAINED, settle_reason="乡镇材料补交，已说明", settled_by=finance
    )
    migration.forwards(apps, None)
    check_run(line_set=LineSet(periods=("2026-10",)), user=finance, region_code=VILLAGE_A)
    again = Finding.objects.get(rule="LATE")
    assert again.pk == late.pk and again.state == FindingState.EXPLAINED


def test_a_failing_audit_record_leaves_no_unaudited_findings(
    world: World, reviewed: Roster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Findings, the finished run and its audit event are one transaction."""
    import yikatong.checks.services.runs as check_services

    def broken(**_: object) -> None:
        raise RuntimeError("审计日志写入失败")

    monkeypatch.setattr(check_services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        check_roster(user=world.user("dept_reviewer"), roster=reviewed)
    assert not Finding.objects.exists()
    assert CheckRun.objects.get().state == "failed"
