"""The no-clear-data guarantee for the personal lookup's pages: whatever a request carries and whatever the
answer is, no full ID number (valid check digit), bank account or mobile number comes back in a body or a
header — the answer to the person themselves included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.disclosure.lookup_world import Villager, paid_elders
from tests.support.world import World
from yikatong.bulk.idnumbers import check_digit
from yikatong.registry.models import Person, SocialSecurityCard

pytestmark = pytest.mark.django_db

# Bank card accounts have 16 to 19 digits (a 12-digit region code is none); digit runs inside a longer token
# of letters and digits (a request id's hex) are no personal number.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9X](?![0-9A-Za-z])")
ACCOUNT = re.compile(r"(?<![0-9A-Za-z*])[0-9]{16,19}(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


def clear_data_in(text: str) -> list[str]:
    """Full ID numbers with a valid check digit, account-like digit runs and mobile numbers in a text."""
    found = [m for m in ID_NUMBER.findall(text) if check_digit(m[:17]) == m[17]]
    found += ACCOUNT.findall(text) + MOBILE.findall(text)
    return found


def assert_clean(response: Any) -> None:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    body = response.content.decode("utf-8", errors="replace")
    assert clear_data_in(headers) == [], headers
    assert clear_data_in(body) == [], body[:2000]


def test_the_scanner_finds_what_it_looks_for() -> None:
    assert clear_data_in("身份证 11010519491231002X 账号 6228480000000001234 手机 13945671234") == [
        "11010519491231002X",
        "6228480000000001234",
        "13945671234",
    ]
    assert clear_data_in("232722********2018 ***************0001 139****1234 2026-10-28") == []


@override_settings(YIKATONG_LOOKUP_MIN_SECONDS=0, YIKATONG_LOOKUP_ID_LIMIT=2)
def test_no_page_of_the_lookup_carries_clear_personal_data(world: World) -> None:
    villagers: list[Villager] = paid_elders(world)
    v = villagers[0]
    Person.objects.filter(pk=v.person.pk).update(phone="13945671234")
    account = SocialSecurityCard.objects.get(person=v.person).account_no
    client = Client()
    good = {"id_number": v.id_number, "name": v.name, "account_last4": v.last4}
    wrong_digit = v.id_number[:-1] + ("1" if v.id_number[-1] == "0" else "0")  # a check digit that fails
    responses = [
        client.get("/public/lookup/"),
        client.get("/public/lookup/", {"id_number": v.id_number}),
        client.post("/public/lookup/", good),
        client.post("/public/lookup/", {**good, "account_last4": "0000"}),
        client.post("/public/lookup/", {**good, "id_number": wrong_digit}),
        client.post("/public/lookup/", good),  # throttled by now
    ]
    assert [r.status_code for r in responses] == [200, 302, 200, 200, 200, 429]
    for response in responses:
        assert_clean(response)
        assert account not in response.content.decode()
