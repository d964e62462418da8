"""The audit log page and API: one row per event in Chinese, a before/after table, filters, paging, scope."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.support.registry import make_person
from tests.support.world import COUNTY, VILLAGE_A, World, make_user
from yikatong.audit.services import audit_record
from yikatong.core.models import Region, RegionLevel
from yikatong.policies import services as policies

pytestmark = pytest.mark.django_db

POLICY = {
    "effective_from": dt.date(2025, 1, 1),
    "name": "高龄津贴",
    "basis_title": "塔河县高龄老人津贴发放管理办法",
    "target": "年满80周岁的老年人",
    "unit": "month",
    "frequency": "monthly",
    "min_age": 80,
}
ID_NUMBER = "23272219800101123X"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, **params: object) -> str:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


def _actions(page: str) -> list[str]:
    """The action code of each row shown, top to bottom."""
    return re.findall(r'<details class="audit-event" data-seq="\d+" data-action="([^"]+)"', page)


def _at(day: dt.date) -> mock._patch:  # type: ignore[type-arg]
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))
    return mock.patch("yikatong.audit.services.timezone.now", return_value=moment)


@pytest.fixture
def logged(world: World) -> World:
    """A policy drafted and changed by the county's department, a failed sign-in, a person viewed in clear."""
    reviewer = world.user("dept_reviewer")
    with _at(dt.date(2026, 3, 2)):
        version = policies.policy_draft_create(
            user=reviewer,
            code="GLJT",
            department=None,
            data=POLICY,
            bands=[{"rate": Decimal(50), "min_age": 80}],
        )
    with _at(dt.date(2026, 3, 5)):
        policies.policy_version_update(
            user=reviewer,
            version=version,
            data={**POLICY, "name": "高龄老人津贴", "min_age": 85},
            bands=[{"rate": Decimal(60), "min_age": 85}],
        )
    with _at(dt.date(2026, 3, 9)):
        Client().post("/accounts/login/", {"username": "no-such-user", "password": "x"})
        person = make_person(VILLAGE_A, "王小明", number=ID_NUMBER)
        audit_record(
            action="person.view_clear",
            obj=person,
            region_code=VILLAGE_A,
            after={"id_number": ID_NUMBER, "count": 1},
            actor=world.user("village_clerk", "village_a"),
        )
    return world


def test_one_row_per_event_with_chinese_names_and_the_actors_name(logged: World) -> None:
    page = _page(_client(logged.user("auditor")))
    assert "修改政策" in page and "新建政策草稿" in page and "登录失败" in page and "查看明文个人信息" in page
    assert "<code>policy.update</code>" in page  # the code stays in the collapsed details
    reviewer = logged.user("dept_reviewer")
    row = re.search(r'data-action="policy.update">\s*<summary>(.*?)</summary>', page, re.S)
    assert row is not None
    assert f'<span class="who" title="{reviewer.full_name}">{reviewer.full_name}</span>' in row.group(1)
    assert reviewer.username not in row.group(1)
    assert "政策版本" in row.group(1) and "高龄老人津贴" in row.group(1)  # type and label, readable
    assert '<span class="where">塔河县</span>' in row.group(1)
    assert "{&#x27;" not in page and "{'" not in page  # no raw Python dicts


def test_the_details_hold_a_before_after_table_of_the_changed_fields(logged: World) -> None:
    page = _page(_client(logged.user("auditor")), action="policy.update")
    assert _actions(page) == ["policy.update"]
    diff = re.search(r'<table class="small audit-diff" data-testid="diff">(.*?)</table>', page, re.S)
    assert diff is not None
    table = diff.group(1)
    assert "<th>字段</th><th>修改前</th><th>修改后</th>" in table
    # field names from the model's verbose_name; the policy's name in clear, not 高**贴
    assert "<td>项目名称</td><td>高龄津贴</td><td>高龄老人津贴</td>" in table
    assert "<td>最低年龄</td><td>80</td><td>85</td>" in table
    # a version's rate bands as words, named after the band's fields, without the decimal's full scale
    assert (
        "<td>标准档次</td><td>补贴标准（元/单位）：50，最低年龄：80</td><td>补贴标准（元/单位）：60，最低年龄：85</td>"
        in table
    )
    assert "basis_title" not in table  # unchanged fields are left out, and counted
    assert "未改动" in page
    assert "高**贴" not in page


def test_a_persons_id_number_stays_masked_and_their_name_follows_may_see_clear(logged: World) -> None:
    auditor = _page(_client(logged.user("auditor")), action="person.view_clear")
    assert "232722********123X" in auditor and ID_NUMBER not in auditor
    assert "王小明" in auditor  # auditors see names in clear
    admin = _page(_client(logged.user("admin")), action="person.view_clear")
    assert _actions(admin) == ["person.view_clear"]
    assert "232722********123X" in admin and ID_NUMBER not in admin
    assert "王小明" not in admin  # the admin role sees no person's name
    # nor can it find one by searching the object label
    assert _actions(_page(_client(logged.user("admin")), q="王小明")) == []
    assert _actions(_page(_client(logged.user("auditor")), q="王小明")) == ["person.view_clear"]


def test_failed_sign_ins_stay_visible_to_the_countys_auditor(logged: World) -> None:
    page = _page(_client(logged.user("auditor")), action="login.failed")
    assert _actions(page) == ["login.failed"] and "no-such-user" in page


def test_filters_by_actor_action_object_and_date(logged: World) -> None:
    client = _client(logged.user("auditor"))
    reviewer = logged.user("dept_reviewer")
    page = _page(client)
    assert f'<option value="{reviewer.pk}">{reviewer.full_name}</option>' in page
    assert '<option value="login.failed">登录失败</option>' in page
    by_actor = _page(client, actor=reviewer.pk)
    assert _actions(by_actor) == ["policy.update", "policy.draft"]
    assert f'<option value="{reviewer.pk}" selected>' in by_actor
    assert _actions(_page(client, actor=reviewer.pk, action="policy.draft")) == ["policy.draft"]
    assert _actions(_page(client, object_type="policies.policyversion")) == ["policy.update", "policy.draft"]
    assert _actions(_page(client, q="高龄")) == ["policy.update", "policy.draft"]
    march = {"date_from": "2026-03-01", "date_to": "2026-03-05"}
    assert _actions(_page(client, **march)) == ["policy.update", "policy.draft"]
    assert _actions(_page(client, date_from="2026-03-05", date_to="2026-03-05")) == ["policy.update"]
    assert _actions(_page(client, date_from="2026-03-06", date_to="2026-03-31")) == [
        "person.view_clear",
        "login.failed",
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"actor": "abc"}, "所选操作人不在您的管辖范围内"),
        ({"actor": "999999"}, "所选操作人不在您的管辖范围内"),
        ({"action": "policy.nothing"}, "没有这种操作"),
        ({"object_type": "x.y"}, "没有这种对象类型"),
        ({"date_from": "2026-13-01"}, "起始日期不是有效日期"),
        ({"date_to": "yesterday"}, "截止日期不是有效日期"),
        ({"date_from": "2026-03-09", "date_to": "2026-03-01"}, "起始日期晚于截止日期"),
        ({"page": "x"}, ""),
    ],
)
def test_invalid_filters_are_named_and_ignored_never_a_500(
    logged: World, params: dict[str, str], message: str
) -> None:
    page = _page(_client(logged.user("auditor")), **params)
    if message:
        assert "以下筛选条件无效，已忽略" in page and message in page
    assert "policy.update" in _actions(page)  # the rest of the log is still shown


def test_paging_keeps_the_filters(world: World) -> None:
    for n in range(60):
        audit_record(action="task.start", object_type="tasks.taskrun", object_id=str(n), region_code=COUNTY)
    client = _client(world.user("auditor"))
    first = _page(client, action="task.start")
    assert len(_actions(first)) == 50
    assert "共 60 条事件" in first and "第 1 / 2 页" in first
    assert 'href="?action=task.start&amp;page=2"' in first
    second = _page(client, action="task.start", page=2)
    assert len(_actions(second)) == 10 and "第 2 / 2 页" in second


def test_an_auditor_of_another_county_or_township_sees_nothing_of_this_one(logged: World) -> None:
    Region.objects.create(code="232721000000", name="呼玛县", level=RegionLevel.COUNTY)
    other = make_user("auditor", "232721000000", username="huma-auditor")
    page = _page(_client(other))
    assert _actions(page) == ["user.create"]  # their own account's creation, nothing of 塔河县
    assert "高龄" not in page and "no-such-user" not in page
    assert logged.user("dept_reviewer").full_name not in page  # nor this county's staff in the select
    township_b = _page(_client(logged.user("auditor", "b")), action="person.view_clear")
    assert _actions(township_b) == []


def test_the_page_reads_in_english(logged: World) -> None:
    client = _client(logged.user("auditor"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _page(client)
    assert "Policy changed" in page and "Sign-in failed" in page
    assert "<th>Field</th><th>Before</th><th>After</th>" in page


def test_the_api_takes_the_same_filters_and_names_the_action(logged: World) -> None:
    client = _client(logged.user("auditor"))
    reviewer = logged.user("dept_reviewer")
    events = client.get("/api/audit/events", {"actor": reviewer.pk}).json()
    assert [(e["action"], e["action_name"]) for e in events] == [
        ("policy.update", "修改政策"),
        ("policy.draft", "新建政策草稿"),
    ]
    assert events[0]["actor_display"] == reviewer.full_name and events[0]["actor_name"] == reviewer.username
    assert events[0]["after"]["name"] == "高龄老人津贴"
    dated = client.get("/api/audit/events", {"date_from": "2026-03-09", "action": "login.failed"}).json()
    assert [e["action_name"] for e in dated] == ["登录失败"]
    paged = client.get("/api/audit/events", {"limit": 1, "offset": 1, "actor": reviewer.pk}).json()
    assert [e["action"] for e in paged] == ["policy.draft"]
    refused = client.get("/api/audit/events", {"date_from": "2026-02-30", "limit": "lots"})
    assert refused.status_code == 422
    errors = refused.json()["details"]["errors"]
    assert any("起始日期不是有效日期" in e for e in errors) and any("limit" in e for e in errors)
    admin = _client(logged.user("admin")).get("/api/audit/events", {"action": "person.view_clear"}).json()
    assert "王小明" not in str(admin) and "232722********123X" in str(admin)
