"""Registry imports through the API and the screens, agent banks, and household payout cards."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.support.registry import banks, make_card, make_person
from tests.support.tasks import deliver
from tests.support.world import VILLAGE_A, World
from yikatong.accounts.services import api_token_create
from yikatong.audit.models import AuditEvent
from yikatong.registry.models import AgentBank, Household, Person
from yikatong.registry.selectors import payout_card
from yikatong.tasks.models import TaskRun, TaskStatus
from yikatong.tasks.services import TaskFailure

pytestmark = pytest.mark.django_db

GOOD = "身份证号,姓名,村代码,户编号,与户主关系\n{id},王桂兰,232722100201,H-9,户主\n"


def _token(world: World, role: str = "hrss") -> str:
    user = world.user(role)
    return api_token_create(user=user, name="人社系统", actor=user)[1]


def test_api_upload_returns_a_task_whose_result_names_the_error_report(world: World, tmp_path: Path) -> None:
    key = _token(world)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    bad = "身份证号,姓名,村代码,户编号,与户主关系\n232722195603010000,王桂兰,232722100201,H-9,户主\n"
    upload = tmp_path / "名单.csv"
    upload.write_text(bad, encoding="gbk")
    with upload.open("rb") as handle:
        response = client.post("/api/registry/persons", {"file": handle})
    assert response.status_code == 200, response.content
    run = TaskRun.objects.get(pk=response.json()["task_id"])
    with pytest.raises(TaskFailure):
        deliver(run)
    task = client.get(f"/api/tasks/{run.pk}").json()
    assert task["status"] == TaskStatus.FAILED and "1 行错误" in task["error"]
    report = client.get(task["result"]["report_csv"])
    assert report.status_code == 200
    assert "校验位" in b"".join(report.streaming_content).decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="export.import_report").exists()
    assert Person.objects.count() == 0


def test_api_upload_refuses_roles_that_do_not_keep_the_registry(world: World, tmp_path: Path) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {_token(world, 'township_reviewer')}")
    upload = tmp_path / "p.csv"
    upload.write_text(GOOD.format(id="232722195603012216"), encoding="utf-8")
    with upload.open("rb") as handle:
        response = client.post("/api/registry/persons", {"file": handle})
    assert response.status_code == 403 and TaskRun.objects.count() == 0


def test_screen_upload_runs_as_a_task_and_links_to_its_result(world: World, tmp_path: Path) -> None:
    client = Client()
    client.force_login(world.user("hrss"))
    upload = tmp_path / "p.csv"
    upload.write_text(GOOD.format(id="232722195603012216"), encoding="utf-8-sig")
    with upload.open("rb") as handle:
        response = client.post("/registry/imports/", {"kind": "persons", "file": handle})
    run = TaskRun.objects.get()
    assert response.url == f"/tasks/{run.pk}/"
    result = deliver(run)
    assert result["inserted"] == 1 and "/registry/imports/" in result["link"]["url"]
    page = client.get(result["link"]["url"]).content.decode()
    assert "导入完成" in page and "新增 1 条" in page


def test_upload_form_refuses_other_file_types(world: World, tmp_path: Path) -> None:
    client = Client()
    client.force_login(world.user("hrss"))
    upload = tmp_path / "scan.pdf"
    upload.write_bytes(b"%PDF-1.4")
    with upload.open("rb") as handle:
        html = client.post("/registry/imports/", {"kind": "persons", "file": handle}).content.decode()
    assert "只接受" in html and TaskRun.objects.count() == 0


def test_hrss_keeps_agent_banks_and_others_only_read(world: World) -> None:
    hrss = Client()
    hrss.force_login(world.user("hrss"))
    response = hrss.post(
        "/registry/banks/new/",
        {"code": "104", "name": "中国银行", "file_format": "flat", "free_of_charge": "on", "active": "on"},
    )
    assert response.status_code == 302 and AgentBank.objects.filter(code="104").exists()
    assert AuditEvent.objects.filter(action="agent_bank.save").exists()
    finance = Client()
    finance.force_login(world.user("finance"))
    assert finance.get("/registry/banks/").status_code == 200
    assert finance.get("/registry/banks/new/").status_code == 403


def test_household_subsidies_pay_the_heads_card(world: World) -> None:
    banks()
    head = make_person(VILLAGE_A, "户主甲", household="H-77")
    member = make_person(VILLAGE_A, "成员乙")
    member.household = Household.objects.get(household_no="H-77")
    member.relation = "spouse"
    member.save()
    head_card = make_card(head, account="6228480000000007777")
    own_card = make_card(member, account="6228480000000008888")
    assert payout_card(member) == own_card
    assert payout_card(member, per_household=True) == head_card
