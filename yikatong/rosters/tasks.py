"""Background work of rosters: checking an uploaded roster file (the preview), and loading it on confirmation.

Both run in a worker, so that a file of a whole township's hundred thousand lines never holds a web request;
the clerk watches the task page and then the file's page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.bulk.errors import UnreadableFile
from yikatong.core.uploads import file_sha256, store_upload
from yikatong.rosters.domain import workflow
from yikatong.rosters.imports import RosterUpload, check_may_upload, roster_upload
from yikatong.rosters.models import Roster, RosterFile, UploadState
from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, TaskFailure, task_start, tracked_task

# The largest roster file the screen takes (a province's month is split by village or township).
MB = 1024 * 1024
MAX_UPLOAD_BYTES = 200 * MB


def roster_file_upload(*, user: Any, roster: Roster, upload: Any) -> TaskRun:
    """Keep an uploaded roster file and start checking it in a worker (nothing is added yet)."""
    check_may_upload(user, roster)
    if roster.state not in workflow.EDITABLE:
        raise ValidationError("名册已提交，不能再修改；如需更正请等待退回")
    if not upload.size:
        raise ValidationError(f"文件“{upload.name}”是空文件（0 字节），请重新选择文件")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"文件“{upload.name}”过大（{upload.size // MB} MB），最大 {MAX_UPLOAD_BYTES // MB} MB；"
            "请按村或乡镇拆分后上传"
        )
    path = store_upload(upload)
    with transaction.atomic():
        kept = RosterFile.objects.create(
            roster=roster,
            file_name=Path(upload.name).name,
            path=str(path),
            sha256=file_sha256(path),
            created_by=user,
        )
        audit_record(
            action="roster.upload_start",
            obj=kept,
            region_code=roster.village_id,
            after={"file": kept.file_name, "sha256": kept.sha256, "bytes": upload.size},
            actor=user,
        )
        return _start(user, kept, load=False)


def roster_file_confirm(*, user: Any, upload: RosterFile, accept_partial: bool) -> TaskRun:
    """The clerk confirms a checked file: its good lines are loaded in a worker (all, or with bad lines
    left out when ``accept_partial``)."""
    authorize(user, "roster.edit", upload.roster)
    with transaction.atomic():
        upload = RosterFile.objects.select_for_update().select_related("roster").get(pk=upload.pk)
        if upload.roster.state not in workflow.EDITABLE:
            raise ValidationError("名册已提交，不能再修改；如需更正请等待退回")
        if upload.state != UploadState.PREVIEWED:
            raise ValidationError(
                f"该文件当前为“{upload.get_state_display()}”，不能再导入；如需导入请重新上传"
            )
        if upload.rejected and not accept_partial:
            raise ValidationError(
                f"文件中有 {upload.rejected} 行错误：请勾选“允许部分导入”只导入正确的 {upload.good} 行，"
                "或修改后重新上传"
            )
        upload.state, upload.accept_partial = UploadState.CHECKING, accept_partial
        upload.save(update_fields=["state", "accept_partial"])
        audit_record(
            action="roster.upload_confirm",
            obj=upload,
            region_code=upload.roster.village_id,
            after={"file": upload.file_name, "accept_partial": accept_partial},
            actor=user,
        )
        return _start(user, upload, load=True)


def _start(user: Any, upload: RosterFile, *, load: bool) -> TaskRun:
    verb = "导入" if load else "校验"
    return task_start(
        task=check_roster_file,
        title=f"名册文件{verb}：{upload.file_name}",
        user=user,
        arguments={"file_id": upload.pk, "load": load},
        region_code=upload.roster.village_id,
    )


def file_summary(upload: RosterFile) -> dict[str, Any]:
    """What the task page and the API show of a roster file."""
    return {
        "file_id": upload.pk,
        "state": upload.state,
        "summary": upload.message,
        "total": upload.total,
        "good": upload.good,
        "rejected": upload.rejected,
        "added": upload.added,
        "link": {
            "url": reverse("rosters:file", args=[upload.roster_id, upload.pk]),
            "label": "查看校验结果" if upload.state == UploadState.PREVIEWED else "查看上传结果",
        },
    }


def _keep(upload: RosterFile, outcome: RosterUpload, *, dry_run: bool) -> None:
    if dry_run:
        upload.state = UploadState.PREVIEWED if outcome.good else UploadState.REFUSED
    else:
        upload.state = UploadState.LOADED if outcome.loaded else UploadState.REFUSED
        upload.loaded_at = timezone.now() if outcome.loaded else None
    upload.total, upload.good, upload.rejected = outcome.total, outcome.good, outcome.rejected
    upload.added, upload.differs, upload.ineligible = outcome.added, outcome.differs, outcome.ineligible
    upload.message, upload.preview = outcome.message, outcome.preview
    upload.report_csv, upload.report_xlsx = outcome.report_csv, outcome.report_xlsx
    upload.save()


@tracked_task(title="名册文件校验与导入")
def check_roster_file(
    run: TaskRun, progress: Progress, *, file_id: int, load: bool = False
) -> dict[str, Any]:
    """Check an uploaded roster file (``load=False``: the preview) or load its good lines (``load=True``).

    Loading again after a crash is harmless: lines already on the roster are refused as "已在本名册中".
    """
    upload = RosterFile.objects.select_related("roster").get(pk=file_id)
    try:
        # The file's record changes with the lines and the audit event, in one transaction.
        with transaction.atomic():
            outcome = roster_upload(
                user=run.created_by,
                roster=upload.roster,
                path=Path(upload.path),
                source_name=upload.file_name,
                accept_partial=upload.accept_partial,
                dry_run=not load,
                progress=progress,
            )
            _keep(upload, outcome, dry_run=not load)
    except (UnreadableFile, ValidationError) as exc:
        message = str(exc) if isinstance(exc, UnreadableFile) else "；".join(exc.messages)
        with transaction.atomic():
            upload.state = UploadState.UNREADABLE if isinstance(exc, UnreadableFile) else UploadState.FAILED
            upload.message = message
            upload.save(update_fields=["state", "message"])
            audit_record(
                action="roster.upload_refused",
                obj=upload,
                region_code=upload.roster.village_id,
                after={"file": upload.file_name, "message": message},
                actor=run.created_by,
            )
        raise TaskFailure(message, result=file_summary(upload)) from exc
    summary = file_summary(upload)
    if load and not outcome.loaded:
        raise TaskFailure(outcome.message, result=summary)
    return summary
