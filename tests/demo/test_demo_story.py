"""The demo's 塔河县 story loads through the real services and leaves something to click on at each step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from yikatong.audit.models import AuditEvent
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
    october = Roster.objects.get(village_id="232722100201", period="2026-10", policy__code="GLJT")
    assert october.state == workflow.PUBLICIZING
    xinjian = Roster.objects.get(village_id="232722100202", period="2026-10")
    assert xinjian.state == workflow.TOWNSHIP_REVIEWED
    waiting = Finding.objects.filter(roster=xinjian, state=FindingState.OPEN)
    assert set(waiting.values_list("rule", flat=True)) == {"CARD_INACTIVE", "LATE", "NO_CARD"}
    no_card = waiting.get(rule="NO_CARD")
    assert no_card.person.name == "孙德胜" and no_card.line.account_no == ""
    assert "请人社部门为其办理社保卡" in no_card.detail
    audit = CheckRun.objects.get(kind=RunKind.POSTHOC)
    assert audit.period_label == "2026-09 至 2026-10" and len(audit.sample) == 5
    # The September payment to an elder registered dead afterwards, and the September beneficiaries with no
    # phone on file, whose itemised notice could not be sent (逐项告知 past its time limit).
    assert set(audit.findings.values_list("rule", flat=True)) == {"DECEASED", "LATE"}
    assert all("发放后逐项告知受益人" in f.detail for f in audit.findings.filter(rule="LATE"))
    assert "2026-08-28" in audit.findings.get(rule="DECEASED").detail
    # township_tahe has a roster to review: 新建村 November, its notice over, its deadline still ahead.
    november = Roster.objects.get(village_id="232722100202", period="2026-11")
    assert november.state == workflow.PUBLICIZED and november.lines.filter(state=LineState.PENDING).exists()
    assert november.publicity_end < timezone.now() < november.deadline


def test_demo_histories_read_as_a_countys_would(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    for roster in Roster.objects.all():
        assert roster.publicity_start is None or (
            roster.created_at <= roster.publicity_start < roster.publicity_end
            and roster.publicity_end - roster.publicity_start >= dt.timedelta(days=7)
        ), roster
        events = list(roster.events.order_by("pk"))
        assert [e.at for e in events] == sorted(e.at for e in events), roster
        for event in events:
            assert event.at >= roster.created_at, (roster, event)
            assert event.deadline is None or event.deadline > roster.created_at, (roster, event)
    september = Roster.objects.get(village_id="232722100201", period="2026-09")
    assert september.created_at < september.events.get(to_state=workflow.APPROVED).at
    assert (timezone.now() - september.created_at).days >= 60
    # The audit log's sequence and its times go forward together.
    times = list(AuditEvent.objects.order_by("seq").values_list("occurred_at", flat=True))
    assert times == sorted(times)


def test_demo_auditor_files_show_every_line_judged(tmp_path: Path) -> None:
    import polars as pl
    from typer.testing import CliRunner

    from yikatong.cli import app

    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    registries = tmp_path / "demo-registries"
    out = tmp_path / "findings.csv"
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--registry-dir", str(registries),
            "--roster", str(registries / "auditor" / "roster-2026-10.csv"),
            "--previous-roster", str(registries / "auditor" / "roster-2026-09.csv"),
            "--period", "2026-10",
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "全部参与核查" in result.output and "部分单元格无法读取" in result.output
    findings = pl.read_csv(out, infer_schema=False)
    rules = set(findings.get_column("规则"))
    assert {"ID_INVALID", "DECEASED", "DUPLICATE", "NO_CARD", "MISSED"} <= rules
    invalid = findings.filter(pl.col("规则") == "ID_INVALID").get_column("说明").to_list()
    assert any("缺少身份证号，疑似为本村" in text for text in invalid)
    assert any("差一位" in text for text in invalid)
    assert "身份证号无效：校验位错误" in invalid  # the stranger's typo: no link, no guess
    assert any(
        "按疑似本人" in text for text in findings.filter(pl.col("规则") == "DECEASED").get_column("说明")
    )


def test_demo_pays_september_and_leaves_october_for_finance(tmp_path: Path) -> None:
    from yikatong.payments.domain import plans
    from yikatong.payments.models import BankReturn, DisbursementPlan, LineStatus, PaymentFile, PlanLine

    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    september = DisbursementPlan.objects.get(period="2026-09")
    assert september.state == plans.CLOSED and september.voucher_no
    lines = PlanLine.objects.filter(plan=september)
    assert lines.count() == lines.filter(status=LineStatus.PAID).count() > 0
    reissued = lines.get(attempts=2)
    assert [p.status for p in reissued.payments.order_by("attempt")] == [plans.FAILED, plans.PAID]
    assert reissued.payments.order_by("attempt").first().reason_code == "AC04"
    # Both formats: 建设银行 on ISO 20022, the others on 代发 flat files; every return imported.
    formats = set(PaymentFile.objects.filter(batch__plan=september).values_list("file_format", flat=True))
    assert formats == {"pain.001", "flat"}
    assert not BankReturn.objects.exclude(state="applied").exists()
    october = DisbursementPlan.objects.get(period="2026-10", policy__code="GLJT")
    assert october.state == plans.SUBMITTED and october.line_count > 0
    # 永丰村 October 低保 is paid; its public disclosure waits for approval, due on the next working day.
    from django.utils import timezone

    from yikatong.core.workdays import add_working_days
    from yikatong.disclosure import selectors as disclosure

    dibao = DisbursementPlan.objects.get(period="2026-10", policy__code="NCDB")
    assert dibao.state == plans.CLOSED
    (due,) = [d for d in disclosure.due_list("232722100201") if d.period == "2026-10"]
    assert due.due_on == add_working_days(timezone.localdate(), 1)
