"""Attachments: images and PDF by their content, whatever their name; size-limited; kept under the data
directory outside the web root; served only to the handling department and auditors, each view audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.complaints.support import exe_bytes, file_complaint, pdf_bytes, png_bytes, upload
from tests.support.rosters import publish_elderly_allowance
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.complaints import services
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Attachment


def test_an_exe_renamed_jpg_is_refused() -> None:
    with pytest.raises(ValidationError, match="不是图片或PDF"):
        services.check_files([upload("照片.jpg", exe_bytes())])


def test_an_oversized_pdf_is_refused(settings: object) -> None:
    settings.YIKATONG_COMPLAINT_ATTACHMENT_BYTES = 10_000  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="超过"):
        services.check_files([upload("材料.pdf", pdf_bytes(padding=20_000), "application/pdf")])


def test_too_many_files_are_refused() -> None:
    with pytest.raises(ValidationError, match="最多"):
        services.check_files([upload(f"{i}.png", png_bytes()) for i in range(4)])


def test_a_png_and_a_pdf_are_accepted_by_content() -> None:
    # Named wrongly on purpose: the content decides.
    checked = services.check_files([upload("a.pdf", png_bytes()), upload("b.txt", pdf_bytes(), "text/plain")])
    assert [c.kind.content_type for c in checked] == ["image/png", "application/pdf"]
    assert rules.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") is not None
    assert rules.sniff(b"<html>") is None


def test_files_are_stored_outside_the_web_root_and_served_to_handlers_only(world: World) -> None:
    publish_elderly_allowance(world)
    files = services.check_files([upload("photo.png", png_bytes(), "image/png")])
    filed = file_complaint(files=files)
    item = Attachment.objects.get(complaint=filed.complaint)
    path = services.attachment_path(item)
    assert path.read_bytes() == png_bytes()
    assert Path(settings.DATA_DIR) in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents and Path(settings.MEDIA_ROOT) not in path.parents
    assert not str(path).startswith(str(Path(settings.BASE_DIR) / "yikatong" / "static"))
    assert item.original_name == "photo.png" and item.stored_name.endswith(".png")
    url = reverse("complaints:attachment", kwargs={"pk": item.pk})
    response = world.client("dept_reviewer").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == png_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action="complaint.attachment_view", object_id=str(filed.complaint.pk)
    ).exists()
    auditor = world.client("auditor").get(url)
    assert auditor.status_code == 200
    # Finance sees the complaint, not who filed it nor their files; another township's reviewer nothing.
    assert world.client("finance").get(url).status_code == 403
    assert world.client("township_reviewer", "a").get(url).status_code == 404
    assert world.client("township_reviewer", "b").get(url).status_code == 404
    assert Client().get(url).status_code in {302, 403}
