"""Factories for the notices' tests: persons with phones, and notice rows as the payments app makes them."""

from __future__ import annotations

from tests.support.registry import make_person
from yikatong.notices.services import NoticeRow
from yikatong.registry.models import Person

PARAMS = {
    "policy": "高龄津贴",
    "period": "2026-10",
    "amount": "50.00",
    "date": "2026-10-28",
    "bank": "中国农业银行",
}


def person_with_phone(village: str, phone: str, name: str = "王桂兰") -> Person:
    """A registered person whose phone is on file."""
    person = make_person(village, name)
    person.phone = phone
    person.save(update_fields=["phone"])
    return person


def paid(person: Person, payment_id: int, **changes: object) -> NoticeRow:
    """The notice of one paid payment, as the payments app gives it."""
    fields: dict[str, object] = {
        "person_id": person.pk,
        "dedup_key": f"payment:{payment_id}",
        "source_id": str(payment_id),
        "params": PARAMS,
        **changes,
    }
    return NoticeRow(**fields)  # type: ignore[arg-type]
