"""事中跟踪监控: the monitoring screen — figures from checks.monitor, charts from checks.charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from yikatong.accounts.permissions import requires
from yikatong.checks import charts
from yikatong.checks.monitor import Overview, monitor_overview
from yikatong.checks.monitor.payments import payment_figures
from yikatong.checks.monitor.sections import drawn_sections
from yikatong.core.money import fen_to_yuan

DRILL_ANCHOR = "#drill"


def _stage_chart(overview: Overview) -> SafeString:
    bars = [
        charts.Bar(
            label=cell.label,
            value=cell.figure.rosters,
            text=_("%(rosters)s份 · %(lines)s人 · %(yuan)s元")
            % {
                "rosters": cell.figure.rosters,
                "lines": cell.figure.lines,
                "yuan": fen_to_yuan(cell.figure.amount_fen),
            },
            href=f"?{cell.query}{DRILL_ANCHOR}",
        )
        for cell in overview.stages
    ]
    return charts.bar_chart(bars, title=_("各环节在途名册（份）"))


def _township_chart(overview: Overview) -> SafeString:
    series = [charts.Series(cell.label) for cell in overview.stages]
    rows = [
        charts.StackedRow(
            label=row.name,
            segments=tuple(
                charts.Segment(cell.figure.rosters, f"?{cell.query}{DRILL_ANCHOR}") for cell in row.cells
            ),
            href=f"?{row.query}{DRILL_ANCHOR}",
        )
        for row in overview.townships
    ]
    return charts.stacked_chart(rows, series, title=_("各乡镇在途名册（份，按环节）"))


def _findings_chart(overview: Overview) -> SafeString:
    findings = reverse("checks:findings")
    bars = [
        charts.Bar(
            label=rule.title,
            value=rule.count,
            text=_("%(count)s条（阻断%(blocking)s条）") % {"count": rule.count, "blocking": rule.blocking}
            if rule.blocking
            else _("%(count)s条") % {"count": rule.count},
            href=f"{findings}?{rule.query}",
            highlight=rule.blocking > 0,
        )
        for rule in overview.findings.rules
    ]
    return charts.bar_chart(bars, title=_("各规则待处理疑点（条）"))


@login_required
@requires("monitor.view")
def monitor(request: HttpRequest) -> HttpResponse:
    """事中跟踪监控: rosters in flight by stage and township, time limits, open findings, with drill-down."""
    overview = monitor_overview(user=request.user, params=request.GET)
    context = {
        "o": overview,
        "stage_chart": _stage_chart(overview),
        "township_chart": _township_chart(overview),
        "findings_chart": _findings_chart(overview),
        "pay": payment_figures(user=request.user, filters=overview.filters),
        "sections": drawn_sections(request.user, overview.filters),
    }
    return render(request, "checks/monitor.html", context)
