"""`yikatong check`: the engine over the platform's own tables, on a real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from tests.support.registry import id_number, make_card, make_person, record_death
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import VILLAGE_A, World
from yikatong.checks.engine import run
from yikatong.checks.models import Finding
from yikatong.checks.platform import platform_inputs
from yikatong.checks.services import finding_settle
from yikatong.cli import app
from yikatong.core.fields import blind_index
from yikatong.core.periods import Period
from yikatong.registry.models import CadreRecord, LandContract, RegistrySnapshot
from yikatong.rosters import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world: World) -> list:
    """An approved 高龄津贴 roster of three elders: one died in July, one has no card."""
    publish_elderly_allowance(world)
    people = elders(3, cards=False)
    make_card(people[0], account="6228480000000000101")
    make_card(people[1], account="6228480000000000102")
    roster = township_reviewed(world, people)
    department = world.user("dept_reviewer")
    with pytest.raises(ValidationError, match="无社保卡账户 1条"):
        services.roster_approve(user=department, roster=roster)
    cardless = Finding.objects.get(rule="NO_CARD", state="open")
    finding_settle(
        user=department, finding=cardless, outcome="explained", reason="社保卡正在补办，已核实本人"
    )
    services.roster_approve(user=department, roster=roster)
    record_death(people[1], dt.date(2026, 7, 24))
    return people


def test_platform_checks_find_the_dead_and_the_cardless(approved: list) -> None:
    result = run(platform_inputs(period=Period.parse("2026-10")))
    found = {(row["rule"], row["id_number"]) for row in result.findings.iter_rows(named=True)}
    assert ("DECEASED", approved[1].id_number) in found
    assert ("NO_CARD", approved[2].id_number) in found
    deceased = result.findings.filter(result.findings["rule"] == "DECEASED")["detail"][0]
    assert "2026-07-24" in deceased and "民政局" in deceased
    assert not any(rule == "OVER_STANDARD" for rule, _ in found)


def test_cli_check_prints_the_summary_and_writes_findings(approved: list, tmp_path) -> None:
    out = tmp_path / "findings.csv"
    result = CliRunner().invoke(
        app, ["check", "--period", "2026-10", "--region", VILLAGE_A, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "DECEASED" in result.output and "NO_CARD" in result.output
    assert approved[1].id_number in out.read_text(encoding="utf-8-sig")
    # Clear ID numbers left the database: the export is an audit event.
    from yikatong.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="export.findings_csv")
    assert event.after["id_numbers_in_clear"] is True and event.after["rows"] > 0
    elsewhere = CliRunner().invoke(app, ["check", "--period", "2026-10", "--region", "232722201000"])
    assert elsewhere.exit_code == 0 and "0行" in elsewhere.output


def test_registries_are_read_only_for_the_people_concerned(world: World) -> None:
    """Cadre and land snapshots come back in the rows about the lines' persons and their households only."""
    publish_elderly_allowance(world)
    elder = make_person(VILLAGE_A, "王老汉", number=id_number("19400315"), household="H-77")
    make_card(elder, account="6228480000000007701")
    son = make_person(VILLAGE_A, "王村长", household="H-77")
    stranger = make_person(VILLAGE_A, "李外人", household="H-88")
    township_reviewed(world, [elder])
    cadres = RegistrySnapshot.objects.create(
        kind="cadres", source="组织部", as_of=dt.date(2026, 9, 30), file_name="c.csv", sha256="c", rows=2
    )
    land = RegistrySnapshot.objects.create(
        kind="land", source="农业农村局", as_of=dt.date(2026, 9, 30), file_name="l.csv", sha256="l", rows=2
    )
    for person, household in ((son, "H-77"), (stranger, "H-88")):
        number = person.id_number
        CadreRecord.objects.create(
            snapshot=cadres, id_number=number, id_bidx=blind_index(number, context="person.id_number") or "",
            name=person.name, village_code=VILLAGE_A, position="村主任",
        )  # fmt: skip
        LandContract.objects.create(
            snapshot=land, household_no=household, contractor_id_number=number,
            contractor_id_bidx=blind_index(number, context="person.id_number") or "",
            village_code=VILLAGE_A, contract_area_mu=Decimal("12.5"),
        )  # fmt: skip
    inputs = platform_inputs(period=Period.parse("2026-10"))
    assert inputs.cadres is not None and inputs.land is not None and inputs.persons is not None
    assert inputs.cadres["id_number"].to_list() == [son.id_number]
    assert inputs.land.select("household_id", "contract_area_mu").rows() == [("H-77", "12.5000")]
    assert set(inputs.persons["name"]) == {"王老汉", "王村长"}
    assert {"cadres", "land"} <= set(inputs.sources)
