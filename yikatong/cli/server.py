"""`yikatong demo`, `serve`, `worker` and `manage`: running the platform."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from yikatong.cli.base import (
    _prepare_demo_environment,
    _require_database,
    _require_keys,
    _setup_django,
    app,
)
from yikatong.cli.errors import USAGE, Refusal


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="网页端口 / web port")] = 8000,
    host: Annotated[str, typer.Option(help="监听地址 / listen address")] = "127.0.0.1",
    persons: Annotated[int, typer.Option(help="演示人口数 / demo population")] = 10_000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="不启动工作进程 / no task worker")] = False,
) -> None:
    """启动演示：建库、载入塔河县演示数据、启动网页与工作进程 / Run the demo on 塔河县 data."""
    data_dir = prepare_demo_folder(echo=typer.echo)
    from yikatong.demo.loader import demo_accounts, load_demo_if_empty

    loaded = load_demo_if_empty(data_dir=data_dir, persons=persons, echo=typer.echo)
    typer.echo("演示数据已载入 / demo data loaded" if loaded else "沿用已有数据 / using existing data")
    url = f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}/"  # noqa: S104
    typer.echo("")
    typer.secho(f"平台地址 / URL: {url}", fg=typer.colors.GREEN, bold=True)
    typer.echo("演示账号（密码相同）/ demo accounts (same password):")
    for username, password, role, where in demo_accounts():
        typer.echo(f"  {username:<16} {password:<12} {role}　{where}")
    from yikatong.demo.sharing import DEMO_TOKEN

    typer.echo(f"数据共享 API 演示令牌（民政局，仅限演示）/ demo API token: {DEMO_TOKEN}")
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


def prepare_demo_folder(*, echo: Callable[[str], object] = lambda _: None) -> Path:
    """The demo's data folder: its marker, its key, Django on it and a migrated database (all of
    `yikatong demo` but the demo data and the servers)."""
    data_dir = _prepare_demo_environment()
    _setup_django()
    _require_keys()
    from django.core.management import call_command

    echo("正在初始化数据库 / migrating database …")
    call_command("migrate", interactive=False, verbosity=0)
    return data_dir


def _serve(*, host: str, port: int, threads: int) -> None:
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
    _require_keys()
    _require_database()
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
    _require_database()
    from yikatong.tasks.worker import run_worker

    run_worker(queue=queue, batch=batch)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """运行 Django 管理命令（如 migrate）/ Run a Django management command."""
    _setup_django()
    from django.core.management import execute_from_command_line

    _check_management_command(ctx.args)
    execute_from_command_line(["yikatong manage", *ctx.args])


def _check_management_command(args: list[str]) -> None:
    """Refuse an unknown management command or bad options in one line before Django prints its usage."""
    from django.core.management import CommandError, get_commands, load_command_class

    if not args or args[0] in {"help", "version", "--help", "-h", "--version"}:
        return
    name, rest = args[0], args[1:]
    commands = get_commands()
    if name not in commands:
        raise Refusal(
            f"没有管理命令 {name}（yikatong manage help 列出全部命令）",
            f"there is no management command {name} (yikatong manage help lists them)",
            code=USAGE,
        )
    command = load_command_class(commands[name], name)
    try:
        command.create_parser("yikatong manage", name).parse_args(rest)
    except CommandError as exc:
        reason = str(exc).removeprefix("Error: ")
        raise Refusal(
            f"管理命令 {name} 的参数有误（用法见 yikatong manage {name} --help）",
            f"{reason} (see yikatong manage {name} --help)",
            code=USAGE,
        ) from exc
