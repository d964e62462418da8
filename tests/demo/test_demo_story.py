"""The demo's 塔河县 story loads through the real services and leaves something to click on at each step."""

from __future__ import annotations

from pathlib import Path

import pytest

from yikatong.checks.models import CheckRun, Finding, FindingState, RunKind
from yikatong.demo.loader import load_demo_if_empty
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState, Roster

pytestmark = pytest.mark.django_db


def test_demo_rosters_checks_and_audit(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    september = Roster.objects.get(village_id="232722100201", period="2026-09")
    assert september.state == workflow.APPROVED
    confirmed = Finding.objects.filter(roster=september, state=FindingState.CONFIRMED)
    assert set(confirmed.values_list("rule", flat=True)) == {"DECEASED", "CARD_INACTIVE"}
    assert september.lines.filter(state=LineState.RETURNED).count() == 2
    assert Roster.objects.get(village_id="232722100201", period="2026-10").state == workflow.PUBLICIZING
    xinjian = Roster.objects.get(village_id="232722100202", period="2026-10")
    assert xinjian.state == workflow.TOWNSHIP_REVIEWED
    waiting = Finding.objects.filter(roster=xinjian, state=FindingState.OPEN)
    assert set(waiting.values_list("rule", flat=True)) == {"CARD_INACTIVE", "LATE"}
    audit = CheckRun.objects.get(kind=RunKind.POSTHOC)
    assert audit.period_label == "2026-09 至 2026-10" and len(audit.sample) == 5
    assert list(audit.findings.values_list("rule", flat=True)) == ["DECEASED"]
    assert "2026-08-28" in audit.findings.get().detail
