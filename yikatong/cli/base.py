"""What every `yikatong` sub-command shares: the app, the data folder, Django set-up, keys, refusals."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import typer

from yikatong.cli.errors import USAGE, OneLineGroup, Refusal, database_label

app = typer.Typer(
    cls=OneLineGroup,
    help="一卡通惠民惠农补贴发放监管平台 / yikatong subsidy platform",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
auditlog_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
app.add_typer(auditlog_app, name="auditlog")

DEMO_MARKER = "demo-folder.txt"
DEMO_KEY_FILE = "data.key"
DEMO_KEY_ID = "demo1"
SQLITE_FILE = "yikatong.sqlite3"


def _data_dir() -> Path:
    path = Path(os.environ.get("YIKATONG_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["YIKATONG_DATA_DIR"] = str(path)
    return path


def is_demo_folder(data_dir: Path) -> bool:
    """Whether `yikatong demo` made this data folder: its marker, or (folders made before the marker) the
    demo's own key in data.key."""
    if (data_dir / DEMO_MARKER).is_file():
        return True
    key_file = data_dir / DEMO_KEY_FILE
    return key_file.is_file() and key_file.read_text(encoding="utf-8").startswith(f"{DEMO_KEY_ID}:")


def _use_demo_keys(data_dir: Path) -> None:
    """Run as the demo does: demo mode (its fixed secret key) and the folder's data.key, unless the
    environment names a key of its own."""
    os.environ["YIKATONG_DEMO"] = "1"
    key_file = data_dir / DEMO_KEY_FILE
    if "YIKATONG_DATA_KEY" not in os.environ and key_file.is_file():
        os.environ["YIKATONG_DATA_KEY"] = key_file.read_text(encoding="utf-8").strip()


def _prepare_demo_environment() -> Path:
    """Demo mode: a data directory with its own generated encryption key, SQLite unless told otherwise.

    A folder that holds a database the demo did not make is refused: its data would be read with a key
    invented for the demo."""
    from yikatong.core.crypto import generate_key_spec

    data_dir = _data_dir()
    if not is_demo_folder(data_dir):
        if (data_dir / SQLITE_FILE).exists():
            raise Refusal(
                f"{data_dir} 里已有数据库，但不是 yikatong demo 建立的演示文件夹，演示不会为它另造密钥"
                "（演示请把 YIKATONG_DATA_DIR 设为一个空文件夹；正式数据请用 yikatong serve）",
                f"{data_dir} holds a database that yikatong demo did not create, and the demo will not invent"
                " keys for it (point YIKATONG_DATA_DIR at an empty folder for the demo; use yikatong serve"
                " for real data)",
                code=USAGE,
            )
        (data_dir / DEMO_MARKER).write_text(
            "此文件夹由 yikatong demo 建立：演示数据和演示密钥（data.key），切勿用于真实数据。\n"
            "Made by `yikatong demo`: demo data and the demo key (data.key); never use it for real data.\n",
            encoding="utf-8",
        )
    key_file = data_dir / DEMO_KEY_FILE
    if "YIKATONG_DATA_KEY" not in os.environ and not key_file.exists():
        key_file.write_text(generate_key_spec(DEMO_KEY_ID) + "\n", encoding="utf-8")
        key_file.chmod(0o600)
    _use_demo_keys(data_dir)
    return data_dir


def _setup_django() -> None:
    """Set Django up on the data folder; a demo folder lends its keys, as `yikatong demo` uses them."""
    from django.apps import apps

    if apps.ready:  # called in-process (tests) or a second time: the settings are already read
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yikatong.settings")
    data_dir = _data_dir()
    if is_demo_folder(data_dir):
        _use_demo_keys(data_dir)
    import django
    from django.core.exceptions import ImproperlyConfigured

    _check_database_url()
    try:
        django.setup()
    except ImproperlyConfigured as exc:
        if "YIKATONG_SECRET_KEY" not in str(exc):
            raise
        raise Refusal(
            "未设置 YIKATONG_SECRET_KEY（签名会话和 CSRF 令牌的密钥，正式环境必须设置；"
            f"{_not_demo_zh(data_dir)}）",
            "YIKATONG_SECRET_KEY is not set (the key that signs sessions and CSRF tokens, required outside"
            f" the demo; {_not_demo_en(data_dir)})",
            code=USAGE,
        ) from exc


def _check_database_url() -> None:
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if not url:
        return
    try:
        dj_database_url.parse(url)
    except ValueError as exc:
        raise Refusal(
            "DATABASE_URL 无法识别（应如 postgres://用户@主机:5432/库名 或 sqlite:///文件路径）",
            "DATABASE_URL is not understood (expected e.g. postgres://user@host:5432/name or"
            " sqlite:///path/to/file)",
            code=USAGE,
        ) from exc


def _not_demo_zh(data_dir: Path) -> str:
    if is_demo_folder(data_dir):
        return f"演示文件夹 {data_dir} 里没有 {DEMO_KEY_FILE}，可重新运行 yikatong demo"
    return f"数据文件夹 {data_dir} 不是 yikatong demo 建立的演示文件夹"


def _not_demo_en(data_dir: Path) -> str:
    if is_demo_folder(data_dir):
        return f"the demo folder {data_dir} has no {DEMO_KEY_FILE}; run yikatong demo again"
    return f"the data folder {data_dir} is not a demo folder made by yikatong demo"


def _require_keys() -> None:
    """Refuse to go on without a usable personal-data key."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from yikatong.core.crypto import key_ring

    data_dir = Path(settings.DATA_DIR)
    if not settings.YIKATONG_DATA_KEY.strip():
        raise Refusal(
            "未设置 YIKATONG_DATA_KEY（加密身份证号和账号的密钥，正式环境必须设置；"
            f"{_not_demo_zh(data_dir)}）",
            "YIKATONG_DATA_KEY is not set (the key that encrypts ID numbers and accounts, required outside"
            f" the demo; {_not_demo_en(data_dir)})",
            code=USAGE,
        )
    try:
        key_ring()
    except ImproperlyConfigured as exc:
        raise Refusal(
            f"YIKATONG_DATA_KEY 无效：{exc}",
            "YIKATONG_DATA_KEY is invalid (expected key-id:base64 of 32 bytes, several separated by commas;"
            " YIKATONG_INDEX_KEY_ID must name one of them)",
            code=USAGE,
        ) from exc


def _require_database() -> None:
    """Refuse to go on when the database is missing, unreachable or not migrated, saying which one."""
    from django.db import OperationalError, connection
    from django.db.migrations.executor import MigrationExecutor

    zh, en = database_label()
    remedy_zh = "用 yikatong manage migrate 建库建表，演示用 yikatong demo"
    remedy_en = "yikatong manage migrate creates it, yikatong demo creates the demo's"
    name = str(connection.settings_dict["NAME"])
    in_file = connection.vendor == "sqlite" and not name.startswith("file:") and name != ":memory:"
    if in_file and not Path(name).exists():
        raise Refusal(
            f"{zh} 不存在（在数据文件夹所在目录运行，或设置 YIKATONG_DATA_DIR、DATABASE_URL；{remedy_zh}）",
            f"{en} does not exist (run beside the data folder, or set YIKATONG_DATA_DIR or DATABASE_URL;"
            f" {remedy_en})",
        )
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Refusal(
            f"无法连接 {zh}：{reason}（检查 DATABASE_URL 和数据库服务；{remedy_zh}）",
            f"cannot connect to {en}: {reason} (check DATABASE_URL and the database server; {remedy_en})",
        ) from exc
    if pending:
        raise Refusal(
            f"{zh} 尚未建表或未升级：{len(pending)} 个迁移未执行（{remedy_zh}）",
            f"{en} is not migrated: {len(pending)} migrations not applied ({remedy_en})",
        )


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """A refusal of the permission table (AccessDenied) as one line on stderr and exit status 1."""
    from yikatong.core.restrict import AccessDenied

    try:
        yield
    except AccessDenied as exc:
        typer.secho(f"无权办理 / refused: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


def bad_period(period: str, exc: Exception) -> Refusal:
    """A --period that is not a payment period, refused in one line."""
    return Refusal(
        f"发放期间“{period}”无效：{exc}",
        f"--period {period!r} is not a payment period such as 2026-10 or 2026",
        code=USAGE,
    )
