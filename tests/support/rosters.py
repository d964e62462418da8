"""Factories for the roster path: a published banded policy and elderly persons of village A."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.support.registry import id_number, make_card, make_person
from tests.support.world import VILLAGE_A, World
from yikatong.policies import services as policies
from yikatong.policies.models import PolicyVersion
from yikatong.registry.models import Person


def publish_elderly_allowance(world: World) -> PolicyVersion:
    """高龄津贴 of 民政局: 80–89 50元/月, 90–99 100元/月, 100+ 300元/月, in force from 2025."""
    version = policies.policy_draft_create(
        user=world.user("dept_reviewer"),
        code="GLJT",
        department=None,
        data={
            "effective_from": dt.date(2025, 1, 1),
            "name": "高龄津贴",
            "basis_title": "塔河县高龄老人津贴发放管理办法",
            "target": "年满80周岁的老年人",
            "unit": "month",
            "frequency": "monthly",
            "min_age": 80,
        },
        bands=[
            {"rate": Decimal(50), "min_age": 80, "max_age": 89},
            {"rate": Decimal(100), "min_age": 90, "max_age": 99},
            {"rate": Decimal(300), "min_age": 100},
        ],
    )
    return policies.policy_version_publish(user=world.user("finance"), version=version)


def elders(count: int = 3, village: str = VILLAGE_A, *, cards: bool = True) -> list[Person]:
    """Persons born in 1940 (86 in 2026) of a village, each with an active card unless ``cards=False``."""
    people = [
        make_person(village, f"老人{i}", number=id_number("19400315", male=i % 2 == 0)) for i in range(count)
    ]
    if cards:
        for person in people:
            make_card(person, account=f"62284800{person.pk:011d}")
    return people
