"""事后专项核查 through the screens: an auditor's run over a period range, its Excel list, a reproducible
sample for field checks, and the rule settings that decide what blocks."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import quote

import polars as pl
import pytest
from django.test import Client

from tests.checks.test_views import client_as
from tests.support.registry import make_card, record_death
from tests.support.rosters import approved, elders, publish_elderly_allowance, township_reviewed
from tests.support.tasks import deliver
from tests.support.world import COUNTY, World
from yikatong.audit.models import AuditEvent
from yikatong.checks.models import CheckRun, Finding, RuleSetting, RunKind
from yikatong.checks.services import sample_draw
from yikatong.core.masking import mask_id_number
from yikatong.core.restrict import AccessDenied
from yikatong.registry.models import Person
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import Roster
from yikatong.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world: World) -> list[Person]:
    """Three elders paid 高龄津贴 for 2026-06 and 2026-07; one has no card, one died on 2026-05-10."""
    publish_elderly_allowance(world)
    people = elders(3, cards=False)
    make_card(people[0], account="6228480000000000401")
    make_card(people[1], account="6228480000000000402")
    for period in ("2026-06", "2026-07"):
        approved(world, people, period)
    record_death(people[1], dt.date(2026, 5, 10), file_name="死亡名单.csv")
    return people


def _posthoc_run(client: Client, **extra: Any) -> CheckRun:
    """Start a post-hoc audit on the page, deliver its task, and return the run it made."""
    data = {"period_from": "2026-01", "period_to": "2026-10", "region": COUNTY, **extra}
    response = client.post("/checks/posthoc/", data)
    task = TaskRun.objects.order_by("-created_at").first()
    assert task is not None and response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    result = deliver(task)
    assert result["summary"].startswith("核查")
    return CheckRun.objects.get(pk=result["check_run_id"])


def _sheet(response: Any) -> pl.DataFrame:
    """The first worksheet of a downloaded workbook, every cell as text."""
    content = b"".join(response.streaming_content)
    return pl.read_excel(io.BytesIO(content), engine="calamine", infer_schema_length=0)


def test_auditor_runs_a_posthoc_audit_over_a_period_range(world: World, history: list[Person]) -> None:
    auditor = client_as(world.user("auditor"))
    page = auditor.get("/checks/posthoc/").content.decode()
    assert 'data-testid="posthoc-form"' in page and page.count('type="checkbox" name="rules"') == 16
    assert page.count(" checked>") == 16

    run = _posthoc_run(auditor)
    # The run is the range asked for, whichever periods in it had approved lines (here 2026-06 and 2026-07).
    assert run.kind == RunKind.POSTHOC and run.period_from == "2026-01" and run.period_to == "2026-10"
    assert run.period_label == "2026-01 至 2026-10"
    assert run.line_count == 6 and len(run.rules) == 16
    counts = {row["rule"]: row["count"] for row in run.summary}
    assert counts["DECEASED"] == 2 and counts["NO_CARD"] == 2

    detail = auditor.get(f"/checks/runs/{run.pk}/").content.decode()
    assert 'data-testid="summary-DECEASED"' in detail and "死亡人员冒领" in detail
    assert f'?run={run.pk}&amp;rule=DECEASED">2</a>' in detail
    assert "死亡名单.csv" in detail and "民政局" in detail and 'data-testid="line-count">6<' in detail
    assert 'data-testid="sample-form"' in detail
    recent = auditor.get("/checks/posthoc/").content.decode()
    assert f"/checks/runs/{run.pk}/" in recent

    listing = auditor.get("/checks/findings/", {"run": run.pk, "rule": "DECEASED"}).content.decode()
    assert "共 2 条疑点" in listing and "2026-05-10" in listing

    chosen = _posthoc_run(auditor, rules=["DECEASED"], policy="GLJT", period_to="2026-06")
    assert chosen.rules == ["DECEASED"] and [row["rule"] for row in chosen.summary] == ["DECEASED"]
    assert chosen.line_count == 3 and chosen.summary[0]["count"] == 1


def test_posthoc_page_is_for_auditors_and_finance_within_their_region(world: World) -> None:
    for role, place in (("dept_reviewer", "county"), ("village_clerk", "village_a"), ("hrss", "county")):
        client = client_as(world.user(role, place))
        assert client.get("/checks/posthoc/").status_code == 403
        assert client.post("/checks/posthoc/", {"period_from": "2026-01"}).status_code == 403
    township = client_as(world.user("auditor", "a"))
    refused = township.post("/checks/posthoc/", {"period_from": "2026-01", "region": "232722201000"})
    assert refused.status_code == 403
    bad = township.post("/checks/posthoc/", {"period_from": "2026-05", "period_to": "2026-01"})
    assert bad.status_code == 200 and "截止期间不能早于起始期间" in bad.content.decode()
    assert client_as(world.user("finance")).get("/checks/posthoc/").status_code == 200
    assert TaskRun.objects.count() == 0


def test_run_export_lists_the_findings_masked_by_role(world: World, history: list[Person]) -> None:
    auditor = client_as(world.user("auditor"))
    run = _posthoc_run(auditor)
    dead = history[1]

    response = auditor.get(f"/checks/runs/{run.pk}/findings.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"filename*=utf-8''{quote(f'核查疑点-批次{run.pk}')}" in response["Content-Disposition"]
    sheet = _sheet(response)
    assert sheet.columns[:8] == [
        "序号",
        "规则代码",
        "规则名称",
        "严重程度",
        "是否阻断",
        "村/社区",
        "姓名",
        "身份证号",
    ]
    assert sheet.height == run.finding_count
    deaths = sheet.filter(pl.col("规则代码") == "DECEASED")
    assert deaths.height == 2 and set(deaths["发放期间"]) == {"2026-06", "2026-07"}
    # Auditors need ID numbers in clear to investigate (CLEAR_TEXT_ROLES); finance sees them masked.
    assert set(deaths["身份证号"]) == {dead.id_number} and set(deaths["姓名"]) == {dead.name}
    assert set(deaths["处理状态"]) == {"待处理"} and set(deaths["是否阻断"]) == {"是"}
    event = AuditEvent.objects.get(action="export.check_findings")
    assert event.object_id == str(run.pk) and event.after["rows"] == run.finding_count

    finance = _sheet(client_as(world.user("finance")).get(f"/checks/runs/{run.pk}/findings.xlsx"))
    finance_deaths = finance.filter(pl.col("规则代码") == "DECEASED")
    assert set(finance_deaths["身份证号"]) == {mask_id_number(dead.id_number)}
    assert dead.id_number not in finance.write_csv()
    assert AuditEvent.objects.filter(action="export.check_findings").count() == 2

    outsider = client_as(world.user("auditor", "b"))
    assert outsider.get(f"/checks/runs/{run.pk}/findings.xlsx").status_code == 404


def test_sample_with_a_seed_is_reproducible_and_audited(world: World, history: list[Person]) -> None:
    auditor = client_as(world.user("auditor"))
    run = _posthoc_run(auditor)
    response = auditor.post(f"/checks/runs/{run.pk}/sample/", {"size": 3, "seed": 20261031}, follow=True)
    body = response.content.decode()
    assert "已抽取3行（随机种子 20261031" in body and 'data-testid="sample-lines"' in body
    run.refresh_from_db()
    first = list(run.sample)
    assert len(first) == 3 and run.sample_seed == 20261031
    assert "50.00" in body and "150.00" in body

    auditor.post(f"/checks/runs/{run.pk}/sample/", {"size": 3})
    auditor.post(f"/checks/runs/{run.pk}/sample/", {"size": 3, "seed": 20261031})
    run.refresh_from_db()
    assert run.sample == first and run.sample_seed == 20261031
    events = AuditEvent.objects.filter(action="checks.sample", object_id=str(run.pk))
    assert events.count() == 3
    assert [e.after["seed"] for e in events.order_by("seq") if e.after][-1] == 20261031

    export = auditor.get(f"/checks/runs/{run.pk}/sample.xlsx")
    sheet = _sheet(export)
    assert sheet.height == 3 and set(sheet["金额（元）"]) == {"50.00"}
    assert sheet.columns == [
        "序号",
        "村/社区",
        "名册号",
        "行号",
        "姓名",
        "身份证号",
        "项目代码",
        "发放期间",
        "金额（元）",
        "状态",
    ]
    assert AuditEvent.objects.filter(action="export.check_sample", object_id=str(run.pk)).exists()

    too_few = auditor.post(f"/checks/runs/{run.pk}/sample/", {"size": 0}, follow=True)
    assert 'class="message error"' in too_few.content.decode()
    assert client_as(world.user("township_reviewer", "a")).post(
        f"/checks/runs/{run.pk}/sample/", {"size": 1}
    ).status_code in {403, 404}
    with pytest.raises(AccessDenied):
        sample_draw(user=world.user("hrss"), run=run, size=1)
    run.refresh_from_db()
    assert run.sample == first

    inflight = CheckRun.objects.filter(kind=RunKind.INFLIGHT).first()
    assert inflight is not None
    refused = client_as(world.user("finance")).post(
        f"/checks/runs/{inflight.pk}/sample/", {"size": 1}, follow=True
    )
    assert "只能对已完成的事后专项核查抽样" in refused.content.decode()


def test_finance_makes_a_rule_non_blocking_and_approval_passes(world: World) -> None:
    publish_elderly_allowance(world)
    people = elders(1, cards=False)
    roster = township_reviewed(world, people, "2026-10")
    department = client_as(world.user("dept_reviewer"))
    department.post(f"/rosters/{roster.pk}/approve/")
    roster.refresh_from_db()
    assert roster.state == workflow.TOWNSHIP_REVIEWED

    finance = client_as(world.user("finance"))
    page = finance.get("/checks/rules/").content.decode()
    assert page.count('data-testid="rule-change-') == 16 and "改为不阻断" in page
    reason = "人社局集中补办社保卡期间先行发放"
    response = finance.post("/checks/rules/NO_CARD/change/", {"blocking": "0", "reason": reason}, follow=True)
    assert "规则“无社保卡账户”已设为不阻断发放" in response.content.decode()
    assert RuleSetting.objects.get(code="NO_CARD").blocking is False
    event = AuditEvent.objects.get(action="checks.rule_setting")
    assert event.before == {"code": "NO_CARD", "title": "无社保卡账户", "blocking": True}
    assert event.after == {"code": "NO_CARD", "title": "无社保卡账户", "blocking": False, "reason": reason}

    department.post(f"/rosters/{roster.pk}/approve/")
    roster.refresh_from_db()
    assert roster.state == workflow.APPROVED
    finding = Finding.objects.get(rule="NO_CARD", roster=roster)
    assert finding.state == "open" and finding.blocking is False


def test_only_finance_and_the_administrator_change_rule_settings(world: World) -> None:
    auditor = client_as(world.user("auditor"))
    page = auditor.get("/checks/rules/").content.decode()
    assert "NO_CARD" in page and "改为不阻断" not in page
    change = {"blocking": "0", "reason": "试图调整"}
    response = auditor.post("/checks/rules/NO_CARD/change/", change)
    assert response.status_code == 403 and "只有财政局或系统管理员" in response.content.decode()
    assert auditor.get("/checks/rules/NO_CARD/change/").status_code == 403
    department = client_as(world.user("dept_reviewer"))
    assert department.post("/checks/rules/DECEASED/change/", change).status_code == 403
    # The old one-click switch on the list is gone: the list only reads.
    assert department.post("/checks/rules/", {"code": "DECEASED", "blocking": "0"}).status_code == 405
    assert not RuleSetting.objects.exists()
    admin = client_as(world.user("admin"))
    admin.post("/checks/rules/SHARED_ACCOUNT/change/", {"blocking": "1", "reason": "一卡多人须先核实"})
    assert RuleSetting.objects.get(code="SHARED_ACCOUNT").blocking is True
    assert admin.post("/checks/rules/NOPE/change/", {"blocking": "1", "reason": "x"}).status_code == 404
    assert RuleSetting.objects.count() == 1


def test_roster_path_is_not_changed_by_a_posthoc_run(world: World, history: list[Person]) -> None:
    auditor = client_as(world.user("auditor"))
    _posthoc_run(auditor)
    assert set(Roster.objects.values_list("state", flat=True)) == {workflow.APPROVED}
    assert not Finding.objects.filter(kind=RunKind.POSTHOC).exclude(state="open").exists()
