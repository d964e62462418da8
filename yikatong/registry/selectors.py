"""Reads of the registry, always restricted to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from yikatong.accounts.permissions import allowed, may_see_clear
from yikatong.audit.services import audit_record
from yikatong.core.fields import blind_index
from yikatong.core.idnumber import InvalidIdNumber, validate_id_number
from yikatong.registry.models import (
    CadreRecord,
    DeathRecord,
    ImportBatch,
    Person,
    RegistryKind,
    RegistrySnapshot,
    SocialSecurityCard,
)

ID_INDEX = "person.id_number"


@dataclass(frozen=True)
class PersonSearch:
    """The outcome of a search: the persons found, or why the query was refused."""

    persons: list[Person]
    message: str = ""


def person_matches(*, user: Any, query: str) -> tuple[QuerySet[Person], str]:
    """The persons of the user's region a full ID number (blind index) or a full name finds, in no
    particular order (the screen sorts and pages them), or none and why the query cannot be used."""
    query = query.strip()
    persons: QuerySet[Person] = Person.objects.restrict(user, "view").select_related("village", "household")
    if not query:
        return persons.none(), ""
    if any(ch.isdigit() for ch in query):
        try:
            number = validate_id_number(query)
        except InvalidIdNumber as exc:
            return persons.none(), f"{exc}；按身份证号查询须输入完整的18位号码"
        return persons.filter(id_bidx=blind_index(number, context=ID_INDEX)), ""
    return persons.filter(name=query), ""


def person_search(*, user: Any, query: str, limit: int = 50) -> PersonSearch:
    """Find persons by full ID number (blind index) or by name, inside the user's region."""
    persons, message = person_matches(user=user, query=query)
    if message:
        return PersonSearch([], message)
    return PersonSearch(list(persons.order_by("village_id", "pk")[:limit]))


def clear_read_record(*, user: Any, persons: list[Person], channel: str) -> None:
    """Record that a user saw these persons' ID numbers or phones in clear (a sensitive read): one event."""
    if not persons or not (may_see_clear(user, "id_number") or may_see_clear(user, "phone")):
        return
    audit_record(
        action="person.view_clear",
        obj=persons[0] if len(persons) == 1 else None,
        object_type="" if len(persons) == 1 else "registry.person",
        region_code=str(getattr(user, "region_id", "") or ""),
        after={"persons": [person.pk for person in persons[:50]], "count": len(persons), "channel": channel},
        actor=user,
    )


def import_kinds(user: Any) -> list[str]:
    """The registry kinds a user may import (``import.<kind>``)."""
    return [kind for kind in RegistryKind.values if allowed(user, f"import.{kind}")]


def import_batches_visible(*, user: Any) -> QuerySet[ImportBatch]:
    """The import batches a user may see: of the kinds they may import, unless ``import.view_all``.

    A batch's error report holds the refused rows in full (ID numbers, names, phones), so a user of the
    county who keeps no such registry does not get it just for being in the county.
    """
    batches = ImportBatch.objects.restrict(user, "view")
    if allowed(user, "import.view_all"):
        return batches
    return batches.filter(kind__in=import_kinds(user))


def person_get(*, user: Any, pk: int) -> Person:
    """One person the user may see (Person.DoesNotExist otherwise)."""
    return Person.objects.restrict(user, "view").select_related("village__parent", "household").get(pk=pk)


@dataclass(frozen=True)
class RegistryHit:
    """A person's entry in an outside registry, and the snapshot it came from."""

    snapshot: RegistrySnapshot
    detail: str


def latest_snapshot(kind: str) -> RegistrySnapshot | None:
    """The snapshot of a kind imported last: the one the platform compares with (older ones stay readable)."""
    return RegistrySnapshot.objects.filter(kind=kind).order_by("-uploaded_at", "-pk").first()


def deaths_of(id_bidxs: Iterable[str]) -> dict[str, str]:
    """For the persons (by blind index) the latest death registry lists: the registry's words, as the
    DECEASED rule says them ("据民政局死亡登记，已于2026-08-12死亡"). One query however many persons."""
    latest = latest_snapshot(RegistryKind.DEATHS)
    keys = [key for key in set(id_bidxs) if key]
    if latest is None or not keys:
        return {}
    found = DeathRecord.objects.filter(snapshot=latest, id_bidx__in=keys).values_list("id_bidx", "death_date")
    source = latest.source or latest.get_kind_display()
    return {key: f"据{source}，已于{day:%Y-%m-%d}死亡" for key, day in found}


def person_registry_hits(person: Person) -> list[RegistryHit]:
    """What the latest death and cadre snapshots say about a person."""
    hits: list[RegistryHit] = []
    latest_deaths = latest_snapshot(RegistryKind.DEATHS)
    if latest_deaths is not None:
        for death in DeathRecord.objects.filter(snapshot=latest_deaths, id_bidx=person.id_bidx):
            hits.append(RegistryHit(latest_deaths, f"死亡登记：{death.death_date:%Y-%m-%d}"))
    latest_cadres = latest_snapshot(RegistryKind.CADRES)
    if latest_cadres is not None:
        for cadre in CadreRecord.objects.filter(snapshot=latest_cadres, id_bidx=person.id_bidx):
            hits.append(RegistryHit(latest_cadres, f"村干部/财政供养人员：{cadre.position}"))
    return hits


def household_members(person: Person) -> list[Person]:
    """The members of the person's household (the person included), head first."""
    if person.household_id is None:
        return [person]
    members = Person.objects.filter(household_id=person.household_id).select_related("village")
    return sorted(members, key=lambda p: (p.relation != "head", p.birth_date))


def payout_card(person: Person, *, per_household: bool = False) -> SocialSecurityCard | None:
    """The card a subsidy is paid to: the person's own, or the household head's for household subsidies."""
    payee = household_head(person) if per_household else person
    if payee is None:
        return None
    return payee.cards.exclude(status="closed").select_related("bank").first()


def household_head(person: Person) -> Person | None:
    """The head of the person's household."""
    if person.household_id is None:
        return None
    return Person.objects.filter(household_id=person.household_id, relation="head").first()
