"""Reads of checks: which periods a range covers, findings as people filter them."""

from __future__ import annotations

from yikatong.core.periods import InvalidPeriod, Period
from yikatong.rosters.models import RosterLine


def periods_between(first: str, last: str) -> list[str]:
    """The periods with roster lines that lie wholly inside [first's start, last's end], in order.

    A range of months also takes in the quarters and years it covers whole (2026-01 … 2026-12 includes
    2026Q1 … 2026Q4 and 2026), so a policy paid quarterly or yearly is audited with the monthly ones.
    """
    start, end = Period.parse(first).start, Period.parse(last).end
    found = []
    for text in RosterLine.objects.values_list("period", flat=True).distinct():
        try:
            period = Period.parse(text)
        except InvalidPeriod:
            continue
        if start <= period.start and period.end <= end:
            found.append(period)
    return [str(p) for p in sorted(found, key=lambda p: (p.start, p.end))]
