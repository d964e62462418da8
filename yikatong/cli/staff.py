"""`yikatong createuser` and `yikatong auditlog verify`."""

from __future__ import annotations

from typing import Annotated

import typer

from yikatong.cli.base import _require_database, _require_keys, _setup_django, app, auditlog_app


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
    _require_database()
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
    _require_database()
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
