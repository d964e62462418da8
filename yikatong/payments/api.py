"""Disbursement through the API, for departments' and banks' systems: plans (read, build, submit, approve),
batches (a bank's own only), their payment files (audited, as the screen's download), returns uploaded,
payments and failed lines (names and accounts as the role may see them)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from yikatong.accounts.permissions import authorize, requires, shown
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.payments import files, returns, selectors, services
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BankReturn,
    BatchState,
    DisbursementPlan,
    LineStatus,
    Payment,
    PaymentBatch,
    PaymentFile,
    PlanLine,
    ReturnState,
)
from yikatong.policies.models import Policy

router = Router(tags=["资金发放 payments"])

MAX_PAGE_SIZE = 500


def _yuan(fen: int) -> str:
    """Fen as plain 元 with two decimals, for machines: 123456 → "1234.56"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


# --- schemas ------------------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    number: str
    policy_code: str
    policy_name: str
    period: str
    region_code: str
    townships: list[str]
    supplementary: bool
    state: str
    state_label: str
    line_count: int
    total: str
    total_fen: int
    check_run_id: int | None
    deadline: dt.datetime | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    budget_line: str
    voucher_no: str
    comment: str


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PlanOut]


class SubtotalOut(Schema):
    code: str
    name: str
    count: int
    total_fen: int
    paid_count: int
    paid_fen: int


class StatusCount(Schema):
    label: str
    count: int
    fen: int


class FileOut(Schema):
    file_name: str
    file_format: str
    sha256: str
    size: int
    count: int
    total_fen: int
    created_at: dt.datetime
    url: str


class BatchOut(Schema):
    id: int
    plan_id: int
    plan_number: str
    message_id: str
    bank_code: str
    bank_name: str
    round: int
    state: str
    state_label: str
    count: int
    total: str
    total_fen: int
    paid_count: int
    paid_fen: int
    failed_count: int
    failed_fen: int
    returned_count: int
    returned_fen: int
    unknown_count: int
    unknown_fen: int
    rejection: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    file: FileOut | None


class PlanDetailOut(PlanOut):
    by_township: list[SubtotalOut]
    by_bank: list[SubtotalOut]
    status_counts: dict[str, StatusCount]
    batches: list[BatchOut]


class BatchPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[BatchOut]


class ReturnOut(Schema):
    id: int
    batch_id: int | None
    kind: str
    file_name: str
    sha256: str
    message_id: str
    state: str
    state_label: str
    lines: int
    changed: int
    unchanged: int
    unknown: int
    message: str
    imported_at: dt.datetime


class BatchDetailOut(BatchOut):
    returns: list[ReturnOut]


class PaymentOut(Schema):
    id: int
    end_to_end_id: str
    attempt: int
    holder_name: str
    account_no: str
    village_code: str
    amount: str
    amount_fen: int
    status: str
    status_label: str
    reason_code: str
    reason_text: str
    settled_on: dt.date | None


class PaymentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PaymentOut]


class FailedLineOut(Schema):
    id: int
    plan_id: int
    plan_number: str
    policy_name: str
    period: str
    village_code: str
    person_name: str
    bank_code: str
    amount: str
    amount_fen: int
    attempts: int
    status: str
    status_label: str
    reason_code: str
    reason_text: str
    remedy_role: str
    remedy: str


class FailedPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FailedLineOut]


class PlanIn(Schema):
    policy_code: str
    period: str
    # Empty: every village of the caller's region.
    townships: list[str] = []
    supplementary: bool = False


class ApproveIn(Schema):
    budget_line: str
    voucher_no: str


# --- answers ------------------------------------------------------------------------------------------------


def _plan_out(plan: DisbursementPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "number": plan.number,
        "policy_code": plan.policy.code,
        "policy_name": plan.policy_version.name,
        "period": plan.period,
        "region_code": str(plan.region_id),
        "townships": list(plan.townships),
        "supplementary": plan.supplementary,
        "state": plan.state,
        "state_label": plans.LABELS.get(plan.state, plan.state),
        "line_count": plan.line_count,
        "total": _yuan(plan.total_fen),
        "total_fen": plan.total_fen,
        "check_run_id": plan.check_run_id,
        "deadline": plan.deadline,
        "created_at": plan.created_at,
        "submitted_at": plan.submitted_at,
        "approved_at": plan.approved_at,
        "budget_line": plan.budget_line,
        "voucher_no": plan.voucher_no,
        "comment": plan.comment,
    }


def _subtotals(rows: list[selectors.Subtotal]) -> list[SubtotalOut]:
    return [
        SubtotalOut(
            code=row.code,
            name=row.name,
            count=row.count,
            total_fen=row.total_fen,
            paid_count=row.paid_count,
            paid_fen=row.paid_fen,
        )
        for row in rows
    ]


def _file_out(kept: PaymentFile | None) -> FileOut | None:
    if kept is None:
        return None
    return FileOut(
        file_name=kept.file_name,
        file_format=kept.file_format,
        sha256=kept.sha256,
        size=kept.size,
        count=kept.count,
        total_fen=kept.total_fen,
        created_at=kept.created_at,
        url=f"/api/batches/{kept.batch_id}/file",
    )


def _batch_out(batch: PaymentBatch, kept: PaymentFile | None) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "plan_id": batch.plan_id,
        "plan_number": batch.plan.number,
        "message_id": batch.message_id,
        "bank_code": batch.bank.code,
        "bank_name": batch.bank.name,
        "round": batch.round,
        "state": batch.state,
        "state_label": batch.get_state_display(),
        "count": batch.count,
        "total": _yuan(batch.total_fen),
        "total_fen": batch.total_fen,
        "paid_count": batch.paid_count,
        "paid_fen": batch.paid_fen,
        "failed_count": batch.failed_count,
        "failed_fen": batch.failed_fen,
        "returned_count": batch.returned_count,
        "returned_fen": batch.returned_fen,
        "unknown_count": batch.unknown_count,
        "unknown_fen": batch.unknown_fen,
        "rejection": batch.rejection,
        "created_at": batch.created_at,
        "sent_at": batch.sent_at,
        "file": _file_out(kept),
    }


def _batch_outs(batches: list[PaymentBatch]) -> list[BatchOut]:
    kept = {f.batch_id: f for f in PaymentFile.objects.filter(batch__in=[b.pk for b in batches])}
    return [BatchOut(**_batch_out(batch, kept.get(batch.pk))) for batch in batches]


def _return_out(kept: BankReturn) -> ReturnOut:
    return ReturnOut(
        id=kept.pk,
        batch_id=kept.batch_id,
        kind=kept.kind,
        file_name=kept.file_name,
        sha256=kept.sha256,
        message_id=kept.message_id,
        state=kept.state,
        state_label=kept.get_state_display(),
        lines=kept.lines,
        changed=kept.changed,
        unchanged=kept.unchanged,
        unknown=kept.unknown,
        message=kept.message,
        imported_at=kept.imported_at,
    )


def _page(page: int, page_size: int) -> tuple[int, int, int]:
    """The page, its size (at most MAX_PAGE_SIZE) and the first row's offset."""
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    return page, page_size, (page - 1) * page_size


def _plan_detail(plan: DisbursementPlan) -> PlanDetailOut:
    labels = dict(LineStatus.choices)
    counts = selectors.plan_status_counts(plan)
    batches = list(plan.batches.select_related("bank", "plan").order_by("round", "bank__code"))
    return PlanDetailOut(
        **_plan_out(plan),
        by_township=_subtotals(selectors.plan_by_township(plan)),
        by_bank=_subtotals(selectors.plan_by_bank(plan)),
        status_counts={
            status: StatusCount(label=str(labels.get(status, status)), **figures)
            for status, figures in counts.items()
        },
        batches=_batch_outs(batches),
    )


def _visible_plan(request: HttpRequest, plan_id: int) -> DisbursementPlan:
    return get_object_or_404(selectors.plan_list(user=request.user), pk=plan_id)


def _visible_batch(request: HttpRequest, batch_id: int) -> PaymentBatch:
    return get_object_or_404(selectors.batch_list(user=request.user), pk=batch_id)


# --- plans --------------------------------------------------------------------------------------------------


@router.get("/plans", response=PlanPage, summary="发放计划（最新在前；按项目、期间、状态筛选，分页）")
@requires("plan.view")
def plan_list(
    request: HttpRequest,
    policy: str = "",
    period: str = "",
    state: str = "",
    page: int = 1,
    page_size: int = 100,
) -> PlanPage:
    errors = []
    found: QuerySet[DisbursementPlan] = selectors.plan_list(user=request.user).order_by("-created_at", "-id")
    if policy.strip():
        found = found.filter(policy__code=policy.strip())
    if period.strip():
        try:
            found = found.filter(period=str(Period.parse(period.strip())))
        except InvalidPeriod as exc:
            errors.append(f"period：{exc}")
    if state:
        if state not in plans.LABELS:
            errors.append(f"state 应为 {'、'.join(plans.LABELS)} 之一")
        found = found.filter(state=state)
    if errors:
        raise ValidationError(errors)
    page, page_size, start = _page(page, page_size)
    return PlanPage(
        count=found.count(),
        page=page,
        page_size=page_size,
        items=[PlanOut(**_plan_out(plan)) for plan in found[start : start + page_size]],
    )


@router.get(
    "/plans/{plan_id}", response=PlanDetailOut, summary="一个发放计划：按乡镇、代发银行、发放状态的合计及批次"
)
@requires("plan.view")
def plan_detail(request: HttpRequest, plan_id: int) -> PlanDetailOut:
    return _plan_detail(_visible_plan(request, plan_id))


@router.post("/plans", response={201: PlanDetailOut}, summary="编制发放计划（本部门已审批的名册行）并核查")
@requires("plan.build")
def plan_build(request: HttpRequest, payload: PlanIn) -> Status[PlanDetailOut]:
    # As the screen: the department's own policies (finance and others keep them, departments pay them).
    policy = Policy.objects.restrict(request.user, "change").filter(code=payload.policy_code.strip()).first()
    if policy is None:
        raise ValidationError({"policy_code": f"本部门没有补贴项目“{payload.policy_code}”"})
    plan = services.plan_build(
        user=request.user,
        policy=policy,
        period=payload.period,
        townships=payload.townships,
        supplementary=payload.supplementary,
    )
    return Status(201, _plan_detail(_visible_plan(request, plan.pk)))


@router.post("/plans/{plan_id}/submit", response=PlanDetailOut, summary="将已核查的发放计划提交财政")
@requires("plan.submit")
def plan_submit(request: HttpRequest, plan_id: int) -> PlanDetailOut:
    services.plan_submit(user=request.user, plan=_visible_plan(request, plan_id))
    return _plan_detail(_visible_plan(request, plan_id))


@router.post(
    "/plans/{plan_id}/approve",
    response=PlanDetailOut,
    summary="财政审批发放计划（国库集中支付）：按代发银行分为批次，代发文件在后台生成",
)
@requires("plan.approve")
def plan_approve(request: HttpRequest, plan_id: int, payload: ApproveIn) -> PlanDetailOut:
    services.plan_approve(
        user=request.user,
        plan=_visible_plan(request, plan_id),
        budget_line=payload.budget_line,
        voucher_no=payload.voucher_no,
    )
    return _plan_detail(_visible_plan(request, plan_id))


# --- batches, files, returns, payments ----------------------------------------------------------------------


@router.get(
    "/batches", response=BatchPage, summary="发放批次（代发银行只见本行；按计划、银行、状态筛选，分页）"
)
@requires("batch.view")
def batch_list(
    request: HttpRequest,
    plan: int | None = None,
    bank: str = "",
    state: str = "",
    page: int = 1,
    page_size: int = 100,
) -> BatchPage:
    found = selectors.batch_list(user=request.user).select_related("plan").order_by("-created_at", "-id")
    if plan is not None:
        found = found.filter(plan_id=plan)
    if bank.strip():
        found = found.filter(bank__code=bank.strip())
    if state:
        if state not in BatchState.values:
            raise ValidationError([f"state 应为 {'、'.join(BatchState.values)} 之一"])
        found = found.filter(state=state)
    page, page_size, start = _page(page, page_size)
    return BatchPage(
        count=found.count(),
        page=page,
        page_size=page_size,
        items=_batch_outs(list(found[start : start + page_size])),
    )


@router.get("/batches/{batch_id}", response=BatchDetailOut, summary="一个发放批次：合计、代发文件、回盘")
@requires("batch.view")
def batch_detail(request: HttpRequest, batch_id: int) -> BatchDetailOut:
    batch = _visible_batch(request, batch_id)
    kept = PaymentFile.objects.filter(batch=batch).first()
    return BatchDetailOut(
        **_batch_out(batch, kept),
        returns=[_return_out(r) for r in selectors.batch_returns(batch).order_by("-imported_at", "-id")],
    )


@router.get(
    "/batches/{batch_id}/file",
    summary="下载批次的代发文件（每次相同的字节，每次下载记入审计日志；代发银行下载即为报送银行）",
)
@requires("batch.download")
def batch_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _visible_batch(request, batch_id)
    authorize(request.user, "batch.download", batch)
    kept = PaymentFile.objects.filter(batch=batch).first()
    if kept is None:
        raise HttpError(404, "该批次的代发文件尚未生成（财政审批后由后台任务生成）")
    data = files.file_bytes(kept)
    files.record_download(user=request.user, batch=batch, kept=kept)
    response = HttpResponse(
        data, content_type="application/xml" if kept.file_format == "pain.001" else "text/plain"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(kept.file_name)}"
    response["X-Content-SHA256"] = kept.sha256
    return response


@router.post(
    "/batches/{batch_id}/returns",
    response={200: ReturnOut, 422: ReturnOut},
    summary="上传银行回盘文件（代发文件回盘须注明 kind：success 成功文件 / failure 失败文件）",
)
@requires("return.import")
def batch_return(
    request: HttpRequest,
    batch_id: int,
    file: UploadedFile = File(...),  # noqa: B008 - ninja declares parameters this way
    kind: str = Form(""),
) -> Status[ReturnOut]:
    batch = _visible_batch(request, batch_id)
    if file.size is not None and file.size > returns.MAX_RETURN_BYTES:
        raise ValidationError(f"回盘文件过大（最大 {returns.MAX_RETURN_BYTES // 1024 // 1024} MB）")
    kept = returns.return_import(
        user=request.user,
        data=file.read(),
        file_name=file.name or "return",
        bank=batch.bank,
        kind=kind,
        batch=batch,
    )
    return Status(422 if kept.state == ReturnState.REFUSED else 200, _return_out(kept))


@router.get(
    "/batches/{batch_id}/payments",
    response=PaymentPage,
    summary="批次的发放记录（户名、账号按角色脱敏；按状态筛选，分页）",
)
@requires("batch.view")
def batch_payments(
    request: HttpRequest, batch_id: int, status: str = "", page: int = 1, page_size: int = 100
) -> PaymentPage:
    batch = _visible_batch(request, batch_id)
    found: QuerySet[Payment] = selectors.batch_payments(batch).order_by("id")
    if status:
        if status not in plans.PAYMENT_LABELS:
            raise ValidationError([f"status 应为 {'、'.join(plans.PAYMENT_LABELS)} 之一"])
        found = found.filter(status=status)
    page, page_size, start = _page(page, page_size)
    user = request.user
    return PaymentPage(
        count=found.count(),
        page=page,
        page_size=page_size,
        items=[
            PaymentOut(
                id=p.pk,
                end_to_end_id=p.end_to_end_id,
                attempt=p.attempt,
                holder_name=shown(user, "name", p.holder_name),
                account_no=shown(user, "account_no", p.account_no),
                village_code=str(p.line.village_id),
                amount=_yuan(p.amount_fen),
                amount_fen=p.amount_fen,
                status=p.status,
                status_label=plans.PAYMENT_LABELS.get(p.status, p.status),
                reason_code=p.reason_code,
                reason_text=p.reason_text,
                settled_on=p.settled_on,
            )
            for p in found[start : start + page_size]
        ],
    )


@router.get(
    "/payments/failed",
    response=FailedPage,
    summary="发放失败待处理：等待本角色更正的行及应如何处理（姓名按角色脱敏，分页）",
)
@requires("payment.fix")
def payment_failed(request: HttpRequest, page: int = 1, page_size: int = 100) -> FailedPage:
    found: QuerySet[PlanLine] = selectors.failed_lines(user=request.user).order_by("plan_id", "id")
    page, page_size, start = _page(page, page_size)
    user = request.user
    labels = dict(LineStatus.choices)
    return FailedPage(
        count=found.count(),
        page=page,
        page_size=page_size,
        items=[
            FailedLineOut(
                id=line.pk,
                plan_id=line.plan_id,
                plan_number=line.plan.number,
                policy_name=line.plan.policy_version.name,
                period=line.plan.period,
                village_code=str(line.village_id),
                person_name=shown(user, "name", line.person.name),
                bank_code=line.bank.code if line.bank else "",
                amount=_yuan(line.amount_fen),
                amount_fen=line.amount_fen,
                attempts=line.attempts,
                status=line.status,
                status_label=str(labels.get(line.status, line.status)),
                reason_code=line.reason_code,
                reason_text=line.reason_text,
                remedy_role=line.remedy_role,
                remedy=plans.remedy_for(line.reason_code).action,
            )
            for line in found[start : start + page_size]
        ],
    )


class FixAllIn(Schema):
    note: str


class FixAllOut(Schema):
    fixed: int
    left: int


@router.post(
    "/payments/failed/fix-all",
    response=FixAllOut,
    summary="全部更正：本角色待处理、现已可发放的失败行一次更正（受益人须有正常社保卡；账户问题须为新账户）",
)
@requires("payment.fix")
def payment_fix_all(request: HttpRequest, payload: FixAllIn) -> FixAllOut:
    done = services.lines_fix_all(user=request.user, note=payload.note)
    return FixAllOut(fixed=done.fixed, left=done.left)
