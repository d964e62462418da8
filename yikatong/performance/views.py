"""绩效双监控 screens: the budget and targets of each policy's year (drafted by the department, approved by
finance together), the dual-monitoring page with its drill-down, and the yearly evaluation report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, requires, requires_one_of
from yikatong.core.listing import Column, Table
from yikatong.core.money import InvalidAmount, yuan_to_fen
from yikatong.core.web import show_refusal
from yikatong.payments.domain import plans
from yikatong.performance import charts, report, selectors, services
from yikatong.performance.domain import indicators
from yikatong.performance.models import SetState, TargetSet
from yikatong.policies.models import Policy
from yikatong.policies.selectors import published_in_force

LINES = Table(
    columns=(
        Column(gettext_lazy("村（社区）"), "village", ("line__village_id",)),
        Column(gettext_lazy("户名")),
        Column(gettext_lazy("发放期间"), "period", ("batch__plan__period",)),
        Column(gettext_lazy("金额（元）"), "amount", ("amount_fen",), num=True),
        Column(gettext_lazy("状态"), "status"),
        Column(gettext_lazy("财政审批"), "approved", ("batch__plan__approved_at",)),
        Column(gettext_lazy("到账日期"), "settled", ("settled_on",)),
        Column(gettext_lazy("原因")),
    ),
    default="village",
)


def _year(request: HttpRequest) -> int:
    text = str(request.GET.get("year", ""))
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


def _policy(request: HttpRequest, code: str) -> Policy:
    policy = Policy.objects.restrict(request.user).filter(code=code).select_related("department").first()
    if policy is None:
        raise Http404
    return policy


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Http404


@login_required
@requires("performance.view")
def target_list(request: HttpRequest) -> HttpResponse:
    """预算绩效目标: each policy of the year with the version in force and the one being prepared."""
    year = _year(request)
    sets = list(selectors.target_sets(request.user, year))
    in_force = list(published_in_force(timezone.localdate()))
    visible = set(Policy.objects.restrict(request.user).values_list("pk", flat=True))
    rows = []
    for version in in_force:
        policy = version.policy
        if policy.pk not in visible:
            continue
        mine = [s for s in sets if s.policy_id == policy.pk]
        rows.append(
            {
                "policy": policy,
                "name": version.name,
                "approved": next((s for s in mine if s.state == SetState.APPROVED), None),
                "open": next(
                    (s for s in mine if s.state in (SetState.DRAFT, SetState.SUBMITTED, SetState.RETURNED)),
                    None,
                ),
                "versions": len(mine),
            }
        )
    return render(request, "performance/list.html", {"year": year, "rows": rows})


@login_required
@requires("performance.view")
def target_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """One policy's year: the version in force, the draft or adjustment, every earlier version."""
    _check_year(year)
    policy = _policy(request, code)
    versions = selectors.versions(policy, year)
    shown_version = None
    wanted = str(request.GET.get("version", ""))
    if wanted.isdigit():
        shown_version = next((v for v in versions if v.version == int(wanted)), None)
    in_force = next((v for v in versions if v.state == SetState.APPROVED), None)
    draft = next(
        (v for v in versions if v.state in (SetState.DRAFT, SetState.SUBMITTED, SetState.RETURNED)), None
    )
    base = draft or in_force
    base_targets = {t.indicator: t for t in base.targets.all()} if base else {}
    form_rows = [
        {
            "indicator": ind,
            "category": indicators.CATEGORY_LABELS[ind.category],
            "target": base_targets[ind.code].target if ind.code in base_targets else "",
            "weight": base_targets[ind.code].weight if ind.code in base_targets else ind.default_weight,
        }
        for ind in indicators.CATALOGUE
    ]
    version = services.version_for(policy, year)
    context = {
        "policy": policy,
        "policy_name": version.name if version else policy.code,
        "year": year,
        "versions": versions,
        "in_force": in_force,
        "draft": draft,
        "shown": shown_version or in_force or draft,
        "base": base,
        "form_rows": form_rows,
        "policy_version": version,
        "may_draft": allowed(request.user, "performance.draft")
        and (draft is None or draft.state != SetState.SUBMITTED),
        "may_approve": allowed(request.user, "performance.approve")
        and draft is not None
        and draft.state == SetState.SUBMITTED,
        "catalogue": {i.code: i for i in indicators.CATALOGUE},
    }
    return render(request, "performance/detail.html", context)


@login_required
@requires("performance.draft")
@require_POST
def target_draft(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The department saves its draft of the year's budget and targets (or of their adjustment)."""
    _check_year(year)
    policy = _policy(request, code)
    post = request.POST
    targets = {
        ind.code: {"target": post.get(f"target_{ind.code}", ""), "weight": post.get(f"weight_{ind.code}", "")}
        for ind in indicators.CATALOGUE
    }
    try:
        services.target_set_draft(
            user=request.user,
            policy=policy,
            year=year,
            budget_fen=yuan_to_fen(str(post.get("budget", ""))),
            targets=targets,
            lag_margin=post.get("lag_margin", "10"),
            budget_line=str(post.get("budget_line", "")),
            reason=str(post.get("reason", "")),
        )
    except InvalidAmount as exc:
        messages.error(request, _("预算金额：%(error)s") % {"error": exc})
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("预算和绩效目标草稿已保存"))
    return redirect("performance:detail", code=policy.code, year=year)


ACTIONS = {
    "submit": "performance.draft",
    "survey": "performance.draft",
    "approve": "performance.approve",
    "return": "performance.approve",
}


@login_required
@requires_one_of("action", ACTIONS)
@require_POST
def target_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """报审, 同步下达, 退回, and the survey figure, on one version."""
    target_set = TargetSet.objects.restrict(request.user).select_related("policy").filter(pk=pk).first()
    if target_set is None or action not in ACTIONS:
        raise Http404
    comment = str(request.POST.get("comment", ""))
    try:
        if action == "submit":
            services.target_set_submit(user=request.user, target_set=target_set)
            messages.success(request, _("已报财政同步审核"))
        elif action == "approve":
            services.target_set_approve(user=request.user, target_set=target_set, comment=comment)
            messages.success(request, _("预算和绩效目标已同步下达，预算指标已写入"))
        elif action == "return":
            services.target_set_return(user=request.user, target_set=target_set, comment=comment)
            messages.success(request, _("已退回主管部门"))
        else:
            services.satisfaction_record(
                user=request.user, target_set=target_set, value=request.POST.get("satisfaction", "")
            )
            messages.success(request, _("满意度调查结果已填报"))
    except ValidationError as exc:
        show_refusal(request, exc)
    return redirect("performance:detail", code=target_set.policy.code, year=target_set.year)


def _monitor_rows(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    sets = [s for s in selectors.target_sets(request.user, year) if s.state == SetState.APPROVED]
    rows = []
    for target_set in sets:
        figures = selectors.monitoring(user=request.user, policy=target_set.policy, year=year)
        rows.append({"policy": target_set.policy, "name": figures.policy_name, "m": figures})
    return rows


@login_required
@requires("performance.view")
def monitor(request: HttpRequest) -> HttpResponse:
    """双监控: every policy with approved targets, its budget execution against the curve and its warnings."""
    year = _year(request)
    rows = _monitor_rows(request, year)
    from yikatong.checks.charts import Bar, bar_chart

    chart = bar_chart(
        [
            Bar(
                label=row["name"],
                value=int(row["m"].execution or 0),
                text=f"{row['m'].execution}%（{_('预期')} {row['m'].expected}%）"
                if row["m"].execution is not None
                else _("暂无数据"),
                href=reverse("performance:policy_monitor", args=[row["policy"].code, year]),
                highlight=row["m"].lagging,
            )
            for row in rows
        ],
        title=_("预算执行率"),
    )
    return render(request, "performance/monitor.html", {"year": year, "rows": rows, "chart": chart})


@login_required
@requires("performance.view")
def policy_monitor(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """One policy's dual monitoring, at the user's region or an area inside it (?area=)."""
    _check_year(year)
    policy = _policy(request, code)
    m = selectors.monitoring(
        user=request.user, policy=policy, year=year, area=str(request.GET.get("area", ""))
    )
    context = {
        "policy": policy,
        "policy_name": m.policy_name,
        "year": year,
        "m": m,
        "execution_chart": charts.execution_chart(
            curve=m.curve,
            monthly_paid=m.monthly_paid,
            budget_fen=m.budget_fen if m.execution is not None else 0,
            title=_("预算执行进度"),
            lagging=m.lagging,
        ),
        "achievement_chart": charts.achievement_chart(m.figures, title=_("绩效目标完成度")),
        "area": str(request.GET.get("area", "")),
    }
    return render(request, "performance/policy_monitor.html", context)


@login_required
@requires("performance.view")
def lines(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The payments behind a figure: an area's payments of the policy's year (?area=, ?status=)."""
    _check_year(year)
    policy = _policy(request, code)
    status = str(request.GET.get("status", ""))
    rows = selectors.lines(
        user=request.user, policy=policy, year=year, area=str(request.GET.get("area", "")), status=status
    )
    version = services.version_for(policy, year)
    context = {
        "policy": policy,
        "policy_name": version.name if version else policy.code,
        "year": year,
        "table": LINES.page(request, rows),
        "status": status,
        "statuses": plans.PAYMENT_LABELS,
        "area": str(request.GET.get("area", "")),
    }
    return render(request, "performance/lines.html", context)


def _report(request: HttpRequest, code: str, year: int) -> report.Report:
    _check_year(year)
    policy = _policy(request, code)
    return report.report_for(user=request.user, policy=policy, year=year)


@login_required
@requires("performance.view")
def evaluation(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """绩效评价报告, printable."""
    made = _report(request, code, year)
    context = {
        "report": made,
        "m": made.monitoring,
        "published": selectors.publications(made.policy).filter(year=year).first(),
    }
    return render(request, "performance/report.html", context)


@login_required
@requires("performance.view")
def evaluation_pdf(request: HttpRequest, code: str, year: int) -> HttpResponse:
    made = _report(request, code, year)
    response = HttpResponse(report.pdf(made), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="performance-{made.policy.code}-{year}.pdf"'
    return response


@login_required
@requires("performance.view")
def evaluation_xlsx(request: HttpRequest, code: str, year: int) -> HttpResponse:
    made = _report(request, code, year)
    response = HttpResponse(
        report.xlsx(made), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="performance-{made.policy.code}-{year}.xlsx"'
    return response


@login_required
@requires("performance.publish")
@require_POST
def publish(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The disclosure officer publishes the evaluation's summary to the public column."""
    made = _report(request, code, year)
    target_set = made.monitoring.target_set
    if target_set is None:
        messages.error(request, _("该年度尚未下达绩效目标"))
    else:
        try:
            services.publication_publish(
                user=request.user, target_set=target_set, summary=report.summary(made)
            )
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("绩效评价摘要已向社会公开"))
    return redirect("performance:report", code=code, year=year)
