"""The roster's states and the only moves between them (no Django imports)."""

from __future__ import annotations

DRAFT = "draft"
SUBMITTED = "submitted"
PUBLICIZING = "publicizing"
PUBLICIZED = "publicized"
TOWNSHIP_REVIEWED = "township_reviewed"
APPROVED = "approved"
RETURNED = "returned"

LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "已提交",
    PUBLICIZING: "公示中",
    PUBLICIZED: "公示期满",
    TOWNSHIP_REVIEWED: "乡镇已审核",
    APPROVED: "主管部门已审批",
    RETURNED: "已退回村（社区）修改",
}

# Each move: (from, to) → the action of the permission table that makes it (accounts/permissions.py says
# who may take it). A roster cannot skip a state. Sending a roster back is part of the step it is in: the
# township's review, or the department's approval.
MOVES: dict[tuple[str, str], str] = {
    (DRAFT, SUBMITTED): "roster.submit",
    (RETURNED, SUBMITTED): "roster.submit",
    (SUBMITTED, PUBLICIZING): "roster.submit",
    (PUBLICIZING, PUBLICIZED): "publicity.close",
    (PUBLICIZED, TOWNSHIP_REVIEWED): "roster.review",
    (PUBLICIZED, RETURNED): "roster.review",
    (TOWNSHIP_REVIEWED, APPROVED): "roster.approve",
    (TOWNSHIP_REVIEWED, RETURNED): "roster.approve",
}

# The step a roster waits for in each state, and the role that takes it (deadlines, reminders, 迟发).
AWAITED: dict[str, tuple[str, str]] = {
    DRAFT: ("提交名册", "village_clerk"),
    SUBMITTED: ("开始公示", "village_clerk"),
    PUBLICIZING: ("公示期满后结束公示", "village_clerk"),
    PUBLICIZED: ("乡镇审核", "township_reviewer"),
    TOWNSHIP_REVIEWED: ("主管部门审批", "dept_reviewer"),
    RETURNED: ("村（社区）修改后重新提交", "village_clerk"),
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
}


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
