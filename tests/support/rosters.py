"""Factories for the roster path: a published banded policy and elderly persons of village A."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.support.registry import id_number, make_card, make_person
from tests.support.world import VILLAGE_A, World
from yikatong.policies import services as policies
from yikatong.policies.models import PolicyVersion
from yikatong.registry.models import Person
from yikatong.rosters import services as rosters
from yikatong.rosters.models import Roster


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


def township_reviewed(
    world: World, people: list[Person], period: str = "2026-10", village: str = VILLAGE_A
) -> Roster:
    """A 高龄津贴 roster of village A with the people, publicly noticed (its week moved into the past) and
    accepted by the township: what the department approves next."""
    clerk = world.user("village_clerk", "village_a")
    roster = rosters.roster_create(user=clerk, policy_code="GLJT", period=period, village_code=village)
    for person in people:
        rosters.roster_line_add(user=clerk, roster=roster, person=person, quantity=Decimal(1))
    rosters.roster_submit(user=clerk, roster=roster)
    Roster.objects.filter(pk=roster.pk).update(publicity_end=timezone.now() - dt.timedelta(seconds=1))
    rosters.publicity_close(user=clerk, roster=Roster.objects.get(pk=roster.pk))
    rosters.township_finish(user=world.user("township_reviewer", "a"), roster=roster, accept_pending=True)
    return Roster.objects.get(pk=roster.pk)


def approved(world: World, people: list[Person], period: str = "2026-10") -> Roster:
    """The roster approved by the department, its blocking findings explained first."""
    from yikatong.checks.selectors import open_blocking
    from yikatong.checks.services import finding_settle

    roster = township_reviewed(world, people, period)
    department = world.user("dept_reviewer")
    try:
        rosters.roster_approve(user=department, roster=roster)
    except ValidationError:
        for finding in open_blocking(roster):
            finding_settle(user=department, finding=finding, outcome="explained", reason="已核实，补办中")
        rosters.roster_approve(user=department, roster=roster)
    return Roster.objects.get(pk=roster.pk)
