"""Every `yikatong` command as a new user runs it (a real process, no test settings): a missing setting, a
missing database and a bad command line each end in one line on stderr, Chinese then English, a non-zero
status and no traceback; on a folder the demo made, the commands find the demo's keys by themselves."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bulk.factories import id_number

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
SECRET = "s" * 50
DATA_KEY = "t1:" + "dGVzdC1rZXktbm90LWZvci1wcm9kdWN0aW9uLTMyYnk="
VILLAGE = "232722100201"  # 永丰村 of the demo's reference data

# Each command that needs the platform, as a user would type it ({file} is a persons file).
NEEDS_KEYS = {
    "serve": ["serve", "--port", "8765"],
    "worker": ["worker", "--batch"],
    "createuser": ["createuser", "clerk", "--role", "village_clerk", "--region", VILLAGE, "--department",
                   "gov-232722100", "--password", "Strong-pass-2026"],
    "import": ["import", "persons", "{file}"],
    "check": ["check", "--period", "2026-10"],
}  # fmt: skip
NEEDS_DATABASE = {**NEEDS_KEYS, "auditlog verify": ["auditlog", "verify"]}
NEEDS_SETTINGS = {**NEEDS_DATABASE, "manage": ["manage", "showmigrations"]}
BAD_ARGUMENTS = {
    "yikatong": ["nosuch"],
    "demo": ["demo", "--port", "abc"],
    "serve": ["serve", "--threads", "many"],
    "worker": ["worker", "--bogus"],
    "manage": ["manage", "migrate", "--bogus"],
    "manage (unknown command)": ["manage", "nosuch"],
    "createuser": ["createuser", "clerk"],
    "auditlog verify": ["auditlog", "verify", "extra"],
    "import": ["import", "nothing", "{file}"],
    "import (no file)": ["import", "persons", "{missing}"],
    "check": ["check"],
    "audit": ["audit", "--period", "2026-10"],
}


def bare_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no YIKATONG_* setting, no DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIKATONG_") and k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def yikatong(arguments: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`yikatong ARGUMENTS` in a real process, with {file} and {missing} filled in."""
    persons = persons_file(cwd)
    filled = [a.format(file=persons, missing=cwd / "missing.csv") for a in arguments]
    return subprocess.run(
        [sys.executable, "-m", "yikatong.cli", *filled],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def persons_file(folder: Path) -> Path:
    """A one-person registry file of 永丰村."""
    path = folder / "persons.csv"
    if not path.exists():
        rows = [
            "身份证号,姓名,村代码,户编号,与户主关系",
            f"{id_number('19500101', sequence=1)},王一,{VILLAGE},H1,户主",
        ]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused command, after checking its form."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    zh, sep, en = lines[0].partition("。Error: ")
    assert sep and zh.startswith("错误：") and CJK.search(zh), lines[0]
    assert en and not CJK.search(en), lines[0]
    return lines[0]


def free_port() -> int:
    """A local port nobody listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("name", list(BAD_ARGUMENTS))
def test_a_bad_command_line_is_one_line(name: str, tmp_path: Path) -> None:
    # No setting at all: a wrong command line is said before anything else is needed, but for Django's own
    # commands, which Django knows only once it has its settings.
    env = bare_env(YIKATONG_SECRET_KEY=SECRET) if name.startswith("manage") else bare_env()
    result = yikatong(BAD_ARGUMENTS[name], env, tmp_path)
    line = one_line(result)
    assert result.returncode == 2
    assert " help" in line or "--help" in line


@pytest.mark.parametrize("name", list(NEEDS_SETTINGS))
def test_a_missing_secret_key_is_one_line(name: str, tmp_path: Path) -> None:
    result = yikatong(NEEDS_SETTINGS[name], bare_env(YIKATONG_DATA_DIR=str(tmp_path / "var")), tmp_path)
    line = one_line(result)
    assert result.returncode == 2
    assert "未设置 YIKATONG_SECRET_KEY" in line and "YIKATONG_SECRET_KEY is not set" in line
    assert "not a demo folder" in line


@pytest.mark.parametrize("name", list(NEEDS_KEYS))
def test_a_missing_data_key_is_one_line_and_no_key_is_invented(name: str, tmp_path: Path) -> None:
    env = bare_env(YIKATONG_DATA_DIR=str(tmp_path / "var"), YIKATONG_SECRET_KEY=SECRET)
    line = one_line(yikatong(NEEDS_KEYS[name], env, tmp_path))
    assert "未设置 YIKATONG_DATA_KEY（加密身份证号和账号的密钥" in line
    assert "YIKATONG_DATA_KEY is not set (the key that encrypts ID numbers and accounts" in line
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == []


def test_the_demo_refuses_a_folder_holding_a_database_it_did_not_make(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "yikatong.sqlite3").write_bytes(b"")
    line = one_line(yikatong(["demo", "--no-worker"], bare_env(), tmp_path))
    assert "YIKATONG_DATA_DIR" in line and "did not create" in line
    assert sorted(p.name for p in data_dir.iterdir()) == ["yikatong.sqlite3"]


@pytest.mark.parametrize("name", list(NEEDS_DATABASE))
def test_a_missing_sqlite_database_is_one_line(name: str, tmp_path: Path) -> None:
    env = bare_env(
        YIKATONG_DATA_DIR=str(tmp_path / "var"), YIKATONG_SECRET_KEY=SECRET, YIKATONG_DATA_KEY=DATA_KEY
    )
    result = yikatong(NEEDS_DATABASE[name], env, tmp_path)
    line = one_line(result)
    assert result.returncode == 1
    database = tmp_path / "var" / "yikatong.sqlite3"
    assert f"SQLite 数据库文件 {database} 不存在" in line and f"the SQLite database file {database}" in line
    assert "yikatong manage migrate" in line and "yikatong demo" in line
    assert not database.exists()


def test_an_unmigrated_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "yikatong.sqlite3").write_bytes(b"")
    env = bare_env(YIKATONG_DATA_DIR=str(tmp_path / "var"), YIKATONG_SECRET_KEY=SECRET)
    line = one_line(yikatong(["auditlog", "verify"], env, tmp_path))
    assert "尚未建表" in line and "is not migrated" in line and "yikatong manage migrate" in line


@pytest.mark.parametrize("name", ["demo", "manage", *NEEDS_DATABASE])
def test_an_unreachable_postgresql_is_one_line(name: str, tmp_path: Path) -> None:
    arguments = {"demo": ["demo", "--no-worker"], "manage": ["manage", "showmigrations"], **NEEDS_DATABASE}
    port = free_port()
    env = bare_env(
        YIKATONG_DATA_DIR=str(tmp_path / "var"),
        YIKATONG_SECRET_KEY=SECRET,
        YIKATONG_DATA_KEY=DATA_KEY,
        DATABASE_URL=f"postgres://yikatong:hunter2@127.0.0.1:{port}/yikatong",
    )
    result = yikatong(arguments[name], env, tmp_path)
    line = one_line(result)
    assert result.returncode == 1
    assert f"PostgreSQL 数据库 yikatong（127.0.0.1:{port}）" in line and "yikatong manage migrate" in line
    assert "hunter2" not in line


def test_commands_run_on_the_demo_folder_with_its_keys(tmp_path: Path) -> None:
    # What `yikatong demo` does before loading its data: marker, key, migrated SQLite; then the regions.
    script = (
        "from yikatong.cli.server import prepare_demo_folder\n"
        "prepare_demo_folder()\n"
        "from yikatong.demo.loader import load_reference_data\n"
        "load_reference_data()\n"
    )
    made = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=bare_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "var" / "demo-folder.txt").is_file()
    assert (tmp_path / "var" / "data.key").read_text(encoding="utf-8").startswith("demo1:")

    verified = yikatong(["auditlog", "verify"], bare_env(), tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "审计日志完整" in verified.stdout
    imported = yikatong(["import", "persons", "{file}"], bare_env(), tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "新增 1 条" in imported.stdout
    (tmp_path / "elsewhere").mkdir()
    env = bare_env(YIKATONG_DATA_DIR=str(tmp_path / "var"))
    elsewhere = yikatong(["auditlog", "verify"], env, tmp_path / "elsewhere")
    assert elsewhere.returncode == 0, elsewhere.stderr


def test_a_demo_folder_from_before_the_marker_is_known_by_its_key(tmp_path: Path) -> None:
    from yikatong.core.crypto import generate_key_spec

    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "data.key").write_text(generate_key_spec("demo1") + "\n", encoding="utf-8")
    line = one_line(yikatong(["auditlog", "verify"], bare_env(), tmp_path))
    assert "YIKATONG_SECRET_KEY" not in line and "does not exist" in line
