"""Failures a user can fix, said in one line on stderr (Chinese, then English) instead of a traceback.

A missing setting, a database that is missing or unreachable, and a bad command line each end a `yikatong`
command with one line naming what to set or run and why; only a genuine bug still shows a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of click, whose exceptions its commands raise
    from typer._click import exceptions as click
except ImportError:  # an older typer on click itself
    import click.exceptions as click  # type: ignore[no-redef]

USAGE = 2  # the command line or a setting is wrong
FAILED = 1  # the database or the work itself failed


class Refusal(click.ClickException):
    """A failure the user can fix; ``zh`` and ``en`` say what and why, without final punctuation."""

    def __init__(self, zh: str, en: str, *, code: int = FAILED) -> None:
        super().__init__(en)
        self.zh, self.en, self.code = zh, en, code

    def line(self) -> str:
        """The one line printed: Chinese first, then English."""
        return f"错误：{_one_line(self.zh)}。Error: {_one_line(self.en)}."

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the line on stderr (or ``file``)."""
        typer.secho(self.line(), file=file, err=True, fg=typer.colors.RED)


class OneLineGroup(TyperGroup):
    """The `yikatong` group: every failure the user can fix ends as one `Refusal` line."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode turn the failures a user can fix into one line and a status."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            refusal = usage_refusal(exc)
        except click.ClickException as exc:
            refusal = (
                exc
                if isinstance(exc, Refusal)
                else Refusal("无法执行", exc.format_message(), code=exc.exit_code)
            )
        except typer.Abort:
            refusal = Refusal("已中止（没有输入或被取消）", "aborted (no input, or cancelled)")
        except Exception as exc:
            explained = explain(exc)
            if explained is None:
                raise
            refusal = explained
        else:
            sys.exit(outcome if isinstance(outcome, int) else 0)
        refusal.show()
        sys.exit(refusal.code)


def usage_refusal(exc: click.UsageError) -> Refusal:
    """A bad command line as a Refusal: the option or argument in Chinese, click's reason in English."""
    reason = _one_line(exc.format_message()).rstrip(".")
    command = exc.ctx.command_path if exc.ctx is not None else "yikatong"
    param = getattr(exc, "param", None)
    hint = "/".join(param.opts) if param is not None else ""
    if isinstance(exc, click.NoSuchOption):
        what = f"没有选项 {exc.option_name}"
    elif isinstance(exc, click.MissingParameter):
        kind = "选项" if param is not None and param.param_type_name == "option" else "参数"
        what = f"缺少{kind} {hint}".rstrip()
    elif isinstance(exc, click.BadParameter):
        what = f"{hint} 的值无效".lstrip()
    elif reason.startswith("No such command"):
        what = "没有这个命令"
    else:
        what = "命令行有误"
    return Refusal(f"{what}（用法见 {command} --help）", f"{reason} (see {command} --help)", code=USAGE)


def explain(exc: BaseException) -> Refusal | None:
    """A Django configuration, database or key failure as a Refusal; None for anything else (a bug)."""
    if "django" not in sys.modules:
        return None
    from django.core.exceptions import ImproperlyConfigured
    from django.db import OperationalError, ProgrammingError

    if isinstance(exc, Refusal):
        return exc
    if isinstance(exc, ImproperlyConfigured):
        text = _one_line(str(exc))
        return Refusal(f"配置有误：{text}", f"the configuration is invalid: {text}", code=USAGE)
    if isinstance(exc, OperationalError | ProgrammingError):
        zh, en = database_label()
        reason = _first_line(str(exc))
        return Refusal(
            f"{zh} 无法使用：{reason}"
            "（数据库不可达，或尚未用 yikatong manage migrate 或 yikatong demo 建表）",
            f"{en} cannot be used: {reason} (unreachable, or not yet created by yikatong manage migrate"
            " or yikatong demo)",
        )
    crypto = sys.modules.get("yikatong.core.crypto")
    if crypto is not None and isinstance(exc, crypto.DecryptionError):
        return Refusal(
            "YIKATONG_DATA_KEY 解不开数据库中的个人数据（密钥不属于这个数据库）",
            "YIKATONG_DATA_KEY does not decrypt the personal data in the database (the key is not this"
            " database's)",
        )
    return None


def database_label() -> tuple[str, str]:
    """Which database the settings name, in Chinese and English, without its password."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite 数据库文件 {db['NAME']}", f"the SQLite database file {db['NAME']}"
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"PostgreSQL 数据库 {db['NAME']}（{where}）", f"the PostgreSQL database {db['NAME']} at {where}"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _one_line(text: str) -> str:
    return " ".join(text.split())
