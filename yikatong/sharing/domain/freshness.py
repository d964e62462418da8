"""How often each registry must be refreshed, and whether a snapshot is current (no Django)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Registry kind → (months per refresh, days of grace after the period starts). Deaths every month (a death
# not yet imported pays a dead person), cadres every quarter, land contracts once a year.
CADENCE: dict[str, tuple[int, int]] = {
    "deaths": (1, 10),
    "cadres": (3, 20),
    "land": (12, 60),
}

CURRENT, DUE, OVERDUE, NEVER = "current", "due", "overdue", "never"


@dataclass(frozen=True)
class Freshness:
    """One registry's state on a day: the period it must be refreshed in, by when, and whether it was."""

    kind: str
    period_start: dt.date
    due_on: dt.date
    last_uploaded: dt.date | None
    state: str


def period_start(today: dt.date, months: int) -> dt.date:
    """The first day of the refresh period holding ``today`` (months of 1, 3 or 12 from January)."""
    month = ((today.month - 1) // months) * months + 1
    return dt.date(today.year, month, 1)


def freshness(kind: str, *, last_uploaded: dt.date | None, today: dt.date) -> Freshness:
    """Current when uploaded in this period; due within the grace days; overdue after them; never."""
    months, grace = CADENCE[kind]
    start = period_start(today, months)
    due_on = start + dt.timedelta(days=grace)
    if last_uploaded is None:
        state = NEVER
    elif last_uploaded >= start:
        state = CURRENT
    elif today <= due_on:
        state = DUE
    else:
        state = OVERDUE
    return Freshness(kind=kind, period_start=start, due_on=due_on, last_uploaded=last_uploaded, state=state)
