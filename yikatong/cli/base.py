"""What every `yikatong` sub-command shares: the app, the data folder, Django set-up, keys, refusals."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

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


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """A refusal of the permission table (AccessDenied) as one line on stderr and exit status 1."""
    from yikatong.core.restrict import AccessDenied

    try:
        yield
    except AccessDenied as exc:
        typer.secho(f"无权办理 / refused: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
