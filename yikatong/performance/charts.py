"""The dual-monitoring charts, drawn on the server as inline SVG (no JavaScript, no CDN).

The execution chart puts the expected cumulative share of the budget (by the policy's payment months, a
step line) beside what has actually been paid, month by month. Every text goes through ``escape``.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yikatong.checks.charts import Bar, bar_chart

WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 560, 240, 44, 16, 40
EXPECTED, ACTUAL, GRID, INK, WARN = "#57606a", "#0b5cad", "#d8dee4", "#1f2328", "#b3261e"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def execution_chart(
    *, curve: list[tuple[int, Decimal]], monthly_paid: list[int], budget_fen: int, title: str, lagging: bool
) -> SafeString:
    """Expected (grey step line) against paid (blue bars of the cumulative share) at each month end."""
    plot_w, plot_h = WIDTH - LEFT - 16, HEIGHT - TOP - BOTTOM
    step = plot_w / 12
    parts = []
    for pct in (0, 25, 50, 75, 100):
        y = TOP + plot_h - plot_h * pct / 100
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{pct}%</text>'
        )
    if budget_fen > 0:
        running = 0
        colour = WARN if lagging else ACTUAL
        for month, paid in enumerate(monthly_paid, start=1):
            running += paid
            share = min(running * 100 / budget_fen, 100)
            height = plot_h * share / 100
            x = LEFT + (month - 1) * step + step * 0.2
            y = TOP + plot_h - height
            tip = _("%(month)s月末累计已支付 %(share)s%%") % {"month": month, "share": f"{share:.1f}"}
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{height:.1f}" '
                f'fill="{colour}" opacity="0.85"><title>{_e(tip)}</title></rect>'
            )
    points = []
    for point, level in curve:
        x0, x1 = LEFT + (point - 1) * step, LEFT + point * step
        y = TOP + plot_h - plot_h * float(level) / 100
        points += [f"{x0:.1f},{y:.1f}", f"{x1:.1f},{y:.1f}"]
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{EXPECTED}" stroke-width="2" '
        f'stroke-dasharray="5,3"><title>{_e(_("按发放月份的预期执行进度"))}</title></polyline>'
    )
    for month in range(1, 13):
        x = LEFT + (month - 0.5) * step
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="{INK}">{month}</text>'
        )
    legend_y = HEIGHT - 8
    parts.append(
        f'<line x1="{LEFT}" y1="{legend_y - 4}" x2="{LEFT + 24}" y2="{legend_y - 4}" stroke="{EXPECTED}" '
        f'stroke-width="2" stroke-dasharray="5,3"/><text x="{LEFT + 30}" y="{legend_y}" fill="{INK}">'
        f'{_e(_("预期进度"))}</text><rect x="{LEFT + 110}" y="{legend_y - 10}" width="12" height="10" '
        f'fill="{WARN if lagging else ACTUAL}"/><text x="{LEFT + 128}" y="{legend_y}" fill="{INK}">'
        f"{_e(_('累计已支付'))}</text>"
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="{_e(title)}" font-size="12" font-family="sans-serif">'
        f"<title>{_e(title)}</title>{''.join(parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 — every text above went through _e()


def achievement_chart(figures: list[Any], *, title: str) -> SafeString:
    """Each indicator's achievement (actual as a share of its target, capped at 150%), missed ones red."""
    bars = []
    for f in figures:
        if f.actual is None or f.target is None:
            continue
        ratio: Decimal
        if f.better == "higher":
            ratio = f.actual / f.target * 100 if f.target else Decimal(100)
        else:
            ratio = f.target / f.actual * 100 if f.actual else Decimal(100)
        value = int(min(ratio, Decimal(150)))
        bars.append(Bar(label=_(f.name), value=max(value, 1), text=f"{value}%", highlight=bool(f.missed)))
    return bar_chart(bars, title=title)
