"""The card rules (registry/domain/cards.py) on frames, as the form and the import both use them."""

from __future__ import annotations

import polars as pl

from yikatong.registry.domain.cards import CARD_COLUMNS, PROXY, SHARED, card_refusal


def refusals(*rows: tuple[str, str, int, int | None]) -> list[str | None]:
    frame = pl.DataFrame(list(rows), schema=CARD_COLUMNS, orient="row")
    return frame.select(card_refusal()).to_series().to_list()


def test_the_holder_must_be_the_person_and_an_account_is_one_persons() -> None:
    assert refusals(
        ("王桂兰", "王桂兰", 1, None),  # a new account of her own
        ("王桂兰", "王桂兰", 1, 1),  # her own card again
        ("王桂芝", "王桂兰", 1, None),  # held in another name: 代持
        ("李四", "李四", 2, 1),  # the account is 王桂兰's open card: 一卡多人
        ("张三", "李四", 2, 1),  # both: the holder is named first
    ) == [None, None, PROXY, SHARED, PROXY]


def test_card_history_reads_in_the_pages_language() -> None:
    from yikatong.registry.models import CardChange

    change = CardChange(from_status="active", to_status="lost")
    assert (change.from_label(), change.to_label()) == ("正常", "挂失")
    assert CardChange(from_status="", to_status="closed").from_label() == "—"
