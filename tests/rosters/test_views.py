"""Roster screens through the real stack: each role's actions, isolation, the public notice and the print."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.rosters import elders, publish_elderly_allowance
from tests.support.world import VILLAGE_A, World
from yikatong.core.masking import mask_id_number, mask_name
from yikatong.registry.models import Person
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Objection, ObjectionState, Roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: World) -> list[Person]:
    publish_elderly_allowance(world)
    return elders(2)


@pytest.fixture
def roster(world: World, people: list[Person]) -> Roster:
    clerk = world.user("village_clerk", "village_a")
    roster = services.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    for person in people:
        services.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    return roster


def _submitted(world: World, roster: Roster) -> Roster:
    return services.roster_submit(user=world.user("village_clerk", "village_a"), roster=roster)


def _publicized(world: World, roster: Roster) -> Roster:
    if roster.state == workflow.DRAFT:
        roster = _submitted(world, roster)
    clerk = world.user("village_clerk", "village_a")
    later = timezone.now() + dt.timedelta(days=8)
    return services.publicity_close(user=clerk, roster=roster, now=later)


def test_clerk_creates_a_roster_and_adds_lines_by_id_number(world: World, people: list[Person]) -> None:
    client = world.client("village_clerk", "village_a")
    page = client.get("/rosters/new/")
    assert page.status_code == 200 and "GLJT" in page.content.decode()
    response = client.post("/rosters/new/", {"policy": "GLJT", "period": "2026-10"})
    roster = Roster.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rosters/{roster.pk}/"
    assert roster.village_id == VILLAGE_A and roster.state == workflow.DRAFT

    client.post(f"/rosters/{roster.pk}/add_line/", {"id_number": people[0].id_number, "quantity": "1"})
    client.post(
        f"/rosters/{roster.pk}/add_line/", {"id_number": people[1].id_number, "quantity": "1", "amount": "80"}
    )
    lines = list(roster.lines.order_by("line_no"))
    assert [line.amount_fen for line in lines] == [5000, 8000]
    assert lines[1].amount_differs
    body = client.get(f"/rosters/{roster.pk}/").content.decode()
    assert "50.00" in body and "80.00" in body and "申报金额与标准不符" in body
    assert "提交并开始公示" in body and "按上期名册预填" not in body

    bad = client.post(f"/rosters/{roster.pk}/add_line/", {"id_number": "123", "quantity": "1"}, follow=True)
    assert "身份证" in bad.content.decode() and roster.lines.count() == 2

    client.post(f"/rosters/{roster.pk}/remove_line/", {"line": lines[1].pk})
    assert roster.lines.count() == 1
    response = client.post(f"/rosters/{roster.pk}/submit/", follow=True)
    roster.refresh_from_db()
    assert roster.state == workflow.PUBLICIZING and "名册已提交，开始公示" in response.content.decode()


def test_only_clerks_may_open_the_new_roster_form(world: World) -> None:
    refused = world.client("township_reviewer", "a").get("/rosters/new/")
    assert refused.status_code == 403 and "无权建立申报名册" in refused.content.decode()


def test_each_role_sees_only_its_actions(world: World, roster: Roster) -> None:
    clerk = world.client("village_clerk", "village_a")
    township = world.client("township_reviewer", "a")
    dept = world.client("dept_reviewer")
    url = f"/rosters/{roster.pk}/"
    assert "添加人员" in clerk.get(url).content.decode()
    assert "添加人员" not in township.get(url).content.decode()

    _submitted(world, roster)
    body = clerk.get(url).content.decode()
    assert "结束公示" in body and "添加人员" not in body
    assert "结束公示" not in township.get(url).content.decode()

    roster = _publicized(world, Roster.objects.get(pk=roster.pk))
    body = township.get(url).content.decode()
    assert "全部通过并完成审核" in body and "退回村（社区）" in body and "不通过" in body
    assert "全部通过并完成审核" not in clerk.get(url).content.decode()
    assert "审批通过" not in dept.get(url).content.decode()

    line = roster.lines.order_by("line_no").first()
    assert line is not None
    township.post(f"{url}review/", {"line": line.pk, "accept": "0", "reason": "户籍已迁出"})
    line.refresh_from_db()
    assert line.state == LineState.REJECTED and line.reason == "户籍已迁出"
    township.post(f"{url}finish/", {"accept_pending": "1"})
    roster.refresh_from_db()
    assert roster.state == workflow.TOWNSHIP_REVIEWED

    body = dept.get(url).content.decode()
    assert "审批通过" in body and "全部通过并完成审核" not in township.get(url).content.decode()
    dept.post(f"{url}approve/")
    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED
    history = dept.get(url).content.decode()
    assert "乡镇审核完成" in history and "主管部门已审批" in history


def test_a_refused_move_becomes_a_message_and_changes_nothing(world: World, roster: Roster) -> None:
    _submitted(world, roster)
    clerk = world.client("village_clerk", "village_a")
    response = clerk.post(f"/rosters/{roster.pk}/close/", follow=True)
    assert "公示期未满" in response.content.decode()
    roster.refresh_from_db()
    assert roster.state == workflow.PUBLICIZING
    # A role that may not approve at all is refused (403); the department, out of turn, gets a message.
    township = world.client("township_reviewer", "a")
    assert township.post(f"/rosters/{roster.pk}/approve/").status_code == 403
    department = world.client("dept_reviewer", "county")
    response = department.post(f"/rosters/{roster.pk}/approve/", follow=True)
    assert "不能直接变为" in response.content.decode()
    roster.refresh_from_db()
    assert roster.state == workflow.PUBLICIZING


def test_return_needs_a_comment_and_sends_the_roster_back(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    township = world.client("township_reviewer", "a")
    township.post(f"/rosters/{roster.pk}/return/", {"comment": ""})
    roster.refresh_from_db()
    assert roster.state == workflow.PUBLICIZED
    township.post(f"/rosters/{roster.pk}/return/", {"comment": "第2行数量有误"})
    roster.refresh_from_db()
    assert roster.state == workflow.RETURNED
    assert (
        "第2行数量有误"
        in world.client("village_clerk", "village_a").get(f"/rosters/{roster.pk}/").content.decode()
    )


def test_another_village_cannot_open_or_act_on_the_roster(world: World, roster: Roster) -> None:
    outsider = world.client("village_clerk", "village_b")
    for path in ("", "notice/"):
        assert outsider.get(f"/rosters/{roster.pk}/{path}").status_code == 404
    assert outsider.post(f"/rosters/{roster.pk}/submit/").status_code == 404
    roster.refresh_from_db()
    assert roster.state == workflow.DRAFT
    assert f"/rosters/{roster.pk}/" not in outsider.get("/rosters/").content.decode()


def test_todo_marks_overdue_rosters(world: World, roster: Roster) -> None:
    roster = _publicized(world, roster)
    Roster.objects.filter(pk=roster.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    body = world.client("township_reviewer", "a").get("/rosters/todo/").content.decode()
    assert f"/rosters/{roster.pk}/" in body and "已超期" in body and 'class="overdue"' in body
    assert (
        f"/rosters/{roster.pk}/"
        not in world.client("township_reviewer", "b").get("/rosters/todo/").content.decode()
    )


def test_the_public_notice_is_masked_and_takes_objections(
    world: World, roster: Roster, people: list[Person]
) -> None:
    public = Client()
    assert public.get(f"/public/notices/{roster.pk}/").status_code == 404  # a draft is not public
    _submitted(world, roster)
    listing = public.get("/public/notices/").content.decode()
    assert f"/public/notices/{roster.pk}/" in listing
    body = public.get(f"/public/notices/{roster.pk}/").content.decode()
    for person in people:
        assert person.id_number not in body and person.name not in body
        assert mask_id_number(person.id_number) in body and mask_name(person.name) in body
    line = roster.lines.order_by("line_no").first()
    assert line is not None
    response = public.post(
        f"/public/notices/{roster.pk}/", {"line": line.pk, "text": "此人已去世"}, follow=True
    )
    assert "您的异议已收到" in response.content.decode()
    objection = Objection.objects.get()
    assert objection.line == line and objection.channel == "public" and objection.state == ObjectionState.OPEN
    public.post(f"/public/notices/{roster.pk}/", {"text": "名单不全", "lodged_by": "村民"})
    assert Objection.objects.filter(line=None, lodged_by="村民").exists()

    clerk = world.client("village_clerk", "village_a")
    clerk.post(
        f"/rosters/{roster.pk}/settle/",
        {"objection": objection.pk, "upheld": "1", "settlement": "经核实属实"},
    )
    objection.refresh_from_db()
    line.refresh_from_db()
    assert objection.state == ObjectionState.UPHELD and line.state == LineState.REMOVED
    assert (
        mask_id_number(line.person.id_number)
        not in public.get(f"/public/notices/{roster.pk}/").content.decode()
    )


def test_a_finished_notice_is_not_public(world: World, roster: Roster) -> None:
    _publicized(world, roster)
    public = Client()
    assert public.get(f"/public/notices/{roster.pk}/").status_code == 404
    assert public.post(f"/public/notices/{roster.pk}/", {"text": "迟到的异议"}).status_code == 404
    assert not Objection.objects.exists()


def test_clerk_records_a_paper_objection(world: World, roster: Roster) -> None:
    _submitted(world, roster)
    clerk = world.client("village_clerk", "village_a")
    clerk.post(
        f"/rosters/{roster.pk}/objection/", {"line": "", "text": "口头反映：名单有误", "lodged_by": "王"}
    )
    assert Objection.objects.get().channel == "paper"


def test_printable_notice_is_masked_for_everyone(world: World, roster: Roster, people: list[Person]) -> None:
    _submitted(world, roster)
    response = world.client("village_clerk", "village_a").get(f"/rosters/{roster.pk}/notice/")
    body = response.content.decode()
    assert response.status_code == 200 and "@media print" in body and "申报名单公示" in body
    assert "100.00" in body  # the total of two lines at 50 元
    for person in people:
        assert person.id_number not in body and mask_id_number(person.id_number) in body


def test_prefill_that_finds_nothing_says_why(world: World, people: list[Person]) -> None:
    empty = services.roster_create(
        user=world.user("village_clerk", "village_a"),
        policy_code="GLJT",
        period="2026-12",
        village_code=VILLAGE_A,
    )
    clerk = world.client("village_clerk", "village_a")
    response = clerk.post(f"/rosters/{empty.pk}/prefill/", follow=True)
    page = response.content.decode()
    assert "上期（2026-11）本村没有该项目已审批的名册行，无可预填" in page
    assert "已按上期名册预填0行" not in page
