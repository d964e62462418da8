"""Disclosure through the API, for the disclosure officer's own tools: the queue with its clock, the
preview of what the public will see (masked), and approval (publication)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from yikatong.accounts.permissions import requires
from yikatong.disclosure import selectors, services

router = Router(tags=["补贴发放公开 disclosure"])


class DueOut(Schema):
    policy_id: int
    policy_code: str
    policy_name: str
    period: str
    village_code: str
    village_name: str
    township_name: str
    kind: str
    revision: int
    added: int
    withdrawn: int
    clock_started_on: dt.date
    due_on: dt.date
    working_days_left: int
    late: bool


class PreviewLineOut(Schema):
    name_masked: str
    id_masked: str
    amount_fen: int
    paid_on: dt.date
    withdrawn: bool
    change_note: str


class PreviewOut(Schema):
    due: DueOut
    line_count: int
    total_fen: int
    change_note: str
    lines: list[PreviewLineOut]


class ApproveIn(Schema):
    policy_id: int
    period: str
    village_code: str


class DisclosureOut(Schema):
    id: int
    policy_id: int
    period: str
    village_code: str
    revision: int
    state: str
    published_on: dt.date
    due_on: dt.date
    late: bool
    line_count: int
    total_fen: int
    withdrawn_count: int
    change_note: str


def _due(item: selectors.Due) -> DueOut:
    return DueOut(
        policy_id=item.policy_id,
        policy_code=item.policy_code,
        policy_name=item.policy_name,
        period=item.period,
        village_code=item.village_code,
        village_name=item.village_name,
        township_name=item.township_name,
        kind=item.kind,
        revision=item.revision,
        added=item.added,
        withdrawn=item.withdrawn,
        clock_started_on=item.clock_started_on,
        due_on=item.due_on,
        working_days_left=item.days_left,
        late=item.late,
    )


@router.get("/due", response=list[DueOut], summary="待公开：按补贴项目、期间和村汇总的已到账发放及公开时限")
@requires("disclosure.view")
def disclosure_due_list(request: HttpRequest) -> list[DueOut]:
    return [_due(d) for d in selectors.due_list(request.user.region_prefix)]  # type: ignore[union-attr]


@router.get(
    "/due/{policy_id}/{period}/{village_code}",
    response=PreviewOut,
    summary="公开预览：审核后公众看到的内容（脱敏）",
)
@requires("disclosure.view")
def disclosure_due_preview(
    request: HttpRequest, policy_id: int, period: str, village_code: str
) -> PreviewOut:
    shown = services.disclosure_preview(
        user=request.user, policy_id=policy_id, period=period, village_code=village_code
    )
    if shown is None:
        raise Http404
    return PreviewOut(
        due=_due(shown.due),
        line_count=shown.line_count,
        total_fen=shown.total_fen,
        change_note=shown.change_note,
        lines=[
            PreviewLineOut(
                name_masked=x.name_masked,
                id_masked=x.id_masked,
                amount_fen=x.amount_fen,
                paid_on=x.paid_on,
                withdrawn=x.withdrawn,
                change_note=x.change_note,
            )
            for x in shown.lines
        ],
    )


@router.post("/approve", response=DisclosureOut, summary="审核公开（含更正）：立即在公开专栏公开")
@requires("disclosure.approve")
def disclosure_approve(request: HttpRequest, payload: ApproveIn) -> DisclosureOut:
    done = services.disclosure_approve(
        user=request.user,
        policy_id=payload.policy_id,
        period=payload.period,
        village_code=payload.village_code,
    )
    return DisclosureOut(
        id=done.pk,
        policy_id=done.policy_id,
        period=done.period,
        village_code=done.village_id,
        revision=done.revision,
        state=done.state,
        published_on=done.published_on,
        due_on=done.due_on,
        late=done.late,
        line_count=done.line_count,
        total_fen=done.total_fen,
        withdrawn_count=done.withdrawn_count,
        change_note=done.change_note,
    )
