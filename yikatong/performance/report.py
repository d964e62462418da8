"""The yearly evaluation report (绩效评价报告): one context, three forms — the printable page, a PDF made
offline by WeasyPrint from the same HTML (the system's Noto CJK font, no web fonts), and an Excel workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone

from yikatong.core.money import fen_to_yuan
from yikatong.payments.models import Budget, FundingSource
from yikatong.performance import selectors
from yikatong.performance.domain import indicators
from yikatong.policies.models import Policy


@dataclass
class Report:
    """What the evaluation report says about one policy's year."""

    monitoring: selectors.Monitoring
    budgets: list[Budget]
    made_on: dt.date

    @property
    def policy(self) -> Policy:
        return self.monitoring.policy

    @property
    def year(self) -> int:
        return self.monitoring.year


def report_for(*, user: Any, policy: Policy, year: int) -> Report:
    """The report of a policy's year, as of today (or of the year's last day once it is over)."""
    today = timezone.localdate()
    on = min(today, dt.date(year, 12, 31) + dt.timedelta(days=1))
    figures = selectors.monitoring(user=user, policy=policy, year=year, on=on)
    order = {source: i for i, source in enumerate(FundingSource.values)}
    budgets = sorted(Budget.objects.filter(policy=policy, year=year), key=lambda b: order.get(b.source, 9))
    return Report(monitoring=figures, budgets=budgets, made_on=today)


def summary(report: Report) -> dict[str, Any]:
    """The public summary: figures only (no person, no village's lines), as JSON."""
    m = report.monitoring
    return {
        "policy": m.policy_name,
        "policy_code": m.policy.code,
        "year": m.year,
        "version": m.target_set.version if m.target_set else None,
        "budget_yuan": fen_to_yuan(m.budget_fen),
        "paid_yuan": fen_to_yuan(m.paid_fen),
        "execution": str(m.execution) if m.execution is not None else None,
        "score": str(m.score),
        "score_max": str(m.score_max),
        "indicators": [
            {
                "name": f.name,
                "unit": f.unit,
                "target": str(f.target) if f.target is not None else None,
                "actual": str(f.actual) if f.actual is not None else None,
                "met": f.met,
                "typed": f.typed,
            }
            for f in m.figures
            if f.target is not None
        ],
        "made_on": report.made_on.isoformat(),
    }


def html(report: Report, *, printable: bool = True) -> str:
    """The report as a standalone HTML document (what the PDF is made from)."""
    return render_to_string(
        "performance/report_print.html", {"report": report, "m": report.monitoring, "printable": printable}
    )


def pdf(report: Report) -> bytes:
    """The report as PDF, offline (WeasyPrint, system fonts only; nothing is fetched)."""
    from weasyprint import HTML

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"the report fetches nothing: {url}")

    return bytes(HTML(string=html(report), url_fetcher=no_fetch, base_url="/").write_pdf())


def _value(value: Decimal | None) -> Any:
    return float(value) if value is not None else "暂无数据"


def xlsx(report: Report) -> bytes:
    """The report as an Excel workbook: 指标, 预算执行, 核查疑点, 投诉举报."""
    m = report.monitoring
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet("绩效指标")
    sheet.write_row(0, 0, [f"{m.policy_name} {m.year}年度绩效评价报告"], bold)
    sheet.write_row(
        2, 0, ["指标类别", "指标", "单位", "目标值", "实际值", "是否达标", "权重", "得分", "说明"], bold
    )
    row = 3
    for f in m.figures:
        sheet.write_row(
            row,
            0,
            [
                indicators.CATEGORY_LABELS[f.category],
                f.name,
                f.unit,
                _value(f.target) if f.target is not None else "未设定",
                _value(f.actual),
                {True: "达标", False: "未达标", None: "—"}[f.met],
                float(f.weight),
                float(f.score) if f.score is not None else "—",
                "问卷调查填报" if f.typed else (f.note or "平台数据计算"),
            ],
        )
        row += 1
    sheet.write_row(row + 1, 0, ["合计得分", float(m.score), "满分", float(m.score_max)], bold)
    sheet.set_column(0, 1, 24)
    budget = book.add_worksheet("预算执行")
    budget.write_row(0, 0, ["资金来源", "预算（元）", "预算指标文号"], bold)
    for i, b in enumerate(report.budgets, start=1):
        budget.write(i, 0, str(b.get_source_display()))
        budget.write_number(i, 1, b.amount_fen / 100, money)
        budget.write(i, 2, b.budget_line)
    base = len(report.budgets) + 2
    budget.write_row(base, 0, ["预算合计（元）", "已支付（元）", "执行率", "按发放月份预期"], bold)
    budget.write_number(base + 1, 0, m.budget_fen / 100, money)
    budget.write_number(base + 1, 1, m.paid_fen / 100, money)
    budget.write(base + 1, 2, _value(m.execution))
    budget.write(base + 1, 3, float(m.expected))
    budget.write_row(base + 3, 0, ["月份", "当月支付（元）"], bold)
    for month, paid in enumerate(m.monthly_paid, start=1):
        budget.write(base + 3 + month, 0, f"{month}月")
        budget.write_number(base + 3 + month, 1, paid / 100, money)
    findings = book.add_worksheet("核查疑点")
    findings.write_row(0, 0, ["规则", "处理状态", "数量"], bold)
    for i, found in enumerate(m.findings, start=1):
        findings.write_row(i, 0, [found["rule_title"], found["state_label"], found["n"]])
    complaints = book.add_worksheet("投诉举报")
    complaints.write_row(0, 0, ["状态", "办理结果", "数量"], bold)
    for i, c in enumerate(m.complaints, start=1):
        complaints.write_row(i, 0, [c["state_label"], c["result_label"] or "—", c["n"]])
    book.close()
    return out.getvalue()
