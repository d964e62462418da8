"""The registry's facts where the user acts: a person the death registry lists is flagged as the clerk adds
them, on the roster page (for the township too) and in an upload's preview; HRSS records no new card for
them without a reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.rosters.test_imports import HEADER, _line
from tests.rosters.test_imports import roster as roster  # the fixture
from tests.support.registry import banks, id_number, make_person, record_death, write_csv
from tests.support.tasks import deliver
from tests.support.world import VILLAGE_A, World
from yikatong.audit.models import AuditEvent
from yikatong.registry import services as registry
from yikatong.rosters.models import Roster, RosterFile
from yikatong.tasks.models import TaskRun

pytestmark = pytest.mark.django_db

WORDS = "据民政局，已于2026-08-12死亡"


def test_adding_a_dead_person_warns_and_the_roster_page_shows_it(world: World, roster: Roster) -> None:
    person = make_person(VILLAGE_A, "刘老汉", number=id_number("19400301"))
    record_death(person, dt.date(2026, 8, 12))
    client = Client()
    client.force_login(world.user("village_clerk", "village_a"))
    page = client.post(
        f"/rosters/{roster.pk}/add_line/", {"id_number": person.id_number, "quantity": "1"}, follow=True
    ).content.decode()
    assert "已添加第1行" in page and "注意：第1行的人员" + WORDS in page
    assert 'data-testid="death-1"' in page
    submitted = client.post(f"/rosters/{roster.pk}/submit/", follow=True).content.decode()
    assert "名册中有1人在死亡登记中" in submitted


def test_an_uploads_preview_names_the_death(world: World, roster: Roster, tmp_path: Path) -> None:
    person = make_person(VILLAGE_A, "刘老汉", number=id_number("19400301"))
    record_death(person, dt.date(2026, 8, 12))
    path = write_csv(tmp_path / "r.csv", HEADER, [_line(1, person, name="刘老汉")])
    client = Client()
    client.force_login(world.user("village_clerk", "village_a"))
    client.post(f"/rosters/{roster.pk}/upload/", {"file": SimpleUploadedFile("r.csv", path.read_bytes())})
    deliver(TaskRun.objects.get())
    assert RosterFile.objects.get().preview["good"][0]["notes"] == WORDS


def test_no_new_card_for_a_dead_person_without_a_reason(world: World) -> None:
    bank = banks()["103"]
    person = make_person(VILLAGE_A, "刘老汉", number=id_number("19400301"))
    record_death(person, dt.date(2026, 8, 12))
    hrss = world.user("hrss")
    with pytest.raises(ValidationError, match="不能为其登记新卡"):
        registry.card_register(user=hrss, person=person, bank=bank, account_no="6228480000000001111",
                               holder_name="刘老汉")  # fmt: skip
    card = registry.card_register(
        user=hrss, person=person, bank=bank, account_no="6228480000000001111", holder_name="刘老汉",
        reason="民政局来函更正：死亡登记系同名误录",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="card.register", object_id=str(card.pk))
    assert (
        event.after["reason"] == "民政局来函更正：死亡登记系同名误录"
        and "2026-08-12" in event.after["death_record"]
    )
    # On the screen, the refusal names the field and the person page offers it.
    client = Client()
    client.force_login(hrss)
    other = make_person(VILLAGE_A, "王老太", number=id_number("19380101", male=False))
    record_death(other, dt.date(2026, 8, 12), file_name="d2.csv")
    page = client.post(
        f"/registry/persons/{other.pk}/card/",
        {"bank": bank.pk, "account_no": "6228480000000002222", "holder_name": "王老太"},
        follow=True,
    ).content.decode()
    assert "不能为其登记新卡" in page and 'name="reason"' in page
