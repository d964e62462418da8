"""Registry imports and person look-up through the API, for departments' systems (数据共享)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from yikatong.accounts.permissions import requires, requires_one_of, shown
from yikatong.core.uploads import store_upload
from yikatong.registry import selectors
from yikatong.registry.models import RegistryKind
from yikatong.registry.tasks import batch_summary, import_registry_file
from yikatong.registry.views import import_report_response
from yikatong.tasks.services import task_start

router = Router(tags=["登记数据 registry"])


class TaskRef(Schema):
    task_id: str
    progress_url: str


class PersonOut(Schema):
    id: int
    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    village_code: str


@router.get("/imports/{batch_id}", summary="一次导入的结果（含错误报告下载地址）")
@requires("import.view")
def import_result(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    batch = get_object_or_404(selectors.import_batches_visible(user=request.user), pk=batch_id)
    return batch_summary(batch)


@router.get("/persons/search", response=list[PersonOut], summary="按完整身份证号或姓名查询人员（本人区划内）")
@requires("person.search")
def person_lookup(request: HttpRequest, q: str) -> list[PersonOut]:
    role = getattr(request.user, "role", "")
    found = selectors.person_search(user=request.user, query=q)
    selectors.clear_read_record(user=request.user, persons=list(found.persons), channel="api.person_search")
    return [
        PersonOut(
            id=p.pk,
            name=shown(role, "name", p.name),
            id_number=shown(role, "id_number", p.id_number),
            gender=p.gender,
            birth_date=p.birth_date,
            village_code=p.village_id,
        )
        for p in found.persons
    ]


@router.get("/imports/{batch_id}/report.{fmt}", summary="下载导入错误报告（csv 或 xlsx）")
@requires("import.view")
def import_report(request: HttpRequest, batch_id: int, fmt: str) -> FileResponse:
    return import_report_response(request.user, batch_id, fmt)


# One path segment, so it never shadows /persons/search or /imports/{id} (two segments each).
@router.post("/{kind}", response=TaskRef, summary="上传登记数据文件导入（后台任务）")
@requires_one_of("kind", {kind: f"import.{kind}" for kind in RegistryKind.values})
def registry_upload(
    request: HttpRequest,
    kind: RegistryKind,
    file: UploadedFile = File(...),  # noqa: B008 - ninja declares parameters this way
    dry_run: bool = Form(False),
    accept_partial: bool = Form(False),
    as_of: dt.date | None = Form(None),  # noqa: B008
    source: str = Form(""),
) -> TaskRef:
    path = store_upload(file)
    run = task_start(
        task=import_registry_file,
        title=f"导入：{file.name}",
        user=request.user,
        arguments={
            "kind": kind,
            "path": str(path),
            "file_name": file.name or path.name,
            "dry_run": dry_run,
            "accept_partial": accept_partial,
            "as_of": as_of.isoformat() if as_of else "",
            "source": source,
        },
    )
    return TaskRef(task_id=str(run.pk), progress_url=f"/api/tasks/{run.pk}")
