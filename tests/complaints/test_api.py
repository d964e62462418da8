"""The complaints API: the handler's list and one complaint with its trail, the handler's steps, the
complainant masked for readers outside the handling department, refusals in the platform's words."""

from __future__ import annotations

import json

import pytest

from tests.complaints.support import file_complaint
from tests.support.rosters import publish_elderly_allowance
from tests.support.world import World
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Complaint


@pytest.fixture
def filed(world: World) -> Complaint:
    publish_elderly_allowance(world)
    return file_complaint().complaint


def test_the_handler_lists_reads_answers_and_closes(world: World, filed: Complaint) -> None:
    client = world.client("dept_reviewer")
    page = client.get("/api/complaints", {"show": "mine"}).json()
    assert page["count"] == 1 and page["items"][0]["number"] == filed.number
    detail = client.get(f"/api/complaints/{filed.pk}").json()
    assert detail["contact_phone"] == "13904570001" and detail["contact_name"] == "张秀英"
    assert [e["kind"] for e in detail["events"]] == [rules.FILED, rules.ROUTED]
    body = {"text": "请提供存折照片"}
    answer = client.post(f"/api/complaints/{filed.pk}/ask-info", body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["state"] == rules.INFO_REQUESTED
    bad = client.post(
        f"/api/complaints/{filed.pk}/close",
        {"result": "maybe", "action_taken": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    closed = client.post(
        f"/api/complaints/{filed.pk}/close",
        {"result": "not_true", "action_taken": "经核实不属实"},
        content_type="application/json",
    ).json()
    assert closed["state"] == rules.CLOSED and closed["result"] == rules.NOT_TRUE
    assert closed["events"][-1]["kind"] == rules.CLOSE


def test_readers_outside_the_department_see_the_complainant_masked(world: World, filed: Complaint) -> None:
    detail = world.client("finance").get(f"/api/complaints/{filed.pk}").json()
    assert detail["contact_phone"] != "13904570001" and "*" in detail["contact_phone"]
    assert detail["contact_name"] != "张秀英"
    assert world.client("auditor").get(f"/api/complaints/{filed.pk}").json()["contact_phone"] == "13904570001"


def test_only_the_handling_department_acts(world: World, filed: Complaint) -> None:
    url = f"/api/complaints/{filed.pk}/reply"
    refused = world.client("township_reviewer", "a").post(
        url, {"text": "越权"}, content_type="application/json"
    )
    assert refused.status_code == 403 and "承办部门" in json.dumps(refused.json(), ensure_ascii=False)
    assert (
        world.client("auditor").post(url, {"text": "越权"}, content_type="application/json").status_code
        == 403
    )
    reassign = world.client("dept_reviewer").post(
        f"/api/complaints/{filed.pk}/reassign",
        {"department_code": "gov-232722100", "reason": "属乡镇职责"},
        content_type="application/json",
    )
    assert reassign.status_code == 200, reassign.content.decode()
    assert reassign.json()["department"] == "塔河镇人民政府"
    accepted = world.client("township_reviewer", "a").post(
        url, {"text": "已受理"}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == rules.ANSWERING
