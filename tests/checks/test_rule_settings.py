"""核查规则设置 and the runs judged by them: a rule's blocking switch is confirmed with a reason (one audit
event), each run keeps the settings in force when it started and is shown by them, and a post-hoc run's
label and sample follow its own scope (the range asked for; the lines it read)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.checks.test_posthoc import _posthoc_run
from tests.checks.test_views import client_as
from tests.support.registry import make_card, record_death
from tests.support.rosters import approved, elders, publish_elderly_allowance, township_reviewed
from tests.support.world import COUNTY, World
from tests.test_garbage import GARBAGE
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import RULE_REASON_MAX, CheckedLine, CheckRun, Finding, RuleSetting, RunKind
from yikatong.checks.platform import LineSet
from yikatong.checks.selectors import line_set_for, rule_settings_in_force
from yikatong.checks.services import check_run, rule_setting_change, sample_draw
from yikatong.registry.models import Person
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster, RosterEvent, RosterLine

pytestmark = pytest.mark.django_db

CHANGE = "/checks/rules/NO_CARD/change/"
REASON = "人社局集中补办社保卡，补办期间先行发放"


def _events() -> int:
    return AuditEvent.objects.filter(action="checks.rule_setting").count()


# --- the confirmation ------------------------------------------------------------------------------------


def test_the_switch_is_a_confirmation_page_that_names_the_rule_and_both_settings(world: World) -> None:
    finance = client_as(world.user("finance"))
    listing = finance.get("/checks/rules/").content.decode()
    assert f'href="{CHANGE}"' in listing and "<form" not in listing.split('data-testid="rules"')[1]

    page = finance.get(CHANGE, {"blocking": "0", "reason": "GET 不能调整"}).content.decode()
    assert 'data-testid="rule-change-form"' in page and "调整核查规则：无社保卡账户" in page
    assert 'data-testid="rule-current">阻断发放<' in page
    assert 'data-testid="rule-target"><strong>不阻断发放<' in page
    assert 'name="reason"' in page and f"不超过{RULE_REASON_MAX}字" in page and "确认改为不阻断" in page
    # Finance reads the rule by its name; the code is for auditors and administrators.
    assert "<code>NO_CARD</code>" not in page and "<code>NO_CARD</code>" not in listing
    admin = client_as(world.user("admin"))
    assert "<code>NO_CARD</code>" in admin.get(CHANGE).content.decode()
    assert "<code>NO_CARD</code>" in admin.get("/checks/rules/").content.decode()
    # Looking changes nothing.
    assert not RuleSetting.objects.exists() and _events() == 0


def test_a_reason_is_required_trimmed_and_limited(world: World) -> None:
    finance = client_as(world.user("finance"))
    for reason in ("", "   \n "):
        answer = finance.post(CHANGE, {"blocking": "0", "reason": reason})
        body = answer.content.decode()
        assert answer.status_code == 200 and 'data-testid="reason-error">请填写调整理由<' in body
        assert 'data-testid="rule-change-form"' in body
    long = finance.post(CHANGE, {"blocking": "0", "reason": "长" * (RULE_REASON_MAX + 1)}).content.decode()
    assert f"调整理由不能超过{RULE_REASON_MAX}字" in long and "长" * (RULE_REASON_MAX + 1) in long
    assert not RuleSetting.objects.exists() and _events() == 0

    with pytest.raises(ValidationError, match="请填写调整理由"):
        rule_setting_change(user=world.user("finance"), code="NO_CARD", blocking=False, reason="  ")
    with pytest.raises(ValidationError, match="不能超过"):
        rule_setting_change(
            user=world.user("finance"), code="NO_CARD", blocking=False, reason="x" * (RULE_REASON_MAX + 1)
        )
    assert not RuleSetting.objects.exists() and _events() == 0


def test_the_change_and_its_reason_are_one_audit_event_and_the_list_shows_who_when_why(
    world: World,
) -> None:
    finance_user = world.user("finance")
    finance = client_as(finance_user)
    done = finance.post(CHANGE, {"blocking": "0", "reason": f"  {REASON}  "}, follow=True)
    assert "规则“无社保卡账户”已设为不阻断发放" in done.content.decode()
    setting = RuleSetting.objects.get(code="NO_CARD")
    assert setting.blocking is False and setting.reason == REASON and setting.updated_by == finance_user
    event = AuditEvent.objects.get(action="checks.rule_setting")
    assert event.object_id == str(setting.pk) and event.actor_id == finance_user.pk
    assert event.before == {"code": "NO_CARD", "title": "无社保卡账户", "blocking": True}
    assert event.after == {"code": "NO_CARD", "title": "无社保卡账户", "blocking": False, "reason": REASON}

    listing = finance.get("/checks/rules/").content.decode()
    row = listing.split('data-testid="rule-NO_CARD"')[1].split("</tr>")[0]
    changed_at = timezone.localtime(setting.updated_at).strftime("%Y-%m-%d %H:%M")
    assert finance_user.display_name in row and changed_at in row
    assert f'data-testid="rule-reason-NO_CARD">{REASON}<' in row and "改为阻断" in row
    assert "未调整（默认设置）" in listing.split('data-testid="rule-DECEASED"')[1].split("</tr>")[0]

    # A confirmation left open while someone else switched the rule does not switch it back.
    stale = finance.post(CHANGE, {"blocking": "0", "reason": "再次调整"}, follow=True).content.decode()
    assert "规则“无社保卡账户”已是不阻断发放，无需调整" in stale
    assert _events() == 1
    again = client_as(world.user("admin")).post(CHANGE, {"blocking": "1", "reason": "补办已完成"})
    assert again.status_code == 302 and RuleSetting.objects.get(code="NO_CARD").blocking is True
    assert _events() == 2


def test_the_confirmation_survives_garbage(world: World) -> None:
    finance = client_as(world.user("finance"))
    finance.raise_request_exception = False
    for url in (CHANGE, "/checks/rules/abc/change/", "/checks/rules/"):
        assert finance.get(url, GARBAGE).status_code < 500
        assert finance.post(url, GARBAGE).status_code < 500
    posted = finance.post(CHANGE, GARBAGE)
    assert posted.status_code == 200 and "调整后的设置无效" in posted.content.decode()
    assert not RuleSetting.objects.exists() and _events() == 0


# --- each run keeps the settings it was judged by --------------------------------------------------------


@pytest.fixture
def cardless(world: World) -> Roster:
    """Village A's 2026-10 roster, reviewed by the township: one elder with a card, one without."""
    publish_elderly_allowance(world)
    people = elders(2, cards=False)
    make_card(people[0], account="6228480000000000901")
    return township_reviewed(world, people, "2026-10")


def test_a_run_keeps_the_settings_in_force_when_it_started(world: World, cardless: Roster) -> None:
    rule_setting_change(user=world.user("finance"), code="SHARED_ACCOUNT", blocking=True, reason="先核实")
    changed: list[str] = []

    def meanwhile(done: int, total: int, message: str) -> None:
        # Finance switches NO_CARD off while the run is loading its data: the run judges by what it recorded.
        if not changed:
            changed.append(message)
            rule_setting_change(user=world.user("finance"), code="NO_CARD", blocking=False, reason="先行发放")

    run = check_run(
        line_set=LineSet(periods=("2026-10",)),
        user=world.user("finance"),
        region_code=COUNTY,
        progress=meanwhile,
    )
    assert changed and RuleSetting.objects.get(code="NO_CARD").blocking is False
    assert run.rule_settings is not None
    assert run.rule_settings["NO_CARD"] == {"blocking": True, "county": False}
    assert run.rule_settings["SHARED_ACCOUNT"] == {"blocking": True, "county": True}
    assert run.rule_settings["UNDER_STANDARD"] == {"blocking": False, "county": False}
    assert set(run.rule_settings) == set(rule_settings_in_force())
    finding = Finding.objects.get(rule="NO_CARD", run=run)
    assert finding.blocking is True
    event = AuditEvent.objects.get(action="checks.run.inflight", object_id=str(run.pk))
    assert "NO_CARD" in event.after["blocking"]

    later = check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=COUNTY)
    assert later.rule_settings is not None and later.rule_settings["NO_CARD"] == {
        "blocking": False,
        "county": True,
    }
    finding.refresh_from_db()
    assert finding.blocking is False and finding.run_id == later.pk


def test_a_past_run_shows_the_setting_it_ran_with_after_the_live_one_changes(
    world: World, cardless: Roster
) -> None:
    department = client_as(world.user("dept_reviewer"))
    department.post(f"/rosters/{cardless.pk}/approve/")
    run = CheckRun.objects.get(roster=cardless)
    auditor = client_as(world.user("auditor"))
    before = auditor.get(f"/checks/runs/{run.pk}/").content.decode()
    assert 'data-testid="run-blocking-NO_CARD">阻断<' in before
    assert 'data-testid="run-blocking-UNDER_STANDARD">不阻断<' in before

    client_as(world.user("finance")).post(CHANGE, {"blocking": "0", "reason": REASON})
    rules = auditor.get("/checks/rules/").content.decode()
    assert 'data-testid="rule-now-NO_CARD"><span class="badge">不阻断<' in rules
    after = auditor.get(f"/checks/runs/{run.pk}/").content.decode()
    assert 'data-testid="run-blocking-NO_CARD">阻断<' in after
    assert "本次核查未记录当时的规则设置" not in after
    assert Finding.objects.get(rule="NO_CARD", run=run).blocking is True

    # Finance and departments read the rules by their names on the run's page; auditors see the codes too.
    assert "<code>NO_CARD</code>" in after
    own = department.get(f"/checks/runs/{run.pk}/").content.decode()
    assert 'data-testid="run-blocking-NO_CARD">阻断<' in own and "<code>NO_CARD</code>" not in own
    assert "无社保卡账户" in own

    # A run made before the settings were recorded says so instead of guessing from today's.
    CheckRun.objects.filter(pk=run.pk).update(rule_settings=None)
    old = auditor.get(f"/checks/runs/{run.pk}/").content.decode()
    assert 'data-testid="no-rule-settings">本次核查未记录当时的规则设置<' in old
    assert 'data-testid="run-blocking-NO_CARD">—<' in old
    api = client_as(world.user("auditor")).get(f"/api/checks/runs/{run.pk}").json()
    assert api["rule_settings"] is None


# --- a post-hoc run's own scope --------------------------------------------------------------------------


@pytest.fixture
def paid(world: World) -> list[Person]:
    """Three elders of village A approved for 2026-06 and 2026-07 (one without a card, one dead)."""
    publish_elderly_allowance(world)
    people = elders(3, cards=False)
    make_card(people[0], account="6228480000000000801")
    make_card(people[1], account="6228480000000000802")
    for period in ("2026-06", "2026-07"):
        approved(world, people, period)
    record_death(people[1], dt.date(2026, 5, 10))
    return people


def _lines(*periods: str) -> set[int]:
    return set(
        RosterLine.objects.filter(period__in=periods, state=LineState.APPROVED).values_list("pk", flat=True)
    )


def test_a_posthoc_run_is_labelled_with_the_range_asked_for(world: World, paid: list[Person]) -> None:
    auditor = client_as(world.user("auditor"))
    run = _posthoc_run(auditor, period_from="2026-01", period_to="2026-12")
    assert run.line_count == 6 and (run.period_from, run.period_to) == ("2026-01", "2026-12")
    assert run.period_label == "2026-01 至 2026-12"
    detail = auditor.get(f"/checks/runs/{run.pk}/").content.decode()
    assert "2026-01 至 2026-12" in detail and "2026-06 至 2026-07" not in detail
    assert f'/checks/runs/{run.pk}/">{run.pk}</a></td><td>事后专项核查</td><td>2026-01 至 2026-12<' in (
        auditor.get("/checks/posthoc/").content.decode()
    )
    assert "2026-01 至 2026-12" in auditor.get("/checks/runs/").content.decode()

    single = _posthoc_run(auditor, period_from="2026-03", period_to="")
    assert single.period_label == "2026-03" and single.line_count == 0


def test_a_posthoc_sample_is_drawn_only_from_the_lines_the_run_read(world: World, paid: list[Person]) -> None:
    # A July line sent back to its village when the audit starts: approved again only afterwards.
    july = RosterLine.objects.filter(period="2026-07").order_by("pk")
    held = july.first()
    assert held is not None
    RosterLine.objects.filter(pk=held.pk).update(state=LineState.RETURNED)
    auditor = client_as(world.user("auditor"))
    run = _posthoc_run(auditor, period_from="2026-01", period_to="2026-12")
    read = _lines("2026-06", "2026-07")
    assert run.line_count == 5 == len(read)
    assert set(CheckedLine.objects.filter(run=run).values_list("line_id", flat=True)) == read

    # After the run: the held line is approved again, and August is approved (inside the range asked for).
    RosterLine.objects.filter(pk=held.pk).update(state=LineState.APPROVED)
    august = approved(world, paid[:1], "2026-08")
    assert august.lines.filter(state=LineState.APPROVED).count() == 1

    drawn = sample_draw(user=world.user("auditor"), run=run, size=100, seed=11)
    assert set(drawn.sample) == read
    assert held.pk not in drawn.sample and not set(drawn.sample) & set(
        august.lines.values_list("pk", flat=True)
    )
    event = AuditEvent.objects.get(action="checks.sample", object_id=str(run.pk))
    assert event.after["population"] == 5
    page = auditor.get(f"/checks/runs/{run.pk}/").content.decode()
    assert "已抽取 5 行" in page and "2026-08" not in page.split('data-testid="sample-lines"')[1]
    # The same seed draws the same lines whatever was approved since.
    assert sample_draw(user=world.user("auditor"), run=run, size=2, seed=3).sample == (
        sample_draw(user=world.user("auditor"), run=run, size=2, seed=3).sample
    )


def test_a_run_that_read_no_lines_has_nothing_to_sample(world: World, paid: list[Person]) -> None:
    auditor = client_as(world.user("auditor"))
    run = _posthoc_run(auditor, period_from="2026-01", period_to="2026-03")
    assert run.line_count == 0
    approved(world, paid[:1], "2026-02")
    assert sample_draw(user=world.user("auditor"), run=run, size=10, seed=1).sample == []


def test_a_run_from_before_the_lines_were_recorded_samples_lines_approved_before_it(
    world: World, paid: list[Person]
) -> None:
    line_set = line_set_for(
        kind=RunKind.POSTHOC, period_from="2026-01", period_to="2026-12", policy_code="", region_code=COUNTY
    )
    run = check_run(line_set=line_set, kind=RunKind.POSTHOC, user=world.user("auditor"), region_code=COUNTY)
    # As an old run was stored: labelled by the periods it found, no settings, no lines kept.
    july = Roster.objects.get(period="2026-07")
    approved_at = RosterEvent.objects.get(roster=july, to_state=workflow.APPROVED).at
    CheckedLine.objects.filter(run=run).delete()
    CheckRun.objects.filter(pk=run.pk).update(
        rule_settings=None,
        period_from="2026-06",
        period_to="2026-07",
        started_at=approved_at - dt.timedelta(microseconds=1),
    )
    run.refresh_from_db()
    assert run.started_at < approved_at <= timezone.now()
    drawn = sample_draw(user=world.user("auditor"), run=run, size=100, seed=5)
    assert set(drawn.sample) == _lines("2026-06")
