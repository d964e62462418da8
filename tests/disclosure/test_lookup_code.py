"""个人查询 by a one-time code: sent through the notices' outbox to the phone on file, kept only as a hash,
valid once, until it expires, for a few tries; the same answer whether or not anybody was found."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.disclosure.lookup_world import Villager, paid_elders
from tests.support.registry import id_number
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.core.crypto import key_ring
from yikatong.disclosure.lookup_models import LookupCode
from yikatong.notices.models import Notification
from yikatong.registry.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_fast_refusals")]

SEND = "/public/lookup/code/"
CHECK = "/public/lookup/code/check/"
PHONE = "13945671234"


@pytest.fixture
def _fast_refusals(settings: Any) -> None:
    settings.YIKATONG_LOOKUP_MIN_SECONDS = 0.02


@pytest.fixture
def villager(world: World) -> Villager:
    v = paid_elders(world, count=2)[0]
    Person.objects.filter(pk=v.person.pk).update(
        phone=PHONE,
        phone_bidx=key_ring().blind_index(PHONE, context="person.phone"),
    )
    return v


def _challenge(response: Any) -> str:
    found = re.search(rb'name="challenge" value="([^"]+)"', response.content)
    assert found, response.content[:500]
    return found.group(1).decode()


def _sent_code(villager: Villager) -> str:
    notice = Notification.objects.filter(source_kind="lookup_code", person=villager.person).latest("pk")
    return str(notice.params["code"])


def _without_secrets(body: bytes) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    return re.sub(rb'name="challenge" value="[^"]+"', b"", body)


def test_the_code_goes_through_the_outbox_to_the_phone_on_file(villager: Villager) -> None:
    response = Client().post(SEND, {"id_number": villager.id_number})
    assert response.status_code == 200 and b"lookup-code-sent" in response.content
    notice = Notification.objects.get(source_kind="lookup_code")
    assert notice.person_id == villager.person.pk and notice.phone == PHONE
    assert notice.template_code == "YKT_LOOKUP_CODE" and notice.state == "queued"
    code = notice.params["code"]
    assert re.fullmatch(r"[0-9]{6}", code) and code in notice.text and "分钟内有效" in notice.text
    row = LookupCode.objects.get()
    assert code not in row.code_hash and _challenge(response) not in row.challenge_hash
    assert villager.id_number.encode() not in response.content


def test_the_right_code_answers_with_the_payments_once(villager: Villager) -> None:
    client = Client()
    challenge = _challenge(client.post(SEND, {"id_number": villager.id_number}))
    code = _sent_code(villager)
    answer = client.post(CHECK, {"challenge": challenge, "code": code})
    assert b'data-testid="lookup-payments"' in answer.content and "高龄津贴".encode() in answer.content
    again = client.post(CHECK, {"challenge": challenge, "code": code})
    assert b"lookup-refused" in again.content and b"lookup-payments" not in again.content


def test_a_request_for_nobody_looks_like_a_request_for_somebody(villager: Villager) -> None:
    somebody = Client().post(SEND, {"id_number": villager.id_number})
    nobody = Client().post(SEND, {"id_number": id_number("19400319")})
    assert somebody.status_code == nobody.status_code == 200
    assert _without_secrets(somebody.content) == _without_secrets(nobody.content)
    assert Notification.objects.filter(source_kind="lookup_code").count() == 1
    assert LookupCode.objects.count() == 2  # the decoy row makes the same writes
    # Checking a code against nobody's challenge is the same refusal as a wrong code against somebody's.
    wrong = Client().post(CHECK, {"challenge": _challenge(somebody), "code": "000000"})
    decoy = Client().post(CHECK, {"challenge": _challenge(nobody), "code": "000000"})
    if _sent_code(villager) == "000000":
        pytest.skip("the one code in a million that is 000000")
    assert wrong.status_code == decoy.status_code == 200
    assert _without_secrets(wrong.content) == _without_secrets(decoy.content)
    assert b"lookup-refused" in wrong.content


def test_an_expired_code_is_refused(villager: Villager) -> None:
    client = Client()
    challenge = _challenge(client.post(SEND, {"id_number": villager.id_number}))
    LookupCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(CHECK, {"challenge": challenge, "code": _sent_code(villager)})
    assert b"lookup-refused" in response.content and b"lookup-payments" not in response.content
    assert AuditEvent.objects.filter(action="lookup.code_check").latest("seq").after["result"] == (
        "expired_or_used"
    )


def test_a_code_takes_only_a_few_tries(villager: Villager, settings: Any) -> None:
    settings.YIKATONG_LOOKUP_CODE_ATTEMPTS = 3
    client = Client()
    challenge = _challenge(client.post(SEND, {"id_number": villager.id_number}))
    code = _sent_code(villager)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(3):
        assert b"lookup-refused" in client.post(CHECK, {"challenge": challenge, "code": wrong}).content
    # The right code after the tries are used up is refused too.
    assert b"lookup-refused" in client.post(CHECK, {"challenge": challenge, "code": code}).content
    assert LookupCode.objects.get().attempts == 3


@override_settings(YIKATONG_LOOKUP_CODE_LIMIT=2)
def test_codes_for_one_id_number_are_throttled(villager: Villager) -> None:
    for n in range(2):
        assert (
            Client().post(SEND, {"id_number": villager.id_number}, REMOTE_ADDR=f"10.3.0.{n}").status_code
            == 200
        )
    held = Client().post(SEND, {"id_number": villager.id_number}, REMOTE_ADDR="10.3.0.9")
    assert held.status_code == 429
    assert Notification.objects.filter(source_kind="lookup_code").count() == 2


def test_every_request_and_check_is_an_audit_event(villager: Villager) -> None:
    client = Client()
    challenge = _challenge(client.post(SEND, {"id_number": villager.id_number}))
    client.post(CHECK, {"challenge": challenge, "code": "12345"})  # malformed
    client.post(CHECK, {"challenge": challenge, "code": _sent_code(villager)})
    Client().post(SEND, {"id_number": id_number("19400320")})
    events = list(
        AuditEvent.objects.filter(action__startswith="lookup.").order_by("seq").values_list("action", "after")
    )
    assert [(a, e["result"]) for a, e in events] == [
        ("lookup.code_send", "sent"),
        ("lookup.query", "invalid"),
        ("lookup.code_check", "found"),
        ("lookup.code_send", "no_person"),
    ]
    assert all(villager.id_number not in str(e) for _, e in events)


def test_codes_long_expired_are_swept_by_the_next_request(villager: Villager) -> None:
    Client().post(SEND, {"id_number": villager.id_number})
    LookupCode.objects.update(expires_at=timezone.now() - timedelta(days=2))
    Client().post(SEND, {"id_number": villager.id_number})
    assert LookupCode.objects.count() == 1
