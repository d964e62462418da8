"""补报: a late entitlement found after the period's roster was approved goes through a supplementary roster
for the same period, the same notice, review and checks, and a supplementary plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.support.rosters import approved, elders, publish_elderly_allowance
from tests.support.world import VILLAGE_A, World
from yikatong.payments import services as payments
from yikatong.policies.models import Policy
from yikatong.rosters import services
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import Roster

pytestmark = pytest.mark.django_db


def test_supplementary_roster_and_plan(world: World) -> None:
    publish_elderly_allowance(world)
    clerk = world.user("village_clerk", "village_a")
    first, late = elders(2), elders(1)
    with pytest.raises(ValidationError, match="本期尚无名册"):
        services.roster_create(
            user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A, supplementary=True
        )
    approved(world, first, "2026-10")
    with pytest.raises(ValidationError, match="补报名册"):
        services.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    department = world.user("dept_reviewer")
    policy = Policy.objects.get(code="GLJT")
    plan = payments.plan_build(user=department, policy=policy, period="2026-10")
    assert plan.line_count == 2 and not plan.supplementary
    extra = services.roster_create(
        user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A, supplementary=True
    )
    assert extra.supplement == 1 and "补报1" in str(extra)
    services.roster_line_add(user=clerk, roster=extra, person=late[0], quantity=Decimal(1))
    services.roster_submit(user=clerk, roster=extra)
    Roster.objects.filter(pk=extra.pk).update(publicity_end=timezone.now() - dt.timedelta(seconds=1))
    services.publicity_close(user=clerk, roster=Roster.objects.get(pk=extra.pk))
    services.township_finish(user=world.user("township_reviewer", "a"), roster=extra, accept_pending=True)
    services.roster_approve(user=department, roster=Roster.objects.get(pk=extra.pk))
    assert Roster.objects.get(pk=extra.pk).state == workflow.APPROVED
    payments.plan_submit(user=department, plan=plan)
    second = payments.plan_build(user=department, policy=policy, period="2026-10", supplementary=True)
    assert second.supplementary and second.line_count == 1
