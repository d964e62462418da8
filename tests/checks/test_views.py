"""Findings screens through the real stack: the roster's approval stops on a blocking finding, the finding is
settled on its page by the roles allowed to, and everyone else is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.registry import make_card
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.tasks import deliver
from tests.support.world import COUNTY, TOWN_B, VILLAGE_A, World, make_user
from yikatong.accounts.models import User
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import CheckRun, Finding, FindingState
from yikatong.core.masking import mask_id_number
from yikatong.registry.models import Person
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster
from yikatong.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


def client_as(user: User) -> Client:
    """A browser signed in as the user."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(world: World) -> list[Person]:
    """Two elders of village A; the second has no social security card."""
    publish_elderly_allowance(world)
    found = elders(2, cards=False)
    make_card(found[0], account="6228480000000000301")
    return found


@pytest.fixture
def roster(world: World, people: list[Person]) -> Roster:
    return township_reviewed(world, people)


def _refused_approval(world: World, roster: Roster) -> Finding:
    """The department presses 审批通过: the checks run and the cardless line stops the approval."""
    page = client_as(world.user("dept_reviewer")).post(f"/rosters/{roster.pk}/approve/", follow=True)
    body = page.content.decode()
    assert "还有1条阻断性核查疑点未处理" in body and "无社保卡账户 1条" in body
    roster.refresh_from_db()
    assert roster.state == workflow.TOWNSHIP_REVIEWED
    return Finding.objects.get(rule="NO_CARD", roster=roster)


def test_blocking_finding_stops_approval_until_settled_on_its_page(
    world: World, roster: Roster, people: list[Person]
) -> None:
    finding = _refused_approval(world, roster)
    assert finding.blocking and finding.state == FindingState.OPEN and finding.person_id == people[1].pk
    dept = client_as(world.user("dept_reviewer"))

    page = dept.get(f"/rosters/{roster.pk}/").content.decode()
    assert 'data-testid="open-blocking"' in page and "<strong>1</strong> 条阻断性核查疑点未处理" in page
    assert f"/checks/findings/{finding.pk}/" in page and ">处理<" in page

    listing = dept.get("/checks/findings/", {"roster": roster.pk, "blocking": "on"}).content.decode()
    assert f'data-testid="finding-{finding.pk}"' in listing and "无社保卡账户" in listing
    assert mask_id_number(people[1].id_number) in listing and people[1].id_number not in listing
    assert "阻断性待处理 <strong>1</strong> 条" in listing

    detail = dept.get(f"/checks/findings/{finding.pk}/").content.decode()
    assert 'data-testid="settle-form"' in detail and "确认属实并退回该行" in detail
    assert f"/rosters/{roster.pk}/" in detail and f"/checks/runs/{finding.run_id}/" in detail

    missing = dept.post(f"/checks/findings/{finding.pk}/settle/", {"outcome": "explained", "reason": " "})
    assert missing.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN

    done = dept.post(
        f"/checks/findings/{finding.pk}/settle/",
        {"outcome": "explained", "reason": "社保卡正在补办，已电话核实本人"},
        follow=True,
    )
    body = done.content.decode()
    assert "疑点已处理：已说明" in body and "社保卡正在补办，已电话核实本人" in body
    assert 'data-testid="settle-form"' not in body
    finding.refresh_from_db()
    assert finding.state == FindingState.EXPLAINED and finding.settled_by == world.user("dept_reviewer")
    event = AuditEvent.objects.get(action="checks.finding_settle", object_id=str(finding.pk))
    assert event.after["reason"] == "社保卡正在补办，已电话核实本人"

    dept.post(f"/rosters/{roster.pk}/approve/")
    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED


@pytest.mark.parametrize(
    ("role", "place", "status"),
    [
        ("auditor", "county", 403),
        ("village_clerk", "village_a", 403),
        ("township_reviewer", "a", 403),
        ("finance", "b", 404),
        ("dept_reviewer", "b", 404),
    ],
)
def test_roles_that_may_not_settle_are_refused_and_change_nothing(
    world: World, roster: Roster, role: str, place: str, status: int
) -> None:
    finding = _refused_approval(world, roster)
    client = client_as(world.user(role, place))
    detail = client.get(f"/checks/findings/{finding.pk}/")
    assert detail.status_code == (200 if status == 403 else 404)
    if status == 403:
        assert 'data-testid="settle-form"' not in detail.content.decode()
    response = client.post(
        f"/checks/findings/{finding.pk}/settle/", {"outcome": "dismissed", "reason": "我看没问题"}
    )
    assert response.status_code == status
    if status == 403:
        assert "核查疑点由业务主管部门或财政局处理" in response.content.decode()
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN
    assert not AuditEvent.objects.filter(action="checks.finding_settle").exists()


def test_a_department_cannot_settle_another_departments_finding(world: World, roster: Roster) -> None:
    finding = _refused_approval(world, roster)
    farming = make_user("dept_reviewer", COUNTY, username="nyncj-reviewer", department="nyncj")
    client = client_as(farming)
    assert client.get(f"/checks/findings/{finding.pk}/").status_code == 404
    assert f"finding-{finding.pk}" not in client.get("/checks/findings/").content.decode()
    response = client.post(f"/checks/findings/{finding.pk}/settle/", {"outcome": "dismissed", "reason": "x"})
    assert response.status_code == 404
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN


def test_a_user_of_another_township_sees_no_findings(world: World, roster: Roster) -> None:
    finding = _refused_approval(world, roster)
    outsider = client_as(make_user("auditor", TOWN_B, username="b-auditor-2"))
    listing = outsider.get("/checks/findings/").content.decode()
    assert f"finding-{finding.pk}" not in listing and "共 0 条疑点" in listing
    assert outsider.get(f"/checks/findings/{finding.pk}/").status_code == 404
    assert outsider.get(f"/checks/runs/{finding.run_id}/").status_code == 404


def test_finance_may_settle_and_confirming_returns_the_line(world: World, roster: Roster) -> None:
    finding = _refused_approval(world, roster)
    finance = client_as(world.user("finance"))
    assert 'data-testid="settle-form"' in finance.get(f"/checks/findings/{finding.pk}/").content.decode()
    response = finance.post(
        f"/checks/findings/{finding.pk}/settle/",
        {"outcome": "confirmed", "reason": "本人无社保卡，请村里办卡后重新申报"},
        follow=True,
    )
    assert "该行已退回村（社区）更正" in response.content.decode()
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED and finding.settled_by == world.user("finance")
    assert finding.line is not None and finding.line.state == LineState.RETURNED
    assert "核查疑点属实" in finding.line.reason
    assert AuditEvent.objects.filter(action="checks.finding_settle", object_id=str(finding.pk)).exists()
    # The history says who settled it, by name, and what they did, in words.
    history = finance.get(f"/checks/findings/{finding.pk}/").content.decode()
    assert world.user("finance").display_name in history and "处理疑点" in history
    assert "checks.finding_settle" not in history
    again = finance.post(f"/checks/findings/{finding.pk}/settle/", {"outcome": "dismissed", "reason": "再次"})
    assert again.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED

    client_as(world.user("dept_reviewer")).post(f"/rosters/{roster.pk}/approve/")
    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED
    assert finding.line.state == LineState.RETURNED


def test_findings_list_filters_and_pages(world: World, roster: Roster) -> None:
    finding = _refused_approval(world, roster)
    auditor = client_as(world.user("auditor"))
    assert f"finding-{finding.pk}" in auditor.get("/checks/findings/").content.decode()
    for query in (
        {"rule": "DECEASED"},
        {"state": "explained"},
        {"severity": "low"},
        {"region": "232722201000"},
        {"period": "2026-09"},
        {"roster": roster.pk + 1},
        {"run": finding.run_id + 1000},
    ):
        body = auditor.get("/checks/findings/", query).content.decode()
        assert f"finding-{finding.pk}" not in body, query
    for query in (
        {"rule": "NO_CARD", "state": "open", "severity": "high", "blocking": "on"},
        {"region": "232722100000", "policy": "GLJT", "period": "2026-10"},
        {"run": finding.run_id, "kind": "inflight"},
    ):
        body = auditor.get("/checks/findings/", query).content.decode()
        assert f"finding-{finding.pk}" in body, query
    bad = auditor.get("/checks/findings/", {"roster": "abc"})
    assert bad.status_code == 200 and "名册号" in bad.content.decode()

    run = CheckRun.objects.get(pk=finding.run_id)
    for n in range(55):
        Finding.objects.create(
            kind="posthoc",
            run=run,
            first_run=run,
            subject=f"test:{n}",
            rule="LATE",
            severity="low",
            policy=finding.policy,
            period="2026-10",
            region_code=VILLAGE_A,
            detail=f"测试疑点{n}",
        )
    first = auditor.get("/checks/findings/", {"rule": "LATE"}).content.decode()
    assert "第 1 / 2 页" in first and "?rule=LATE&amp;page=2" in first
    second = auditor.get("/checks/findings/", {"rule": "LATE", "page": 2}).content.decode()
    assert "第 2 / 2 页" in second and "共 55 条疑点" in second


def test_inflight_run_from_the_runs_page_goes_to_its_task(world: World, roster: Roster) -> None:
    finance = client_as(world.user("finance"))
    page = finance.get("/checks/runs/").content.decode()
    assert 'data-testid="run-start"' in page and "NO_CARD" in page
    response = finance.post(
        "/checks/runs/start/", {"period": "2026-10", "policy": "GLJT", "region": COUNTY, "rules": ["NO_CARD"]}
    )
    task = TaskRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert task.arguments["rules"] == ["NO_CARD"] and task.arguments["kind"] == "inflight"
    result = deliver(task)
    run = CheckRun.objects.get(pk=result["check_run_id"])
    assert result["link"]["url"] == f"/checks/runs/{run.pk}/"
    # The roster awaits approval: its accepted lines are in flight; the cardless one is found.
    detail = finance.get(f"/checks/runs/{run.pk}/").content.decode()
    assert 'data-testid="summary-NO_CARD"' in detail and "无社保卡账户" in detail
    assert 'data-testid="summary-DECEASED"' not in detail
    assert f"?run={run.pk}&amp;rule=NO_CARD" in detail

    bad = finance.post("/checks/runs/start/", {"period": "2026-13", "region": COUNTY}, follow=True)
    assert "发放期间格式应为" in bad.content.decode() and TaskRun.objects.count() == 1
    department = client_as(world.user("dept_reviewer"))
    refused = department.post("/checks/runs/start/", {"period": "2026-10", "region": COUNTY}, follow=True)
    assert "业务主管部门须选择本部门的补贴项目" in refused.content.decode()
    outside = client_as(world.user("finance", "a")).post(
        "/checks/runs/start/", {"period": "2026-10", "region": "232722201000"}
    )
    assert outside.status_code == 403
    clerk = client_as(world.user("village_clerk", "village_a"))
    assert clerk.post("/checks/runs/start/", {"period": "2026-10"}).status_code == 403
    assert 'data-testid="run-start"' not in clerk.get("/checks/runs/").content.decode()
    assert TaskRun.objects.count() == 1
