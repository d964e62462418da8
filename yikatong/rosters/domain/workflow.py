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

# Each move: (from, to) → who makes it. A roster cannot skip a state.
MOVES: dict[tuple[str, str], str] = {
    (DRAFT, SUBMITTED): "village_clerk",
    (RETURNED, SUBMITTED): "village_clerk",
    (SUBMITTED, PUBLICIZING): "village_clerk",
    (PUBLICIZING, PUBLICIZED): "village_clerk",
    (PUBLICIZED, TOWNSHIP_REVIEWED): "township_reviewer",
    (PUBLICIZED, RETURNED): "township_reviewer",
    (TOWNSHIP_REVIEWED, APPROVED): "dept_reviewer",
    (TOWNSHIP_REVIEWED, RETURNED): "dept_reviewer",
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


class IllegalMove(ValueError):
    """A move the workflow does not allow, with a Chinese message."""


def check_move(current: str, target: str, role: str) -> None:
    """Refuse a move that skips a state, goes backwards, or is made by the wrong role."""
    who = MOVES.get((current, target))
    if who is None:
        raise IllegalMove(
            f"名册当前为“{LABELS.get(current, current)}”，不能直接变为“{LABELS.get(target, target)}”"
        )
    if role != who:
        raise IllegalMove(f"“{LABELS[current]}→{LABELS[target]}”应由{_ROLE_NAMES[who]}办理")


_ROLE_NAMES = {
    "village_clerk": "村（社区）经办人",
    "township_reviewer": "乡镇审核人",
    "dept_reviewer": "业务主管部门",
}
