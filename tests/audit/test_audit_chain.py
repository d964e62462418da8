"""The audit log: hash-chained, append-only, and any edit or deletion is found by `auditlog verify`."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from yikatong.audit.domain.chain import GENESIS, event_digest, verify_chain
from yikatong.audit.models import AuditChainHead, AuditEvent
from yikatong.audit.selectors import audit_chain_verify
from yikatong.audit.services import audit_record
from yikatong.cli import app
from yikatong.core.context import acting_as

pytestmark = pytest.mark.django_db


def _three_events() -> list[AuditEvent]:
    return [audit_record(action="test.step", object_id=str(i), after={"n": i}) for i in range(3)]


def test_events_chain_from_genesis_without_gaps() -> None:
    events = _three_events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, events[2].hash)
    assert audit_chain_verify() == (3, None)


def test_actor_request_and_masking_are_recorded(world) -> None:
    clerk = world.user("village_clerk", "village_a")
    with acting_as(user_id=clerk.pk, ip="10.1.2.3", request_id="req-1", channel="web"):
        event = audit_record(
            action="person.change",
            before={"id_number": "23272219800101123X", "phone": "13812341234", "name": "张三丰"},
            after={"account_no": "6228480012345671234", "quantity": 3},
        )
    assert (event.actor_name, event.actor_role, event.ip, event.request_id) == (
        clerk.username,
        "village_clerk",
        "10.1.2.3",
        "req-1",
    )
    assert event.region_code == "232722100201"
    assert event.before == {"id_number": "232722********123X", "phone": "138****1234", "name": "张*丰"}
    assert event.after == {"account_no": "***************1234", "quantity": 3}


def test_hand_edited_row_is_caught_and_named() -> None:
    _three_events()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET after = %s WHERE seq = 2", ['{"n": 99}'])
    total, broken = audit_chain_verify()
    assert total == 3
    assert broken is not None and broken.seq == 2 and "改动" in broken.reason


def test_deleted_row_is_caught() -> None:
    _three_events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 2")
    _, broken = audit_chain_verify()
    assert broken is not None and broken.seq == 2 and "缺失" in broken.reason


def test_deleted_tail_is_caught_through_the_head() -> None:
    _three_events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    _, broken = audit_chain_verify()
    assert broken is not None and "链尾" in broken.reason


def test_database_refuses_updates_and_deletes_without_a_maintenance_permit() -> None:
    _three_events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_maintenance_permit")
    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 3


def test_verify_chain_pure_function_on_a_forged_chain() -> None:
    first = {
        "seq": 1,
        "occurred_at": "2026-01-01T00:00:00.000000+00:00",
        "actor_id": None,
        "actor_name": "",
        "actor_role": "",
        "ip": "",
        "request_id": "",
        "channel": "",
        "action": "a",
        "object_type": "",
        "object_id": "",
        "object_repr": "",
        "region_code": "",
        "before": None,
        "after": None,
        "prev_hash": GENESIS,
    }
    first["hash"] = event_digest(first)
    assert verify_chain([first]) is None
    # recomputing a forged event's own hash does not help: the next link still points at the original
    second = {**first, "seq": 2, "prev_hash": first["hash"]}
    second["hash"] = event_digest(second)
    forged = {**first, "action": "b"}
    forged["hash"] = event_digest(forged)
    broken = verify_chain([forged, second])
    assert broken is not None and broken.seq == 2


def test_cli_verify_exits_non_zero_naming_the_first_broken_event() -> None:
    _three_events()
    runner = CliRunner()
    ok = runner.invoke(app, ["auditlog", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "审计日志完整" in ok.output
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_name = 'someone' WHERE seq = 1")
    bad = runner.invoke(app, ["auditlog", "verify"])
    assert bad.exit_code == 1
    assert "#1" in bad.output
