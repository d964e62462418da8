"""The rules for registering a social security card account (一人一卡), once, for the form and the import.

Both judge frames of proposed cards: the card form a frame of one row, an import the whole file. No Django.

- The holder must be the person (代持 is refused): the holder's name is the registered name.
- An account on another person's open card cannot be registered again (一卡多人).
- A new open card closes the person's open card (换卡): the old one stays as history (done by the callers,
  which own the tables).
"""

from __future__ import annotations

import polars as pl

PROXY = "持卡人姓名与人员登记姓名不一致：社保卡账户必须是本人账户（代持不予登记）"
SHARED = "银行账号已登记为他人的社保卡账户（一卡多人），不予登记"
# A proposed card, as the rules read it.
CARD_COLUMNS = {
    "holder_name": pl.String,
    "person_name": pl.String,
    "person_id": pl.Int64,
    "owner_id": pl.Int64,
}
# The refusal each column of a card form shows.
FIELD_OF = {PROXY: "holder_name", SHARED: "account_no"}


def card_refusal() -> pl.Expr:
    """Why each proposed card may not be registered (null where it may), over a frame of proposed cards.

    The frame has ``holder_name``, ``person_name`` (as registered), ``person_id`` and ``owner_id``: the
    person whose open card already holds the account (null when none does, or not known yet).
    """
    return (
        pl.when(pl.col("holder_name") != pl.col("person_name"))
        .then(pl.lit(PROXY))
        .when(pl.col("owner_id").is_not_null() & (pl.col("owner_id") != pl.col("person_id")))
        .then(pl.lit(SHARED))
    )
