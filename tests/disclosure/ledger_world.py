"""Factories for the ledger and board tests: published disclosures of 高龄津贴 with masked lines, made
straight from the paid payments of ``lookup_world.paid_elders`` (what the disclosure officer's approval
writes), plus a superseded revision and a withdrawn line to show they are handled."""

from __future__ import annotations

import datetime as dt

from tests.disclosure.lookup_world import Villager
from tests.support.world import World
from yikatong.core.masking import mask_id_number, mask_name
from yikatong.disclosure.models import DisclosedLine, Disclosure, DisclosureState
from yikatong.payments.models import Payment
from yikatong.policies.models import Policy

DISCLOSED_ON = dt.date(2026, 11, 10)


def publish(world: World, villagers: list[Villager], *, withdraw: int | None = None) -> Disclosure:
    """Revision 2 of village A's 高龄津贴 2026-10 disclosure (revision 1 superseded), one line per paid
    payment; the line of ``villagers[withdraw]`` withdrawn with a note."""
    policy = Policy.objects.get(code="GLJT")
    officer = world.user("disclosure_officer")
    village = villagers[0].person.village_id
    common = {"policy": policy, "period": "2026-10", "village_id": village, "approved_by": officer}
    dates = {"clock_started_on": dt.date(2026, 10, 28), "due_on": dt.date(2026, 11, 25)}
    old = Disclosure.objects.create(
        **common, **dates, revision=1, state=DisclosureState.SUPERSEDED, published_on=dt.date(2026, 11, 3)
    )
    current = Disclosure.objects.create(
        **common,
        **dates,
        revision=2,
        published_on=DISCLOSED_ON,
        change_note="更正：撤回一笔，更正日期 2026-11-10",
    )
    paid = Payment.objects.filter(status="paid").select_related("line__person").order_by("line__person_id")
    withdrawn_person = villagers[withdraw].person.pk if withdraw is not None else None
    for disclosure in (old, current):
        DisclosedLine.objects.bulk_create(
            DisclosedLine(
                disclosure=disclosure,
                payment=p,
                policy=policy,
                period="2026-10",
                village_id=village,
                name_masked=mask_name(p.line.person.name),
                id_masked=mask_id_number(p.line.person.id_number),
                amount_fen=p.amount_fen,
                paid_on=p.settled_on or DISCLOSED_ON,
                disclosed_on=disclosure.published_on,
                withdrawn=disclosure is current and p.line.person_id == withdrawn_person,
                change_note="经核实不符合条件，撤回"
                if disclosure is current and p.line.person_id == withdrawn_person
                else "",
            )
            for p in paid
        )
    kept = [line for line in current.lines.all() if not line.withdrawn]
    Disclosure.objects.filter(pk=current.pk).update(
        line_count=len(kept), total_fen=sum(line.amount_fen for line in kept)
    )
    return Disclosure.objects.get(pk=current.pk)
