"""Roster screens: the list, the task queue (待办), one roster with its actions, the printable notice, and the
public notices (公示) where anyone may object."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, authorize, public, requires, requires_one_of
from yikatong.audit.services import audit_record
from yikatong.core.listing import Column, Table, kept_query
from yikatong.core.masking import mask_id_number, mask_name
from yikatong.core.money import InvalidAmount, yuan_to_fen
from yikatong.core.restrict import AccessDenied
from yikatong.core.web import posted_id, show_refusal
from yikatong.policies.selectors import published_in_force
from yikatong.registry.selectors import deaths_of, person_search
from yikatong.rosters import selectors, services, tasks
from yikatong.rosters.domain import workflow
from yikatong.rosters.imports import roster_template_xlsx
from yikatong.rosters.models import LineState, ObjectionState, Roster, RosterFile, RosterLine, UploadState

UPLOAD_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}

# Each named change of a roster page → the action it takes (permission table).
ROSTER_ACTIONS = {
    "add_line": "roster.edit",
    "remove_line": "roster.edit",
    "prefill": "roster.edit",
    "submit": "roster.submit",
    "objection": "objection.record",
    "settle": "objection.settle",
    "close": "publicity.close",
    "review": "roster.review",
    "finish": "roster.review",
    "return": "roster.return",
    "approve": "roster.approve",
    "correct": "roster.correct",
    "withdraw": "roster.correct",
    "approve_corrections": "roster.approve",
}


def _may(request: HttpRequest, code: str, roster: Roster) -> bool:
    """Whether the user may take the action on this roster now: their role, and the roster's state."""
    return allowed(request.user, code) and roster.state in workflow.STATES_FOR[code]


def _roster(request: HttpRequest, pk: int) -> Roster:
    """A roster the user may see; anyone else's is simply not there (404)."""
    rosters = Roster.objects.restrict(request.user, "view").select_related(
        "policy__department", "policy_version", "village__parent"
    )
    return get_object_or_404(rosters, pk=pk)


ROSTERS = Table(
    columns=(
        Column(gettext_lazy("补贴项目"), "policy", ("policy__code", "period")),
        Column(gettext_lazy("发放期间"), "period", ("period", "policy__code")),
        Column(gettext_lazy("村/社区"), "village", ("village_id",)),
        Column(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("办理期限"), "deadline"),
        Column(gettext_lazy("人数"), "lines", ("line_count",), num=True),
        Column(gettext_lazy("申报金额（元）"), "amount", ("amount_fen",), num=True),
    ),
    default="-created",
    extra=(("created", ("created_at",)),),
)

LINES = Table(
    columns=(
        Column(gettext_lazy("序号"), "no", ("line_no",), num=True),
        Column(gettext_lazy("姓名"), "name", ("person__name",)),
        Column(gettext_lazy("身份证号")),
        Column(gettext_lazy("数量"), "quantity", num=True),
        Column(gettext_lazy("申报金额（元）"), "amount", ("amount_fen",), num=True),
        Column(gettext_lazy("标准金额（元）"), "standard", ("standard_fen",), num=True),
        Column(gettext_lazy("收款账号")),
        Column(gettext_lazy("提示")),
        Column(gettext_lazy("审核状态"), "state", ("state", "line_no")),
    ),
    default="no",
)


@login_required
@requires("roster.view")
def roster_list(request: HttpRequest) -> HttpResponse:
    """The rosters the user may see, with state, deadline, people and amount; sortable, 50 a page."""
    table = ROSTERS.page(request, selectors.roster_list(user=request.user))
    may_create = allowed(request.user, "roster.create")
    return render(request, "rosters/roster_list.html", {"table": table, "may_create": may_create})


@login_required
@requires("roster.todo")
def todo(request: HttpRequest) -> HttpResponse:
    """我的待办: the rosters waiting on the user's role, earliest deadline first."""
    return render(request, "rosters/todo.html", {"items": selectors.todo(user=request.user)})


@login_required
@requires("roster.create")
def roster_new(request: HttpRequest) -> HttpResponse:
    """A village clerk opens a roster for a published policy and a period, for their own village."""
    versions = published_in_force()
    if request.method == "POST":
        region = getattr(request.user, "region", None)
        try:
            roster = services.roster_create(
                user=request.user,
                policy_code=request.POST.get("policy", ""),
                period=request.POST.get("period", "").strip(),
                village_code=region.code if region is not None else "",
            )
        except (ValidationError, AccessDenied) as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("申报名册已建立"))
            return redirect("rosters:detail", pk=roster.pk)
    context = {"versions": versions, "posted": request.POST}
    return render(request, "rosters/roster_new.html", context)


@login_required
@requires("roster.view")
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One roster: facts, lines, objections, history, and the actions the user may take now."""
    roster = _roster(request, pk)
    table = LINES.page(request, roster.lines.select_related("person"))
    deaths = deaths_of(line.person.id_bidx for line in table.rows)
    for line in table.rows:
        line.death = deaths.get(line.person.id_bidx, "")
    objections = roster.objections.select_related("line__person", "settled_by")
    events = roster.events.select_related("actor")
    filled = table.count > 0
    context: dict[str, Any] = {
        "roster": roster,
        "table": table,
        "totals": selectors.roster_totals(roster),
        "keep": kept_query(request.GET),
        "objectable": roster.lines.exclude(state=LineState.REMOVED).values_list("pk", "line_no"),
        "objections": objections,
        "events": events,
        "files": roster.files.all()[:20],
        "labels": {state: _(label) for state, label in workflow.LABELS.items()},
        "may_edit": _may(request, "roster.edit", roster),
        "may_prefill": _may(request, "roster.edit", roster) and roster.state == workflow.DRAFT and not filled,
        "may_publicize": _may(request, "publicity.close", roster),
        "may_review": _may(request, "roster.review", roster),
        "may_approve": _may(request, "roster.approve", roster),
        "may_correct": _may(request, "roster.correct", roster),
        "returned": LineState.RETURNED,
        "may_approve_corrections": allowed(request.user, "roster.approve")
        and roster.state == workflow.APPROVED
        and roster.lines.filter(state=LineState.ACCEPTED).exists(),
        "pending": LineState.PENDING,
        "open": ObjectionState.OPEN,
        "may_settle": allowed(request.user, "finding.settle"),
    }
    return render(request, "rosters/roster_detail.html", context)


def _notice_rows(roster: Roster) -> list[dict[str, Any]]:
    """The lines as the public sees them: names and ID numbers masked whoever looks."""
    lines = roster.lines.exclude(state=LineState.REMOVED).select_related("person")
    return [
        {
            "pk": line.pk,
            "line_no": line.line_no,
            "name": mask_name(line.person.name),
            "id_number": mask_id_number(line.person.id_number),
            "quantity": line.quantity,
            "amount_fen": line.amount_fen,
        }
        for line in lines
    ]


@login_required
@requires("roster.view")
def roster_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice (公示) for the village board."""
    roster = _roster(request, pk)
    rows = _notice_rows(roster)
    total = sum(r["amount_fen"] for r in rows)
    return render(request, "rosters/notice.html", {"roster": roster, "rows": rows, "total": total})


def _quantity(text: str) -> Decimal:
    try:
        value = Decimal(text.strip() or "1")
    except InvalidOperation as exc:
        raise ValidationError(_("数量格式错误")) from exc
    if not value.is_finite() or value <= 0:
        raise ValidationError(_("数量须大于0"))
    return value


def _add_line(request: HttpRequest, roster: Roster) -> None:
    number = request.POST.get("id_number", "").strip()
    if not number:
        raise ValidationError(_("请填写完整的身份证号"))
    found = person_search(user=request.user, query=number)
    if found.message:
        raise ValidationError(found.message)
    if len(found.persons) != 1:
        raise ValidationError(_("本人管辖范围内没有找到此人"))
    amount_text = request.POST.get("amount", "").strip()
    amount = yuan_to_fen(amount_text) if amount_text else None
    line = services.roster_line_add(
        user=request.user,
        roster=roster,
        person=found.persons[0],
        quantity=_quantity(request.POST.get("quantity", "")),
        amount_fen=amount,
        account_no=request.POST.get("account_no", ""),
    )
    messages.success(request, _("已添加第%(n)s行") % {"n": line.line_no})
    death = deaths_of([line.person.id_bidx]).get(line.person.id_bidx)
    if death:
        messages.warning(
            request,
            _("注意：第%(n)s行的人员%(death)s。请核实后再提交；审批前的核查（死亡人员冒领）会拦截此行。")
            % {"n": line.line_no, "death": death},
        )


def _line(roster: Roster, request: HttpRequest) -> RosterLine:
    return get_object_or_404(roster.lines.all(), pk=posted_id(request, "line"))


def _act(request: HttpRequest, roster: Roster, action: str) -> None:
    user = request.user
    post = request.POST
    if action == "add_line":
        _add_line(request, roster)
    elif action == "remove_line":
        services.roster_line_remove(user=user, line=_line(roster, request))
        messages.success(request, _("已删除该行"))
    elif action == "prefill":
        added = services.roster_prefill(user=user, roster=roster)
        if added:
            messages.success(request, _("已按上期名册预填%(n)s行") % {"n": added})
        else:
            messages.warning(request, selectors.prefill_nothing_reason(roster))
    elif action == "submit":
        services.roster_submit(user=user, roster=roster)
        messages.success(request, _("名册已提交，开始公示"))
        lines = roster.lines.exclude(state=LineState.REMOVED).select_related("person")
        dead = len(deaths_of(line.person.id_bidx for line in lines))
        if dead:
            messages.warning(
                request,
                _("名册中有%(n)s人在死亡登记中，请在公示期内核实并删除不应申报的人员。") % {"n": dead},
            )
    elif action == "objection":
        line = _line(roster, request) if post.get("line") else None
        services.objection_lodge(
            roster=roster,
            line=line,
            text=post.get("text", ""),
            lodged_by=post.get("lodged_by", ""),
            channel="paper",
            user=user,
        )
        messages.success(request, _("异议已登记"))
    elif action == "settle":
        objection = get_object_or_404(roster.objections.all(), pk=posted_id(request, "objection"))
        upheld = post.get("upheld") == "1"
        services.objection_settle(
            user=user, objection=objection, upheld=upheld, settlement=post.get("settlement", "")
        )
        messages.success(request, _("异议已处理"))
    elif action == "close":
        services.publicity_close(user=user, roster=roster)
        messages.success(request, _("公示已结束，名册已报乡镇审核"))
    elif action == "review":
        line = _line(roster, request)
        accept = post.get("accept") == "1"
        services.line_review(user=user, line=line, accept=accept, reason=post.get("reason", ""))
        messages.success(request, _("第%(n)s行已审核") % {"n": line.line_no})
    elif action == "finish":
        services.township_finish(user=user, roster=roster, accept_pending=post.get("accept_pending") == "1")
        messages.success(request, _("乡镇审核已完成，已报主管部门审批"))
    elif action == "return":
        services.roster_return(user=user, roster=roster, comment=post.get("comment", ""))
        messages.success(request, _("已退回村（社区）修改"))
    elif action == "approve":
        services.roster_approve(user=user, roster=roster)
        messages.success(request, _("名册已审批通过"))
    elif action == "correct":
        line = _line(roster, request)
        amount_text = post.get("amount", "").strip()
        services.returned_line_correct(
            user=user,
            line=line,
            quantity=_quantity(post.get("quantity", "")),
            amount_fen=yuan_to_fen(amount_text) if amount_text else None,
            account_no=post.get("account_no", ""),
            note=post.get("note", ""),
        )
        messages.success(request, _("第%(n)s行已更正并重新报送") % {"n": line.line_no})
    elif action == "withdraw":
        line = _line(roster, request)
        services.returned_line_withdraw(user=user, line=line, reason=post.get("reason", ""))
        messages.success(request, _("第%(n)s行已撤回") % {"n": line.line_no})
    elif action == "approve_corrections":
        count = services.corrections_approve(user=user, roster=roster)
        messages.success(request, _("更正的%(n)s行已审批通过") % {"n": count})
    else:
        raise Http404


@login_required
@requires_one_of("action", ROSTER_ACTIONS)
@require_POST
def roster_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Every change of a roster, one named action at a time; refusals come back as messages."""
    roster = _roster(request, pk)
    try:
        _act(request, roster, action)
    except (ValidationError, AccessDenied, InvalidAmount) as exc:
        show_refusal(request, exc)
    # Back to the same page of lines, in the same order, that the form was posted from.
    return redirect(reverse("rosters:detail", args=[roster.pk]) + kept_query(request.GET))


# ---- roster files: upload, preview, confirmation, error report, the empty template -------------------


@login_required
@requires("roster.edit")
@require_POST
def roster_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a roster file: it is kept and checked in a worker; the task page shows progress, then the
    file's preview (the good and the refused rows) where the clerk confirms."""
    roster = _roster(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的名册文件（CSV 或 Excel .xlsx）"))
        return redirect("rosters:detail", pk=roster.pk)
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        messages.error(
            request, _("只接受 CSV 或 Excel（.xlsx、.xls）文件，“%(name)s”不是") % {"name": upload.name}
        )
        return redirect("rosters:detail", pk=roster.pk)
    try:
        run = tasks.roster_file_upload(user=request.user, roster=roster, upload=upload)
    except (ValidationError, AccessDenied) as exc:
        show_refusal(request, exc)
        return redirect("rosters:detail", pk=roster.pk)
    return redirect("tasks:detail", pk=run.pk)


def _file(request: HttpRequest, pk: int, file_pk: int) -> RosterFile:
    roster = _roster(request, pk)
    return get_object_or_404(roster.files.select_related("roster", "created_by"), pk=file_pk)


@login_required
@requires("roster.view")
def roster_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """One uploaded file: what the check found (good rows, refused rows with reasons) and what was loaded."""
    upload = _file(request, pk, file_pk)
    roster = upload.roster
    context = {
        "upload": upload,
        "roster": roster,
        "may_confirm": upload.state == UploadState.PREVIEWED and _may(request, "roster.edit", roster),
        "may_report": allowed(request.user, "roster.edit") and bool(upload.report_csv),
    }
    return render(request, "rosters/file.html", context)


@login_required
@requires("roster.edit")
@require_POST
def roster_file_confirm(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """Load a checked file's good lines (with "允许部分导入" when some rows were refused)."""
    upload = _file(request, pk, file_pk)
    try:
        run = tasks.roster_file_confirm(
            user=request.user, upload=upload, accept_partial=request.POST.get("accept_partial") == "1"
        )
    except (ValidationError, AccessDenied) as exc:
        show_refusal(request, exc)
        return redirect("rosters:file", pk=upload.roster_id, file_pk=upload.pk)
    return redirect("tasks:detail", pk=run.pk)


@login_required
@requires("roster.edit")
def roster_file_report(request: HttpRequest, pk: int, file_pk: int, fmt: str) -> FileResponse:
    """The refused rows of a file with their reasons, to correct and upload again (audited: personal data)."""
    upload = _file(request, pk, file_pk)
    authorize(request.user, "roster.edit", upload.roster)
    path = upload.report_csv if fmt == "csv" else upload.report_xlsx if fmt == "xlsx" else ""
    if not path or not Path(path).exists():
        raise Http404
    audit_record(
        action="export.roster_file_report",
        obj=upload,
        region_code=upload.roster.village_id,
        after={"format": fmt, "rows": upload.rejected},
        actor=request.user,
    )
    name = f"{Path(upload.file_name).stem}-错误报告.{fmt}"
    return FileResponse(Path(path).open("rb"), as_attachment=True, filename=name)


@login_required
@requires("roster.edit")
def roster_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The empty roster file (.xlsx with the headers and one example row for this roster)."""
    roster = _roster(request, pk)
    body = roster_template_xlsx(roster)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"申报名册模板-{roster.policy.code}-{roster.period}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---- the public notices: no sign-in ----------------------------------------------------------------


@public
def public_list(request: HttpRequest) -> HttpResponse:
    """Every roster in public notice now."""
    return render(request, "public/notice_list.html", {"rosters": selectors.public_notices()})


@public
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One notice, masked, with an objection form per line and for the whole roster."""
    roster = get_object_or_404(selectors.public_notices(), pk=pk)
    if request.method == "POST":
        line = None
        if request.POST.get("line"):
            line = get_object_or_404(
                roster.lines.exclude(state=LineState.REMOVED), pk=posted_id(request, "line")
            )
        try:
            services.objection_lodge(
                roster=roster,
                line=line,
                text=request.POST.get("text", ""),
                lodged_by=request.POST.get("lodged_by", ""),
                channel="public",
            )
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("您的异议已收到，村（社区）将在公示期内核实处理。"))
        return redirect("public_notices:detail", pk=roster.pk)
    rows = _notice_rows(roster)
    return render(request, "public/notice_detail.html", {"roster": roster, "rows": rows})
