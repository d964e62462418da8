"""Background work of the registry: imports of uploaded files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.urls import reverse

from yikatong.registry.imports import registry_import
from yikatong.registry.models import ImportBatch, ImportStatus
from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, TaskFailure, tracked_task


def batch_summary(batch: ImportBatch) -> dict[str, Any]:
    """What the task page and the API show of an import."""
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "summary": batch.message,
        "total": batch.total_rows,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "unknown_columns": batch.unknown_columns,
        # API addresses: they take a token as well as the browser's session.
        "report_csv": f"/api/registry/imports/{batch.pk}/report.csv" if batch.report_csv else None,
        "report_xlsx": f"/api/registry/imports/{batch.pk}/report.xlsx" if batch.report_xlsx else None,
        "link": {
            "url": reverse("registry:import_detail", args=[batch.pk]),
            "label": "查看导入结果与错误报告",
        },
    }


@tracked_task(title="登记数据导入")
def import_registry_file(
    run: TaskRun,
    progress: Progress,
    *,
    kind: str,
    path: str,
    file_name: str,
    dry_run: bool = False,
    accept_partial: bool = False,
    as_of: str = "",
    source: str = "",
) -> dict[str, Any]:
    """Import an uploaded registry file (idempotent: a retry after a crash finds the data already there)."""
    batch = registry_import(
        kind=kind,
        path=Path(path),
        user=run.created_by,
        source_name=file_name,
        dry_run=dry_run,
        accept_partial=accept_partial,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        source=source,
        progress=progress,
    )
    summary = batch_summary(batch)
    if batch.status in {ImportStatus.UNREADABLE, ImportStatus.REFUSED}:
        raise TaskFailure(batch.message, result=summary)
    return summary
