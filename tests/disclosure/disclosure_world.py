"""Factories for the disclosure tests: 永丰村's elders paid 高龄津贴 for 2026-10 (one failed), as the
personal lookup's world makes them, and the payments' settled dates moved to a chosen day."""

from __future__ import annotations

import datetime as dt

from tests.disclosure.lookup_world import Villager, paid_elders
from tests.support.world import VILLAGE_A, World
from yikatong.payments.models import Payment
from yikatong.policies.models import Policy

PERIOD = "2026-10"


def paid(world: World, count: int = 3, *, on: dt.date = dt.date(2026, 9, 30)) -> list[Villager]:
    """``count`` elders of 永丰村 paid for 2026-10 on ``on`` (the one at index 1 failed)."""
    villagers = paid_elders(world, count)
    Payment.objects.filter(status="paid").update(settled_on=on)
    return villagers


def policy_id() -> int:
    """高龄津贴's id."""
    return int(Policy.objects.get(code="GLJT").pk)


def group() -> dict[str, object]:
    """The keyword arguments naming 永丰村's 高龄津贴 2026-10 disclosure."""
    return {"policy_id": policy_id(), "period": PERIOD, "village_code": VILLAGE_A}
