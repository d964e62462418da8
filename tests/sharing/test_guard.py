"""The API's one error body, its size limit, and idempotency keys on every POST."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client, override_settings

from tests.sharing.support import bearer, department_token
from tests.support.rosters import publish_elderly_allowance
from tests.support.world import VILLAGE_A, World
from yikatong.rosters.models import Roster
from yikatong.sharing.models import IdempotentRequest

ROSTER = {"policy_code": "GLJT", "period": "2026-11", "village_code": VILLAGE_A}


def _shape(body: dict[str, object]) -> None:
    assert set(body) == {"code", "message", "details"}, body
    message = body["message"]
    assert isinstance(message, dict) and message["zh"] and message["en"]


def test_every_error_answers_with_code_message_and_details(world: World) -> None:
    anonymous = Client().get("/api/me")
    assert anonymous.status_code == 401
    _shape(anonymous.json())
    dept = world.client("dept_reviewer")
    missing = dept.get("/api/rosters/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    _shape(missing.json())
    schema = dept.get("/api/changes?limit=abc")
    assert schema.status_code == 422 and schema.json()["code"] == "schema"
    _shape(schema.json())
    invalid = dept.get("/api/changes?kinds=nonsense")
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid"
    assert "nonsense" in invalid.json()["message"]["zh"]
    _shape(invalid.json())
    forbidden = world.client("bank_operator").get("/api/changes")
    assert forbidden.status_code == 403
    _shape(forbidden.json())


def test_an_integer_beyond_64_bits_is_refused_before_the_database(world: World) -> None:
    dept = world.client("dept_reviewer")
    for url in ("/api/rosters/99999999999999999999", "/api/checks/findings?roster=99999999999999999999"):
        refused = dept.get(url)
        assert refused.status_code == 422 and refused.json()["code"] == "invalid", url
        _shape(refused.json())
    body = json.dumps({"payment_id": 2**70})
    refused = dept.post("/api/complaints/1/link", body, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000, YIKATONG_API_MAX_BODY_BYTES=2000)
def test_a_body_over_the_limit_is_refused_413_with_the_same_body(world: World) -> None:
    publish_elderly_allowance(world)
    clerk = world.client("village_clerk", "village_a")
    big = json.dumps({**ROSTER, "lines": [{"id_number": "x" * 18}] * 100})
    refused = clerk.post("/api/rosters", big, content_type="application/json")
    assert refused.status_code == 413 and refused.json()["code"] == "too_large"
    _shape(refused.json())
    assert refused.json()["details"]["limit"] == 1000
    assert not Roster.objects.exists()


def test_the_same_key_and_body_returns_the_first_answer_once(world: World) -> None:
    publish_elderly_allowance(world)
    _token, secret = department_token(world, "gov-232722100", VILLAGE_A, "village_clerk")
    client = bearer(secret)
    body = json.dumps(ROSTER)
    first = client.post(
        "/api/rosters", body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    again = client.post(
        "/api/rosters", body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Roster.objects.count() == 1
    other = json.dumps({**ROSTER, "period": "2026-12"})
    conflict = client.post(
        "/api/rosters", other, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    assert conflict.status_code == 422 and conflict.json()["code"] == "idempotency_conflict"
    _shape(conflict.json())
    assert Roster.objects.count() == 1
    # Another key is another request (and refused: the roster exists), its refusal kept as its answer.
    second = client.post(
        "/api/rosters", body, content_type="application/json", headers={"Idempotency-Key": "k2"}
    )
    assert second.status_code == 422
    assert IdempotentRequest.objects.get(key="k2").status_code == 422


def test_keys_belong_to_their_sender(world: World) -> None:
    publish_elderly_allowance(world)
    clerk = world.client("village_clerk", "village_a")
    body = json.dumps(ROSTER)
    assert (
        clerk.post(
            "/api/rosters", body, content_type="application/json", headers={"Idempotency-Key": "a"}
        ).status_code
        == 201
    )
    _token, secret = department_token(world, "gov-232722100", VILLAGE_A, "village_clerk")
    theirs = bearer(secret).post(
        "/api/rosters", body, content_type="application/json", headers={"Idempotency-Key": "a"}
    )
    assert theirs.status_code == 422 and "Idempotent-Replayed" not in theirs  # ran: the roster exists


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_replay_has_one_effect(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are a PostgreSQL test")
    publish_elderly_allowance(world)
    _token, secret = department_token(world, "gov-232722100", VILLAGE_A, "village_clerk")
    body = json.dumps(ROSTER)
    senders = 6
    barrier = threading.Barrier(senders)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        try:
            barrier.wait()
            response = bearer(secret).post(
                "/api/rosters", body, content_type="application/json", headers={"Idempotency-Key": "same"}
            )
            answers.append((response.status_code, response.content.decode()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == senders
    assert {status for status, _ in answers} == {201}, answers
    assert len({content for _, content in answers}) == 1
    assert Roster.objects.count() == 1
    assert IdempotentRequest.objects.filter(key="same").count() == 1
