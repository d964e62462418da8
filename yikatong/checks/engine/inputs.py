"""What one audit run looks at: the lines under check and the registries they are compared with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from yikatong.core.periods import Period

# The inputs a rule may name in ``Rule.needs``; "lines" is always present.
INPUT_NAMES = (
    "lines",
    "persons",
    "deaths",
    "cards",
    "cadres",
    "land",
    "policies",
    "previous",
    "history",
    "events",
)

INPUT_LABELS = {
    "lines": "申报名册",
    "persons": "人员信息（persons）",
    "deaths": "死亡人员（deaths）",
    "cards": "社保卡账户（cards）",
    "cadres": "村干部及财政供养人员（cadres）",
    "land": "土地承包（land）",
    "policies": "补贴项目清单（policies）",
    "previous": "上期名册（previous roster）",
    "history": "本期已发放记录",
    "events": "流程时限记录（只在平台内核查时有）",
}


@dataclass
class AuditInputs:
    """One run's data: roster lines (canonical roster columns plus ``row_no``) and registries as read.

    Every line takes part: a cell may be null (an empty account is the person's card on file; a cell the
    file could not give is listed in the line's ``__unreadable``, when the roster was read from a file).

    Registries are the canonical frames of ``read_table`` (from files, only the columns the rules compare:
    ``files.AUDIT_COLUMNS``); ``history`` holds lines of the same period already paid in other batches
    (roster columns); ``sources`` says where each registry came from, in Chinese, for explanations
    (``{"deaths": "民政死亡登记，2026-09导入"}``).
    """

    period: Period
    lines: pl.DataFrame
    persons: pl.DataFrame | None = None
    deaths: pl.DataFrame | None = None
    cards: pl.DataFrame | None = None
    cadres: pl.DataFrame | None = None
    land: pl.DataFrame | None = None
    policies: pl.DataFrame | None = None
    previous: pl.DataFrame | None = None
    history: pl.DataFrame | None = None
    # Workflow deadlines (columns step, due, done as ISO dates, id_number, policy_code); none in file mode.
    events: pl.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)
    # Whether details show other persons' ID numbers masked (the platform) or in full (an auditor's files).
    mask_ids: bool = False
    # The day the check is made (ID numbers born later are invalid; a deadline not met by then is LATE).
    today: dt.date = field(default_factory=dt.date.today)
    # Each policy's Standard, when the caller has them (the platform: the published versions, tiers and
    # all); otherwise built from ``policies``, the FORMATS table files carry.
    standards: dict[str, Any] | None = None
    # Lines the roster file refused for reasons other than the ID number, kept for the auditor's report.
    notes: list[str] = field(default_factory=list)
    # Frames derived once per run (valid lines, standards) and shared by the rules.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def missing(self, needs: tuple[str, ...]) -> list[str]:
        """The inputs among ``needs`` that this run does not have."""
        present = {"policies"} if self.standards is not None else set()
        return [name for name in needs if getattr(self, name, None) is None and name not in present]
