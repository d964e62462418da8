"""The roster's states and the only moves between them (no Django imports)."""

from __future__ import annotations

DRAFT = "draft"
SUBMITTED = "submitted"
PUBLICIZING = "publicizing"
PUBLICIZED = "publicized"
TOWNSHIP_REVIEWED = "township_reviewed"
APPROVED = "approved"
RETURNED = "returned"


# The words below are marked for the English catalogue the way makemessages finds them, and translated by
# the pages that show them (Django's gettext, and pgettext with the context for the steps): this module
# imports no Django. Both functions give the Chinese back unchanged.


def gettext_noop(message: str) -> str:
    """A state's name, marked for translation."""
    return message


def pgettext(context: str, message: str) -> str:
    """A step's name, marked for translation with its context (提交名册 is also an audit action's name)."""
    return message


# The context of the steps' names in the catalogue.
STEP = "awaited step"


LABELS = {
    DRAFT: gettext_noop("草稿"),
    SUBMITTED: gettext_noop("已提交"),
    PUBLICIZING: gettext_noop("公示中"),
    PUBLICIZED: gettext_noop("公示期满"),
    TOWNSHIP_REVIEWED: gettext_noop("乡镇已审核"),
    APPROVED: gettext_noop("主管部门已审批"),
    RETURNED: gettext_noop("已退回村（社区）修改"),
}

# Each move: (from, to) → the action of the permission table that makes it (accounts/permissions.py says
# who may take it). A roster cannot skip a state. Sending a roster back is part of the step it is in: the
# township's review, or the department's approval.
MOVES: dict[tuple[str, str], str] = {
    (DRAFT, SUBMITTED): "roster.submit",
    (RETURNED, SUBMITTED): "roster.submit",
    (SUBMITTED, PUBLICIZING): "roster.submit",
    (PUBLICIZING, PUBLICIZED): "publicity.close",
    # An objection against the whole roster, upheld: the village corrects it and notices it again.
    (PUBLICIZING, RETURNED): "objection.settle",
    (PUBLICIZED, TOWNSHIP_REVIEWED): "roster.review",
    (PUBLICIZED, RETURNED): "roster.review",
    (TOWNSHIP_REVIEWED, APPROVED): "roster.approve",
    (TOWNSHIP_REVIEWED, RETURNED): "roster.approve",
}

# The step a roster waits for in each state, and the role that takes it (deadlines, reminders, 迟发).
AWAITED: dict[str, tuple[str, str]] = {
    DRAFT: (pgettext("awaited step", "提交名册"), "village_clerk"),
    SUBMITTED: (pgettext("awaited step", "开始公示"), "village_clerk"),
    PUBLICIZING: (pgettext("awaited step", "公示期满后结束公示"), "village_clerk"),
    PUBLICIZED: (pgettext("awaited step", "乡镇审核"), "township_reviewer"),
    TOWNSHIP_REVIEWED: (pgettext("awaited step", "主管部门审批"), "dept_reviewer"),
    RETURNED: (pgettext("awaited step", "村（社区）修改后重新提交"), "village_clerk"),
}

# The states in which the village may still change lines.
EDITABLE = frozenset({DRAFT, RETURNED})

# The states in which each action can be taken on a roster (with the permission table: its buttons).
STATES_FOR: dict[str, frozenset[str]] = {
    "roster.edit": EDITABLE,
    "roster.submit": EDITABLE,
    "objection.record": frozenset({PUBLICIZING}),
    "objection.settle": frozenset({PUBLICIZING}),
    "publicity.close": frozenset({PUBLICIZING}),
    "roster.review": frozenset({PUBLICIZED}),
    "roster.return": frozenset({PUBLICIZED, TOWNSHIP_REVIEWED}),
    "roster.approve": frozenset({TOWNSHIP_REVIEWED}),
    # A line sent back by a confirmed finding is corrected (or withdrawn) wherever its roster has got to.
    "roster.correct": frozenset({PUBLICIZED, TOWNSHIP_REVIEWED, APPROVED}),
}


# The period kind each payment frequency is declared for (Frequency of the policy list; "once": any).
PERIOD_KIND_OF = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}
PERIOD_WORDS = {"month": "月份（如 2026-10）", "quarter": "季度（如 2026Q4）", "year": "年度（如 2026）"}


def period_refusal(frequency: str, frequency_label: str, pay_months: list[int], kind: str, month: int) -> str:
    """Why a period does not fit the policy's payment frequency and months ("" when it does)."""
    wanted = PERIOD_KIND_OF.get(frequency)
    if wanted is not None and kind != wanted:
        return f"该项目{frequency_label}发放，发放期间应为{PERIOD_WORDS[wanted]}"
    if wanted == "month" and pay_months and month not in pay_months:
        months = "、".join(f"{m}月" for m in sorted(pay_months))
        return f"该项目只在{months}发放，{month}月不是发放月份"
    return ""


class IllegalMove(ValueError):
    """A move the workflow does not allow, with a Chinese message."""


def check_move(current: str, target: str) -> str:
    """The action that makes the move; IllegalMove for one that skips a state or goes backwards."""
    code = MOVES.get((current, target))
    if code is None:
        raise IllegalMove(
            f"名册当前为“{LABELS.get(current, current)}”，不能直接变为“{LABELS.get(target, target)}”"
        )
    return code
