"""The roster page's file upload: kept, checked in a worker, previewed with reasons, confirmed, loaded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.rosters.test_imports import HEADER, _line, _person
from tests.rosters.test_imports import roster as roster  # the fixture
from tests.support.registry import id_number, write_csv
from tests.support.tasks import deliver
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.core.masking import mask_id_number
from yikatong.rosters.models import Roster, RosterFile, RosterLine, UploadState
from yikatong.tasks.models import TaskRun, TaskStatus
from yikatong.tasks.services import TaskFailure

pytestmark = pytest.mark.django_db


def _clerk(world: World) -> Client:
    client = Client()
    client.force_login(world.user("village_clerk", "village_a"))
    return client


def _post(client: Client, roster: Roster, path: Path, name: str | None = None) -> TaskRun:
    upload = SimpleUploadedFile(name or path.name, path.read_bytes())
    response = client.post(f"/rosters/{roster.pk}/upload/", {"file": upload})
    run = TaskRun.objects.order_by("-created_at").first()
    assert run is not None and response.url == f"/tasks/{run.pk}/", response
    return run


def test_a_file_with_a_refused_row_is_previewed_then_partly_loaded_on_confirmation(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    good, stranger = _person(), id_number("19400315")
    path = write_csv(tmp_path / "名册.csv", HEADER, [_line(1, good), _line(2, stranger)])
    client = _clerk(world)
    result = deliver(_post(client, roster, path))
    upload = RosterFile.objects.get()
    assert upload.state == UploadState.PREVIEWED and (upload.good, upload.rejected) == (1, 1)
    assert not RosterLine.objects.filter(roster=roster).exists(), "a check adds nothing"
    page = client.get(result["link"]["url"]).content.decode()
    assert "人员登记库中没有此人" in page and mask_id_number(stranger) in page
    assert mask_id_number(good.id_number) in page and good.id_number not in page
    assert "允许部分导入" in page
    # Without "允许部分导入" a file with refused rows is not loaded.
    refused = client.post(f"/rosters/{roster.pk}/files/{upload.pk}/confirm/", follow=True)
    assert "允许部分导入" in refused.content.decode() and TaskRun.objects.count() == 1
    response = client.post(f"/rosters/{roster.pk}/files/{upload.pk}/confirm/", {"accept_partial": "1"})
    run = TaskRun.objects.order_by("-created_at").first()
    assert run is not None and response.url == f"/tasks/{run.pk}/"
    deliver(run)
    upload.refresh_from_db()
    assert upload.state == UploadState.LOADED and upload.added == 1
    assert list(RosterLine.objects.filter(roster=roster).values_list("person_id", flat=True)) == [good.pk]
    report = client.get(f"/rosters/{roster.pk}/files/{upload.pk}/report.csv")
    assert report.status_code == 200 and "人员登记库中没有此人" in b"".join(report.streaming_content).decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"roster.upload_start", "roster.upload_check", "roster.upload_confirm", "roster.upload"} <= actions
    assert "export.roster_file_report" in actions
    # Confirming twice loads nothing more.
    again = client.post(
        f"/rosters/{roster.pk}/files/{upload.pk}/confirm/", {"accept_partial": "1"}, follow=True
    )
    assert "不能再导入" in again.content.decode()


def test_a_text_file_named_xlsx_fails_with_a_reason_and_loses_nothing(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    path = tmp_path / "名册.xlsx"
    path.write_text("序号,项目代码\n1,GLJT\n", encoding="utf-8")
    run = _post(_clerk(world), roster, path)
    with pytest.raises(TaskFailure):
        deliver(run)
    run.refresh_from_db()
    upload = RosterFile.objects.get()
    assert run.status == TaskStatus.FAILED and upload.state == UploadState.UNREADABLE
    assert "名册.xlsx" in upload.message and not RosterLine.objects.exists()


def test_empty_and_foreign_files_are_refused_on_the_page(world: World, roster: Roster) -> None:
    client = _clerk(world)
    empty = client.post(
        f"/rosters/{roster.pk}/upload/", {"file": SimpleUploadedFile("a.csv", b"")}, follow=True
    ).content.decode()
    assert "空文件" in empty
    pdf = client.post(
        f"/rosters/{roster.pk}/upload/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}, follow=True
    ).content.decode()
    assert "只接受" in pdf
    missing = client.post(f"/rosters/{roster.pk}/upload/", follow=True).content.decode()
    assert "请选择" in missing
    assert not TaskRun.objects.exists() and not RosterFile.objects.exists()


def test_the_template_is_an_xlsx_with_the_headers_and_an_example_row_that_reads_back(
    world: World, roster: Roster, tmp_path: Path
) -> None:
    response = _clerk(world).get(f"/rosters/{roster.pk}/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    import polars as pl

    frame = pl.read_excel(io.BytesIO(response.content), sheet_name="申报名册")
    assert frame.columns == HEADER and frame.height == 1
    assert frame.row(0)[1:3] == ("GLJT", roster.period)
    # The example row is a well-formed line: it is refused only because the example person is not registered.
    from yikatong.rosters.imports import roster_upload

    outcome = roster_upload(
        user=world.user("village_clerk", "village_a"), roster=roster, path=path, dry_run=True
    )
    assert outcome.rejected == 1 and "人员登记库中没有此人" in outcome.preview["rejected"][0]["reason"]
