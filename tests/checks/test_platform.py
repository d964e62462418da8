"""`yikatong check`: the engine over the platform's own tables, on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from tests.support.registry import make_card, record_death
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import VILLAGE_A, World
from yikatong.checks.engine import run
from yikatong.checks.models import Finding
from yikatong.checks.platform import platform_inputs
from yikatong.checks.services import finding_settle
from yikatong.cli import app
from yikatong.core.periods import Period
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
    elsewhere = CliRunner().invoke(app, ["check", "--period", "2026-10", "--region", "232722201000"])
    assert elsewhere.exit_code == 0 and "0行" in elsewhere.output
