"""Demo rosters: 永丰村's 高龄津贴 for September (approved, as history) and October (in public notice now)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from yikatong.accounts.models import User
from yikatong.core.periods import Period
from yikatong.registry.models import Person
from yikatong.rosters import services
from yikatong.rosters.models import Roster

VILLAGE = "232722100201"  # 永丰村


def load_demo_rosters() -> None:
    """Walk September's roster through the whole path and open October's by rolling it over."""
    clerk = User.objects.get(username="clerk_yongfeng")
    township = User.objects.get(username="township_tahe")
    department = User.objects.get(username="dept_civil")
    september = services.roster_create(user=clerk, policy_code="GLJT", period="2026-09", village_code=VILLAGE)
    eighty = Period.parse("2026-09").start.replace(year=2026 - 80)
    elders = Person.objects.filter(village_id=VILLAGE, birth_date__lte=eighty).order_by("birth_date")
    for person in elders:
        services.roster_line_add(user=clerk, roster=september, person=person, quantity=Decimal(1))
    services.roster_submit(user=clerk, roster=september)
    # The demo's September happened in the past: its seven days of public notice are over.
    Roster.objects.filter(pk=september.pk).update(publicity_end=timezone.now() - dt.timedelta(minutes=1))
    services.publicity_close(user=clerk, roster=Roster.objects.get(pk=september.pk))
    services.township_finish(user=township, roster=Roster.objects.get(pk=september.pk), accept_pending=True)
    services.roster_approve(user=department, roster=Roster.objects.get(pk=september.pk))
    october = services.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE)
    services.roster_prefill(user=clerk, roster=october)
    services.roster_submit(user=clerk, roster=october)
