"""The demo's 绩效双监控: 高龄津贴 2026 approved (adjusted once), one indicator missed with its warning, the
evaluation report to open and print."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from yikatong.accounts.models import User
from yikatong.demo.loader import load_demo_if_empty
from yikatong.performance import selectors
from yikatong.performance.models import SetState, TargetSet


@pytest.mark.django_db(transaction=True)
def test_demo_tells_the_dual_monitoring_story(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    versions = list(TargetSet.objects.filter(policy__code="GLJT", year=2026).order_by("version"))
    assert [v.state for v in versions] == [SetState.SUPERSEDED, SetState.APPROVED]
    finance = User.objects.get(username="finance")
    m = selectors.monitoring(user=finance, policy=versions[1].policy, year=2026)
    missed = [f.code for f in m.figures if f.met is False]
    assert missed == ["failed_rate"]
    assert any(w.startswith("发放失败率未达目标") for w in m.warnings)
    assert m.lagging and m.warnings[0].startswith("预算执行进度滞后")  # October's plan waits for finance
    assert next(f for f in m.figures if f.code == "satisfaction").typed
    client = Client()
    client.force_login(finance)
    page = client.get("/performance/GLJT/2026/monitor/").content.decode()
    assert "发放失败率未达目标" in page and "<svg" in page and "塔河镇" in page
    township = client.get("/performance/GLJT/2026/monitor/?area=232722100000").content.decode()
    assert "永丰村" in township
    failed = client.get("/performance/GLJT/2026/lines/?area=232722100201&status=failed").content.decode()
    assert "共 1 笔" in failed
    report = client.get("/performance/GLJT/2026/report/")
    assert report.status_code == 200 and "绩效评价报告" in report.content.decode()
    assert client.get("/performance/GLJT/2026/report.pdf").content.startswith(b"%PDF")
