"""Factories for the personal lookup's tests: elders of village A paid 高龄津贴 for 2026-10 through the bank
simulator, one of them failed (their card closed before the bank paid)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.registry import banks
from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import World
from yikatong.payments import files, services, simulator
from yikatong.payments.models import PaymentBatch
from yikatong.payments.reference import load_bank_setups
from yikatong.policies.models import Policy
from yikatong.registry.models import CardStatus, Person, SocialSecurityCard


@dataclass(frozen=True)
class Villager:
    """A paid elder as the lookup form asks for them."""

    person: Person
    id_number: str
    name: str
    last4: str


def paid_elders(world: World, count: int = 3, *, fail: int = 1) -> list[Villager]:
    """``count`` elders paid for 2026-10; the one at index ``fail`` failed (AC04, card closed)."""
    publish_elderly_allowance(world)
    banks()
    load_bank_setups()
    people = elders(count)
    approved(world, people, "2026-10")
    policy = Policy.objects.get(code="GLJT")
    finance = world.user("finance")
    services.budget_set(user=finance, policy=policy, year=2026, source="county", amount_fen=10**8)
    plan = services.plan_build(user=world.user("dept_reviewer"), policy=policy, period="2026-10")
    services.plan_submit(user=world.user("dept_reviewer"), plan=plan)
    services.plan_approve(user=finance, plan=plan, budget_line="塔财预1号", voucher_no="ZF-1")
    villagers = [
        Villager(p, p.id_number, p.name, SocialSecurityCard.objects.get(person=p).account_no[-4:])
        for p in people
    ]
    if fail is not None and fail < count:
        SocialSecurityCard.objects.filter(person=people[fail]).update(status=CardStatus.CLOSED)
    for batch in PaymentBatch.objects.filter(plan=plan):
        files.batch_file(batch=batch, user=finance)
        simulator.bank_simulate(user=world.user("bank_operator"), batch=batch, technical_share=0)
    return villagers
