"""Departments' tokens for tests."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from tests.support.world import World
from yikatong.accounts.models import ApiToken
from yikatong.accounts.services import department_token_create


def department_token(
    world: World, department: str = "mzj", region: str = "232722000000", role: str = "dept_reviewer"
) -> tuple[ApiToken, str]:
    """A token of a department in a region, issued by the county's admin, valid for 30 days."""
    return department_token_create(
        department_code=department,
        region_code=region,
        role=role,
        name=f"{department}系统对接",
        expires_at=timezone.now() + dt.timedelta(days=30),
        actor=world.user("admin"),
    )


def bearer(secret: str) -> Client:
    """A client that sends the token on every request."""
    return Client(headers={"Authorization": f"Bearer {secret}"})
