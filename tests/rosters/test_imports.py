"""Roster uploads, the roster API and `yikatong import roster` on a real database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from typer.testing import CliRunner

from tests.support.registry import frame_of, id_number, make_person, write_csv
from tests.support.rosters import publish_elderly_allowance
from tests.support.world import VILLAGE_A, VILLAGE_B, World
from yikatong.audit.models import AuditEvent
from yikatong.cli import app
from yikatong.core.restrict import AccessDenied
from yikatong.registry.models import Person
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.imports import roster_upload
from yikatong.rosters.models import Roster, RosterLine

pytestmark = pytest.mark.django_db

HEADER = ["序号", "项目代码", "发放期间", "身份证号", "姓名", "村代码", "数量", "金额", "银行账号"]
PERIOD = "2026-10"


@pytest.fixture
def roster(world: World) -> Roster:
    publish_elderly_allowance(world)
    return services.roster_create(
        user=world.user("village_clerk", "village_a"),
        policy_code="GLJT",
        period=PERIOD,
        village_code=VILLAGE_A,
    )


def _person(village: str = VILLAGE_A, birth: str = "19400301", name: str = "王秀英") -> Person:
    return make_person(village, name, number=id_number(birth))


def _line(no: int, person: Person | str, amount: str = "50.00", **changes: str) -> list[str]:
    number = person if isinstance(person, str) else person.id_number
    cells = {
        "no": str(no), "code": "GLJT", "period": PERIOD, "id": number, "name": "王秀英",
        "village": VILLAGE_A, "quantity": "1", "amount": amount, "account": "6228480000000001234",
    }  # fmt: skip
    cells.update(changes)
    return list(cells.values())


def test_upload_computes_standard_amounts_and_flags_a_typed_amount_that_differs(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    aged_86, aged_91, young = _person(), _person(birth="19350101"), _person(birth="19900101")
    path = write_csv(
        tmp_path / "roster.csv",
        HEADER,
        [_line(1, aged_86), _line(2, aged_91, "120.00"), _line(3, young, "50.00", quantity="2")],
    )
    clerk = world.user("village_clerk", "village_a")
    outcome = roster_upload(user=clerk, roster=roster, path=path)
    assert outcome.loaded and (outcome.total, outcome.added, outcome.rejected) == (3, 3, 0)
    assert outcome.differs == 1 and outcome.ineligible == 1 and "不符" in outcome.message
    lines = {line.line_no: line for line in RosterLine.objects.filter(roster=roster)}
    assert (lines[1].amount_fen, lines[1].standard_fen, lines[1].amount_differs) == (5000, 5000, False)
    assert (lines[2].amount_fen, lines[2].standard_fen, lines[2].amount_differs) == (12000, 10000, True)
    assert lines[3].standard_fen is None and "不满80岁" in lines[3].ineligible_reason
    assert lines[3].quantity == Decimal(2) and lines[3].person == young and lines[3].state == "pending"
    event = AuditEvent.objects.get(action="roster.upload")
    assert event.after["added"] == 3 and event.actor_id == clerk.pk


def test_bad_lines_refuse_the_file_with_a_report_and_partial_loads_the_good_ones(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    good, elsewhere, already = _person(), _person(VILLAGE_B), _person()
    clerk = world.user("village_clerk", "village_a")
    services.roster_line_add(user=clerk, roster=roster, person=already, quantity=Decimal(1))
    rows = [
        _line(2, good),
        _line(3, id_number("19400101")),  # valid ID, nobody registered
        _line(4, elsewhere),  # registered in another village
        _line(5, good),  # the same person again
        _line(6, _person(), village=VILLAGE_B),  # wrong village code
        _line(7, _person(), period="2026-09"),  # wrong period
        _line(8, _person(), code="OTHER"),  # wrong policy
        _line(9, already),  # already on the roster
        _line(1, _person()),  # line number taken by the hand-added line
    ]
    path = write_csv(tmp_path / "roster.csv", HEADER, rows)
    refused = roster_upload(user=clerk, roster=roster, path=path)
    assert not refused.loaded and refused.added == 0 and refused.rejected == 8
    assert "整个文件未导入" in refused.message
    assert RosterLine.objects.filter(roster=roster).count() == 1
    report = frame_of(Path(refused.report_csv))
    reasons = dict(zip(report["行号"].to_list(), report["错误原因"].to_list(), strict=True))
    assert "登记库中没有此人" in reasons["3"]
    assert "其他村" in reasons["4"]
    assert "重复" in reasons["5"] and "第 2 行" in reasons["5"]
    assert "村代码" in reasons["6"] and "发放期间" in reasons["7"] and "项目代码" in reasons["8"]
    assert "已在本名册" in reasons["9"] and "序号" in reasons["10"]
    assert Path(refused.report_xlsx).exists()

    partial = roster_upload(user=clerk, roster=roster, path=path, accept_partial=True)
    assert partial.loaded and partial.added == 1 and partial.rejected == 8
    assert set(RosterLine.objects.filter(roster=roster).values_list("person_id", flat=True)) == {
        already.pk,
        good.pk,
    }


def test_upload_is_refused_when_the_roster_is_not_editable_or_not_the_users(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "roster.csv", HEADER, [_line(1, _person())])
    with pytest.raises(AccessDenied):
        roster_upload(user=world.user("village_clerk", "village_b"), roster=roster, path=path)
    with pytest.raises(AccessDenied):
        roster_upload(user=world.user("township_reviewer", "a"), roster=roster, path=path)
    Roster.objects.filter(pk=roster.pk).update(state=workflow.PUBLICIZING)
    roster.refresh_from_db()
    with pytest.raises(ValidationError, match="不能再修改"):
        roster_upload(user=world.user("village_clerk", "village_a"), roster=roster, path=path)
    assert not RosterLine.objects.exists()


def test_api_creates_a_roster_and_reads_it_back_masked_by_role(world: World, tmp_path: Path) -> None:
    publish_elderly_allowance(world)
    person = _person(name="王秀英")
    clerk = Client()
    clerk.force_login(world.user("village_clerk", "village_a"))
    created = clerk.post(
        "/api/rosters",
        {"policy_code": "GLJT", "period": PERIOD, "village_code": VILLAGE_A,
         "lines": [{"id_number": person.id_number, "quantity": "1", "amount": "60"}]},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == workflow.DRAFT and len(body["lines"]) == 1
    line = body["lines"][0]
    assert (line["amount"], line["amount_fen"], line["standard"], line["amount_differs"]) == (
        "60.00",
        6000,
        "50.00",
        True,
    )
    assert line["id_number"] == person.id_number and line["name"] == "王秀英"

    reviewer = Client()
    reviewer.force_login(world.user("township_reviewer", "a"))
    seen = reviewer.get(f"/api/rosters/{body['id']}").json()
    assert seen["lines"][0]["name"] == "王秀英" and "*" in seen["lines"][0]["id_number"]
    outsider = Client()
    outsider.force_login(world.user("township_reviewer", "b"))
    assert outsider.get(f"/api/rosters/{body['id']}").status_code == 404

    upload = write_csv(tmp_path / "more.csv", HEADER, [_line(2, _person())])
    with upload.open("rb") as handle:
        uploaded = clerk.post(f"/api/rosters/{body['id']}/file", {"file": handle})
    assert uploaded.status_code == 200 and uploaded.json()["added"] == 1
    unknown = clerk.post(
        "/api/rosters",
        {"policy_code": "GLJT", "period": "2026-11", "village_code": VILLAGE_A,
         "lines": [{"id_number": id_number("19400101")}]},
        content_type="application/json",
    )  # fmt: skip
    assert unknown.status_code == 422 and not Roster.objects.filter(period="2026-11").exists()


def test_cli_import_roster_creates_the_roster_and_uploads(world: World, tmp_path: Path) -> None:
    publish_elderly_allowance(world)
    path = write_csv(tmp_path / "roster.csv", HEADER, [_line(1, _person()), _line(2, _person(), "70.00")])
    runner = CliRunner()
    arguments = [
        "import",
        "roster",
        str(path),
        "--policy",
        "GLJT",
        "--period",
        PERIOD,
        "--village",
        VILLAGE_A,
    ]
    clerk = world.user("village_clerk", "village_a").username
    result = runner.invoke(app, [*arguments, "--user", clerk])
    assert result.exit_code == 0, result.output
    assert "已建立名册" in result.output and "1 行申报金额与标准金额不符" in result.output
    roster = Roster.objects.get(period=PERIOD, village_id=VILLAGE_A)
    assert roster.lines.count() == 2
    again = runner.invoke(app, [*arguments, "--user", clerk])
    assert again.exit_code == 1 and "整个文件未导入" in again.output
    assert runner.invoke(app, arguments).exit_code == 2
    garbage = tmp_path / "empty.csv"
    garbage.write_text("", encoding="utf-8")
    unreadable = runner.invoke(app, ["import", "roster", str(garbage), *arguments[3:], "--user", clerk])
    assert unreadable.exit_code == 2
