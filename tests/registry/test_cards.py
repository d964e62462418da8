"""One card per person, held by the person: the rules in services and in the database itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from tests.support.registry import banks, make_card, make_person
from tests.support.world import VILLAGE_A, World
from yikatong.core.fields import blind_index
from yikatong.core.restrict import AccessDenied
from yikatong.registry import services
from yikatong.registry.models import CardStatus, SocialSecurityCard

pytestmark = pytest.mark.django_db


def test_database_refuses_two_open_cards_for_one_person(world: World) -> None:
    person = make_person(VILLAGE_A)
    make_card(person, account="6228480000000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_card(person, account="6228480000000000002")


def test_database_refuses_one_open_account_for_two_persons(world: World) -> None:
    make_card(make_person(VILLAGE_A, "甲"), account="6228480000000000003")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_card(make_person(VILLAGE_A, "乙"), account="6228480000000000003")


def test_closed_cards_stay_as_history_beside_the_open_one(world: World) -> None:
    hrss = world.user("hrss")
    person = make_person(VILLAGE_A, "赵春燕")
    first = services.card_register(
        user=hrss,
        person=person,
        bank=banks()["103"],
        account_no="6228 4800 0000 0000 005",
        holder_name="赵春燕",
    )
    second = services.card_register(
        user=hrss, person=person, bank=banks()["403"], account_no="6221880000000000006", holder_name="赵春燕"
    )
    first.refresh_from_db()
    assert first.status == CardStatus.CLOSED and second.status == CardStatus.ACTIVE
    assert first.account_no == "6228480000000000005"
    assert [c.to_status for c in first.changes.all()] == ["closed"]


def test_proxy_holder_and_another_persons_account_are_refused(world: World) -> None:
    hrss = world.user("hrss")
    person = make_person(VILLAGE_A, "孟庆华")
    with pytest.raises(ValidationError, match="代持"):
        services.card_register(
            user=hrss,
            person=person,
            bank=banks()["103"],
            account_no="6228480000000000007",
            holder_name="孟庆国",
        )
    make_card(make_person(VILLAGE_A, "他人"), account="6228480000000000008")
    with pytest.raises(ValidationError, match="他人"):
        services.card_register(
            user=hrss,
            person=person,
            bank=banks()["103"],
            account_no="6228480000000000008",
            holder_name="孟庆华",
        )


def test_status_changes_are_kept_and_closed_cards_are_final(world: World) -> None:
    hrss = world.user("hrss")
    card = make_card(make_person(VILLAGE_A), account="6228480000000000009")
    services.card_change_status(user=hrss, card=card, status=CardStatus.LOST, reason="本人电话挂失")
    services.card_change_status(user=hrss, card=card, status=CardStatus.CLOSED, reason="补卡")
    with pytest.raises(ValidationError, match="已注销"):
        services.card_change_status(user=hrss, card=card, status=CardStatus.ACTIVE, reason="误操作")
    assert [c.to_status for c in card.changes.all()] == ["lost", "closed"]


def test_only_hrss_keeps_cards_and_only_inside_their_region(world: World) -> None:
    person = make_person(VILLAGE_A)
    with pytest.raises(AccessDenied):
        services.card_register(
            user=world.user("finance"),
            person=person,
            bank=banks()["103"],
            account_no="62284800000001",
            holder_name="张三丰",
        )
    with pytest.raises(AccessDenied):
        services.card_register(
            user=world.user("hrss", "b"),
            person=person,
            bank=banks()["103"],
            account_no="62284800000001",
            holder_name="张三丰",
        )


def test_person_page_masks_by_role(world: World) -> None:
    person = make_person(VILLAGE_A, "张三丰")
    make_card(person, account="6228480000000001234")
    reviewer = Client()
    reviewer.force_login(world.user("township_reviewer", "a"))
    html = reviewer.get(f"/registry/persons/{person.pk}/").content.decode()
    assert person.id_number not in html and person.id_number[:6] + "********" in html
    assert "6228480000000001234" not in html and "***************1234" in html
    hrss = Client()
    hrss.force_login(world.user("hrss"))
    html = hrss.get(f"/registry/persons/{person.pk}/").content.decode()
    assert person.id_number in html and "6228480000000001234" in html


def test_search_by_full_id_number_or_name(world: World) -> None:
    person = make_person(VILLAGE_A, "葛玉梅")
    client = Client()
    client.force_login(world.user("village_clerk", "village_a"))
    assert (
        f"/registry/persons/{person.pk}/"
        in client.get("/registry/persons/", {"q": person.id_number}).content.decode()
    )
    assert (
        f"/registry/persons/{person.pk}/"
        in client.get("/registry/persons/", {"q": "葛玉梅"}).content.decode()
    )
    partial = client.get("/registry/persons/", {"q": person.id_number[:10]}).content.decode()
    assert "完整的18位" in partial
    assert (
        SocialSecurityCard.objects.filter(account_bidx=blind_index("x", context="card.account_no")).count()
        == 0
    )


def test_a_village_clerk_sees_only_their_own_villages_persons(world: World) -> None:
    neighbour_village = "232722100202"  # 新建村, same township as 永丰村
    own = make_person(VILLAGE_A, "本村人")
    neighbour = make_person(neighbour_village, "邻村人")
    clerk = Client()
    clerk.force_login(world.user("village_clerk", "village_a"))
    assert clerk.get(f"/registry/persons/{own.pk}/").status_code == 200
    assert clerk.get(f"/registry/persons/{neighbour.pk}/").status_code == 404
    assert (
        f"/registry/persons/{neighbour.pk}/"
        not in clerk.get("/registry/persons/", {"q": "邻村人"}).content.decode()
    )
    reviewer = Client()
    reviewer.force_login(world.user("township_reviewer", "a"))
    assert reviewer.get(f"/registry/persons/{neighbour.pk}/").status_code == 200


def test_bank_operators_cannot_search_persons(world: World) -> None:
    bank = Client()
    bank.force_login(world.user("bank_operator"))
    assert bank.get("/registry/persons/", {"q": "张三丰"}).status_code == 403
