"""The screens: targets drafted and approved through the pages, the dual monitoring, the report as HTML,
PDF and Excel, publishing the summary, the public page and the API."""

from __future__ import annotations

import fastexcel
import pytest

from tests.performance.support import approve_targets, build
from tests.support.world import World
from yikatong.performance.models import Publication, SetState, TargetSet

pytestmark = pytest.mark.django_db


def test_department_drafts_and_finance_approves_through_the_pages(world: World) -> None:
    made = build(world)
    dept = world.client("dept_reviewer")
    page = dept.get("/performance/GLJT/2026/")
    assert page.status_code == 200 and "起草预算和绩效目标" in page.content.decode()
    answer = dept.post(
        "/performance/GLJT/2026/draft/",
        {"budget": "1000.00", "lag_margin": "10", "target_persons": "3", "weight_persons": "20"},
    )
    assert answer.status_code == 302
    drafted = TargetSet.objects.get(policy=made["policy"])
    assert drafted.budget_fen == 100000 and drafted.targets.get().weight == 20
    assert dept.post(f"/performance/sets/{drafted.pk}/submit/").status_code == 302
    assert dept.post(f"/performance/sets/{drafted.pk}/approve/").status_code == 403
    finance = world.client("finance")
    assert finance.post(f"/performance/sets/{drafted.pk}/approve/", {"comment": "同意"}).status_code == 302
    assert TargetSet.objects.get(pk=drafted.pk).state == SetState.APPROVED
    listing = finance.get("/performance/?year=2026").content.decode()
    assert "高龄津贴" in listing and "第 1 版" in listing


def test_dual_monitoring_pages_charts_and_drill_down(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"])
    finance = world.client("finance")
    overview = finance.get("/performance/monitor/?year=2026").content.decode()
    assert "<svg" in overview and "高龄津贴" in overview and "预算执行进度滞后" in overview
    page = finance.get("/performance/GLJT/2026/monitor/").content.decode()
    assert "<svg" in page and "发放金额未达目标" in page and "塔河镇" in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    village = finance.get("/performance/GLJT/2026/monitor/?area=232722100000").content.decode()
    assert "永丰村" in village
    lines = finance.get("/performance/GLJT/2026/lines/?area=232722100201&status=failed").content.decode()
    assert "共 1 笔" in lines


def test_report_html_pdf_and_excel(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"])
    finance = world.client("finance")
    page = finance.get("/performance/GLJT/2026/report/").content.decode()
    assert "高龄津贴 2026 年度绩效评价报告" in page
    assert "按设定权重计分：28.00 分（可计分指标满分 40.00 分）" in page  # no survey figure yet: not scored
    pdf = finance.get("/performance/GLJT/2026/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert len(pdf.content) > 10_000
    xlsx = finance.get("/performance/GLJT/2026/report.xlsx")
    book = fastexcel.read_excel(xlsx.content)
    assert book.sheet_names == ["绩效指标", "预算执行", "核查疑点", "投诉举报"]
    first = book.load_sheet(0, header_row=None).to_polars()
    assert "高龄津贴" in str(first[0, 0])


def test_disclosure_officer_publishes_the_summary_to_the_public_column(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"])
    assert world.client("finance").post("/performance/GLJT/2026/publish/").status_code == 403
    officer = world.client("disclosure_officer")
    assert officer.post("/performance/GLJT/2026/publish/").status_code == 302
    published = Publication.objects.get()
    assert published.summary["policy"] == "高龄津贴"
    from django.test import Client

    anyone = Client()
    index = anyone.get("/public/performance/").content.decode()
    assert "高龄津贴" in index
    detail = anyone.get(f"/public/performance/{published.pk}/").content.decode()
    assert "发放金额" in detail and "老人" not in detail  # figures only, nobody named


def test_api_monitoring_and_report(world: World) -> None:
    made = build(world)
    approve_targets(world, made["policy"])
    finance = world.client("finance")
    body = finance.get("/api/performance/GLJT/2026/monitoring").json()
    assert body["paid_yuan"] == "250.00" and body["lagging"] in (True, False)
    assert {f["code"]: f["actual"] for f in body["figures"]}["pay_days"] == "2.40"
    report = finance.get("/api/performance/GLJT/2026/report").json()
    assert report["budgets"][0]["amount_yuan"] in {"0.00", "1000.00"}
    assert (
        world.client("village_clerk", "village_a").get("/api/performance/GLJT/2026/monitoring").status_code
        == 403
    )
    assert finance.get("/api/performance/NOPE/2026/monitoring").status_code == 404


def test_the_pdf_uses_the_system_cjk_font_and_fetches_nothing(world: World) -> None:
    import re

    from weasyprint import HTML

    from yikatong.performance import report

    made = build(world)
    approve_targets(world, made["policy"])
    built = report.report_for(user=world.user("finance"), policy=made["policy"], year=2026)
    document = report.html(built)
    assert (
        "高龄津贴" in document and "@font-face" not in document and "http" not in document.split("<body")[0]
    )
    data = HTML(string=document).write_pdf(uncompressed_pdf=True)
    assert any(b"CJK" in name for name in re.findall(rb"/FontName\s*/([^\s/]+)", data))
