"""Registry imports on a real database: upserts, idempotent re-imports, partial imports, snapshots."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.registry import banks, frame_of, id_number, make_card, make_person, write_csv
from tests.support.world import TOWN_B, VILLAGE_A, VILLAGE_B, World
from yikatong.audit.models import AuditEvent
from yikatong.core.fields import blind_index
from yikatong.core.restrict import AccessDenied
from yikatong.demo.generator import generate_county
from yikatong.registry.imports import registry_import
from yikatong.registry.models import (
    CardChange,
    CardStatus,
    DeathRecord,
    ImportStatus,
    Person,
    RegistrySnapshot,
    SocialSecurityCard,
)

pytestmark = pytest.mark.django_db

PERSON_HEADER = ["身份证号", "姓名", "村代码", "户编号", "与户主关系", "联系电话"]


@pytest.fixture
def county(tmp_path: Path, world: World) -> dict[str, Path]:
    banks()
    return generate_county(tmp_path / "county", persons=400, seed=7).files


def test_generated_county_loads_and_reloads_unchanged(county: dict[str, Path]) -> None:
    persons = registry_import(kind="persons", path=county["persons"], user=None)
    assert persons.status == ImportStatus.LOADED and persons.inserted == 400 and persons.rejected == 0
    cards = registry_import(kind="cards", path=county["cards"], user=None)
    assert cards.status == ImportStatus.LOADED and cards.inserted == cards.total_rows
    assert SocialSecurityCard.objects.count() == cards.inserted
    again = registry_import(kind="persons", path=county["persons"], user=None)
    assert (again.status, again.inserted, again.updated, again.unchanged) == (
        ImportStatus.UNCHANGED,
        0,
        0,
        400,
    )
    cards_again = registry_import(kind="cards", path=county["cards"], user=None)
    assert cards_again.status == ImportStatus.UNCHANGED and cards_again.unchanged == cards.inserted
    assert CardChange.objects.count() == 0  # registrations are the card rows themselves


def test_ids_and_accounts_are_stored_encrypted_and_found_by_blind_index(county: dict[str, Path]) -> None:
    registry_import(kind="persons", path=county["persons"], user=None)
    registry_import(kind="cards", path=county["cards"], user=None)
    first = pl.read_csv(county["persons"], infer_schema=False).row(0, named=True)
    person = Person.objects.get(id_bidx=blind_index(first["身份证号"], context="person.id_number"))
    assert person.id_number == first["身份证号"] and person.name == first["姓名"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_person")
        stored = cursor.fetchall()
        cursor.execute("SELECT account_no FROM registry_socialsecuritycard")
        accounts = cursor.fetchall()
    assert all(row[0].startswith("v1:") for row in stored)
    assert first["身份证号"] not in str(stored)
    assert all(row[0].startswith("v1:") and not row[0][3:].isdigit() for row in accounts)


def test_changed_rows_are_updated_and_counted(tmp_path: Path, world: World) -> None:
    number = id_number()
    path = write_csv(
        tmp_path / "p.csv", PERSON_HEADER, [[number, "王桂兰", VILLAGE_A, "H-1", "户主", "13904571111"]]
    )
    assert registry_import(kind="persons", path=path, user=None).inserted == 1
    moved = write_csv(
        tmp_path / "p2.csv", PERSON_HEADER, [[number, "王桂兰", VILLAGE_B, "H-1", "户主", "13904572222"]]
    )
    batch = registry_import(kind="persons", path=moved, user=None)
    assert (batch.inserted, batch.updated, batch.unchanged) == (0, 1, 0)
    person = Person.objects.get()
    assert (person.village_id, person.phone) == (VILLAGE_B, "13904572222")


def test_bad_rows_refuse_the_file_unless_partial_is_accepted(tmp_path: Path, world: World) -> None:
    good = [id_number(), "李玉兰", VILLAGE_A, "H-1", "户主", ""]
    real = id_number()
    bad_check = [real[:17] + ("1" if real[17] == "0" else "0"), "赵四", VILLAGE_A, "H-2", "户主", ""]
    bad_village = [id_number(), "孙五", "232722999201", "H-3", "户主", ""]
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, [good, bad_check, bad_village])
    refused = registry_import(kind="persons", path=path, user=None)
    assert refused.status == ImportStatus.REFUSED and refused.rejected == 2 and Person.objects.count() == 0
    report = frame_of(Path(refused.report_csv))
    assert set(report["行号"].to_list()) == {"3", "4"}
    assert "校验位" in report["错误原因"][0] and "232722999201" in report["错误原因"][1]
    partial = registry_import(kind="persons", path=path, user=None, accept_partial=True)
    assert partial.status == ImportStatus.PARTIAL and partial.inserted == 1 and Person.objects.count() == 1


def test_dry_run_counts_but_writes_nothing(county: dict[str, Path]) -> None:
    batch = registry_import(kind="persons", path=county["persons"], user=None, dry_run=True)
    assert batch.status == ImportStatus.CHECKED and batch.inserted == 400
    assert Person.objects.count() == 0


def test_unreadable_file_gets_one_message_and_changes_nothing(tmp_path: Path, world: World) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("姓名,村代码\n张三,232722100201\n", encoding="utf-8")
    batch = registry_import(kind="persons", path=path, user=None)
    assert batch.status == ImportStatus.UNREADABLE
    assert "名单.csv" in batch.message and "身份证号" in batch.message
    assert Person.objects.count() == 0
    assert AuditEvent.objects.filter(action="registry.import.persons", object_id=str(batch.pk)).exists()


def test_a_village_clerk_imports_only_their_own_village(tmp_path: Path, world: World) -> None:
    clerk = world.user("village_clerk", "village_a")
    path = write_csv(
        tmp_path / "p.csv",
        PERSON_HEADER,
        [
            [id_number(), "本村人", VILLAGE_A, "H-1", "户主", ""],
            [id_number(), "外村人", VILLAGE_B, "H-2", "户主", ""],
        ],
    )
    batch = registry_import(kind="persons", path=path, user=clerk, accept_partial=True)
    assert batch.inserted == 1 and batch.rejected == 1
    assert list(Person.objects.values_list("name", flat=True)) == ["本村人"]
    with pytest.raises(AccessDenied):
        registry_import(kind="cards", path=path, user=clerk)


def test_a_code_outside_the_users_area_says_so_and_an_unknown_one_does_not_exist(
    tmp_path: Path, world: World
) -> None:
    clerk = world.user("village_clerk", "village_a")
    rows = [
        [id_number(), "本村人", VILLAGE_A, "H-1", "户主", ""],
        [id_number(), "外村人", VILLAGE_B, "H-2", "户主", ""],
        [id_number(), "乡里人", TOWN_B, "H-3", "户主", ""],
        [id_number(), "无此村", "232722999999", "H-4", "户主", ""],
    ]
    batch = registry_import(
        kind="persons",
        path=write_csv(tmp_path / "p.csv", PERSON_HEADER, rows),
        user=clerk,
        accept_partial=True,
    )
    assert (batch.inserted, batch.rejected) == (1, 3)
    report = frame_of(Path(batch.report_csv))
    assert dict(zip(report["行号"], report["错误原因"], strict=True)) == {
        "3": "村代码：区划代码 232722201202（安罗村）不在您的管辖范围内",
        "4": "村代码：区划代码 232722201000（依西肯乡）不是村级区划代码",
        "5": "村代码：区划代码 232722999999 不存在",
    }
    # The county's own import of the same file knows every village: only the township and the unknown code
    # are refused.
    county_batch = registry_import(
        kind="persons", path=write_csv(tmp_path / "p.csv", PERSON_HEADER, rows), user=None, dry_run=True
    )
    assert county_batch.rejected == 2


def test_region_codes_are_checked_as_sets_whatever_the_number_of_rows(tmp_path: Path, world: World) -> None:
    clerk = world.user("village_clerk", "village_a")

    def queries(count: int) -> int:
        rows = [[id_number(), "外村人", VILLAGE_B, f"H-{n}", "户主", ""] for n in range(count)]
        path = write_csv(tmp_path / f"{count}.csv", PERSON_HEADER, rows)
        with CaptureQueriesContext(connection) as captured:
            batch = registry_import(kind="persons", path=path, user=clerk, dry_run=True)
        assert batch.rejected == count
        return len(captured)

    assert queries(2) == queries(60)


CARD_HEADER = ["身份证号", "持卡人姓名", "开户银行代码", "银行账号", "卡状态"]


def test_cards_refuse_proxies_strangers_and_shared_accounts(tmp_path: Path, world: World) -> None:
    banks()
    owner = make_person(VILLAGE_A, "刘长林")
    other = make_person(VILLAGE_A, "刘长江")
    make_card(owner, account="6228480000000009999")
    rows = [
        [other.id_number, "刘长林", "103", "6228480000000001111", "正常"],  # held in another's name (代持)
        [id_number(), "无此人", "103", "6228480000000002222", "正常"],  # not in the registry
        [other.id_number, "刘长江", "103", "6228480000000009999", "正常"],  # owner's account (一卡多人)
    ]
    batch = registry_import(
        kind="cards", path=write_csv(tmp_path / "c.csv", CARD_HEADER, rows), user=None, accept_partial=True
    )
    assert batch.rejected == 3 and batch.inserted == 0
    reasons = frame_of(Path(batch.report_csv))["错误原因"].to_list()
    assert (
        any("代持" in r for r in reasons)
        and any("没有此人" in r for r in reasons)
        and any("他人" in r for r in reasons)
    )


def test_a_new_card_replaces_the_old_one_which_stays_as_history(tmp_path: Path, world: World) -> None:
    banks()
    person = make_person(VILLAGE_A, "周明")
    old = make_card(person, account="6228480000000003333")
    rows = [[person.id_number, "周明", "403", "6221880000000004444", "正常"]]
    batch = registry_import(kind="cards", path=write_csv(tmp_path / "c.csv", CARD_HEADER, rows), user=None)
    assert batch.inserted == 1
    old.refresh_from_db()
    assert old.status == CardStatus.CLOSED and old.closed_at is not None
    assert person.cards.exclude(status="closed").get().bank.code == "403"
    assert CardChange.objects.filter(card=old, to_status="closed", reason__startswith="换卡").exists()
    lost = [[person.id_number, "周明", "403", "6221880000000004444", "挂失"]]
    assert (
        registry_import(
            kind="cards", path=write_csv(tmp_path / "l.csv", CARD_HEADER, lost), user=None
        ).updated
        == 1
    )


def test_deaths_become_a_dated_snapshot_once(county: dict[str, Path]) -> None:
    first = registry_import(kind="deaths", path=county["deaths"], user=None, source="民政局")
    assert first.status == ImportStatus.LOADED and first.snapshot is not None
    snapshot = RegistrySnapshot.objects.get()
    assert (snapshot.kind, snapshot.source, snapshot.rows) == ("deaths", "民政局", first.total_rows)
    assert DeathRecord.objects.count() == first.total_rows
    again = registry_import(kind="deaths", path=county["deaths"], user=None)
    assert again.status == ImportStatus.UNCHANGED and RegistrySnapshot.objects.count() == 1
    for kind in ("cadres", "land"):
        assert registry_import(kind=kind, path=county[kind], user=None).status == ImportStatus.LOADED
    assert RegistrySnapshot.objects.count() == 3


def test_a_failing_audit_record_leaves_no_unaudited_import(
    tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch and its audit event are written in the import's own transaction: if recording the event
    fails, the loaded persons are rolled back with it (no change without its event)."""
    import yikatong.registry.imports as imports

    path = write_csv(
        tmp_path / "p.csv", PERSON_HEADER, [[id_number(), "王桂兰", VILLAGE_A, "H-1", "户主", ""]]
    )

    def broken(**_: object) -> None:
        raise RuntimeError("审计日志写入失败")

    monkeypatch.setattr(imports, "audit_record", broken)
    with pytest.raises(RuntimeError):
        registry_import(kind="persons", path=path, user=None)
    assert not Person.objects.exists()
    monkeypatch.undo()
    batch = registry_import(kind="persons", path=path, user=None)
    assert batch.inserted == 1
    assert AuditEvent.objects.filter(action="registry.import.persons", object_id=str(batch.pk)).exists()
