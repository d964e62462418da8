"""In the platform, an empty account is the person's card on file (一人一卡): a person without a card may be
declared, NO_CARD holds the line until HRSS records a card, and a named account not the card's is
ACCOUNT_MISMATCH. Real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.support.registry import banks, write_csv
from tests.support.rosters import elders, publish_elderly_allowance
from tests.support.world import VILLAGE_A, World
from yikatong.checks.models import Finding, FindingState
from yikatong.checks.selectors import open_blocking
from yikatong.checks.services import check_roster
from yikatong.registry import services as registry
from yikatong.rosters import services
from yikatong.rosters.imports import roster_upload
from yikatong.rosters.models import LineState, Roster, RosterLine

pytestmark = pytest.mark.django_db

HEADER = ["序号", "项目代码", "发放期间", "身份证号", "姓名", "村代码", "数量", "金额", "银行账号"]


@pytest.fixture
def roster(world: World) -> Roster:
    publish_elderly_allowance(world)
    return services.roster_create(
        user=world.user("village_clerk", "village_a"),
        policy_code="GLJT",
        period="2026-10",
        village_code=VILLAGE_A,
    )


def _to_department(world: World, roster: Roster) -> Roster:
    """Submit, end the public notice (its week moved into the past) and pass the township review."""
    clerk = world.user("village_clerk", "village_a")
    services.roster_submit(user=clerk, roster=roster)
    Roster.objects.filter(pk=roster.pk).update(publicity_end=timezone.now() - dt.timedelta(seconds=1))
    services.publicity_close(user=clerk, roster=Roster.objects.get(pk=roster.pk))
    services.township_finish(user=world.user("township_reviewer", "a"), roster=roster, accept_pending=True)
    return Roster.objects.get(pk=roster.pk)


def test_a_person_without_a_card_blocks_approval_until_hrss_records_one(world: World, roster: Roster) -> None:
    clerk = world.user("village_clerk", "village_a")
    with_card, without = elders(1)[0], elders(1, cards=False)[0]
    for person in (with_card, without):
        services.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    assert set(RosterLine.objects.filter(roster=roster).values_list("account_no", flat=True)) == {""}
    roster = _to_department(world, roster)
    department = world.user("dept_reviewer")
    with pytest.raises(ValidationError, match="无社保卡账户 1条"):
        services.roster_approve(user=department, roster=roster)
    finding = open_blocking(roster).get()
    assert finding.rule == "NO_CARD" and finding.person == without
    assert "名册未填写银行账号" in finding.detail and "请人社部门为其办理社保卡" in finding.detail
    # HRSS records the card; the next check no longer finds anything, and the line moves on.
    registry.card_register(
        user=world.user("hrss"),
        person=without,
        bank=banks()["103"],
        account_no="6228480000000099999",
        holder_name=without.name,
    )
    services.roster_approve(user=department, roster=roster)
    roster.refresh_from_db()
    assert set(roster.lines.values_list("state", flat=True)) == {LineState.APPROVED}
    finding.refresh_from_db()
    assert finding.state == FindingState.DISMISSED and finding.settled_by is None


def test_a_named_account_that_is_not_the_persons_card_is_account_mismatch(
    world: World, roster: Roster
) -> None:
    clerk = world.user("village_clerk", "village_a")
    owner, other = elders(2)
    services.roster_line_add(
        user=clerk, roster=roster, person=other, quantity=Decimal(1), account_no=f"62284800{owner.pk:011d}"
    )
    line = RosterLine.objects.get(roster=roster)
    assert line.account_no == f"62284800{owner.pk:011d}"
    # Encrypted at rest like every account.
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_no FROM rosters_rosterline WHERE id = %s", [line.pk])
        assert line.account_no not in cursor.fetchone()[0]
    check_roster(user=world.user("dept_reviewer"), roster=_to_department(world, roster))
    found = Finding.objects.get(rule="ACCOUNT_MISMATCH")
    assert found.line == line and "他人名下" in found.detail


def test_a_malformed_account_is_refused_with_its_reason(world: World, roster: Roster) -> None:
    clerk = world.user("village_clerk", "village_a")
    with pytest.raises(ValidationError, match="银行账号：应为8至32位数字"):
        services.roster_line_add(
            user=clerk, roster=roster, person=elders(1)[0], quantity=Decimal(1), account_no="12ab"
        )
    assert not RosterLine.objects.filter(roster=roster).exists()


def test_upload_accepts_empty_accounts_and_refuses_malformed_ones(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    people = elders(3, cards=False)
    rows = [
        ["1", "GLJT", "2026-10", people[0].id_number, "老人", VILLAGE_A, "1", "50.00", ""],
        [
            "2",
            "GLJT",
            "2026-10",
            people[1].id_number,
            "老人",
            VILLAGE_A,
            "1",
            "50.00",
            "6228480000000012345",
        ],
        [
            "3",
            "GLJT",
            "2026-10",
            people[2].id_number,
            "老人",
            VILLAGE_A,
            "1",
            "50.00",
            "not-an-account",
        ],
    ]
    clerk = world.user("village_clerk", "village_a")
    outcome = roster_upload(user=clerk, roster=roster, path=write_csv(tmp_path / "r.csv", HEADER, rows))
    assert not outcome.loaded and outcome.rejected == 1
    assert "银行账号：应为8至32位数字" in Path(outcome.report_csv).read_text(encoding="utf-8-sig")
    partial = roster_upload(
        user=clerk, roster=roster, path=write_csv(tmp_path / "r.csv", HEADER, rows), accept_partial=True
    )
    assert partial.added == 2
    accounts = dict(RosterLine.objects.filter(roster=roster).values_list("line_no", "account_no"))
    assert accounts == {1: "", 2: "6228480000000012345"}


def test_the_line_form_takes_an_optional_account(world: World, roster: Roster, client: Client) -> None:
    person = elders(1, cards=False)[0]
    client.force_login(world.user("village_clerk", "village_a"))
    url = f"/rosters/{roster.pk}/add_line/"
    bad = client.post(url, {"id_number": person.id_number, "quantity": "1", "account_no": "123"}, follow=True)
    assert "银行账号：应为8至32位数字" in bad.content.decode()
    assert not RosterLine.objects.filter(roster=roster).exists()
    client.post(url, {"id_number": person.id_number, "quantity": "1", "account_no": ""})
    assert RosterLine.objects.get(roster=roster).account_no == ""
    page = client.get(f"/rosters/{roster.pk}/").content.decode()
    assert "本人社保卡" in page
