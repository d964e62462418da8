"""`yikatong bank …` and `yikatong plan …`: the screens' steps from a shell, as a user or as the system.

A plan built, submitted and approved; a batch's file exported (the kept bytes, audited; a bank operator's
export sends it); the simulated bank's returns written out and imported (applied once, then a duplicate,
a bad file refused in one line); a bank operator never reaches another bank's batch; every role the
permission table refuses gets one line and exit 1. The last test runs the commands in real processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from typer.testing import CliRunner

from tests.cli.test_cli_errors import one_line
from tests.payments.test_api import approved_lines, approved_plan, batch_of, budget
from tests.support.world import World
from yikatong.accounts.permissions import ACTIONS
from yikatong.accounts.roles import Role
from yikatong.audit.models import AuditEvent
from yikatong.cli import app
from yikatong.payments import files
from yikatong.payments.domain import plans
from yikatong.payments.models import (
    BankReturn,
    BatchState,
    DisbursementPlan,
    PaymentBatch,
    PaymentFile,
    ReturnState,
)

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def run(*arguments: str) -> Any:
    """`yikatong ARGUMENTS` in this process (the test's database)."""
    result = CliRunner().invoke(app, list(arguments))
    assert "Traceback" not in result.output, result.output
    return result


def refused_line(result: Any) -> str:
    """The one `错误：…。Error: …` line of a refused command."""
    output: str = result.output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    zh, sep, en = lines[0].partition("。Error: ")
    assert sep and zh.startswith("错误：") and en, lines[0]
    return lines[0]


def name(world: World, role: str, place: str = "county") -> str:
    return world.user(role, place).username


def test_a_plan_is_built_submitted_approved_and_shown(world: World) -> None:
    approved_lines(world)
    department, finance = name(world, "dept_reviewer"), name(world, "finance")
    missing_user = run("plan", "build", "--policy", "GLJT", "--period", "2026-10")
    assert missing_user.exit_code == 2 and "--user" in refused_line(missing_user)
    unknown = run("plan", "build", "--policy", "NONE", "--period", "2026-10", "--user", department)
    assert unknown.exit_code == 2 and "补贴项目 NONE 不存在" in refused_line(unknown)
    built = run("plan", "build", "--policy", "GLJT", "--period", "2026-10", "--user", department)
    assert built.exit_code == 0, built.output
    plan = DisbursementPlan.objects.get()
    assert "已编制并核查发放计划" in built.output and plan.number in built.output
    assert plan.state == plans.CHECKED and plan.created_by.username == department
    again = run("plan", "build", "--policy", "GLJT", "--period", "2026-10", "--user", department)
    line = refused_line(again)
    assert (
        again.exit_code == 1 and "未提交的发放计划" in line and "the disbursement plan was not built" in line
    )

    listed = run("plan", "list", "--state", "checked", "--user", department)
    assert listed.exit_code == 0 and "共 1 个发放计划" in listed.output and plan.number in listed.output
    assert "共 0 个发放计划" in run("plan", "list", "--period", "2026-09").output
    assert run("plan", "list", "--period", "2026-13").exit_code == 2
    assert run("plan", "list", "--state", "nonsense").exit_code == 2

    early = run("plan", "approve", str(plan.pk), "--budget-line", "x", "--voucher", "y", "--user", finance)
    assert early.exit_code == 1 and "只有已提交财政的计划可以审批" in refused_line(early)
    submitted = run("plan", "submit", str(plan.pk), "--user", department)
    assert submitted.exit_code == 0 and f"已提交财政审批：{plan.number}" in submitted.output
    no_budget = run(
        "plan", "approve", str(plan.pk), "--budget-line", "x", "--voucher", "y", "--user", finance
    )
    assert no_budget.exit_code == 1 and "尚未录入预算指标" in refused_line(no_budget)
    budget(world)
    done = run(
        "plan", "approve", str(plan.pk), "--budget-line", "塔财预1号", "--voucher", "ZF-9", "--user", finance
    )
    assert done.exit_code == 0, done.output
    assert "分为 2 个发放批次" in done.output and "中国农业银行" in done.output
    plan.refresh_from_db()
    assert plan.state == plans.APPROVED and plan.approved_by.username == finance and plan.voucher_no == "ZF-9"
    assert AuditEvent.objects.filter(action="plan.approved", actor_name=finance).count() == 1

    shown = run("plan", "show", str(plan.pk))
    assert shown.exit_code == 0, shown.output
    for text in (
        plan.number,
        "财政已审批",
        "232722100 塔河镇：4 笔 200.00 元",
        "103 中国农业银行：2 笔 100.00 元",
        "待发放：4 笔 200.00 元",
        "支付凭证号：ZF-9",
    ):
        assert text in shown.output, text
    assert len([b for b in PaymentBatch.objects.filter(plan=plan) if b.message_id in shown.output]) == 2
    absent = run("plan", "show", "999999", "--user", finance)
    assert absent.exit_code == 2 and "发放计划 #999999 不存在" in refused_line(absent)
    # Another township's finance does not reach the county's plan.
    elsewhere = run("plan", "show", str(plan.pk), "--user", name(world, "finance", "b"))
    assert elsewhere.exit_code == 2


def test_export_simulate_and_import_returns(world: World, tmp_path: Path) -> None:
    plan = approved_plan(world)
    own, other = batch_of(plan, "103"), batch_of(plan, "105")
    operator = name(world, "bank_operator")
    out = tmp_path / "payment.txt"

    listed = run("bank", "batches", "--user", operator)
    assert listed.exit_code == 0 and own.message_id in listed.output and other.message_id not in listed.output
    assert "共 2 个发放批次" in run("bank", "batches").output
    # Another bank's batch is out of the operator's reach: nothing generated, written or audited.
    foreign = run("bank", "export", "--batch", str(other.pk), "--out", str(out), "--user", operator)
    assert foreign.exit_code == 2 and "不在您的办理范围内" in refused_line(foreign)
    assert not out.exists() and not PaymentFile.objects.exists()

    exported = run("bank", "export", "--batch", str(own.pk), "--out", str(out), "--user", operator)
    assert exported.exit_code == 0, exported.output
    kept = PaymentFile.objects.get(batch=own)
    assert out.read_bytes() == files.file_bytes(kept) and kept.sha256 in exported.output
    assert "已登记为报送银行" in exported.output
    own.refresh_from_db()
    assert own.state == BatchState.SENT
    assert AuditEvent.objects.filter(action="batch.download", object_id=str(kept.pk)).count() == 1
    assert not list(tmp_path.glob(".*.part"))
    # Finance's export (as the system here) generates the other bank's file and leaves the batch as it was.
    iso = tmp_path / "iso.xml"
    assert run("bank", "export", "--batch", str(other.pk), "--out", str(iso)).exit_code == 0
    assert b"pain.001.001.09" in iso.read_bytes()
    assert PaymentBatch.objects.get(pk=other.pk).state == BatchState.FILE_READY
    assert run("bank", "export", "--batch", str(other.pk), "--out", str(tmp_path)).exit_code == 2

    # The simulated bank's returns written out, then imported as the operator would import a real bank's.
    returns_dir = tmp_path / "returns"
    nothing = run("bank", "simulate", "--batch", str(own.pk), "--no-import")
    assert nothing.exit_code == 2 and "--out" in refused_line(nothing)
    written = run(
        "bank", "simulate", "--batch", str(own.pk), "--out", str(returns_dir), "--no-import",
        "--technical-share", "0", "--user", operator,
    )  # fmt: skip
    assert written.exit_code == 0, written.output
    success = next(returns_dir.glob("*成功.txt"))
    failure = next(returns_dir.glob("*失败.txt"))
    assert not BankReturn.objects.exists()
    assert AuditEvent.objects.filter(action="export.simulated_returns").count() == 1
    applied = run("bank", "import-return", str(success), "--kind", "success", "--user", operator)
    assert applied.exit_code == 0, applied.output
    assert "已导入" in applied.output and own.message_id in applied.output
    duplicate = run("bank", "import-return", str(success), "--kind", "success", "--user", operator)
    assert duplicate.exit_code == 0 and "重复文件" in duplicate.output
    foreign_batch = run("bank", "import-return", str(failure), "--batch", str(other.pk), "--user", operator)
    assert foreign_batch.exit_code == 2 and "不在您的办理范围内" in refused_line(foreign_batch)
    # As the system, the batch names the bank, as an upload on the batch's page does.
    failed = run("bank", "import-return", str(failure), "--kind", "failure", "--batch", str(own.pk))
    assert failed.exit_code == 0, failed.output
    own.refresh_from_db()
    assert own.state == BatchState.CLOSED and (own.paid_count, own.failed_count) == (1, 1)
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"not a return file")
    bad = run("bank", "import-return", str(garbage), "--kind", "success", "--user", operator)
    line = refused_line(bad)
    assert bad.exit_code == 1 and "回盘文件未导入" in line and "changed nothing" in line
    assert BankReturn.objects.filter(state=ReturnState.REFUSED).count() == 1
    unnamed = run("bank", "import-return", str(garbage))
    assert unnamed.exit_code == 1 and "请选择代发银行" in refused_line(unnamed)
    unknown_bank = run("bank", "import-return", str(garbage), "--bank", "999")
    assert unknown_bank.exit_code == 2 and "代发银行代码 999 不存在" in refused_line(unknown_bank)

    # The ISO 20022 bank answers through the simulator's import (pain.002 and camt.054).
    answered = run("bank", "simulate", "--batch", str(other.pk), "--technical-share", "0")
    assert answered.exit_code == 0, answered.output
    assert answered.output.count("已导入") >= 2
    assert PaymentBatch.objects.get(pk=other.pk).state == BatchState.CLOSED


# Each command that acts as a user, with the action it asks of the table (ids need not exist: the table
# answers before any look-up).
CLI_ACTIONS = {
    "plan list": (["plan", "list"], "plan.view"),
    "plan show": (["plan", "show", "999999"], "plan.view"),
    "plan build": (["plan", "build", "--policy", "GLJT", "--period", "2026-10"], "plan.build"),
    "plan submit": (["plan", "submit", "999999"], "plan.submit"),
    "plan approve": (["plan", "approve", "999999", "--budget-line", "x", "--voucher", "y"], "plan.approve"),
    "plan reissue": (["plan", "reissue", "999999"], "payment.reissue"),
    "bank batches": (["bank", "batches"], "batch.view"),
    "bank export": (["bank", "export", "--batch", "999999", "--out", "{tmp}/out.txt"], "batch.download"),
    "bank import-return": (["bank", "import-return", "{tmp}/return.txt", "--bank", "103"], "return.import"),
    "bank simulate": (["bank", "simulate", "--batch", "999999"], "bank.simulate"),
}


@pytest.mark.parametrize("command", list(CLI_ACTIONS))
def test_every_role_without_the_action_is_refused_in_one_line(
    world: World, tmp_path: Path, command: str
) -> None:
    arguments, code = CLI_ACTIONS[command]
    (tmp_path / "return.txt").write_bytes(b"x")
    filled = [a.format(tmp=tmp_path) for a in arguments]
    lacking = [role for role in Role.values if role not in ACTIONS[code].roles]
    assert lacking
    for role in lacking:
        place = "village_a" if role == Role.VILLAGE_CLERK else "county"
        result = run(*filled, "--user", name(world, role, place))
        assert result.exit_code == 1, f"{command} as {role}: {result.exit_code} {result.output}"
        assert ACTIONS[code].refusal_zh() in refused_line(result), role
    assert not (tmp_path / "out.txt").exists()
    assert not BankReturn.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_commands_in_real_processes(world: World, tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    plan = approved_plan(world)
    batch = batch_of(plan, "103")
    operator = name(world, "bank_operator")
    env = {
        **subprocess_env,
        "YIKATONG_DATA_DIR": str(settings.DATA_DIR),
        "YIKATONG_DATA_KEY": settings.YIKATONG_DATA_KEY,
    }

    def yikatong(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "yikatong.cli", *arguments],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    out = tmp_path / "payment.txt"
    exported = yikatong("bank", "export", "--batch", str(batch.pk), "--out", str(out), "--user", operator)
    assert exported.returncode == 0, exported.stderr
    assert out.read_bytes() == files.file_bytes(PaymentFile.objects.get(batch=batch))
    assert PaymentBatch.objects.get(pk=batch.pk).state == BatchState.SENT
    answered = yikatong(
        "bank", "simulate", "--batch", str(batch.pk), "--technical-share", "0", "--user", operator
    )
    assert answered.returncode == 0, answered.stderr
    assert PaymentBatch.objects.get(pk=batch.pk).state == BatchState.CLOSED
    shown = yikatong("plan", "show", str(plan.pk), "--user", name(world, "finance"))
    assert shown.returncode == 0 and "已到账 1 笔 50.00 元" in shown.stdout, shown.stderr

    refused = yikatong("plan", "approve", str(plan.pk), "--budget-line", "x", "--voucher", "y",
                       "--user", name(world, "dept_reviewer"))  # fmt: skip
    assert refused.returncode == 1 and "发放计划由财政局审批" in one_line(refused)
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"not a return file")
    bad = yikatong("bank", "import-return", str(garbage), "--kind", "success", "--user", operator)
    assert bad.returncode == 1 and "回盘文件未导入" in one_line(bad)
    unknown = yikatong("bank", "export", "--batch", "999999", "--out", str(out), "--user", "nobody")
    assert unknown.returncode == 2 and "用户 nobody 不存在或已停用" in one_line(unknown)
