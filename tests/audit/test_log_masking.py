"""What the audit log masks when it records: persons' data, never a policy's or a region's own name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.world import World
from yikatong.audit.domain.changes import Change, changes, name_is_personal
from yikatong.audit.models import AuditEvent
from yikatong.audit.services import audit_record
from yikatong.policies import services as policies

POLICY = {
    "effective_from": dt.date(2025, 1, 1),
    "name": "高龄津贴",
    "basis_title": "塔河县高龄老人津贴发放管理办法",
    "target": "年满80周岁的老年人",
    "unit": "month",
    "frequency": "monthly",
    "min_age": 80,
}


def test_a_name_is_personal_unless_it_is_a_things_own_name() -> None:
    assert not name_is_personal("policies.policyversion", has_own_name=True)
    assert not name_is_personal("core.region", has_own_name=True)
    assert name_is_personal("registry.person", has_own_name=True)
    assert name_is_personal("rosters.rosterline", has_own_name=False)  # someone's name in a line's record
    assert name_is_personal("", has_own_name=False)  # no object: the safe side


def test_changes_of_an_update_are_the_differing_fields_only() -> None:
    rows, unchanged = changes({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "c": 3, "d": 4})
    assert rows == [Change("b", 2, 5), Change("d", None, 4)]
    assert unchanged == 2
    created, none_left_out = changes(None, {"a": 1, "b": 2})
    assert [row.key for row in created] == ["a", "b"] and none_left_out == 0
    assert changes(None, None) == ([], 0)


@pytest.mark.django_db
def test_a_policy_name_is_recorded_in_clear(world: World) -> None:
    version = policies.policy_draft_create(
        user=world.user("dept_reviewer"),
        code="GLJT",
        department=None,
        data=POLICY,
        bands=[{"rate": Decimal(50), "min_age": 80}],
    )
    policies.policy_version_update(
        user=world.user("dept_reviewer"),
        version=version,
        data={**POLICY, "name": "高龄老人津贴"},
        bands=[{"rate": Decimal(60), "min_age": 80}],
    )
    event = AuditEvent.objects.get(action="policy.update")
    assert event.before["name"] == "高龄津贴"
    assert event.after["name"] == "高龄老人津贴"


@pytest.mark.django_db
def test_a_regions_name_in_clear_a_persons_masked() -> None:
    region = audit_record(action="region.change", object_type="core.region", after={"name": "永丰村"})
    assert region.after == {"name": "永丰村"}
    person = audit_record(
        action="person.view_clear",
        object_type="registry.person",
        after={"name": "张三丰", "id_number": "23272219800101123X"},
    )
    assert person.after == {"name": "张*丰", "id_number": "232722********123X"}
    line = audit_record(action="roster.line_add", object_type="rosters.rosterline", after={"name": "李四"})
    assert line.after == {"name": "李*"}
