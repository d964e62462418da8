"""No 500 on garbage: every endpoint, aimed at a real row by the role that uses it, answers hand-edited
parameters (an objection id of "abc", a page of "x", an unreadable date) with a refusal, never an error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.isolation import Case, client_for
from tests.support.world import World
from tests.test_region_isolation import CASES
from tests.test_region_isolation import rows as rows
from yikatong.accounts.permissions import ACTIONS
from yikatong.rosters.views import ROSTER_ACTIONS

pytestmark = pytest.mark.django_db

GARBAGE = {
    "line": "abc", "objection": "abc", "pk": "abc", "id": "abc", "page": "abc", "person": "abc",
    "quantity": "abc", "amount": "abc", "account_no": "abc", "id_number": "abc", "period": "abc",
    "period_from": "abc", "period_to": "abc", "policy": "abc", "region": "abc", "rules": "abc",
    "size": "abc", "seed": "abc", "outcome": "abc", "reason": "x", "code": "abc", "blocking": "abc",
    "upheld": "abc", "accept": "abc", "day": "abc", "kind": "abc", "status": "abc", "q": "'\\x00",
    "effective_from": "abc", "sort": "abc", "state": "abc", "rule": "abc", "roster": "abc", "run": "abc",
    "village": "abc", "text": "x", "comment": "x", "settlement": "x", "accept_pending": "abc",
}  # fmt: skip


@pytest.mark.parametrize("case", [c for c in CASES if not c.api], ids=lambda c: c.id)
def test_garbage_parameters_never_give_a_500(world: World, rows: dict[str, Any], case: Case) -> None:
    target = case.aim(world, rows)
    client = client_for(world, case.role, case.insider_place)
    client.raise_request_exception = False
    got = client.get(target.url, GARBAGE)
    assert got.status_code < 500, f"GET {case.id}: {got.status_code}"
    posted = client.post(target.url, GARBAGE)
    assert posted.status_code < 500, f"POST {case.id}: {posted.status_code}"
    for response in (got, posted):
        for close in getattr(response, "_resource_closers", []):
            close()


PLACE = {"village_clerk": "village_a", "township_reviewer": "a"}


@pytest.mark.parametrize("action", sorted(ROSTER_ACTIONS))
def test_garbage_on_every_roster_action_never_gives_a_500(
    world: World, rows: dict[str, Any], action: str
) -> None:
    roster = rows["roster"]
    for role in sorted(ACTIONS[ROSTER_ACTIONS[action]].roles):
        client = client_for(world, role, PLACE.get(role, "county"))
        client.raise_request_exception = False
        posted = client.post(f"/rosters/{roster.pk}/{action}/", GARBAGE)
        assert posted.status_code < 500, f"{action} as {role}: {posted.status_code}"


def test_garbage_on_a_public_notice_never_gives_a_500(world: World, rows: dict[str, Any]) -> None:
    from django.test import Client

    from yikatong.rosters import services
    from yikatong.rosters.models import Roster

    roster: Roster = rows["roster"]
    services.roster_submit(user=world.user("village_clerk", "village_a"), roster=roster)
    client = Client(raise_request_exception=False)
    answer = client.post(f"/public/notices/{roster.pk}/", {"line": "abc", "text": "异议"})
    assert answer.status_code == 404
