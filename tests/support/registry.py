"""Factories for registry rows: persons with valid ID numbers, their cards, and small registry files."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import polars as pl

from yikatong.bulk.idnumbers import check_digit
from yikatong.core.fields import blind_index
from yikatong.demo.loader import load_agent_banks
from yikatong.registry.models import (
    AgentBank,
    DeathRecord,
    Household,
    Person,
    RegistrySnapshot,
    SocialSecurityCard,
)

_sequence = itertools.count(100)


def id_number(birth: str = "19560301", *, male: bool = True, place: str = "232722") -> str:
    """A fresh valid ID number (unique within a test run)."""
    seq = next(_sequence) % 500 * 2 + (1 if male else 0)
    first17 = f"{place}{birth}{seq:03d}"[:17]
    return first17 + check_digit(first17)


def make_person(
    village: str, name: str = "张三丰", *, number: str | None = None, household: str = ""
) -> Person:
    """A registered person of a village."""
    number = number or id_number()
    holder = None
    if household:
        holder, _ = Household.objects.get_or_create(household_no=household, defaults={"village_id": village})
    return Person.objects.create(
        id_number=number,
        id_bidx=blind_index(number, context="person.id_number") or "",
        name=name,
        gender="M" if int(number[16]) % 2 else "F",
        birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        village_id=village,
        household=holder,
        relation="head" if household else "",
    )


def banks() -> dict[str, AgentBank]:
    """The demo's five agent banks, by code."""
    if not AgentBank.objects.exists():
        load_agent_banks()
    return {b.code: b for b in AgentBank.objects.all()}


def make_card(person: Person, account: str = "6228480000000001234", bank: str = "103") -> SocialSecurityCard:
    """An active card of the person."""
    card = SocialSecurityCard.objects.create(
        person=person,
        bank=banks()[bank],
        account_no=account,
        account_bidx=blind_index(account, context="card.account_no") or "",
    )
    return card


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """A CSV file as a person would make it (header row, then rows)."""
    lines = [",".join(header), *(",".join(r) for r in rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def frame_of(path: Path) -> pl.DataFrame:
    """Read back a CSV (all strings), e.g. an error report."""
    return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")


def record_death(person: Person, day: dt.date, *, file_name: str = "deaths.csv") -> DeathRecord:
    """民政局's death snapshot (as of 2026-09-30) naming the person as dead on ``day``."""
    snapshot = RegistrySnapshot.objects.create(
        kind="deaths",
        source="民政局",
        as_of=dt.date(2026, 9, 30),
        file_name=file_name,
        sha256=f"{person.pk}-{day.isoformat()}",
        rows=1,
    )
    return DeathRecord.objects.create(
        snapshot=snapshot,
        id_number=person.id_number,
        id_bidx=blind_index(person.id_number, context="person.id_number") or "",
        name=person.name,
        death_date=day,
    )
