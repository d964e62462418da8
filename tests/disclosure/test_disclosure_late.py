"""The LATE check sees the disclosure's 20-working-day clock: a paid roster not disclosed in time, and a
disclosure published after its due date, are each one LATE finding on the roster."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.disclosure.disclosure_world import group, paid
from tests.support.world import VILLAGE_A, World
from yikatong.checks.models import Finding
from yikatong.checks.platform import LineSet
from yikatong.checks.services import check_run
from yikatong.disclosure import services

pytestmark = pytest.mark.django_db


def _late() -> list[Finding]:
    return [f for f in Finding.objects.filter(rule="LATE") if "发放后公开" in f.detail]


def test_undisclosed_payments_past_twenty_working_days_are_late(world: World) -> None:
    today = timezone.localdate()
    paid(world, 2, on=today - dt.timedelta(days=60))
    check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=VILLAGE_A)
    late = _late()
    assert len(late) == 1 and "至今未完成" in late[0].detail


def test_payments_within_the_clock_are_not_late(world: World) -> None:
    paid(world, 2, on=timezone.localdate())
    check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=VILLAGE_A)
    assert _late() == []


def test_a_disclosure_published_after_its_due_date_is_late(world: World) -> None:
    paid(world, 2, on=dt.date(2026, 9, 1))
    services.disclosure_approve(user=world.user("disclosure_officer"), today=dt.date(2026, 11, 20), **group())
    check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=VILLAGE_A)
    assert len(_late()) == 1


def test_a_disclosure_published_on_time_is_not_late(world: World) -> None:
    paid(world, 2, on=dt.date(2026, 9, 30))
    services.disclosure_approve(user=world.user("disclosure_officer"), today=dt.date(2026, 10, 9), **group())
    check_run(line_set=LineSet(periods=("2026-10",)), user=world.user("finance"), region_code=VILLAGE_A)
    assert _late() == []
