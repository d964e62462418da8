"""`yikatong bank …` (payment files out, returns in, the bank simulator) and `yikatong plan …` (disbursement
plans): the same services as the screens, under the same permission table.

Without ``--user`` a reading or bank command runs as the system (whoever holds the server's shell and keys:
it passes every check); the plan's moves (build, submit, approve, re-issue) name a person, since each is a
signed step of the plan's path. A refusal (the permission table, a service's reason, a row out of reach) is
one line on stderr, Chinese then English, and exit status 1; a wrong command line, exit status 2.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from yikatong.cli.base import _require_database, _require_keys, _setup_django, app, bad_period
from yikatong.cli.errors import USAGE, Refusal
from yikatong.cli.imports import _no_such_user

bank_app = typer.Typer(help="代发文件与银行回盘 / payment files and bank returns", no_args_is_help=True)
plan_app = typer.Typer(help="发放计划 / disbursement plans", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
app.add_typer(plan_app, name="plan")

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

UserOption = Annotated[str, typer.Option("--user", help="以该用户身份办理 / act as this user")]
NeededUser = Annotated[str, typer.Option("--user", help="以该用户身份办理（必填）/ act as this user")]


class ReturnKindChoice(StrEnum):
    success = "success"
    failure = "failure"


# --- what every command here shares -------------------------------------------------------------------------


def _ready() -> None:
    _setup_django()
    _require_keys()
    _require_database()


def _actor(name: str) -> Any:
    """The active user named by --user, or None (the system) when none is named."""
    if not name:
        return None
    from yikatong.accounts.models import User

    actor = User.objects.filter(username=name, is_active=True).select_related("region").first()
    if actor is None:
        raise _no_such_user(name)
    return actor


def _english(messages: list[str]) -> str:
    """A service's reasons in English where the catalogue has them, else a pointer to the Chinese text."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("en"):
        english = [str(gettext(message)) for message in messages]
    if english and not any(CJK.search(text) for text in english):
        return "; ".join(text.rstrip(".") for text in english)
    return "refused by the platform (the reason is the Chinese text before this)"


@contextlib.contextmanager
def _acting(actor: Any, what_zh: str, what_en: str) -> Iterator[None]:
    """Run as the actor on the command-line channel; a refusal of the permission table or of a service
    becomes one `Refusal` line saying what was not done and why."""
    from django.core.exceptions import ValidationError

    from yikatong.core.context import acting_as
    from yikatong.core.restrict import AccessDenied

    with acting_as(user_id=actor.pk if actor is not None else None, channel="cli"):
        try:
            yield
        except AccessDenied as exc:
            raise Refusal(
                f"{what_zh}：{exc}",
                f"{what_en}: the permission table refuses it to this user's role or region",
            ) from exc
        except ValidationError as exc:
            raise Refusal(
                f"{what_zh}：{'；'.join(exc.messages)}", f"{what_en}: {_english(exc.messages)}"
            ) from exc


def _authorize(actor: Any, code: str, obj: Any = None) -> None:
    from yikatong.accounts.permissions import authorize

    authorize(actor, code, obj)


def _plans(actor: Any) -> Any:
    """The plans the actor may see (the system: all)."""
    from yikatong.payments import selectors
    from yikatong.payments.models import DisbursementPlan

    if actor is None:
        return DisbursementPlan.objects.select_related("policy", "policy_version", "region")
    return selectors.plan_list(user=actor)


def _batches(actor: Any) -> Any:
    """The batches the actor may see: a bank operator its own bank's only (the system: all)."""
    from yikatong.payments import selectors
    from yikatong.payments.models import PaymentBatch

    if actor is None:
        return PaymentBatch.objects.select_related("plan__policy_version", "bank")
    return selectors.batch_list(user=actor)


def _plan(actor: Any, pk: int) -> Any:
    found = _plans(actor).filter(pk=pk).first()
    if found is None:
        raise Refusal(
            f"发放计划 #{pk} 不存在或不在您的办理范围内",
            f"there is no disbursement plan #{pk} within your reach",
            code=USAGE,
        )
    return found


def _batch(actor: Any, pk: int) -> Any:
    found = _batches(actor).filter(pk=pk).first()
    if found is None:
        raise Refusal(
            f"发放批次 #{pk} 不存在或不在您的办理范围内",
            f"there is no payment batch #{pk} within your reach",
            code=USAGE,
        )
    return found


def _yuan(fen: int) -> str:
    from yikatong.core.money import fen_to_yuan

    return fen_to_yuan(fen)


def _batch_line(batch: Any) -> str:
    return (
        f"  #{batch.pk}  {batch.message_id}  {batch.bank.name}（{batch.bank.code}）  第{batch.round}轮  "
        f"{batch.get_state_display()}  {batch.count} 笔 {_yuan(batch.total_fen)} 元"
        f"（已到账 {batch.paid_count} 笔 {_yuan(batch.paid_fen)} 元，失败 {batch.failed_count} 笔，"
        f"退回 {batch.returned_count} 笔，待回盘 {batch.unknown_count} 笔）"
    )


def _write_beside(path: Path, data: bytes) -> Path:
    """Write the bytes to a temporary name beside ``path`` (moved there once the write is recorded): a
    reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(data)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise Refusal(
            f"无法写入 {path}：{exc.strerror or exc}", f"cannot write {path}: {exc.strerror or exc}"
        ) from exc
    return temporary


def _folder(path: Path) -> None:
    """The --out folder, made if it is not there yet."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Refusal(
            f"无法建立文件夹 {path}：{exc.strerror or exc}",
            f"cannot make the folder {path}: {exc.strerror or exc}",
        ) from exc


def _out_file(out: Path) -> None:
    if out.is_dir():
        raise Refusal(
            f"--out {out} 是文件夹，请给出文件名", f"--out {out} is a folder; give a file name", code=USAGE
        )
    if not out.parent.is_dir():
        raise Refusal(
            f"--out 所在的文件夹 {out.parent} 不存在",
            f"the folder of --out, {out.parent}, does not exist",
            code=USAGE,
        )


# --- yikatong bank ------------------------------------------------------------------------------------------


@bank_app.command("batches")
def bank_batches(
    plan: Annotated[int | None, typer.Option("--plan", help="只列此发放计划的批次 / only this plan")] = None,
    state: Annotated[str, typer.Option(help="只列此状态，如 file_ready / only this state")] = "",
    user: UserOption = "",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="最多列出条数 / at most")] = 50,
) -> None:
    """列出发放批次 / List payment batches.

    代发银行用户只见本行的批次。A bank operator sees its own bank's batches only."""
    _ready()
    from yikatong.payments.models import BatchState

    actor = _actor(user)
    if state and state not in BatchState.values:
        raise Refusal(
            f"批次状态“{state}”无效（可用：{'、'.join(BatchState.values)}）",
            f"--state {state!r} is not a batch state ({', '.join(BatchState.values)})",
            code=USAGE,
        )
    with _acting(actor, "无法列出发放批次", "cannot list the payment batches"):
        _authorize(actor, "batch.view")
        batches = _batches(actor).order_by("-created_at", "-id")
        if plan is not None:
            batches = batches.filter(plan_id=plan)
        if state:
            batches = batches.filter(state=state)
        total = batches.count()
        rows = list(batches.select_related("plan")[:limit])
    typer.echo(f"共 {total} 个发放批次" + (f"，列出最新 {len(rows)} 个" if total > len(rows) else ""))
    for batch in rows:
        typer.echo(f"{_batch_line(batch).strip()}  发放计划 {batch.plan.number}")


@bank_app.command("export")
def bank_export(
    batch: Annotated[int, typer.Option("--batch", help="发放批次编号 / batch id")],
    out: Annotated[Path, typer.Option("--out", help="写入的代发文件 / output file", dir_okay=False)],
    user: UserOption = "",
) -> None:
    """导出批次的代发文件 / Export a batch's payment file.

    尚未生成则生成；每次导出都记入审计日志；代发银行用户导出即为报送银行。The file is generated if it is not
    yet; every export is audited; a bank operator's export is the file going to the bank."""
    _ready()

    from yikatong.payments import files

    actor = _actor(user)
    _out_file(out)
    with _acting(actor, "代发文件未导出", "the payment file was not exported"):
        _authorize(actor, "batch.download")
        found = _batch(actor, batch)
        _authorize(actor, "batch.download", found)
        kept = files.batch_file(batch=found, user=actor)
        data = files.file_bytes(kept)
        temporary = _write_beside(out, data)
        try:
            # As the screen's download: every export audited; a bank's own export is the file going out.
            sent = files.record_download(user=actor, batch=found, kept=kept)
            os.replace(temporary, out)
        finally:
            temporary.unlink(missing_ok=True)
    typer.echo(
        f"已导出代发文件 {kept.file_name} 到 {out}：{kept.count} 笔，{_yuan(kept.total_fen)} 元，"
        f"SHA-256 {kept.sha256}"
    )
    if sent is not None and sent.state == "sent":
        typer.echo(f"批次 {found.message_id} 已登记为报送银行")


@bank_app.command("import-return")
def bank_import_return(
    file: Annotated[
        Path, typer.Argument(help="银行回盘文件 / the bank's return file", exists=True, dir_okay=False)
    ],
    bank: Annotated[str, typer.Option(help="代发银行代码（代发银行用户可省略）/ agent bank code")] = "",
    batch: Annotated[
        int | None,
        typer.Option("--batch", help="回盘所答的发放批次（如批次页上传）/ the batch it answers"),
    ] = None,
    kind: Annotated[
        ReturnKindChoice | None,
        typer.Option(help="代发文件回盘：success 成功文件 / failure 失败文件 / flat-file return kind"),
    ] = None,
    user: UserOption = "",
) -> None:
    """导入银行回盘 / Import a bank's return file.

    代发文件回盘（成功文件、失败文件）、pain.002、camt.054、pacs.004；同一文件重复导入不改变任何记录。Flat
    success and failure files, pain.002, camt.054, pacs.004; the same file imported twice changes nothing."""
    _ready()
    from yikatong.payments import returns
    from yikatong.payments.models import ReturnState
    from yikatong.registry.models import AgentBank

    actor = _actor(user)
    if file.stat().st_size > returns.MAX_RETURN_BYTES:
        raise Refusal(
            f"回盘文件过大（最大 {returns.MAX_RETURN_BYTES // 1024 // 1024} MB）",
            f"the return file is larger than {returns.MAX_RETURN_BYTES // 1024 // 1024} MB",
        )
    with _acting(actor, "回盘文件未导入", "the return file was not imported"):
        _authorize(actor, "return.import")
        agent = None
        if bank:
            agent = AgentBank.objects.filter(code=bank).first()
            if agent is None:
                raise Refusal(f"代发银行代码 {bank} 不存在", f"there is no agent bank {bank}", code=USAGE)
        # As an upload on the batch's page: the batch's bank, and the batch a return naming none answers.
        answers = _batch(actor, batch) if batch is not None else None
        kept = returns.return_import(
            user=actor,
            data=file.read_bytes(),
            file_name=file.name,
            bank=agent or (answers.bank if answers is not None else None),
            kind=kind.value if kind is not None else "",
            batch=answers,
        )
    if kept.state == ReturnState.REFUSED:
        raise Refusal(
            f"回盘文件未导入：{kept.message}（文件已留存，编号 #{kept.pk}，未改变任何记录）",
            f"the return file was refused and changed nothing (kept as return #{kept.pk}; the reason is the"
            " Chinese text before this)",
        )
    answered = kept.batch
    where = f"，发放批次 {answered.message_id}（#{answered.pk}）" if answered is not None else ""
    colour = typer.colors.GREEN if kept.state == ReturnState.APPLIED else typer.colors.YELLOW
    typer.secho(f"{kept.get_state_display()}{where}：{kept.message}", fg=colour)
    if answered is not None:
        answered.refresh_from_db()
        typer.echo(_batch_line(answered).strip())


@bank_app.command("simulate")
def bank_simulate(
    batch: Annotated[int, typer.Option("--batch", help="发放批次编号 / batch id")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="回盘文件写入此文件夹 / write the returns here", file_okay=False),
    ] = None,
    do_import: Annotated[
        bool, typer.Option("--import/--no-import", help="导入模拟的回盘 / import the simulated returns")
    ] = True,
    technical_share: Annotated[
        float,
        typer.Option(
            "--technical-share", min=0.0, max=1.0, help="银行技术原因失败的比例 / share of technical failures"
        ),
    ] = 0.002,
    user: UserOption = "",
) -> None:
    """演示：模拟银行回盘 / Demo: the simulated bank answers a batch.

    回盘如真实回盘一样导入，或写入 --out 文件夹。The returns are imported as a real one would be, or
    written to the --out folder."""
    _ready()
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from yikatong.audit.services import audit_record
    from yikatong.payments import simulator
    from yikatong.payments.models import PaymentFile, ReturnState

    actor = _actor(user)
    if out is None and not do_import:
        raise Refusal(
            "--no-import 时须用 --out 指定写入回盘文件的文件夹",
            "--no-import needs --out, the folder to write the returns to",
            code=USAGE,
        )
    imported: list[Any] = []
    with _acting(actor, "模拟银行未回盘", "the simulated bank did not answer"):
        _authorize(actor, "bank.simulate")
        found = _batch(actor, batch)
        if do_import:
            imported = simulator.bank_simulate(user=actor, batch=found, technical_share=technical_share)
            produced = [(kept.file_name, Path(kept.path).read_bytes()) for kept in imported]
        else:
            _authorize(actor, "bank.simulate", found)
            if not settings.YIKATONG_BANK_SIMULATOR:
                raise ValidationError("本系统连接的是真实代发银行，不能使用模拟银行（仅演示、培训环境可用）")
            if not PaymentFile.objects.filter(batch=found).exists():
                raise ValidationError("该批次的代发文件尚未生成，银行无法回盘")
            produced = [
                (item.name, item.data) for item in simulator.simulate(found, technical_share=technical_share)
            ]
        if out is not None:
            _folder(out)
            staged = [(out / Path(name).name, data) for name, data in produced]
            temporaries = [_write_beside(target, data) for target, data in staged]
            try:
                with transaction.atomic():
                    # Return files carry holders' names and accounts: writing them out is a recorded export.
                    audit_record(
                        action="export.simulated_returns",
                        obj=found,
                        region_code=found.plan.region_id,
                        after={"file": "、".join(target.name for target, _data in staged)},
                        actor=actor,
                    )
                for (target, _data), temporary in zip(staged, temporaries, strict=True):
                    os.replace(temporary, target)
            finally:
                for temporary in temporaries:
                    temporary.unlink(missing_ok=True)
    for kept in imported:
        colour = typer.colors.GREEN if kept.state == ReturnState.APPLIED else typer.colors.YELLOW
        typer.secho(f"{kept.file_name}：{kept.get_state_display()}，{kept.message}", fg=colour)
    if out is not None:
        for name, _data in produced:
            typer.echo(f"已写入 {out / Path(name).name}")
    found.refresh_from_db()
    typer.echo(_batch_line(found).strip())
    refused = [kept for kept in imported if kept.state == ReturnState.REFUSED]
    if refused:
        raise Refusal(
            f"模拟银行的 {len(refused)} 个回盘文件未导入：{refused[0].message}",
            f"{len(refused)} of the simulated bank's return files were refused (the reason is the Chinese"
            " text before this)",
        )


# --- yikatong plan ------------------------------------------------------------------------------------------


def _plan_line(plan: Any) -> str:
    from yikatong.payments.domain import plans

    return (
        f"#{plan.pk}  {plan.number}  {plan.policy.code} {plan.policy_version.name}  {plan.period}  "
        f"{plan.region.name}{'（' + '、'.join(plan.townships) + '）' if plan.townships else ''}  "
        f"{plans.LABELS.get(plan.state, plan.state)}  {plan.line_count} 笔 {_yuan(plan.total_fen)} 元"
    )


@plan_app.command("list")
def plan_list(
    policy: Annotated[str, typer.Option(help="补贴项目代码 / policy code")] = "",
    period: Annotated[str, typer.Option(help="发放期间，如 2026-10 / period")] = "",
    state: Annotated[str, typer.Option(help="状态，如 submitted / state")] = "",
    user: UserOption = "",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="最多列出条数 / at most")] = 50,
) -> None:
    """列出发放计划（最新在前）/ List disbursement plans, newest first."""
    _ready()
    from yikatong.core.periods import InvalidPeriod, Period
    from yikatong.payments.domain import plans

    actor = _actor(user)
    if state and state not in plans.LABELS:
        raise Refusal(
            f"计划状态“{state}”无效（可用：{'、'.join(plans.LABELS)}）",
            f"--state {state!r} is not a plan state ({', '.join(plans.LABELS)})",
            code=USAGE,
        )
    parsed = ""
    if period:
        try:
            parsed = str(Period.parse(period))
        except InvalidPeriod as exc:
            raise bad_period(period, exc) from exc
    with _acting(actor, "无法列出发放计划", "cannot list the disbursement plans"):
        _authorize(actor, "plan.view")
        found = _plans(actor).order_by("-created_at", "-id")
        if policy:
            found = found.filter(policy__code=policy)
        if parsed:
            found = found.filter(period=parsed)
        if state:
            found = found.filter(state=state)
        total = found.count()
        rows = list(found[:limit])
    typer.echo(f"共 {total} 个发放计划" + (f"，列出最新 {len(rows)} 个" if total > len(rows) else ""))
    for plan in rows:
        typer.echo(_plan_line(plan))


@plan_app.command("show")
def plan_show(
    plan_id: Annotated[int, typer.Argument(metavar="ID", help="发放计划编号 / plan id")],
    user: UserOption = "",
) -> None:
    """一个发放计划：按乡镇、代发银行、发放状态的合计及其批次 / One plan with its totals and batches."""
    _ready()
    from yikatong.payments import selectors
    from yikatong.payments.domain import plans

    actor = _actor(user)
    with _acting(actor, "无法查看发放计划", "cannot show the disbursement plan"):
        _authorize(actor, "plan.view")
        plan = _plan(actor, plan_id)
        by_township = selectors.plan_by_township(plan)
        by_bank = selectors.plan_by_bank(plan)
        counts = selectors.plan_status_counts(plan)
        batches = list(plan.batches.select_related("bank").order_by("round", "bank__code"))
    typer.echo(f"发放计划 {plan.number}（#{plan.pk}）{'  补报' if plan.supplementary else ''}")
    typer.echo(
        f"补贴项目：{plan.policy.code} {plan.policy_version.name}；发放期间：{plan.period}；"
        f"范围：{plan.region.name}"
    )
    awaited = plans.AWAITED.get(plan.state)
    typer.echo(
        f"状态：{plans.LABELS.get(plan.state, plan.state)}" + (f"；下一步：{awaited[0]}" if awaited else "")
    )
    typer.echo(
        f"合计：{plan.line_count} 笔，{_yuan(plan.total_fen)} 元"
        + (f"；核查批次 #{plan.check_run_id}" if plan.check_run_id else "")
    )
    if plan.voucher_no:
        typer.echo(f"预算指标：{plan.budget_line}；支付凭证号：{plan.voucher_no}")
    typer.echo("按乡镇：")
    for row in by_township:
        typer.echo(
            f"  {row.code} {row.name}：{row.count} 笔 {_yuan(row.total_fen)} 元"
            f"（已到账 {row.paid_count} 笔 {_yuan(row.paid_fen)} 元）"
        )
    typer.echo("按代发银行：")
    for row in by_bank:
        typer.echo(
            f"  {row.code or '—'} {row.name}：{row.count} 笔 {_yuan(row.total_fen)} 元"
            f"（已到账 {row.paid_count} 笔 {_yuan(row.paid_fen)} 元）"
        )
    typer.echo("按发放状态：")
    labels = dict(_line_statuses())
    for status, figures in sorted(counts.items()):
        typer.echo(f"  {labels.get(status, status)}：{figures['count']} 笔 {_yuan(figures['fen'])} 元")
    typer.echo("发放批次：" if batches else "发放批次：无（财政审批后按代发银行生成）")
    for batch in batches:
        typer.echo(_batch_line(batch))


def _line_statuses() -> list[tuple[str, str]]:
    from yikatong.payments.models import LineStatus

    return [(value, str(label)) for value, label in LineStatus.choices]


@plan_app.command("build")
def plan_build(
    policy: Annotated[str, typer.Option(help="补贴项目代码 / policy code")],
    period: Annotated[str, typer.Option(help="发放期间，如 2026-10 / period")],
    user: NeededUser,
    township: Annotated[
        list[str] | None, typer.Option(help="只编入这些乡镇（可重复）/ only these townships (repeatable)")
    ] = None,
    supplementary: Annotated[
        bool, typer.Option("--supplementary", help="补报计划 / a supplementary plan")
    ] = False,
) -> None:
    """主管部门编制发放计划（已审批名册行）并核查 / The department builds and checks a plan."""
    _ready()
    from yikatong.payments import services
    from yikatong.policies.models import Policy

    actor = _actor(user)
    with _acting(actor, "发放计划未编制", "the disbursement plan was not built"):
        _authorize(actor, "plan.build")
        found = Policy.objects.filter(code=policy).first()
        if found is None:
            raise Refusal(f"补贴项目 {policy} 不存在", f"there is no policy {policy}", code=USAGE)
        plan = services.plan_build(
            user=actor,
            policy=found,
            period=period,
            townships=list(township or []),
            supplementary=supplementary,
        )
        blocking = _blocking(plan)
    typer.secho(f"已编制并核查发放计划：{_plan_line(plan)}", fg=typer.colors.GREEN)
    if blocking:
        typer.secho(
            f"有 {blocking} 条阻断发放的核查疑点未处理，处理后才能提交财政（核查批次 #{plan.check_run_id}）",
            fg=typer.colors.YELLOW,
        )


def _blocking(plan: Any) -> int:
    from yikatong.checks.services.plans import plan_open_blocking

    return int(plan_open_blocking(plan).count())


@plan_app.command("submit")
def plan_submit(
    plan_id: Annotated[int, typer.Argument(metavar="ID", help="发放计划编号 / plan id")],
    user: NeededUser,
) -> None:
    """主管部门将已核查的发放计划提交财政 / The department submits a checked plan to finance."""
    _ready()
    from yikatong.payments import services

    actor = _actor(user)
    with _acting(actor, "发放计划未提交", "the disbursement plan was not submitted"):
        _authorize(actor, "plan.submit")
        plan = services.plan_submit(user=actor, plan=_plan(actor, plan_id))
    typer.secho(f"已提交财政审批：{plan.number}", fg=typer.colors.GREEN)


@plan_app.command("approve")
def plan_approve(
    plan_id: Annotated[int, typer.Argument(metavar="ID", help="发放计划编号 / plan id")],
    budget_line: Annotated[str, typer.Option("--budget-line", help="预算指标 / budget line")],
    voucher: Annotated[str, typer.Option("--voucher", help="支付凭证号 / payment voucher number")],
    user: NeededUser,
) -> None:
    """财政审批发放计划（国库集中支付），按代发银行分为发放批次 / Finance approves a plan into batches."""
    _ready()
    from yikatong.payments import services

    actor = _actor(user)
    with _acting(actor, "发放计划未审批", "the disbursement plan was not approved"):
        _authorize(actor, "plan.approve")
        plan = services.plan_approve(
            user=actor, plan=_plan(actor, plan_id), budget_line=budget_line, voucher_no=voucher
        )
        batches = list(plan.batches.select_related("bank").order_by("round", "bank__code"))
    typer.secho(f"已审批：{plan.number}，分为 {len(batches)} 个发放批次", fg=typer.colors.GREEN)
    for batch in batches:
        typer.echo(_batch_line(batch))
    typer.echo("代发文件由后台任务生成（yikatong worker）；yikatong bank export --batch ID 也会生成并导出")


@plan_app.command("reissue")
def plan_reissue(
    plan_id: Annotated[int, typer.Argument(metavar="ID", help="发放计划编号 / plan id")],
    user: NeededUser,
) -> None:
    """财政补发已更正的行（新一轮批次，新的交易流水号）/ Finance re-issues the corrected lines."""
    _ready()
    from yikatong.payments import services

    actor = _actor(user)
    with _acting(actor, "未补发", "nothing was re-issued"):
        _authorize(actor, "payment.reissue")
        batches = services.plan_reissue(user=actor, plan=_plan(actor, plan_id))
    typer.secho(f"已生成 {len(batches)} 个补发批次", fg=typer.colors.GREEN)
    for batch in batches:
        typer.echo(_batch_line(batch))
