"""Disbursement screens: plans (build, check, submit, approve, re-issue), the printable plan sheet, batches
with their files and returns, failed lines awaiting their origin, and budgets."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, authorize, requires, requires_one_of, shown
from yikatong.core.listing import Column, Table
from yikatong.core.models import Region, RegionLevel
from yikatong.core.money import InvalidAmount, yuan_to_fen
from yikatong.core.web import posted_id, show_refusal
from yikatong.payments import files, returns, selectors, services, simulator
from yikatong.payments import setup as services_setup
from yikatong.payments.domain import flatfile, layouts, plans
from yikatong.payments.models import (
    BankSetup,
    BatchState,
    FundingSource,
    LineStatus,
    PaymentBatch,
    PaymentFile,
    PlanLine,
)
from yikatong.policies.models import Policy
from yikatong.registry.models import AgentBank

PLAN_ACTIONS = {
    "check": "plan.build",
    "cancel": "plan.build",
    "submit": "plan.submit",
    "approve": "plan.approve",
    "send_back": "plan.approve",
    "reissue": "payment.reissue",
}

PLANS = Table(
    columns=(
        Column(gettext_lazy("计划编号"), "number"),
        Column(gettext_lazy("补贴项目"), "policy", ("policy__code",)),
        Column(gettext_lazy("发放期间"), "period"),
        Column(gettext_lazy("范围")),
        Column(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("办理期限"), "deadline"),
        Column(gettext_lazy("笔数"), "lines", ("line_count",), num=True),
        Column(gettext_lazy("金额（元）"), "amount", ("total_fen",), num=True),
    ),
    default="-created",
    extra=(("created", ("created_at",)),),
)

LINES = Table(
    columns=(
        Column(gettext_lazy("村（社区）"), "village", ("village_id",)),
        Column(gettext_lazy("受益人"), "name", ("person__name",)),
        Column(gettext_lazy("代发银行"), "bank", ("bank__code",)),
        Column(gettext_lazy("金额（元）"), "amount", ("amount_fen",), num=True),
        Column(gettext_lazy("发放次数"), "attempts", num=True),
        Column(gettext_lazy("发放状态"), "status"),
        Column(gettext_lazy("原因")),
    ),
    default="village",
)

BATCHES = Table(
    columns=(
        Column(gettext_lazy("报文标识"), "message_id"),
        Column(gettext_lazy("发放计划"), "plan", ("plan__number",)),
        Column(gettext_lazy("代发银行"), "bank", ("bank__code",)),
        Column(gettext_lazy("轮次"), "round", num=True),
        Column(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("笔数"), "count", num=True),
        Column(gettext_lazy("金额（元）"), "amount", ("total_fen",), num=True),
        Column(gettext_lazy("已到账（元）"), "paid", ("paid_fen",), num=True),
        Column(gettext_lazy("失败（元）"), "failed", ("failed_fen",), num=True),
        Column(gettext_lazy("待回盘（元）"), "unknown", ("unknown_fen",), num=True),
    ),
    default="-created",
    extra=(("created", ("created_at",)),),
)

PAYMENTS = Table(
    columns=(
        Column(gettext_lazy("交易流水号"), "e2e", ("end_to_end_id",)),
        Column(gettext_lazy("户名"), "name", ("holder_name",)),
        Column(gettext_lazy("账号")),
        Column(gettext_lazy("村（社区）"), "village", ("line__village_id",)),
        Column(gettext_lazy("金额（元）"), "amount", ("amount_fen",), num=True),
        Column(gettext_lazy("第几次"), "attempt", num=True),
        Column(gettext_lazy("状态"), "status"),
        Column(gettext_lazy("银行说明")),
    ),
    default="e2e",
)


def _plan(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.plan_get(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _batch(request: HttpRequest, pk: int) -> PaymentBatch:
    try:
        return selectors.batch_get(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


@login_required
@requires("plan.view")
def plan_list(request: HttpRequest) -> HttpResponse:
    """发放计划: the plans of the user's area, newest first."""
    rows = selectors.plan_list(user=request.user)
    # The monitor's drill-down: a state, a period, a policy (unknown values simply match nothing).
    for name, field in (("state", "state"), ("period", "period"), ("policy", "policy__code")):
        value = str(request.GET.get(name, "")).strip()
        if value:
            rows = rows.filter(**{field: value[:32]})
    table = PLANS.page(request, rows)
    return render(
        request,
        "payments/plan_list.html",
        {"table": table, "labels": plans.LABELS, "may_build": allowed(request.user, "plan.build")},
    )


def _buildable_policies(user: Any) -> list[Policy]:
    return list(Policy.objects.restrict(user, "change").filter(retired_on__isnull=True).order_by("code"))


@login_required
@requires("plan.build")
def plan_new(request: HttpRequest) -> HttpResponse:
    """The department builds a plan: a policy, a period, all its villages or chosen townships."""
    policies = _buildable_policies(request.user)
    prefix = str(getattr(request.user, "region_prefix", "\x00"))
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP, code__startswith=prefix)
    if request.method == "POST":
        code = str(request.POST.get("policy", ""))
        policy = next((p for p in policies if p.code == code), None)
        if policy is None:
            messages.error(request, _("请选择本部门的补贴项目"))
        else:
            try:
                plan = services.plan_build(
                    user=request.user,
                    policy=policy,
                    period=str(request.POST.get("period", "")),
                    townships=[str(t) for t in request.POST.getlist("townships")],
                    supplementary=request.POST.get("supplementary") == "on",
                )
            except ValidationError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, _("发放计划已编制并完成核查"))
                return redirect("payments:plan", pk=plan.pk)
    context = {"policies": policies, "townships": townships, "posted": request.POST}
    return render(request, "payments/plan_new.html", context)


@login_required
@requires("plan.view")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan: totals by township and agent bank, the check, its lines, batches and the actions now."""
    plan = _plan(request, pk)
    user = request.user
    lines = LINES.page(request, selectors.plan_lines(plan))
    for line in lines.rows:
        line.shown_name = shown(user, "name", line.person.name)
    state = plan.state
    context: dict[str, Any] = {
        "plan": plan,
        "lines": lines,
        "labels": plans.LABELS,
        "by_township": selectors.plan_by_township(plan),
        "by_bank": selectors.plan_by_bank(plan),
        "status_counts": selectors.plan_status_counts(plan),
        "batches": plan.batches.select_related("bank").order_by("round", "bank__code"),
        "budget": selectors.plan_budget(plan) if allowed(user, "budget.view") else None,
        "awaited": plans.AWAITED.get(state),
        "may_check": allowed(user, "plan.build") and state in (plans.DRAFT, plans.CHECKED),
        "may_submit": allowed(user, "plan.submit") and state == plans.CHECKED,
        "may_approve": allowed(user, "plan.approve") and state == plans.SUBMITTED,
        "may_reissue": allowed(user, "payment.reissue")
        and PlanLine.objects.filter(plan=plan, status=LineStatus.READY).exists(),
        "may_settle": allowed(user, "finding.settle"),
    }
    return render(request, "payments/plan_detail.html", context)


@login_required
@requires("plan.view")
def plan_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """发放计划表: the printable sheet finance signs, with totals by township and by agent bank."""
    plan = _plan(request, pk)
    context = {
        "plan": plan,
        "by_township": selectors.plan_by_township(plan),
        "by_bank": selectors.plan_by_bank(plan),
        "printed_at": timezone.now(),
    }
    return render(request, "payments/plan_sheet.html", context)


@login_required
@requires_one_of("action", PLAN_ACTIONS)
@require_POST
def plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A change of one plan, named by the URL; a refusal comes back as messages on the plan page."""
    plan = _plan(request, pk)
    user, post = request.user, request.POST
    done = {
        "check": _("已重新核查"),
        "cancel": _("发放计划已作废"),
        "submit": _("已提交财政审批"),
        "approve": _("已审批，正在生成代发文件"),
        "send_back": _("已退回主管部门"),
        "reissue": _("已生成补发批次"),
    }
    try:
        if action == "check":
            services.plan_check(user=user, plan=plan)
        elif action == "cancel":
            services.plan_cancel(user=user, plan=plan, reason=str(post.get("reason", "")))
        elif action == "submit":
            services.plan_submit(user=user, plan=plan)
        elif action == "approve":
            services.plan_approve(
                user=user,
                plan=plan,
                budget_line=str(post.get("budget_line", "")),
                voucher_no=str(post.get("voucher_no", "")),
            )
        elif action == "send_back":
            services.plan_send_back(user=user, plan=plan, comment=str(post.get("comment", "")))
        elif action == "reissue":
            services.plan_reissue(user=user, plan=plan)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, done[action])
    return redirect("payments:plan", pk=plan.pk)


@login_required
@requires("batch.view")
def batch_list(request: HttpRequest) -> HttpResponse:
    """发放批次: one per plan, agent bank and round (a bank operator sees its own bank's only)."""
    table = BATCHES.page(request, selectors.batch_list(user=request.user))
    return render(request, "payments/batch_list.html", {"table": table})


@login_required
@requires("batch.view")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: its sums (paid + failed + returned + unknown = total), file, returns and payments."""
    batch = _batch(request, pk)
    user = request.user
    payments = PAYMENTS.page(request, selectors.batch_payments(batch))
    for payment in payments.rows:
        payment.shown_name = shown(user, "name", payment.holder_name)
        payment.shown_account = shown(user, "account_no", payment.account_no)
        payment.label = _(plans.PAYMENT_LABELS.get(payment.status, payment.status))
    kept = PaymentFile.objects.filter(batch=batch).first()
    context = {
        "batch": batch,
        "file": kept,
        "payments": payments,
        "returns": selectors.batch_returns(batch),
        "may_download": allowed(user, "batch.download") and kept is not None,
        "may_import": allowed(user, "return.import") and batch.state != BatchState.CREATED,
        "flat": batch.bank.file_format != "iso20022",
        "may_simulate": allowed(user, "bank.simulate")
        and kept is not None
        and batch.state in (BatchState.FILE_READY, BatchState.SENT, BatchState.PARTLY_PAID)
        and settings.YIKATONG_BANK_SIMULATOR,
    }
    return render(request, "payments/batch_detail.html", context)


@login_required
@requires("batch.download")
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's payment file, the same bytes every time; each download audited; the bank operator's
    first download is the file going to the bank (the batch is then sent)."""
    batch = _batch(request, pk)
    authorize(request.user, "batch.download", batch)
    kept = PaymentFile.objects.filter(batch=batch).first()
    if kept is None:
        raise Http404
    try:
        data = files.file_bytes(kept)
    except ValidationError as exc:
        show_refusal(request, exc)
        return redirect("payments:batch", pk=batch.pk)
    files.record_download(user=request.user, batch=batch, kept=kept)
    response = HttpResponse(
        data, content_type="application/xml" if kept.file_format == "pain.001" else "text/plain"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(kept.file_name)}"
    return response


@login_required
@requires("batch.download")
@require_POST
def batch_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance records that the batch's file went to the bank by another channel (前置机, 专线)."""
    batch = _batch(request, pk)
    authorize(request.user, "batch.download", batch)
    services.batch_mark_sent(user=request.user, batch=batch)
    messages.success(request, _("已登记为报送银行"))
    return redirect("payments:batch", pk=batch.pk)


MAX_UPLOAD = returns.MAX_RETURN_BYTES


@login_required
@requires("return.import")
@require_POST
def return_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank's return file for this batch: read, checked, kept and applied (or refused, whole)."""
    batch = _batch(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择回盘文件"))
        return redirect("payments:batch", pk=batch.pk)
    if (upload.size or 0) > MAX_UPLOAD:
        messages.error(request, _("回盘文件过大"))
        return redirect("payments:batch", pk=batch.pk)
    try:
        kept = returns.return_import(
            user=request.user,
            data=upload.read(),
            file_name=upload.name or "return",
            bank=batch.bank,
            kind=str(request.POST.get("kind", "")),
            batch=batch,
        )
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        if kept.state == "applied":
            messages.success(request, kept.message)
        elif kept.state == "duplicate":
            messages.warning(request, kept.message)
        else:
            messages.error(request, _("回盘文件未导入：%(reason)s") % {"reason": kept.message})
    return redirect("payments:batch", pk=batch.pk)


@login_required
@requires("payment.fix")
def failed(request: HttpRequest) -> HttpResponse:
    """发放失败待处理: the failed lines waiting on the user's role, with what each failure calls for."""
    lines = list(selectors.failed_lines(user=request.user)[:500])
    for line in lines:
        line.remedy = _(plans.remedy_for(line.reason_code).action)  # type: ignore[attr-defined]
        line.shown_name = shown(request.user, "name", line.person.name)  # type: ignore[attr-defined]
    role = getattr(request.user, "role", "")
    context = {
        "lines": lines,
        "may_decide": allowed(request.user, "payment.decide"),
        "may_fix_all": any(line.status == LineStatus.FAILED and line.remedy_role == role for line in lines),
    }
    return render(request, "payments/failed.html", context)


@login_required
@requires("payment.fix")
@require_POST
def line_fix(request: HttpRequest) -> HttpResponse:
    line = _line(request)
    try:
        services.line_fix(user=request.user, line=line, note=str(request.POST.get("note", "")))
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已更正，等待财政局补发"))
    return redirect("payments:failed")


@login_required
@requires("payment.fix")
@require_POST
def lines_fix_all(request: HttpRequest) -> HttpResponse:
    """全部更正: every failed line waiting on the user that can now be paid, at once (HRSS after a county's
    new cards are registered; finance for the banks' technical failures)."""
    try:
        done = services.lines_fix_all(user=request.user, note=str(request.POST.get("note", "")))
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        if done.fixed:
            messages.success(
                request,
                _("已更正 %(fixed)s 行，等待财政局补发；仍有 %(left)s 行待处理")
                % {"fixed": done.fixed, "left": done.left},
            )
        else:
            messages.warning(request, _("没有可以更正的行：受益人须有正常状态的社保卡（账户问题须为新账户）"))
    return redirect("payments:failed")


@login_required
@requires("payment.decide")
@require_POST
def line_decide(request: HttpRequest) -> HttpResponse:
    line = _line(request)
    try:
        services.line_decide(
            user=request.user,
            line=line,
            allow=request.POST.get("decision") == "allow",
            reason=str(request.POST.get("reason", "")),
        )
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已记录决定"))
    return redirect("payments:failed")


def _line(request: HttpRequest) -> PlanLine:
    try:
        return PlanLine.objects.restrict(request.user).get(pk=posted_id(request, "line"))
    except PlanLine.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@requires("budget.view")
def budgets(request: HttpRequest) -> HttpResponse:
    """预算指标: each policy's yearly budget by funding source, against what is paid and in flight."""
    text = str(request.GET.get("year", "")) or str(timezone.localdate().year)
    year = (
        int(text)
        if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100
        else timezone.localdate().year
    )
    context = {
        "year": year,
        "rows": selectors.budget_rows(user=request.user, year=year),
        "sources": FundingSource.choices,
        "may_edit": allowed(request.user, "budget.edit"),
    }
    return render(request, "payments/budgets.html", context)


@login_required
@requires("budget.edit")
@require_POST
def budget_set(request: HttpRequest) -> HttpResponse:
    post = request.POST
    year_text = str(post.get("year", ""))
    try:
        policy = Policy.objects.restrict(request.user).get(code=str(post.get("policy", "")))
        if not (year_text.isascii() and year_text.isdigit()):
            raise ValidationError({"year": _("预算年度应为四位年份")})
        if str(post.get("source", "")) not in FundingSource.values:
            raise ValidationError({"source": _("请选择资金来源")})
        services.budget_set(
            user=request.user,
            policy=policy,
            year=int(year_text),
            source=str(post.get("source")),
            amount_fen=yuan_to_fen(str(post.get("amount", ""))),
            budget_line=str(post.get("budget_line", "")),
        )
    except Policy.DoesNotExist:
        messages.error(request, _("请选择补贴项目"))
    except InvalidAmount as exc:
        messages.error(request, _("预算金额：%(error)s") % {"error": exc})
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("预算指标已保存"))
    year = year_text if year_text.isascii() and year_text.isdigit() else ""
    return redirect(f"{reverse('payments:budgets')}?year={year}")


@login_required
@requires("bank.simulate")
@require_POST
def batch_simulate(request: HttpRequest, pk: int) -> HttpResponse:
    """演示：模拟银行回盘 — the simulated bank answers the batch in its own format, imported as a real"
    " return."""
    batch = _batch(request, pk)
    try:
        imported = simulator.bank_simulate(user=request.user, batch=batch)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        for kept in imported:
            messages.info(request, f"{kept.file_name}：{kept.message}")
    return redirect("payments:batch", pk=batch.pk)


@login_required
@requires("bank.setup")
def bank_setups(request: HttpRequest) -> HttpResponse:
    """代发文件格式: each agent bank's CNAPS code, unit code and file layout."""
    rows = list(AgentBank.objects.select_related("setup").order_by("code"))
    return render(request, "payments/bank_setups.html", {"banks": rows})


def _rows_of(values: dict[str, str], prefix: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """A table's rows on the layout form, with its spare empty rows."""
    try:
        count = max(0, min(int(values.get(f"{prefix}-rows", "0") or 0), 200))
    except ValueError:
        count = 0
    count = max(count, services_setup.SPARE_ROWS)
    return [
        {"index": index, **{key: values.get(f"{prefix}-{index}-{key}", "") for key in keys}}
        for index in range(count)
    ]


def _layout_tables(values: dict[str, str]) -> list[dict[str, Any]]:
    labels = dict(services_setup.FORM_TABLE_LABELS)
    return [
        {
            "prefix": prefix,
            "label": _(labels[prefix]),
            "fields": [
                (key, pgettext(layouts.FIELD_CONTEXT, label))
                for key, label in layouts.FIELD_LABELS.items()
                if key in allowed_fields
            ],
            "rows": _rows_of(values, prefix, ("field", "width", "pad", "pad_side", "value")),
        }
        for prefix, _path, allowed_fields in services_setup.COLUMN_TABLES
    ]


LINE_ENDING_LABELS = {"\r\n": gettext_noop("回车加换行"), "\n": gettext_noop("仅换行")}
DATE_FORMAT_LABELS = {
    "YYYYMMDD": gettext_noop("年月日连写（20261002）"),
    "YYYY-MM-DD": gettext_noop("年-月-日（2026-10-02）"),
    "YYYY/MM/DD": gettext_noop("年/月/日（2026/10/02）"),
}


def _layout_choices() -> dict[str, list[tuple[str, str]]]:
    """The layout form's choices, translated."""
    return {
        "encoding": [(key, key) for key in layouts.ENCODINGS],
        "style": [(key, _(label)) for key, label in layouts.STYLES.items()],
        "separator": [(key, _(label)) for key, label in layouts.SEPARATORS.items()],
        "line_ending": [(key, _(LINE_ENDING_LABELS[key])) for key in layouts.LINE_ENDINGS],
        "amount_unit": [(key, _(label)) for key, label in layouts.AMOUNT_UNITS.items()],
        "date_format": [(key, _(DATE_FORMAT_LABELS[key])) for key in layouts.DATE_FORMATS],
        "position": [(key, _(label)) for key, label in layouts.POSITIONS.items()],
        "pad_side": [(key, _(label)) for key, label in layouts.PAD_SIDES.items()],
    }


@login_required
@requires("bank.setup")
def bank_setup(request: HttpRequest, pk: int) -> HttpResponse:
    """One bank's file settings, edited with a preview of the file they give (no code)."""
    try:
        bank = AgentBank.objects.get(pk=pk)
    except AgentBank.DoesNotExist as exc:
        raise Http404 from exc
    setup = BankSetup.objects.filter(bank=bank).first()
    posted = request.POST if request.method == "POST" else None
    # The page's main form edits the layout field by field (mode "fields"); the JSON stays for the advanced.
    mode = str(posted.get("mode", "json")) if posted is not None else "fields"
    loading = posted is not None and "load" in posted
    errors: list[str] = []
    layout_text = ""
    if posted is not None and not loading:
        try:
            if mode == "fields":
                layout_text = json.dumps(
                    services_setup.layout_from_form(posted), ensure_ascii=False, indent=2
                )
            else:
                layout_text = str(posted.get("layout", ""))
            setup = services_setup.bank_setup_save(
                user=request.user,
                bank=bank,
                cnaps=str(posted.get("cnaps", "")),
                unit_code=str(posted.get("unit_code", "")),
                layout_name=str(posted.get("layout_name", "")) if mode != "fields" else "",
                layout_json=layout_text,
                preview_only="preview" in posted,
            )
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            if "preview" not in posted:
                messages.success(request, _("代发文件格式已保存"))
                return redirect("payments:bank_setup", pk=bank.pk)
    if loading:
        current = flatfile.READY_LAYOUTS.get(str(posted.get("layout_name", "")))  # type: ignore[union-attr]
    elif posted is not None and mode == "fields":
        current = services_setup.layout_for(setup, {"layout": layout_text}) if layout_text else None
    else:
        current = services_setup.layout_for(setup, posted)
    # As typed when the fields did not make a layout; else the layout's own values.
    if posted is not None and mode == "fields" and not loading and (errors or current is None):
        values: dict[str, str] = {key: str(value) for key, value in posted.items()}
    else:
        values = services_setup.form_values(current) if current else {}
    context: dict[str, Any] = {
        "bank": bank,
        "setup": setup,
        "errors": errors,
        "ready": list(flatfile.READY_LAYOUTS),
        "layout_text": layout_text
        or (json.dumps(current.to_dict(), ensure_ascii=False, indent=2) if current else ""),
        "preview": services_setup.preview_text(current) if current and not errors else "",
        "posted": posted or {},
        "values": values,
        "tables": _layout_tables(values),
        "reasons": _rows_of(values, "reason", ("text", "code")),
        "choices": _layout_choices(),
    }
    return render(request, "payments/bank_setup.html", context)
