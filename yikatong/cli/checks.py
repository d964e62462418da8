"""`yikatong audit` (事后专项核查 on files, no database) and `yikatong check` (the same rules in the
platform)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from yikatong.cli.base import _require_database, _require_keys, _setup_django, app, bad_period
from yikatong.cli.errors import USAGE, Refusal


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
        raise bad_period(period, exc) from exc
    codes = _rule_codes(rules)
    for path, what, english in (
        (roster, "申报名册", "roster"),
        (previous_roster, "上期名册", "previous roster"),
    ):
        if path is not None and not path.is_file():
            raise Refusal(
                f"{what}文件“{path}”不存在", f"the {english} file {path} does not exist", code=USAGE
            )
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
        raise Refusal(
            f"未知的核查规则：{'、'.join(unknown)}", f"unknown check rules: {', '.join(unknown)}", code=USAGE
        )
    return codes


def _run_and_report(inputs: Any, codes: list[str] | None, out: Path | None, label: str, console: Any) -> None:
    """Run the rules with a progress bar, write the findings if asked, print the per-rule table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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
    counts = {row["rule"]: row["count"] for row in result.summary.iter_rows(named=True)}
    _print_rules(f"{label}，{inputs.lines.height}行", counts, result.skipped, console)
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
    _require_database()
    from yikatong.checks.platform import IN_FLIGHT, LineSet
    from yikatong.checks.services import check_run
    from yikatong.core.models import Region
    from yikatong.core.periods import InvalidPeriod, Period
    from yikatong.policies.models import Policy

    try:
        parsed_period = Period.parse(period)
    except InvalidPeriod as exc:
        raise bad_period(period, exc) from exc
    codes = _rule_codes(rules)
    prefix, region_code = "", ""
    if region:
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise Refusal(f"区划代码 {region} 不存在", f"there is no region {region}", code=USAGE)
        prefix, region_code = found.prefix, found.code
    else:
        county = Region.objects.filter(parent__isnull=True).order_by("code").first()
        region_code = county.code if county else ""
    if policy and not Policy.objects.filter(code=policy).exists():
        raise Refusal(f"补贴项目 {policy} 不存在", f"there is no policy {policy}", code=USAGE)
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

    from yikatong.checks.models import Finding

    counts = {item["rule"]: item["count"] for item in run.summary}
    _print_rules(f"{run.period_label}，{run.line_count}行，核查批次 {run.pk}", counts, run.skipped, console)
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


def _print_rules(label: str, counts: dict[str, int], skipped: dict[str, str], console: Any) -> None:
    """The per-rule table of a run (file mode or stored) and why each skipped rule was skipped."""
    from rich.table import Table

    from yikatong.checks.engine import CATALOGUE

    table = Table(title=f"核查结果 / findings per rule（{label}）")
    table.add_column("规则 / rule")
    table.add_column("名称 / title")
    table.add_column("疑点数 / findings", justify="right")
    for code, rule in CATALOGUE.items():
        if code in counts:
            table.add_row(code, rule.title_zh, str(counts[code]))
        elif code in skipped:
            table.add_row(code, rule.title_zh, "跳过 / skipped")
    console.print(table)
    for code, reason in skipped.items():
        typer.echo(f"  {code} 跳过 / skipped：{reason}")
