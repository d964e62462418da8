"""The `yikatong` command: one entry point for the demo, the servers, imports, checks and audits."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="一卡通惠民惠农补贴发放监管平台 / yikatong subsidy platform",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
auditlog_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
app.add_typer(auditlog_app, name="auditlog")


def _data_dir() -> Path:
    path = Path(os.environ.get("YIKATONG_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["YIKATONG_DATA_DIR"] = str(path)
    return path


def _prepare_demo_environment() -> Path:
    """Demo mode: a data directory with its own generated encryption key, SQLite unless told otherwise."""
    from yikatong.core.crypto import generate_key_spec

    data_dir = _data_dir()
    os.environ["YIKATONG_DEMO"] = "1"
    key_file = data_dir / "data.key"
    if "YIKATONG_DATA_KEY" not in os.environ:
        if not key_file.exists():
            key_file.write_text(generate_key_spec("demo1") + "\n", encoding="utf-8")
            key_file.chmod(0o600)
        os.environ["YIKATONG_DATA_KEY"] = key_file.read_text(encoding="utf-8").strip()
    return data_dir


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yikatong.settings")
    _data_dir()
    import django

    django.setup()


def _require_keys() -> None:
    """Refuse to start a server or worker without the personal-data key."""
    from django.core.exceptions import ImproperlyConfigured

    from yikatong.core.crypto import key_ring

    try:
        key_ring()
    except ImproperlyConfigured as exc:
        typer.secho(f"无法启动：{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="网页端口 / web port")] = 8000,
    host: Annotated[str, typer.Option(help="监听地址 / listen address")] = "127.0.0.1",
    persons: Annotated[int, typer.Option(help="演示人口数 / demo population")] = 10_000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="不启动工作进程 / no task worker")] = False,
) -> None:
    """启动演示：建库、载入塔河县演示数据、启动网页与工作进程 / Run the demo on 塔河县 data."""
    data_dir = _prepare_demo_environment()
    _setup_django()
    from django.core.management import call_command

    from yikatong.demo.loader import demo_accounts, load_demo_if_empty

    typer.echo("正在初始化数据库 / migrating database …")
    call_command("migrate", interactive=False, verbosity=0)
    loaded = load_demo_if_empty(data_dir=data_dir, persons=persons, echo=typer.echo)
    typer.echo("演示数据已载入 / demo data loaded" if loaded else "沿用已有数据 / using existing data")
    url = f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}/"  # noqa: S104
    typer.echo("")
    typer.secho(f"平台地址 / URL: {url}", fg=typer.colors.GREEN, bold=True)
    typer.echo("演示账号（密码相同）/ demo accounts (same password):")
    for username, password, role, where in demo_accounts():
        typer.echo(f"  {username:<16} {password:<12} {role}　{where}")
    typer.echo("按 Ctrl+C 停止 / press Ctrl+C to stop")
    worker = None
    if not no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "yikatong.cli", "worker"], env=os.environ.copy())
    try:
        _serve(host=host, port=port, threads=8)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()


def _serve(*, host: str, port: int, threads: int) -> None:
    _require_keys()
    from waitress import serve as waitress_serve

    from yikatong.wsgi import application

    waitress_serve(application, host=host, port=port, threads=threads, ident="yikatong")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="网页端口 / web port")] = 8000,
    host: Annotated[str, typer.Option(help="监听地址 / listen address")] = "127.0.0.1",
    threads: Annotated[int, typer.Option(help="线程数 / threads")] = 8,
) -> None:
    """启动网页服务（waitress）/ Serve the web application."""
    _setup_django()
    _serve(host=host, port=port, threads=threads)


@app.command()
def worker(
    queue: Annotated[str, typer.Option(help="队列名 / queue name")] = "default",
    batch: Annotated[
        bool, typer.Option("--batch", help="处理完队列后退出 / exit when the queue is empty")
    ] = False,
) -> None:
    """启动后台任务工作进程 / Run a background task worker."""
    _setup_django()
    _require_keys()
    from yikatong.tasks.worker import run_worker

    run_worker(queue=queue, batch=batch)


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="登录名 / login name")],
    role: Annotated[str, typer.Option(help="角色代码，如 finance / role code")],
    region: Annotated[str, typer.Option(help="所属区划代码（12位）/ region code")],
    department: Annotated[str, typer.Option(help="部门代码 / department code")],
    name: Annotated[str, typer.Option(help="姓名 / full name")] = "",
    password: Annotated[
        str,
        typer.Option(
            prompt="密码 / password", hide_input=True, confirmation_prompt=True, help="密码 / password"
        ),
    ] = "",
) -> None:
    """新建工作人员账号 / Create a staff user."""
    _setup_django()
    _require_keys()
    from django.core.exceptions import ValidationError

    from yikatong.accounts.services import user_create

    try:
        user = user_create(
            username=username,
            password=password,
            full_name=name or username,
            role=role,
            region_code=region,
            department_code=department,
            actor=None,
        )
    except ValidationError as exc:
        for message in exc.messages:
            typer.secho(message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"已创建用户 / created: {user.username}（{user.get_role_display()}）")


@auditlog_app.command("verify")
def auditlog_verify() -> None:
    """校验审计日志摘要链，发现篡改时以非零状态退出 / Verify the audit hash chain."""
    _setup_django()
    from rich.progress import Progress

    from yikatong.audit.selectors import audit_chain_verify

    with Progress(transient=True) as bar:
        job = bar.add_task("校验审计日志 / verifying", total=None)
        total, broken = audit_chain_verify(progress=lambda done, n: bar.update(job, completed=done, total=n))
    if broken is not None:
        typer.secho(
            f"审计日志被篡改 / chain broken at #{broken.seq}: {broken.reason}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1)
    typer.secho(
        f"审计日志完整：共 {total} 条，摘要链无断裂 / chain intact ({total} events)", fg=typer.colors.GREEN
    )


class ImportKind(StrEnum):
    persons = "persons"
    cards = "cards"
    deaths = "deaths"
    cadres = "cadres"
    land = "land"
    policies = "policies"
    roster = "roster"


@app.command("import")
def import_file(
    kind: Annotated[
        ImportKind, typer.Argument(help="数据类别 / kind: persons cards deaths cadres land policies roster")
    ],
    file: Annotated[
        Path, typer.Argument(help="CSV 或 Excel 文件 / CSV or .xlsx file", exists=True, dir_okay=False)
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验不写入 / validate only")] = False,
    accept_partial: Annotated[
        bool, typer.Option("--accept-partial", help="错误行不导入，其余导入 / load the good rows")
    ] = False,
    as_of: Annotated[str, typer.Option(help="比对数据截止日期 YYYY-MM-DD / snapshot date")] = "",
    source: Annotated[str, typer.Option(help="比对数据来源 / snapshot source")] = "",
    user: Annotated[str, typer.Option(help="以该用户身份导入 / act as this user")] = "",
    effective_from: Annotated[
        str, typer.Option(help="政策清单生效日期 YYYY-MM-DD / policies take effect")
    ] = "",
    publish: Annotated[
        bool, typer.Option("--publish", help="导入后发布（财政用户）/ publish (finance)")
    ] = False,
    policy: Annotated[str, typer.Option(help="名册的项目代码 / roster policy code")] = "",
    period: Annotated[str, typer.Option(help="名册的发放期间，如 2026-10 / roster period")] = "",
    village: Annotated[str, typer.Option(help="名册的村代码 / roster village code")] = "",
) -> None:
    """导入数据文件（人员、社保卡、死亡、村干部、土地、政策、名册）/ Import registries, policies, rosters."""
    import datetime as dt

    _setup_django()
    _require_keys()
    if kind == ImportKind.policies:
        _import_policies(file, user=user, effective_from=effective_from, publish=publish)
        return
    if kind == ImportKind.roster:
        _import_roster(
            file, user=user, policy=policy, period=period, village=village, accept_partial=accept_partial
        )
        return
    from rich.progress import BarColumn, Progress, TextColumn

    from yikatong.accounts.models import User
    from yikatong.core.context import acting_as
    from yikatong.registry.imports import registry_import
    from yikatong.registry.models import ImportStatus

    actor = None
    if user:
        actor = User.objects.filter(username=user, is_active=True).select_related("region").first()
        if actor is None:
            typer.secho(f"用户 {user} 不存在或已停用", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
    with Progress(TextColumn("{task.description}"), BarColumn(), transient=True) as bar:
        job = bar.add_task("读取文件 / reading", total=3)

        def progress(done: int, total: int | None = None, message: str | None = None, **_: object) -> None:
            bar.update(job, completed=done, total=total or 3, description=message or "")

        with acting_as(user_id=actor.pk if actor else None, channel="cli"), _refusals():
            batch = registry_import(
                kind=kind.value,
                path=file,
                user=actor,
                dry_run=dry_run,
                accept_partial=accept_partial,
                as_of=dt.date.fromisoformat(as_of) if as_of else None,
                source=source,
                progress=progress,
            )
    colour = {ImportStatus.UNREADABLE: typer.colors.RED, ImportStatus.REFUSED: typer.colors.RED}.get(
        ImportStatus(batch.status), typer.colors.GREEN
    )
    typer.secho(batch.message, fg=colour)
    if batch.unknown_columns:
        typer.echo(f"未识别的列（已忽略）/ ignored columns: {'、'.join(batch.unknown_columns)}")
    if batch.report_csv:
        typer.echo(f"错误报告 / error report: {batch.report_csv}")
        typer.echo(f"                         {batch.report_xlsx}")
    if batch.status == ImportStatus.UNREADABLE:
        raise typer.Exit(2)
    if batch.status == ImportStatus.REFUSED:
        raise typer.Exit(1)


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """A refusal of the permission table (AccessDenied) as one line on stderr and exit status 1."""
    from yikatong.core.restrict import AccessDenied

    try:
        yield
    except AccessDenied as exc:
        typer.secho(f"无权办理 / refused: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


def _import_policies(file: Path, *, user: str, effective_from: str, publish: bool) -> None:
    import datetime as dt

    from yikatong.accounts.models import User
    from yikatong.core.context import acting_as
    from yikatong.policies.imports import UnreadableFile, policy_list_import

    actor = User.objects.filter(username=user, is_active=True).first() if user else None
    day = dt.date.fromisoformat(effective_from) if effective_from else dt.date(dt.date.today().year, 1, 1)
    try:
        with acting_as(user_id=actor.pk if actor else None, channel="cli"), _refusals():
            outcome = policy_list_import(path=file, user=actor, effective_from=day, publish=publish)
    except UnreadableFile as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.secho(outcome.summary(), fg=typer.colors.RED if outcome.errors else typer.colors.GREEN)
    for error in outcome.errors:
        typer.echo(f"  {error}")
    if outcome.errors:
        raise typer.Exit(1)


def _import_roster(
    file: Path, *, user: str, policy: str, period: str, village: str, accept_partial: bool
) -> None:
    from django.core.exceptions import ValidationError

    from yikatong.accounts.models import User
    from yikatong.bulk.reader import UnreadableFile
    from yikatong.core.context import acting_as
    from yikatong.core.periods import InvalidPeriod, Period
    from yikatong.core.restrict import AccessDenied
    from yikatong.rosters.imports import roster_upload
    from yikatong.rosters.models import Roster
    from yikatong.rosters.services import roster_create

    missing = [flag for flag, value in (("--user", user), ("--policy", policy), ("--period", period),
                                        ("--village", village)) if not value]  # fmt: skip
    if missing:
        typer.secho(f"导入申报名册须指定 {'、'.join(missing)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    actor = User.objects.filter(username=user, is_active=True).select_related("region").first()
    if actor is None:
        typer.secho(f"用户 {user} 不存在或已停用", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    try:
        parsed = str(Period.parse(period))
    except InvalidPeriod as exc:
        typer.secho(f"发放期间：{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    try:
        with acting_as(user_id=actor.pk, channel="cli"):
            roster = Roster.objects.filter(policy__code=policy, period=parsed, village_id=village).first()
            if roster is None:
                roster = roster_create(user=actor, policy_code=policy, period=parsed, village_code=village)
                typer.echo(f"已建立名册 / roster created: #{roster.pk}")
            outcome = roster_upload(user=actor, roster=roster, path=file, accept_partial=accept_partial)
    except UnreadableFile as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    except (AccessDenied, ValidationError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        for message in messages:
            typer.secho(message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    typer.secho(outcome.message, fg=typer.colors.GREEN if outcome.loaded else typer.colors.RED)
    if outcome.report_csv:
        typer.echo(f"错误报告 / error report: {outcome.report_csv}")
        typer.echo(f"                         {outcome.report_xlsx}")
    if not outcome.loaded:
        raise typer.Exit(1)


@app.command()
def audit(
    registry_dir: Annotated[
        Path,
        typer.Option("--registry-dir", help="比对数据文件夹 / folder of registry files", file_okay=False),
    ],
    roster: Annotated[Path, typer.Option(help="申报名册 CSV 或 Excel / roster file", dir_okay=False)],
    period: Annotated[str, typer.Option(help="发放期间，如 2026-10 / period")],
    out: Annotated[Path, typer.Option(help="核查疑点输出 CSV / findings CSV", dir_okay=False)],
    previous_roster: Annotated[
        Path | None, typer.Option("--previous-roster", help="上期名册 / previous roster", dir_okay=False)
    ] = None,
    rules: Annotated[str, typer.Option(help="只运行这些规则，逗号分隔 / only these rule codes")] = "",
) -> None:
    """事后专项核查：用文件比对名册，无需数据库和登录 / Offline audit of a roster against registry files."""
    from rich.console import Console

    from yikatong.bulk.reader import UnreadableFile
    from yikatong.checks.engine.files import load_directory
    from yikatong.core.periods import InvalidPeriod, Period

    try:
        parsed_period = Period.parse(period)
    except InvalidPeriod as exc:
        typer.secho(f"发放期间：{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    codes = _rule_codes(rules)
    for path, what in ((roster, "申报名册"), (previous_roster, "上期名册")):
        if path is not None and not path.is_file():
            typer.secho(f"{what}文件“{path}”不存在", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
    console = Console()
    try:
        with console.status("读取文件 / reading files …"):
            inputs = load_directory(registry_dir, roster, previous_roster, parsed_period)
    except UnreadableFile as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    for note in inputs.notes:
        typer.secho(note, fg=typer.colors.YELLOW)
    _run_and_report(inputs, codes, out, str(parsed_period), console)


def _rule_codes(rules: str) -> list[str] | None:
    from yikatong.checks.engine import CATALOGUE

    codes = [code.strip().upper() for code in rules.split(",") if code.strip()] or None
    unknown = [code for code in codes or [] if code not in CATALOGUE]
    if unknown:
        typer.secho(f"未知的核查规则：{'、'.join(unknown)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    return codes


def _run_and_report(inputs: Any, codes: list[str] | None, out: Path | None, label: str, console: Any) -> None:
    """Run the rules with a progress bar, write the findings if asked, print the per-rule table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from yikatong.checks.engine import CATALOGUE, run
    from yikatong.checks.engine.files import summary_path, write_findings, write_summary

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as bar:
        job = bar.add_task("核查 / checking", total=len(codes or CATALOGUE))

        def progress(code: str, done: int, total: int) -> None:
            bar.update(job, completed=done, total=total, description=f"核查 / checking {code}")

        result = run(inputs, codes, progress)
    if out is not None:
        write_findings(result.findings, out, inputs.lines)
        write_summary(result, out, period=label, notes=inputs.notes)
    table = Table(title=f"核查结果 / findings per rule（{label}，{inputs.lines.height}行）")
    table.add_column("规则 / rule")
    table.add_column("名称 / title")
    table.add_column("疑点数 / findings", justify="right")
    counts = {row["rule"]: row["count"] for row in result.summary.iter_rows(named=True)}
    for code, rule in CATALOGUE.items():
        if code in counts:
            table.add_row(code, rule.title_zh, str(counts[code]))
        elif code in result.skipped:
            table.add_row(code, rule.title_zh, "跳过 / skipped")
    console.print(table)
    for code, reason in result.skipped.items():
        typer.echo(f"  {code} 跳过 / skipped：{reason}")
    typer.echo(result.coverage_zh())
    where = (
        f"，已写入 / written to {out}（汇总 / summary: {summary_path(out).name}）" if out is not None else ""
    )
    typer.echo(f"共 {result.findings.height} 条疑点{where}")


@app.command()
def check(
    period: Annotated[str, typer.Option(help="发放期间，如 2026-10 / period")],
    policy: Annotated[str, typer.Option(help="只核查此项目代码 / only this policy")] = "",
    region: Annotated[str, typer.Option(help="只核查此区划代码及其下级 / only this region")] = "",
    out: Annotated[Path | None, typer.Option(help="核查疑点输出 CSV / findings CSV", dir_okay=False)] = None,
    rules: Annotated[str, typer.Option(help="只运行这些规则，逗号分隔 / only these rule codes")] = "",
) -> None:
    """平台内核查：对在途名册行运行核查规则并保存疑点 / Check the lines in flight; findings are stored."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    _setup_django()
    _require_keys()
    from yikatong.checks.platform import IN_FLIGHT, LineSet
    from yikatong.checks.services import check_run
    from yikatong.core.models import Region
    from yikatong.core.periods import InvalidPeriod, Period
    from yikatong.policies.models import Policy

    try:
        parsed_period = Period.parse(period)
    except InvalidPeriod as exc:
        typer.secho(f"发放期间：{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    codes = _rule_codes(rules)
    prefix, region_code = "", ""
    if region:
        found = Region.objects.filter(code=region).first()
        if found is None:
            typer.secho(f"区划代码 {region} 不存在", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        prefix, region_code = found.prefix, found.code
    else:
        county = Region.objects.filter(parent__isnull=True).order_by("code").first()
        region_code = county.code if county else ""
    if policy and not Policy.objects.filter(code=policy).exists():
        typer.secho(f"补贴项目 {policy} 不存在", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    line_set = LineSet(
        periods=(str(parsed_period),), states=IN_FLIGHT, policy_code=policy or None, region_prefix=prefix
    )
    console = Console()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as bar:
        job = bar.add_task("载入 / loading", total=None)

        def progress(done: int, total: int, message: str) -> None:
            bar.update(job, completed=done, total=total, description=f"核查 / checking {message}")

        run = check_run(line_set=line_set, codes=codes, region_code=region_code, progress=progress)
    _report_run(run, out, console)


def _report_run(run: Any, out: Path | None, console: Any) -> None:
    """The per-rule table of a stored run, and its findings as CSV (clear ID numbers: an operator's file)."""
    import polars as pl
    from rich.table import Table

    from yikatong.checks.engine import CATALOGUE
    from yikatong.checks.models import Finding

    table = Table(
        title=f"核查结果 / findings per rule（{run.period_label}，{run.line_count}行，核查批次 {run.pk}）"
    )
    table.add_column("规则 / rule")
    table.add_column("名称 / title")
    table.add_column("疑点数 / findings", justify="right")
    counts = {item["rule"]: item["count"] for item in run.summary}
    for code, rule in CATALOGUE.items():
        if code in counts:
            table.add_row(code, rule.title_zh, str(counts[code]))
        elif code in run.skipped:
            table.add_row(code, rule.title_zh, "跳过 / skipped")
    console.print(table)
    for code, reason in run.skipped.items():
        typer.echo(f"  {code} 跳过 / skipped：{reason}")
    if out is not None:
        found = Finding.objects.filter(run=run).select_related("person", "policy").order_by("pk")
        rows = [
            {
                "序号": str(f.line_id or ""),
                "规则": f.rule,
                "严重程度": f.severity,
                "身份证号": f.person.id_number if f.person else "",
                "项目代码": f.policy.code,
                "说明": f.detail,
                "处理状态": f.get_state_display(),
            }
            for f in found
        ]
        frame = pl.DataFrame(
            rows,
            schema=dict.fromkeys(
                ["序号", "规则", "严重程度", "身份证号", "项目代码", "说明", "处理状态"], pl.String
            ),
        )
        from yikatong.audit.services import audit_record

        # A file of clear ID numbers leaves the database: that read is an audit event, like a screen export.
        audit_record(
            action="export.findings_csv",
            obj=run,
            region_code=run.region_code,
            after={"rows": len(rows), "id_numbers_in_clear": True, "file": out.name},
        )
        with out.open("wb") as handle:
            handle.write("\ufeff".encode())
            frame.write_csv(handle)
    where = f"，已写入 / written to {out}" if out is not None else ""
    typer.echo(f"共 {run.finding_count} 条疑点，已保存为核查批次 {run.pk}{where}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """运行 Django 管理命令（如 migrate）/ Run a Django management command."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yikatong manage", *ctx.args])


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
