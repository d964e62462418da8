"""Lookups several rules share: the lines with the persons and cards they match, history beside them.

Built once per run in ``AuditInputs.cache`` (``frames.frame_of``), safely when rules run side by side.
"""

from __future__ import annotations

import polars as pl

from yikatong.checks.engine.frames import (
    frame_of,
    join_unique,
)
from yikatong.checks.engine.identity import (
    identified_lines,
)
from yikatong.checks.engine.inputs import AuditInputs

KEY = ["id_number", "policy_code", "period"]
CARD_STATUS_ZH = {"active": "正常", "lost": "挂失", "frozen": "冻结", "closed": "注销"}
UNIT_ZH = {"mu": "亩", "month": "月", "person": "人", "household": "户"}


def with_history(inputs: AuditInputs, columns: list[str]) -> pl.DataFrame:
    """The valid lines and the already-paid history, with ``__here`` telling them apart."""
    here = identified_lines(inputs).select(*columns, pl.lit(True).alias("__here"))
    if inputs.history is None:
        return here
    return pl.concat([here, inputs.history.select(*columns, pl.lit(False).alias("__here"))])


def source_of(inputs: AuditInputs, name: str, default: str) -> str:
    return inputs.sources.get(name, default)


def period_start(inputs: AuditInputs) -> str:
    return inputs.period.start.isoformat()


def persons_by_id(inputs: AuditInputs) -> pl.DataFrame:
    """The persons registry's village and household per ID number (the first row of a repeated number)."""

    def build() -> pl.DataFrame:
        assert inputs.persons is not None
        persons = inputs.persons.select(
            "id_number",
            *(
                pl.col(name) if name in inputs.persons.columns else pl.lit(None, pl.String).alias(name)
                for name in ("village_code", "household_id")
            ),
        )
        hashes = persons.get_column("id_number").hash()
        if hashes.n_unique() == hashes.len():
            return persons
        return persons.unique("id_number", keep="first", maintain_order=True)

    return frame_of(inputs, "persons_by_id", build)


def lines_with_persons(inputs: AuditInputs) -> pl.DataFrame:
    """The valid lines with the registered village (``__home``) and household (``__home_household``)."""
    return frame_of(
        inputs,
        "lines_with_persons",
        lambda: join_unique(
            identified_lines(inputs),
            persons_by_id(inputs).rename({"village_code": "__home", "household_id": "__home_household"}),
            "id_number",
        ),
    )


def lines_with_cards(inputs: AuditInputs) -> pl.DataFrame:
    """The valid lines with ``__has_active``: null when the person has no card, else whether one is active.

    When every person has at most one card (the usual registry) the lines also get that card's account
    (``__own_account``), which settles ACCOUNT_MISMATCH without another join.
    """

    def build() -> pl.DataFrame:
        assert inputs.cards is not None
        active = pl.col("status") == "active"
        hashes = inputs.cards.get_column("id_number").hash()
        if hashes.n_unique() == hashes.len():
            holders = inputs.cards.select(
                "id_number", active.alias("__has_active"), pl.col("account_no").alias("__own_account")
            )
        else:
            holders = inputs.cards.group_by("id_number").agg(active.any().alias("__has_active"))
        return join_unique(identified_lines(inputs), holders, "id_number")

    return frame_of(inputs, "lines_with_cards", build)
