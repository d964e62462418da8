"""Checks screens: findings and their settlement, check runs in flight and post-hoc, samples for field checks,
the Excel lists, and which rules block. Every read goes through restrict(); every write through a service."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yikatong.accounts.permissions import allowed, may_see_clear, requires
from yikatong.audit.services import audit_record
from yikatong.checks import exports, selectors, services, tasks
from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.forms import (
    FindingFilterForm,
    InflightRunForm,
    PosthocRunForm,
    RuleChangeForm,
    SampleForm,
    SettleForm,
)
from yikatong.checks.models import CheckRun, Finding, FindingState, RunKind, RunState
from yikatong.core.web import show_refusal

FINDINGS_PER_PAGE = 50
RUNS_PER_PAGE = 30


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for problems in form.errors.values():
        for problem in problems:
            messages.error(request, str(problem))


def _finding(request: HttpRequest, pk: int) -> Finding:
    """A finding the user may see; anyone else's is simply not there (404)."""
    findings = selectors.finding_list(user=request.user).select_related(
        "run", "first_run", "line__roster", "roster__village", "person__village"
    )
    return get_object_or_404(findings, pk=pk)


def _run(request: HttpRequest, pk: int) -> CheckRun:
    """A check run the user may see (404 otherwise)."""
    return get_object_or_404(selectors.run_list(user=request.user), pk=pk)


def _xlsx(content: bytes, filename: str) -> FileResponse:
    """The workbook as a download, named with filename*=utf-8''… (RFC 5987) and an ASCII fallback."""
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=exports.XLSX)


# ---- findings -----------------------------------------------------------------------------------------


@login_required
@requires("finding.view")
def findings(request: HttpRequest) -> HttpResponse:
    """核查疑点: the findings the user may see, filtered, counted and paged."""
    form = FindingFilterForm(request.GET or None)
    form.is_valid()
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    filters = selectors.FindingFilters(**{k: v for k, v in data.items() if v not in (None, "")})
    found = selectors.finding_list(user=request.user, filters=filters)
    page = Paginator(found, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "counts": selectors.finding_counts(found),
        "regions": selectors.region_choices(request.user),
        "policies": selectors.policy_choices(request.user),
        "may_settle": allowed(request.user, "finding.settle"),
        "open": FindingState.OPEN,
    }
    return render(request, "checks/finding_list.html", context)


@login_required
@requires("finding.view")
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One finding: the rule, the line and person, the runs and snapshots it rests on, how it was settled."""
    finding = _finding(request, pk)
    may_settle = (
        finding.state == FindingState.OPEN
        and allowed(request.user, "finding.settle")
        and Finding.objects.restrict(request.user, "change").filter(pk=finding.pk).exists()
    )
    context = {
        "finding": finding,
        "snapshots": selectors.run_snapshots(finding.run),
        "history": selectors.finding_history(finding),
        "may_settle": may_settle,
        "form": SettleForm(),
        "open": FindingState.OPEN,
    }
    return render(request, "checks/finding_detail.html", context)


@login_required
@requires("finding.settle")
@require_POST
def finding_settle(request: HttpRequest, pk: int) -> HttpResponse:
    """Explain, dismiss or confirm a finding (the owning department or finance, within their scope)."""
    finding = _finding(request, pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("checks:finding_detail", pk=finding.pk)
    try:
        settled = services.finding_settle(
            user=request.user,
            finding=finding,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        done = _("疑点已处理：%(state)s") % {"state": settled.get_state_display()}
        if settled.state == FindingState.CONFIRMED and settled.line_id is not None:
            done += _("；该行已退回村（社区）更正")
        messages.success(request, done)
    return redirect("checks:finding_detail", pk=finding.pk)


# ---- runs ---------------------------------------------------------------------------------------------


def _run_form_initial(request: HttpRequest) -> dict[str, Any]:
    return {"region": getattr(request.user, "region_id", ""), "rules": list(CATALOGUE)}


def _run_form_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "regions": selectors.region_choices(request.user),
        "policies": selectors.policy_choices(request.user),
        "catalogue": [(code, _(rule.title_zh), rule.blocking) for code, rule in CATALOGUE.items()],
        "show_codes": selectors.shows_rule_codes(request.user),
    }


@login_required
@requires("checkrun.view")
def runs(request: HttpRequest) -> HttpResponse:
    """核查批次: every run the user may see, and a form to check one period's lines in flight."""
    page = Paginator(selectors.run_list(user=request.user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "may_start": allowed(request.user, "checkrun.start"),
        "form": InflightRunForm(initial=_run_form_initial(request)),
        **_run_form_context(request),
    }
    return render(request, "checks/run_list.html", context)


@login_required
@requires("checkrun.start")
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Queue an in-flight run (事前比对/事中监控) and show its progress."""
    form = InflightRunForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("checks:runs")
    data = form.cleaned_data
    try:
        task = tasks.check_start(
            user=request.user,
            kind=RunKind.INFLIGHT,
            period_from=data["period"],
            policy_code=data["policy"],
            region_code=data["region"],
            codes=data["rules"],
        )
    except ValidationError as exc:
        show_refusal(request, exc)
        return redirect("checks:runs")
    return redirect("tasks:detail", pk=task.pk)


@login_required
@requires("checkrun.view")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: what it checked, against which data, what it found per rule, and its sample."""
    run = _run(request, pk)
    sampling = run.kind == RunKind.POSTHOC and run.state == RunState.DONE
    sample = selectors.sample_rows(user=request.user, run=run)
    found = selectors.finding_list(user=request.user, filters=selectors.FindingFilters(run=run.pk))
    context = {
        "run": run,
        "counts": selectors.finding_counts(found),
        "rule_rows": selectors.run_rule_rows(run),
        "skipped": selectors.run_skipped(run),
        "snapshots": selectors.run_snapshots(run),
        "show_codes": selectors.shows_rule_codes(request.user),
        "may_sample": sampling and allowed(request.user, "sample.draw"),
        "sampling": sampling,
        "sample_form": SampleForm(initial={"size": 20}),
        "sample": sample,
        "sample_total": sum(row["amount_fen"] for row in sample),
    }
    return render(request, "checks/run_detail.html", context)


@login_required
@requires("checkrun.view")
def run_export(request: HttpRequest, pk: int) -> FileResponse:
    """The run's findings as an Excel file (personal data: masked per role, and the export is audited)."""
    run = _run(request, pk)
    role = str(getattr(request.user, "role", ""))
    rows = selectors.finding_export_rows(user=request.user, run=run)
    content = exports.findings_workbook(rows, role=role, title=f"核查疑点清单 {run} 批次{run.pk}")
    audit_record(
        action="export.check_findings",
        obj=run,
        region_code=run.region_code,
        after={"rows": len(rows), "id_numbers_in_clear": may_see_clear(role, "id_number")},
        actor=request.user,
    )
    return _xlsx(content, f"核查疑点-批次{run.pk}-{run.period_label.replace(' ', '')}.xlsx")


@login_required
@requires("sample.draw")
@require_POST
def run_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw (or draw again) the lines of a post-hoc run to be checked in the field; audited."""
    run = _run(request, pk)
    form = SampleForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("checks:run_detail", pk=run.pk)
    try:
        drawn = services.sample_draw(
            user=request.user, run=run, size=form.cleaned_data["size"], seed=form.cleaned_data["seed"]
        )
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request,
            _("已抽取%(n)s行（随机种子 %(seed)s，用同一种子可重现同一样本）")
            % {"n": len(drawn.sample), "seed": drawn.sample_seed},
        )
    return redirect("checks:run_detail", pk=run.pk)


@login_required
@requires("checkrun.view")
def run_sample_export(request: HttpRequest, pk: int) -> FileResponse:
    """The sampled lines as an Excel file for the field check (audited)."""
    run = _run(request, pk)
    role = str(getattr(request.user, "role", ""))
    rows = selectors.sample_rows(user=request.user, run=run)
    title = f"抽样核实清单 {run} 批次{run.pk} 随机种子{run.sample_seed or ''}"
    content = exports.sample_workbook(rows, role=role, title=title)
    audit_record(
        action="export.check_sample",
        obj=run,
        region_code=run.region_code,
        after={
            "rows": len(rows),
            "seed": run.sample_seed,
            "id_numbers_in_clear": may_see_clear(role, "id_number"),
        },
        actor=request.user,
    )
    return _xlsx(content, f"抽样核实-批次{run.pk}.xlsx")


# ---- post-hoc audits ----------------------------------------------------------------------------------


@login_required
@requires("posthoc.run")
def posthoc(request: HttpRequest) -> HttpResponse:
    """事后专项核查: choose rules, a period range, a policy and a region; the run goes to a worker."""
    if request.method == "POST":
        form = PosthocRunForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = tasks.check_start(
                    user=request.user,
                    kind=RunKind.POSTHOC,
                    period_from=data["period_from"],
                    period_to=data["period_to"],
                    policy_code=data["policy"],
                    region_code=data["region"],
                    codes=data["rules"],
                )
            except ValidationError as exc:
                show_refusal(request, exc)
            else:
                return redirect("tasks:detail", pk=task.pk)
    else:
        form = PosthocRunForm(initial=_run_form_initial(request))
    recent = selectors.run_list(user=request.user, kind=RunKind.POSTHOC)[:20]
    context = {"form": form, "recent": recent, **_run_form_context(request)}
    return render(request, "checks/posthoc.html", context)


# ---- rule settings ------------------------------------------------------------------------------------


@login_required
@requires("rule.view")
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """The 16 rules, whether each blocks, and who changed that last, when and why; finance and the
    administrator may change it, each switch through its confirmation page."""
    context = {
        "rows": selectors.rule_rows(),
        "may_change": allowed(request.user, "rule.change"),
        "show_codes": selectors.shows_rule_codes(request.user),
    }
    return render(request, "checks/rules.html", context)


@login_required
@requires("rule.change")
def rule_change(request: HttpRequest, code: str) -> HttpResponse:
    """Confirm one rule's blocking switch with a reason (GET shows the page and changes nothing)."""
    row = selectors.rule_row(code)
    if row is None:
        raise Http404(_("没有这条核查规则"))
    if request.method == "POST":
        form = RuleChangeForm(request.POST)
        if form.is_valid():
            blocking = form.cleaned_data["blocking"]
            try:
                services.rule_setting_change(
                    user=request.user, code=code, blocking=blocking, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                if not _form_refused(form, exc):
                    show_refusal(request, exc)
                    return redirect("checks:rules")
            else:
                state = _("阻断发放") if blocking else _("不阻断发放")
                messages.success(
                    request, _("规则“%(title)s”已设为%(state)s") % {"title": _(row.title), "state": state}
                )
                return redirect("checks:rules")
    else:
        form = RuleChangeForm(initial={"blocking": "0" if row.blocking else "1"})
    context = {
        "row": row,
        "form": form,
        "target": not row.blocking,
        "show_codes": selectors.shows_rule_codes(request.user),
    }
    return render(request, "checks/rules_change.html", context)


def _form_refused(form: forms.Form, exc: ValidationError) -> bool:
    """Put a service's refusal of a form field (the reason) on the form; False when it is not one."""
    fields = getattr(exc, "error_dict", {})
    if not fields or not set(fields) <= set(form.fields):
        return False
    for name, problems in fields.items():
        for problem in problems:
            form.add_error(name, problem)
    return True
