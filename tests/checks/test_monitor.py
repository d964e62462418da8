"""事中跟踪监控 on a real database: figures by stage and township, time limits, findings, who sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.support.rosters import elders, publish_elderly_allowance
from tests.support.world import TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, World, make_user
from yikatong.checks import monitor
from yikatong.checks.models import CheckRun, Finding, FindingState, RunKind
from yikatong.core.models import Department
from yikatong.policies import services as policies
from yikatong.rosters import services as rosters
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import Roster

pytestmark = pytest.mark.django_db

VILLAGE_A2 = "232722100202"  # 新建村, also in 塔河镇


def _farm_policy(world: World) -> None:
    """A policy of 农业农村局 (not 民政局), so a 民政局 reviewer must not see its rosters or findings."""
    version = policies.policy_draft_create(
        user=world.user("finance"),
        code="NYBT",
        department=Department.objects.get(code="nyncj"),
        data={
            "effective_from": dt.date(2025, 1, 1),
            "name": "农业测试补贴",
            "basis_title": "测试文件",
            "target": "年满80周岁的农户",
            "unit": "month",
            "frequency": "monthly",
            "min_age": 80,
        },
        bands=[{"rate": Decimal(50), "min_age": 80}],
    )
    policies.policy_version_publish(user=world.user("finance"), version=version)


def _roster(
    clerk: Any, village: str, people: list[Any], *, policy: str = "GLJT", period: str = "2026-10"
) -> Roster:
    roster = rosters.roster_create(user=clerk, policy_code=policy, period=period, village_code=village)
    for person in people:
        rosters.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    return roster


def _finding(
    roster: Roster, rule: str, *, blocking: bool, state: str = FindingState.OPEN, n: int = 0
) -> None:
    run = CheckRun.objects.create(
        kind=RunKind.INFLIGHT,
        region_code=roster.village_id,
        period_from=roster.period,
        period_to=roster.period,
    )
    Finding.objects.create(
        kind=RunKind.INFLIGHT,
        run=run,
        first_run=run,
        subject=f"roster:{roster.pk}:{rule}:{n}",
        rule=rule,
        severity="high",
        blocking=blocking,
        roster=roster,
        policy=roster.policy,
        period=roster.period,
        region_code=roster.village_id,
        detail="测试",
        state=state,
    )


@pytest.fixture
def flight(world: World) -> dict[str, Roster]:
    """2026-10 in 塔河镇: one roster publicized and overdue (a late step behind it, one line removed), one in
    public notice due within a day, one draft of 农业农村局; in 依西肯乡: a draft, and a 2026-09 draft."""
    publish_elderly_allowance(world)
    _farm_policy(world)
    clerk_a = world.user("village_clerk", "village_a")
    clerk_a2 = make_user("village_clerk", VILLAGE_A2)
    clerk_b = world.user("village_clerk", "village_b")
    now = timezone.now()

    overdue = _roster(clerk_a, VILLAGE_A, elders(3))
    rosters.roster_submit(user=clerk_a, roster=overdue)
    line = overdue.lines.first()
    objection = rosters.objection_lodge(
        roster=overdue, line=line, text="已迁出", channel="paper", user=clerk_a
    )
    rosters.objection_settle(user=clerk_a, objection=objection, upheld=True, settlement="属实")
    ended = now - dt.timedelta(days=2, hours=23)
    Roster.objects.filter(pk=overdue.pk).update(publicity_end=ended, deadline=ended)
    rosters.publicity_close(user=clerk_a, roster=Roster.objects.get(pk=overdue.pk))  # a late step
    Roster.objects.filter(pk=overdue.pk).update(deadline=now - dt.timedelta(days=2, hours=1))

    due_soon = _roster(clerk_a2, VILLAGE_A2, elders(1, VILLAGE_A2))
    rosters.roster_submit(user=clerk_a2, roster=due_soon)
    Roster.objects.filter(pk=due_soon.pk).update(deadline=now + dt.timedelta(hours=20))

    farm = _roster(clerk_a, VILLAGE_A, elders(2), policy="NYBT")
    town_b = _roster(clerk_b, VILLAGE_B, elders(1, VILLAGE_B))
    older = _roster(clerk_b, VILLAGE_B, elders(2, VILLAGE_B), period="2026-09")

    _finding(overdue, "DECEASED", blocking=True, n=1)
    _finding(overdue, "DECEASED", blocking=True, n=2)
    _finding(overdue, "UNDER_STANDARD", blocking=False)
    _finding(overdue, "NO_CARD", blocking=True, state=FindingState.EXPLAINED)  # settled: not counted
    _finding(due_soon, "UNDER_STANDARD", blocking=False)
    _finding(farm, "OVER_STANDARD", blocking=True)
    _finding(town_b, "DECEASED", blocking=True)
    _finding(older, "MISSED", blocking=False)  # 2026-09: outside the default period
    return {"overdue": overdue, "due_soon": due_soon, "farm": farm, "town_b": town_b, "older": older}


def _overview(user: Any, **params: str) -> monitor.Overview:
    return monitor.monitor_overview(user=user, params=params)


def _stage(overview: monitor.Overview, state: str) -> monitor.Figure:
    return next(cell.figure for cell in overview.stages if cell.state == state)


def _township(overview: monitor.Overview, code: str) -> monitor.TownshipStages:
    return next(row for row in overview.townships if row.code == code)


def test_figures_by_stage_for_the_county(world: World, flight: dict[str, Roster]) -> None:
    overview = _overview(world.user("finance"))
    assert overview.filters.period == "2026-10"  # the latest period with rosters
    assert [c.value for c in overview.periods] == ["2026-10", "2026-09"]
    assert _stage(overview, workflow.DRAFT) == monitor.Figure(2, 3, 15000)
    assert _stage(overview, workflow.PUBLICIZING) == monitor.Figure(1, 1, 5000)
    # the line removed after an upheld objection no longer counts
    assert _stage(overview, workflow.PUBLICIZED) == monitor.Figure(1, 2, 10000)
    assert _stage(overview, workflow.APPROVED) == monitor.Figure()
    assert overview.total == monitor.Figure(4, 6, 30000)
    town_a = _township(overview, TOWN_A)
    assert town_a.total == monitor.Figure(3, 5, 25000)
    assert {c.state: c.figure.rosters for c in town_a.cells if c.figure.rosters} == {
        workflow.DRAFT: 1, workflow.PUBLICIZING: 1, workflow.PUBLICIZED: 1,
    }  # fmt: skip
    assert _township(overview, TOWN_B).total == monitor.Figure(1, 1, 5000)
    assert len(overview.townships) == 7  # every township of the county, empty ones too


def test_filters_by_period_and_policy(world: World, flight: dict[str, Roster]) -> None:
    finance = world.user("finance")
    assert _overview(finance, period="2026-09").total == monitor.Figure(1, 2, 10000)
    assert _overview(finance, period="all").total == monitor.Figure(5, 8, 40000)
    assert _overview(finance, policy="NYBT").total == monitor.Figure(1, 2, 10000)
    unknown = _overview(finance, policy="NOPE", period="bogus")
    assert unknown.filters.policy == "" and unknown.filters.period == "2026-10"


def test_figures_are_grouped_queries_not_loops(world: World, flight: dict[str, Roster]) -> None:
    finance = world.user("finance")
    with CaptureQueriesContext(connection) as few:
        _overview(finance, period="all")
    for month in range(1, 4):
        _roster(world.user("village_clerk", "village_a"), VILLAGE_A, elders(5), period=f"2026-0{month}")
    with CaptureQueriesContext(connection) as more:
        _overview(finance, period="all")
    assert len(more) == len(few)


def test_deadlines_passed_and_near_with_the_step_and_role(world: World, flight: dict[str, Roster]) -> None:
    overview = _overview(world.user("finance"))
    deadlines = overview.deadlines
    assert (deadlines.overdue, deadlines.due_soon) == (1, 1)
    late, soon = deadlines.rows
    assert late.roster_id == flight["overdue"].pk and late.overdue and late.days_overdue == 3
    assert late.step == "乡镇审核" and late.role_label == "乡镇审核人" and late.township == "塔河镇"
    assert soon.roster_id == flight["due_soon"].pk and not soon.overdue and 19 <= soon.hours_left <= 20
    assert soon.role_label == "村/社区经办人"
    (step,) = overview.late_steps
    assert step.roster_id == flight["overdue"].pk and step.days_late == 3 and "公示期满" in step.step
    assert overview.late_total == 1


def test_open_findings_by_rule_and_township(world: World, flight: dict[str, Roster]) -> None:
    findings = _overview(world.user("finance")).findings
    assert [(r.code, r.count, r.blocking) for r in findings.rules] == [
        ("DECEASED", 3, 3), ("OVER_STANDARD", 1, 1), ("UNDER_STANDARD", 2, 0),
    ]  # fmt: skip
    assert findings.rules[0].title == "死亡人员冒领"
    assert (findings.count, findings.blocking) == (6, 4)
    town_a = next(t for t in findings.townships if t.code == TOWN_A)
    assert (town_a.count, town_a.blocking) == (5, 3)
    assert [c.count for c in town_a.cells] == [2, 1, 2]
    assert town_a.cells[0].query == f"rule=DECEASED&region={TOWN_A}&state=open&period=2026-10"
    assert _overview(world.user("finance"), period="2026-09").findings.rules[0].code == "MISSED"


def test_a_township_sees_only_its_own(world: World, flight: dict[str, Roster]) -> None:
    for role in ("township_reviewer", "finance", "auditor"):
        overview = _overview(world.user(role, "b"))
        assert [t.code for t in overview.townships] == [TOWN_B]
        assert overview.total == monitor.Figure(1, 1, 5000)
        assert overview.deadlines.rows == () and overview.late_steps == ()
        assert [(r.code, r.count) for r in overview.findings.rules] == [("DECEASED", 1)]
    town_a = _overview(world.user("township_reviewer", "a"))
    assert town_a.total == monitor.Figure(3, 5, 25000) and town_a.findings.count == 5
    drill = _overview(world.user("finance", "b"), township=TOWN_A, state=workflow.PUBLICIZED).drill
    assert drill is not None and drill.rows == () and drill.total == 0


def test_a_department_sees_only_its_own_policies(world: World, flight: dict[str, Roster]) -> None:
    overview = _overview(world.user("dept_reviewer"))  # 民政局
    assert [c.value for c in overview.policies] == ["GLJT"]
    assert overview.total == monitor.Figure(3, 4, 20000)
    assert _stage(overview, workflow.DRAFT) == monitor.Figure(1, 1, 5000)
    assert "OVER_STANDARD" not in [r.code for r in overview.findings.rules]
    assert overview.findings.count == 5
    farm_reviewer = make_user("dept_reviewer", "232722000000", username="nyj", department="nyncj")
    farm = _overview(farm_reviewer)
    assert farm.total == monitor.Figure(1, 2, 10000) and farm.deadlines.rows == ()
    assert [(r.code, r.count) for r in farm.findings.rules] == [("OVER_STANDARD", 1)]


def test_drill_down_lists_a_townships_rosters_in_a_stage(world: World, flight: dict[str, Roster]) -> None:
    drill = _overview(world.user("finance"), township=TOWN_A, state=workflow.DRAFT).drill
    assert drill is not None and drill.township == "塔河镇" and drill.state_label == "草稿"
    assert [(r.roster_id, r.figure) for r in drill.rows] == [(flight["farm"].pk, monitor.Figure(1, 2, 10000))]
    whole = _overview(world.user("finance"), township=TOWN_A).drill
    assert whole is not None and whole.total == 3
    assert _overview(world.user("finance")).drill is None


# --- the page --------------------------------------------------------------------------------------------


def test_the_page_shows_figures_charts_and_links(world: World, flight: dict[str, Roster]) -> None:
    response = world.client("finance").get(reverse("checks:monitor"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 3 and "塔河镇" in page and "公示中" in page
    assert 'data-testid="total-amount">300.00<' in page
    assert reverse("rosters:detail", args=[flight["overdue"].pk]) in page  # overdue, linked
    assert "超期 3 天" in page and "临期" in page
    findings = reverse("checks:findings")
    assert f"{findings}?rule=DECEASED&amp;state=open&amp;period=2026-10" in page
    assert f"{findings}?rule=DECEASED&amp;region={TOWN_A}&amp;state=open&amp;period=2026-10" in page
    assert f"?period=2026-10&amp;township={TOWN_A}&amp;state=draft#drill" in page  # drill-down link
    assert "没有在途的发放计划" in page and "没有待处理的发放失败" in page


def test_the_drill_down_page_links_each_roster(world: World, flight: dict[str, Roster]) -> None:
    url = reverse("checks:monitor") + f"?township={TOWN_A}&state=draft"
    page = world.client("township_reviewer", "a").get(url).content.decode()
    assert 'data-testid="monitor-drill"' in page
    assert reverse("rosters:detail", args=[flight["farm"].pk]) in page
    outsider = world.client("township_reviewer", "b").get(url).content.decode()
    assert reverse("rosters:detail", args=[flight["farm"].pk]) not in outsider
    assert "没有符合条件的名册" in outsider


def test_labels_are_escaped_in_the_charts(world: World, flight: dict[str, Roster]) -> None:
    from yikatong.core.models import Region

    Region.objects.filter(code=TOWN_A).update(name="塔河<镇>")
    page = world.client("finance").get(reverse("checks:monitor")).content.decode()
    assert "塔河<镇>" not in page and "塔河&lt;镇&gt;" in page


@pytest.mark.parametrize(
    ("role", "place"), [("village_clerk", "village_a"), ("bank_operator", "county"), ("hrss", "county")]
)
def test_villages_and_banks_are_refused(
    world: World, flight: dict[str, Roster], role: str, place: str
) -> None:
    response = world.client(role, place).get(reverse("checks:monitor"))
    assert response.status_code == 403
    assert "事中跟踪监控" in response.content.decode()
