"""Rosters through the API: a village opens a roster with its lines, uploads a file, reads it back."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yikatong.accounts.permissions import may_see_clear, requires
from yikatong.bulk.reader import UnreadableFile
from yikatong.core.fields import blind_index
from yikatong.core.idnumber import normalise_id_number
from yikatong.core.masking import mask_id_number, mask_name
from yikatong.core.money import InvalidAmount, yuan_to_fen
from yikatong.registry.models import Person
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.imports import ID_INDEX, roster_upload
from yikatong.rosters.models import Roster

router = Router(tags=["申报名册 rosters"])


class LineIn(Schema):
    id_number: str
    quantity: Decimal = Decimal(1)
    amount: str | None = None
    # Empty: the person's social security card on file (一人一卡).
    account_no: str = ""


class RosterIn(Schema):
    policy_code: str
    period: str
    village_code: str
    lines: list[LineIn] = []


class LineOut(Schema):
    line_no: int
    name: str
    id_number: str
    quantity: str
    amount: str
    amount_fen: int
    standard: str | None
    standard_fen: int | None
    amount_differs: bool
    ineligible_reason: str
    state: str
    reason: str


class RosterOut(Schema):
    id: int
    policy_code: str
    period: str
    village_code: str
    state: str
    state_label: str
    revision: int
    deadline: dt.datetime | None
    publicity_start: dt.datetime | None
    publicity_end: dt.datetime | None
    lines: list[LineOut]


class UploadOut(Schema):
    total: int
    added: int
    rejected: int
    differs: int
    ineligible: int
    loaded: bool
    message: str
    report: str


def _yuan(fen: int) -> str:
    """Fen as plain 元 with two decimals, for machines: 123456 → "1234.56"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def _visible(request: HttpRequest) -> Any:
    return Roster.objects.restrict(request.user, "view").select_related("policy", "village")


def _detail(request: HttpRequest, roster: Roster) -> RosterOut:
    role = getattr(request.user, "role", "")
    clear_name, clear_id = may_see_clear(role, "name"), may_see_clear(role, "id_number")
    lines = roster.lines.select_related("person").order_by("line_no")
    return RosterOut(
        id=roster.pk,
        policy_code=roster.policy.code,
        period=roster.period,
        village_code=str(roster.village_id),
        state=roster.state,
        state_label=workflow.LABELS.get(roster.state, roster.state),
        revision=roster.revision,
        deadline=roster.deadline,
        publicity_start=roster.publicity_start,
        publicity_end=roster.publicity_end,
        lines=[
            LineOut(
                line_no=line.line_no,
                name=line.person.name if clear_name else mask_name(line.person.name),
                id_number=line.person.id_number if clear_id else mask_id_number(line.person.id_number),
                quantity=f"{line.quantity.normalize():f}",
                amount=_yuan(line.amount_fen),
                amount_fen=line.amount_fen,
                standard=None if line.standard_fen is None else _yuan(line.standard_fen),
                standard_fen=line.standard_fen,
                amount_differs=line.amount_differs,
                ineligible_reason=line.ineligible_reason,
                state=line.state,
                reason=line.reason,
            )
            for line in lines
        ],
    )


@router.post("", response={201: RosterOut}, summary="建立申报名册（可同时列入人员）")
@requires("roster.create")
def roster_open(request: HttpRequest, payload: RosterIn) -> Status[RosterOut]:
    with transaction.atomic():
        roster = services.roster_create(
            user=request.user,
            policy_code=payload.policy_code,
            period=payload.period,
            village_code=payload.village_code,
        )
        persons = Person.objects.restrict(request.user, "view")
        for number, line in enumerate(payload.lines, start=1):
            person = persons.filter(
                id_bidx=blind_index(normalise_id_number(line.id_number), context=ID_INDEX)
            ).first()
            if person is None:
                raise ValidationError(f"第{number}行：本人辖区的人员登记库中没有此身份证号")
            try:
                amount_fen = yuan_to_fen(line.amount) if line.amount else None
            except InvalidAmount as exc:
                raise ValidationError(f"第{number}行：{exc}") from exc
            try:
                services.roster_line_add(
                    user=request.user,
                    roster=roster,
                    person=person,
                    quantity=line.quantity,
                    amount_fen=amount_fen,
                    account_no=line.account_no,
                )
            except ValidationError as exc:
                raise ValidationError(f"第{number}行：{'；'.join(exc.messages)}") from exc
    return Status(201, _detail(request, get_object_or_404(_visible(request), pk=roster.pk)))


@router.get("/{roster_id}", response=RosterOut, summary="名册状态、期限、公示日期与人员（按角色脱敏）")
@requires("roster.view")
def roster_detail(request: HttpRequest, roster_id: int) -> RosterOut:
    return _detail(request, get_object_or_404(_visible(request), pk=roster_id))


@router.post(
    "/{roster_id}/file", response={200: UploadOut, 422: UploadOut}, summary="上传名册文件（CSV/Excel）"
)
@requires("roster.edit")
def roster_file(
    request: HttpRequest,
    roster_id: int,
    file: UploadedFile = File(...),  # noqa: B008 - ninja declares parameters this way
    accept_partial: bool = Form(False),
) -> Status[UploadOut]:
    roster = get_object_or_404(_visible(request), pk=roster_id)
    name = file.name or "roster.csv"
    with tempfile.TemporaryDirectory(prefix="roster-upload-") as directory:
        path = Path(directory) / f"upload{Path(name).suffix.lower() or '.csv'}"
        with path.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        try:
            outcome = roster_upload(
                user=request.user, roster=roster, path=path, source_name=name, accept_partial=accept_partial
            )
        except UnreadableFile as exc:
            raise ValidationError(str(exc)) from exc
    out = UploadOut(
        total=outcome.total,
        added=outcome.added,
        rejected=outcome.rejected,
        differs=outcome.differs,
        ineligible=outcome.ineligible,
        loaded=outcome.loaded,
        message=outcome.message,
        report=Path(outcome.report_csv).name if outcome.report_csv else "",
    )
    return Status(200 if outcome.loaded else 422, out)
