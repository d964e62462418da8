"""What the 事中跟踪监控 page shows: its filters, figures and tables as plain frozen data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from yikatong.checks.models import FindingState
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import LineState

# Who watches: the county's finance bureau, auditors, the departments (their own policies), township
# reviewers (their own township) and the administrator. Villages and banks have their own screens.

STAGES: tuple[str, ...] = tuple(workflow.LABELS)
ALL_PERIODS = "all"
DUE_SOON = dt.timedelta(days=2)
LIST_LIMIT = 100
LATE_STEPS_SHOWN = 20
# Lines that no longer count towards a roster: removed after an upheld objection, rejected by the township.
DROPPED_LINES = (LineState.REMOVED, LineState.REJECTED)


@dataclass(frozen=True)
class Choice:
    """One option of a filter."""

    value: str
    label: str


@dataclass(frozen=True)
class Filters:
    """What the page is narrowed to: a period ("" for every period), a policy code, and a drill-down."""

    period: str
    policy: str
    township: str = ""
    state: str = ""

    def query(self, **changes: str) -> str:
        """This page's query string with some parameters changed ("" drops one)."""
        values = {"period": self.period or ALL_PERIODS, "policy": self.policy}
        values |= {"township": self.township, "state": self.state} | changes
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def page_query(self) -> str:
        """This page's query string without the drill-down."""
        return self.query(township="", state="")

    def findings_query(self, *, rule: str = "", region: str = "") -> str:
        """The query string of the findings list for the open findings counted here."""
        values = {"rule": rule, "region": region, "state": FindingState.OPEN}
        values |= {"period": self.period, "policy": self.policy}
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class Figure:
    """Rosters, their lines still counting, and the lines' amount in fen."""

    rosters: int = 0
    lines: int = 0
    amount_fen: int = 0

    def __add__(self, other: Figure) -> Figure:
        """Two figures together."""
        return Figure(
            self.rosters + other.rosters, self.lines + other.lines, self.amount_fen + other.amount_fen
        )


@dataclass(frozen=True)
class StageCell:
    """One stage's figure, in a township or for the whole scope, with the drill-down's query string."""

    state: str
    label: str
    figure: Figure
    query: str


@dataclass(frozen=True)
class TownshipStages:
    """One township's rosters by stage."""

    code: str
    name: str
    cells: tuple[StageCell, ...]
    total: Figure
    query: str


@dataclass(frozen=True)
class DeadlineRow:
    """A roster whose time limit has passed (超期) or falls within two days (临期)."""

    roster_id: int
    village: str
    township: str
    policy: str
    period: str
    state_label: str
    step: str
    role_label: str
    deadline: dt.datetime
    overdue: bool
    days_overdue: int
    hours_left: int


@dataclass(frozen=True)
class Deadlines:
    """Rosters near or past their time limit, earliest first, and how many of each."""

    rows: tuple[DeadlineRow, ...]
    overdue: int
    due_soon: int

    @property
    def total(self) -> int:
        """Overdue and due soon together."""
        return self.overdue + self.due_soon


@dataclass(frozen=True)
class LateStep:
    """A step taken after its time limit (RosterEvent.late)."""

    roster_id: int
    village: str
    policy: str
    period: str
    step: str
    actor: str
    at: dt.datetime
    deadline: dt.datetime | None
    days_late: int


@dataclass(frozen=True)
class RuleCount:
    """Open findings of one rule, how many of them block, and the findings list's query string."""

    code: str
    title: str
    count: int
    blocking: int
    query: str


@dataclass(frozen=True)
class FindingCell:
    """Open findings of one rule in one township."""

    code: str
    count: int
    blocking: int
    query: str


@dataclass(frozen=True)
class TownshipFindings:
    """One township's open findings: in total, blocking, and by rule."""

    code: str
    name: str
    count: int
    blocking: int
    query: str
    cells: tuple[FindingCell, ...]


@dataclass(frozen=True)
class Findings:
    """Open findings by rule and by township."""

    rules: tuple[RuleCount, ...]
    townships: tuple[TownshipFindings, ...]
    count: int
    blocking: int
    query: str


@dataclass(frozen=True)
class DrillRow:
    """One roster of the drill-down."""

    roster_id: int
    village: str
    policy: str
    period: str
    state_label: str
    deadline: dt.datetime | None
    figure: Figure


@dataclass(frozen=True)
class DrillDown:
    """The rosters of one township and/or stage."""

    township: str
    state_label: str
    rows: tuple[DrillRow, ...]
    total: int


@dataclass(frozen=True)
class Overview:
    """Everything the monitoring page shows."""

    filters: Filters
    periods: tuple[Choice, ...]
    policies: tuple[Choice, ...]
    stages: tuple[StageCell, ...]
    townships: tuple[TownshipStages, ...]
    total: Figure
    deadlines: Deadlines
    late_steps: tuple[LateStep, ...]
    late_total: int
    findings: Findings
    drill: DrillDown | None
    now: dt.datetime
