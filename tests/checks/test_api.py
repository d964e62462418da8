"""Checks through the API with a token: findings read and settled, runs read and started, refusals."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.checks.test_views import client_as
from tests.support.registry import make_card
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.tasks import deliver
from tests.support.world import COUNTY, World, make_user
from yikatong.accounts.models import User
from yikatong.accounts.services import api_token_create
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import Finding, FindingState
from yikatong.core.masking import mask_id_number
from yikatong.registry.models import Person
from yikatong.rosters.models import LineState, Roster
from yikatong.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


def api_client(user: User) -> Client:
    """A client that calls the API with a fresh token of the user."""
    key = api_token_create(user=user, name="部门系统", actor=user)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def people(world: World) -> list[Person]:
    publish_elderly_allowance(world)
    found = elders(2, cards=False)
    make_card(found[0], account="6228480000000000501")
    return found


@pytest.fixture
def finding(world: World, people: list[Person]) -> Finding:
    """The cardless line's blocking finding, found when the department tried to approve."""
    roster = township_reviewed(world, people)
    client_as(world.user("dept_reviewer")).post(f"/rosters/{roster.pk}/approve/")
    return Finding.objects.get(rule="NO_CARD")


def test_findings_are_listed_filtered_and_masked_by_role(
    world: World, finding: Finding, people: list[Person]
) -> None:
    client = api_client(world.user("dept_reviewer"))
    response = client.get("/api/checks/findings", {"rule": "NO_CARD", "state": "open", "period": "2026-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["id"] == finding.pk and item["rule_title"] == "无社保卡账户" and item["blocking"] is True
    assert item["id_number"] == mask_id_number(people[1].id_number) and item["person_name"] == people[1].name
    assert item["roster_id"] == finding.roster_id and item["village_name"] == "永丰村"
    for query in ({"rule": "DECEASED"}, {"state": "dismissed"}, {"policy": "XXX"}, {"roster": 999999}):
        assert client.get("/api/checks/findings", query).json()["count"] == 0, query
    paged = client.get("/api/checks/findings", {"page": 2, "page_size": 1}).json()
    assert paged["count"] == 1 and paged["items"] == []

    auditor = api_client(world.user("auditor")).get("/api/checks/findings").json()
    assert auditor["items"][0]["id_number"] == people[1].id_number
    assert api_client(world.user("auditor", "b")).get("/api/checks/findings").json()["count"] == 0
    one = api_client(world.user("finance")).get(f"/api/checks/findings/{finding.pk}")
    assert one.status_code == 200 and one.json()["state"] == "open"
    assert api_client(world.user("finance", "b")).get(f"/api/checks/findings/{finding.pk}").status_code == 404


def test_settle_through_the_api(world: World, finding: Finding) -> None:
    client = api_client(world.user("dept_reviewer"))
    url = f"/api/checks/findings/{finding.pk}/settle"
    empty = client.post(url, {"outcome": "explained", "reason": ""}, content_type="application/json")
    assert empty.status_code == 422 and "处理疑点须填写理由" in empty.json()["details"]["errors"]
    wrong = client.post(url, {"outcome": "maybe", "reason": "x"}, content_type="application/json")
    assert wrong.status_code == 422
    done = client.post(
        url, {"outcome": "confirmed", "reason": "确无社保卡，退回村里办卡"}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "confirmed" and done.json()["settled_by"] == "测试业务主管部门审核人"
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED and finding.line is not None
    assert finding.line.state == LineState.RETURNED
    assert AuditEvent.objects.filter(action="checks.finding_settle", object_id=str(finding.pk)).exists()
    again = client.post(url, {"outcome": "dismissed", "reason": "再"}, content_type="application/json")
    assert again.status_code == 422


@pytest.mark.parametrize(
    ("role", "place", "status"),
    [
        ("auditor", "county", 403),
        ("township_reviewer", "a", 403),
        ("hrss", "county", 403),
        ("finance", "b", 404),
    ],
)
def test_settle_refusals(world: World, finding: Finding, role: str, place: str, status: int) -> None:
    response = api_client(world.user(role, place)).post(
        f"/api/checks/findings/{finding.pk}/settle",
        {"outcome": "dismissed", "reason": "无问题"},
        content_type="application/json",
    )
    assert response.status_code == status
    farming = make_user("dept_reviewer", COUNTY, username="nyncj-api", department="nyncj")
    other = api_client(farming).post(
        f"/api/checks/findings/{finding.pk}/settle",
        {"outcome": "dismissed", "reason": "无问题"},
        content_type="application/json",
    )
    assert other.status_code == 404
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN


def test_runs_are_started_and_read_through_the_api(world: World, people: list[Person]) -> None:
    roster = township_reviewed(world, people)
    client = api_client(world.user("finance"))
    started = client.post(
        "/api/checks/runs",
        {
            "kind": "inflight",
            "period_from": "2026-10",
            "region_code": COUNTY,
            "rules": ["NO_CARD", "DECEASED"],
        },
        content_type="application/json",
    )
    assert started.status_code == 200, started.content
    task = TaskRun.objects.get(pk=started.json()["task_id"])
    assert started.json()["progress_url"] == f"/api/tasks/{task.pk}"
    result = deliver(task)
    run_id = result["check_run_id"]

    runs = client.get("/api/checks/runs").json()
    assert [r["id"] for r in runs] == [run_id]
    run = client.get(f"/api/checks/runs/{run_id}").json()
    assert run["kind"] == "inflight" and run["rules"] == ["DECEASED", "NO_CARD"]
    # No death registry has been imported yet: DECEASED is skipped, and the run says why.
    assert {r["rule"]: r["count"] for r in run["summary"]} == {"NO_CARD": 1}
    assert "DECEASED" in run["skipped"] and "未核查" in run["skipped"]["DECEASED"]
    assert run["line_count"] == 2 and run["finding_count"] == 1
    assert Finding.objects.get(rule="NO_CARD").roster_id == roster.pk

    assert api_client(world.user("auditor", "b")).get(f"/api/checks/runs/{run_id}").status_code == 404
    assert api_client(world.user("auditor", "b")).get("/api/checks/runs").json() == []

    posthoc = api_client(world.user("auditor")).post(
        "/api/checks/runs",
        {"kind": "posthoc", "period_from": "2026-01", "period_to": "2026-12"},
        content_type="application/json",
    )
    assert posthoc.status_code == 200
    assert TaskRun.objects.get(pk=posthoc.json()["task_id"]).arguments["kind"] == "posthoc"


@pytest.mark.parametrize(
    ("role", "place", "payload", "status"),
    [
        ("village_clerk", "village_a", {"kind": "inflight", "period_from": "2026-10"}, 403),
        ("dept_reviewer", "county", {"kind": "posthoc", "period_from": "2026-01"}, 403),
        ("finance", "a", {"kind": "inflight", "period_from": "2026-10", "region_code": "232722201000"}, 403),
        ("dept_reviewer", "county", {"kind": "inflight", "period_from": "2026-10"}, 422),
        ("finance", "county", {"kind": "inflight", "period_from": "2026-10", "period_to": "2026-11"}, 422),
        ("finance", "county", {"kind": "inflight", "period_from": "2026-10", "rules": ["NOPE"]}, 422),
    ],
)
def test_starting_a_run_is_refused(
    world: World, role: str, place: str, payload: dict[str, object], status: int
) -> None:
    response = api_client(world.user(role, place)).post(
        "/api/checks/runs", payload, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert not TaskRun.objects.exists()


def test_the_api_needs_a_token(world: World) -> None:
    assert Client().get("/api/checks/findings").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer ykt_wrong").get("/api/checks/runs").status_code == 401
    assert Roster.objects.count() == 0
