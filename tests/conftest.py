"""Test set-up: a real database (PostgreSQL in CI, SQLite by default) with 塔河县 reference data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from tests.support.world import World, build_world

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Open the audit log's maintenance permit in the test database, so tables can be flushed between
    transactional tests (tests that prove the append-only triggers close it inside their transaction)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("INSERT INTO audit_maintenance_permit (reason) VALUES ('pytest: flush between tests')")


@pytest.fixture(autouse=True)
def _platform_language() -> None:
    """Each test starts in Chinese: a request in English must not leak into the next test's thread."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db: None) -> World:
    """Regions, departments and one user per role in two townships of 塔河县."""
    return build_world()


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """Environment for a `yikatong` subprocess that must use this test's database."""
    settings = connection.settings_dict
    env = os.environ.copy()
    if connection.vendor == "postgresql":
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        user = settings.get("USER") or "postgres"
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{settings['NAME']}"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["YIKATONG_TESTING"] = "1"
    return env
