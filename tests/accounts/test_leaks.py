"""The two leaks a reviewer found, closed through the permission table: a bank operator searching persons
by API, and every staff user of the county reading HRSS's import error reports (full ID numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.registry import make_person
from tests.support.world import VILLAGE_A, World
from yikatong.registry.models import ImportBatch
from yikatong.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


def test_a_bank_operator_cannot_search_persons_on_any_channel(world: World) -> None:
    make_person(VILLAGE_A, "张三丰")
    bank = world.client("bank_operator")
    assert bank.get("/registry/persons/", {"q": "张三丰"}).status_code == 403
    answer = bank.get("/api/registry/persons/search", {"q": "张三丰"})
    assert answer.status_code == 403 and "张三丰" not in answer.content.decode()
    assert "无权查询人员" in answer.json()["message"]["zh"]
    # The same search by a role that may: found.
    found = world.client("hrss").get("/api/registry/persons/search", {"q": "张三丰"}).json()
    assert [person["name"] for person in found] == ["张三丰"]


def test_import_reports_go_to_those_who_keep_the_registry(world: World, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text("行号,身份证号,错误原因\n2,232722195001011234,姓名：不能为空\n", encoding="utf-8-sig")
    hrss = world.user("hrss")
    batch = ImportBatch.objects.create(
        kind="persons",
        file_name="人员.csv",
        status="partial",
        region_code=hrss.region_id,
        report_csv=str(report),
        rejected=1,
        created_by=hrss,
    )
    run = TaskRun.objects.create(
        task_path="x",
        title="导入：人员.csv",
        created_by=hrss,
        region_code=hrss.region_id,
        result={"batch": batch.pk},
    )
    for role in ("bank_operator", "dept_reviewer", "finance", "township_reviewer"):
        client = world.client(role)
        assert client.get(f"/registry/imports/{batch.pk}/report.csv").status_code in {403, 404}, role
        assert client.get(f"/api/registry/imports/{batch.pk}/report.csv").status_code in {403, 404}, role
        assert client.get(f"/tasks/{run.pk}/").status_code == 404, role
        assert "导入：人员.csv" not in client.get("/tasks/").content.decode(), role
    # HRSS, who ran it, and the auditor, who reads everything in the county, get the report.
    for role in ("hrss", "auditor"):
        client = world.client(role)
        download = client.get(f"/registry/imports/{batch.pk}/report.csv")
        assert download.status_code == 200, role
        assert "232722195001011234" in b"".join(download.streaming_content).decode("utf-8-sig")
        for close in download._resource_closers:
            close()
        assert client.get(f"/tasks/{run.pk}/").status_code == 200, role


def test_seeing_personal_data_in_clear_is_an_audit_event(world: World) -> None:
    from yikatong.audit.models import AuditEvent

    person = make_person(VILLAGE_A, "赵春燕")
    world.client("hrss").get(f"/registry/persons/{person.pk}/")
    world.client("hrss").get("/api/registry/persons/search", {"q": "赵春燕"})
    events = AuditEvent.objects.filter(action="person.view_clear").order_by("seq")
    assert [event.after["channel"] for event in events] == ["person_detail", "api.person_search"]
    assert events[0].object_id == str(person.pk)
    # A role that sees the person masked leaves no such event.
    world.client("township_reviewer", "a").get(f"/registry/persons/{person.pk}/")
    assert events.count() == 2
