"""`yikatong import KIND FILE` (persons, cards, deaths, cadres, land, policies, roster): each a thin call
into its service."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yikatong.cli.base import _refusals, _require_database, _require_keys, _setup_django, app, bad_period
from yikatong.cli.errors import USAGE, Refusal


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
    _setup_django()
    _require_keys()
    _require_database()
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
            raise _no_such_user(user)
    snapshot_date = _date_option(as_of, "--as-of")
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
                as_of=snapshot_date,
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


def _no_such_user(user: str) -> Refusal:
    return Refusal(f"用户 {user} 不存在或已停用", f"there is no active user {user}", code=USAGE)


def _date_option(value: str, flag: str) -> dt.date | None:
    """An optional YYYY-MM-DD option, refused in one line when it is not a date."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Refusal(
            f"{flag} 应为日期 YYYY-MM-DD，而不是“{value}”",
            f"{flag} must be a date YYYY-MM-DD, not {value!r}",
            code=USAGE,
        ) from exc


def _import_policies(file: Path, *, user: str, effective_from: str, publish: bool) -> None:
    from yikatong.accounts.models import User
    from yikatong.core.context import acting_as
    from yikatong.policies.imports import UnreadableFile, policy_list_import

    actor = User.objects.filter(username=user, is_active=True).first() if user else None
    day = _date_option(effective_from, "--effective-from") or dt.date(dt.date.today().year, 1, 1)
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
        raise Refusal(
            f"导入申报名册须指定 {'、'.join(missing)}",
            f"importing a roster needs {', '.join(missing)}",
            code=USAGE,
        )
    actor = User.objects.filter(username=user, is_active=True).select_related("region").first()
    if actor is None:
        raise _no_such_user(user)
    try:
        parsed = str(Period.parse(period))
    except InvalidPeriod as exc:
        raise bad_period(period, exc) from exc
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
