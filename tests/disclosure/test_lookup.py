"""个人查询: the answer, the one refusal for every kind of wrong detail, throttling and its recovery, and an
audit event for every attempt."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.disclosure.lookup_world import Villager, paid_elders
from tests.support.registry import id_number
from tests.support.world import World
from yikatong.audit.models import AuditEvent
from yikatong.core import throttle
from yikatong.core.masking import mask_id_number
from yikatong.disclosure import lookup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_fast_refusals")]

URL = "/public/lookup/"


@pytest.fixture
def _fast_refusals(settings: Any) -> None:
    settings.YIKATONG_LOOKUP_MIN_SECONDS = 0.05


@pytest.fixture
def villagers(world: World) -> list[Villager]:
    return paid_elders(world)


def _ask(client: Client, v: Villager | None = None, **over: str) -> Any:
    data = {"id_number": v.id_number, "name": v.name, "account_last4": v.last4} if v else {}
    data.update(over)
    return client.post(URL, data, REMOTE_ADDR=over.pop("ip", "10.0.0.1"))


def _without_csrf(body: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def test_the_url_is_the_lookup_form() -> None:
    assert reverse("public_lookup:form") == URL


def test_a_villager_sees_every_payment_with_bank_status_and_reason(villagers: list[Villager]) -> None:
    response = _ask(Client(), villagers[0])
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="lookup-payments"' in body
    assert "高龄津贴" in body and "2026-10" in body and "50.00" in body and "已到账" in body
    assert "中国农业银行" in body
    assert villagers[0].id_number not in body and villagers[0].name not in body
    assert mask_id_number(villagers[0].id_number) in body
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_a_failed_payment_says_why_in_plain_chinese(villagers: list[Villager]) -> None:
    body = _ask(Client(), villagers[1]).content.decode()
    assert "发放失败" in body and "账户已销户" in body


def test_the_answer_masks_the_account_and_leaves_no_clear_number(villagers: list[Villager]) -> None:
    answer = lookup.lookup_by_card(
        id_number=villagers[0].id_number, name=villagers[0].name, account_last4=villagers[0].last4, ip="x"
    ).answer
    assert answer is not None and len(answer.payments) == 1
    item = answer.payments[0]
    assert item.account_masked.endswith(villagers[0].last4) and set(item.account_masked[:-4]) == {"*"}
    assert item.status == "paid" and item.paid_on is not None and answer.paid_fen == 5000


def test_every_kind_of_wrong_detail_gets_the_same_bytes(villagers: list[Villager]) -> None:
    v = villagers[0]
    nobody = id_number("19400316")
    attempts = {
        "no such person": {"id_number": nobody, "name": v.name, "account_last4": v.last4},
        "wrong name": {"id_number": v.id_number, "name": "王五", "account_last4": v.last4},
        "wrong card": {"id_number": v.id_number, "name": v.name, "account_last4": "0000"},
        "another's card": {"id_number": v.id_number, "name": v.name, "account_last4": villagers[2].last4},
    }
    answers = {}
    for kind, data in attempts.items():
        response = Client().post(URL, data, REMOTE_ADDR="10.0.0.9")
        answers[kind] = (
            response.status_code,
            response["Content-Type"],
            response.get("Cache-Control"),
            _without_csrf(response.content),
        )
    first = next(iter(answers.values()))
    assert all(a == first for a in answers.values()), [k for k, a in answers.items() if a != first]
    assert first[0] == 200 and b'data-testid="lookup-refused"' in first[3]
    assert b"lookup-payments" not in first[3]
    for data in attempts.values():
        assert data["id_number"].encode() not in first[3] and data["name"].encode() not in first[3]


def test_refusals_take_the_same_minimum_time(villagers: list[Villager], settings: Any) -> None:
    import time

    settings.YIKATONG_LOOKUP_MIN_SECONDS = 0.2
    v = villagers[0]
    timings = []
    for data in (
        {"id_number": id_number("19400317"), "name": v.name, "account_last4": v.last4},
        {"id_number": v.id_number, "name": "王五", "account_last4": v.last4},
    ):
        started = time.monotonic()
        Client().post(URL, data, REMOTE_ADDR="10.0.0.8")
        timings.append(time.monotonic() - started)
    assert all(t >= 0.2 for t in timings)
    assert abs(timings[0] - timings[1]) < 0.1


def test_a_name_is_compared_as_typed_without_spaces_or_dot_variants(world: World) -> None:
    assert lookup.normalise_name(" 阿依古丽 • 买买提 ") == "阿依古丽·买买提"
    assert lookup.normalise_name("阿依古丽．买买提") == "阿依古丽·买买提"


def test_malformed_details_are_explained_without_repeating_them(world: World) -> None:
    body = (
        Client().post(URL, {"id_number": "232722194003151239", "name": "甲", "account_last4": "12a4"}).content
    )
    text = body.decode()
    assert "身份证号格式不正确" in text and "请输入4位数字" in text
    assert "232722194003151239" not in text
    assert AuditEvent.objects.filter(action="lookup.query", after__result="invalid").count() == 1


def test_the_form_is_blank_on_get_and_carries_nothing_in_the_url(
    world: World, villagers: list[Villager]
) -> None:
    v = villagers[0]
    dropped = Client().get(URL, {"id_number": v.id_number, "name": v.name})
    assert dropped.status_code == 302 and dropped["Location"] == URL
    response = Client().get(URL)
    assert v.id_number not in response.content.decode() and v.name not in response.content.decode()
    assert 'method="post"' in response.content.decode()


@override_settings(YIKATONG_LOOKUP_ID_LIMIT=3, YIKATONG_LOOKUP_IP_LIMIT=100)
def test_per_id_throttling_engages_and_recovers(villagers: list[Villager]) -> None:
    v = villagers[0]
    for n in range(3):
        assert _ask(Client(), v, name="王五", ip=f"10.1.0.{n}").status_code == 200
    # The fourth try, even with the right details and from another address, is held back.
    held = _ask(Client(), v, ip="10.1.0.99")
    assert held.status_code == 429 and b"lookup-throttled" in held.content
    assert b"lookup-payments" not in held.content
    # The window passes (its rows are forgotten), and the right details answer again.
    throttle.reset(lookup.ID_SCOPE)
    assert b"lookup-payments" in _ask(Client(), v, ip="10.1.0.99").content


@override_settings(YIKATONG_LOOKUP_ID_LIMIT=100, YIKATONG_LOOKUP_IP_LIMIT=2)
def test_per_ip_throttling_holds_across_id_numbers(villagers: list[Villager]) -> None:
    assert _ask(Client(), villagers[0], ip="10.2.0.1").status_code == 200
    assert _ask(Client(), villagers[1], ip="10.2.0.1").status_code == 200
    assert _ask(Client(), villagers[2], ip="10.2.0.1").status_code == 429
    assert _ask(Client(), villagers[2], ip="10.2.0.2").status_code == 200


@override_settings(YIKATONG_LOOKUP_ID_LIMIT=1)
def test_throttling_recovers_when_the_window_has_passed(villagers: list[Villager], monkeypatch: Any) -> None:
    v = villagers[0]
    clock = [1_800_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])
    assert b"lookup-payments" in _ask(Client(), v).content
    assert _ask(Client(), v).status_code == 429
    clock[0] += 901
    assert b"lookup-payments" in _ask(Client(), v).content


def test_every_attempt_is_an_audit_event_with_the_id_masked(villagers: list[Villager]) -> None:
    v = villagers[0]
    before = AuditEvent.objects.filter(action="lookup.query").count()
    _ask(Client(), v)
    _ask(Client(), v, name="王五")
    _ask(Client(), v, id_number=id_number("19400318"))
    events = list(AuditEvent.objects.filter(action="lookup.query").order_by("seq"))[before:]
    assert [e.after["result"] for e in events] == ["found", "mismatch", "no_person"]
    for event in events:
        assert v.id_number not in str(event.after) and v.id_number not in event.object_repr
        assert event.after["method"] == "card" and "*" in event.after["id_number"]
        assert event.ip == "10.0.0.1"
    assert events[0].region_code == v.person.village_id and events[2].region_code == ""


def test_complaint_sources_registered_by_a_higher_app_are_listed(villagers: list[Villager]) -> None:
    import datetime as dt

    seen: list[lookup.LookupSubject] = []

    def source(subject: lookup.LookupSubject) -> list[lookup.FiledComplaint]:
        seen.append(subject)
        return [lookup.FiledComplaint("TS2026-0001", "高龄津贴未到账", dt.date(2026, 11, 2), "办理中")]

    lookup.complaint_source_add(source)
    lookup.complaint_source_add(source)
    try:
        body = _ask(Client(), villagers[0]).content.decode()
    finally:
        lookup.COMPLAINT_SOURCES.remove(source)
    assert len(seen) == 1 and seen[0].person_id == villagers[0].person.pk
    assert "TS2026-0001" in body and "办理中" in body


def test_a_proof_is_answered_without_waiting_for_the_floor(villagers: list[Villager], settings: Any) -> None:
    import time

    settings.YIKATONG_LOOKUP_MIN_SECONDS = 0.6
    started = time.monotonic()
    assert b"lookup-payments" in _ask(Client(), villagers[0]).content
    assert time.monotonic() - started < 0.6
    started = time.monotonic()
    assert b"lookup-refused" in _ask(Client(), villagers[0], name="王五").content
    assert time.monotonic() - started >= 0.6
