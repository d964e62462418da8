"""A throw-away PostgreSQL database for a benchmark, and the environment its child processes run in."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def benchmark_database(url: str, data_dir: Path, *, keep: bool = False) -> Iterator[dict[str, str]]:
    """Create the database afresh, yield the environment for `yikatong` processes on it, drop it after."""
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "YIKATONG_TESTING": "1",
        "YIKATONG_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "yikatong.settings",
    }
    try:
        yield env
    finally:
        if not keep:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


def setup_django() -> None:
    """Django for a benchmark's child process (the environment comes from ``benchmark_database``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yikatong.settings")
    import django

    django.setup()


def migrate_with_reference_data() -> None:
    """Migrate the fresh database and load 塔河县's regions, departments and agent banks."""
    from django.core.management import call_command

    from yikatong.demo.loader import load_agent_banks, load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data()
    load_agent_banks()


def bench_user(name: str, role: str, region: str, department: str) -> object:
    """A staff user with a throw-away password."""
    import secrets

    from yikatong.accounts.services import user_create

    return user_create(
        username=name, password=secrets.token_urlsafe(16), full_name=name, role=role, region_code=region,
        department_code=department, actor=None, check_password_strength=False,
    )  # fmt: skip
