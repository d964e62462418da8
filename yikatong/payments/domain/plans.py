"""The disbursement plan's states and the only moves between them, and what a failed payment calls for
(no Django imports).

A plan (发放计划) gathers the approved roster lines of one policy and period in the department's area; it is
checked, submitted, approved by finance for 国库集中支付, split into one batch per agent bank, paid, and
closed when every line is paid, or settled by finance.
"""

from __future__ import annotations

from dataclasses import dataclass


def gettext_noop(text: str) -> str:
    """Marks a label for the translation catalogue; screens translate it when they show it."""
    return text


DRAFT = "draft"
CHECKED = "checked"
SUBMITTED = "submitted"
APPROVED = "approved"
SENT = "sent"
PARTLY_PAID = "partly_paid"
CLOSED = "closed"
CANCELLED = "cancelled"

LABELS = {
    DRAFT: gettext_noop("草稿"),
    CHECKED: gettext_noop("已核查"),
    SUBMITTED: gettext_noop("已提交财政"),
    APPROVED: gettext_noop("财政已审批"),
    SENT: gettext_noop("已送银行"),
    PARTLY_PAID: gettext_noop("部分到账"),
    CLOSED: gettext_noop("已办结"),
    CANCELLED: gettext_noop("已作废"),
}

# Each move → the action of the permission table that makes it.
MOVES: dict[tuple[str, str], str] = {
    (DRAFT, CHECKED): "plan.build",
    (CHECKED, CHECKED): "plan.build",
    (CHECKED, SUBMITTED): "plan.submit",
    (SUBMITTED, CHECKED): "plan.approve",  # finance sends it back to the department
    (SUBMITTED, APPROVED): "plan.approve",
    (APPROVED, SENT): "batch.export",
    (SENT, PARTLY_PAID): "return.import",
    # One bank's return may arrive before another bank has taken its file.
    (APPROVED, PARTLY_PAID): "return.import",
    (SENT, CLOSED): "return.import",
    (PARTLY_PAID, CLOSED): "return.import",
    (PARTLY_PAID, SENT): "payment.reissue",  # a re-issue round's file goes out
    (CLOSED, PARTLY_PAID): "payment.reissue",  # a line stopped by finance is let through again
    (DRAFT, CANCELLED): "plan.build",
    (CHECKED, CANCELLED): "plan.build",
}

# The plans whose lines are still on their way (a roster line is in one of these at most).
OPEN = frozenset({DRAFT, CHECKED, SUBMITTED, APPROVED, SENT, PARTLY_PAID})
# The plans whose money is committed (their payments count against the budget).
COMMITTED = frozenset({APPROVED, SENT, PARTLY_PAID, CLOSED})

AWAITED: dict[str, tuple[str, str]] = {
    DRAFT: (gettext_noop("核查发放计划"), "dept_reviewer"),
    CHECKED: (gettext_noop("提交财政审批"), "dept_reviewer"),
    SUBMITTED: (gettext_noop("财政审批（国库集中支付）"), "finance"),
    APPROVED: (gettext_noop("生成并报送代发文件"), "finance"),
    SENT: (gettext_noop("导入银行回盘"), "bank_operator"),
    PARTLY_PAID: (gettext_noop("处理失败的发放并补发"), "finance"),
}


class BadMove(ValueError):
    """A plan asked to move where it may not go from its state."""


def check_move(current: str, target: str) -> str:
    """The action that makes the move, or BadMove in Chinese."""
    action = MOVES.get((current, target))
    if action is None:
        raise BadMove(
            f"发放计划当前为“{LABELS.get(current, current)}”，不能改为“{LABELS.get(target, target)}”"
        )
    return action


# --- payments --------------------------------------------------------------------------------------------

PENDING = "pending"  # in a batch whose file has not gone to the bank
SENT_TO_BANK = "sent"  # in a file handed to the bank; no answer yet (unknown)
ACCEPTED = "accepted"  # the bank took the instruction (pain.002 ACCP/ACTC/ACWC); not yet on the card
PAID = "paid"
FAILED = "failed"
RETURNED = "returned"

PAYMENT_LABELS = {
    PENDING: gettext_noop("待报送"),
    SENT_TO_BANK: gettext_noop("已报送，待回盘"),
    ACCEPTED: gettext_noop("银行已受理"),
    PAID: gettext_noop("已到账"),
    FAILED: gettext_noop("发放失败"),
    RETURNED: gettext_noop("已退回"),
}

IN_FLIGHT = frozenset({PENDING, SENT_TO_BANK, ACCEPTED})
FINAL = frozenset({PAID, FAILED, RETURNED})

# Which payment states may follow which, as returns arrive in any order: a later, more final answer wins;
# an earlier one arriving late changes nothing (an ACCP after the camt.054 that said paid).
RANK = {PENDING: 0, SENT_TO_BANK: 1, ACCEPTED: 2, PAID: 3, FAILED: 3, RETURNED: 4}


def may_follow(current: str, new: str) -> bool:
    """Whether a return's answer ``new`` changes a payment in ``current``."""
    if current == new:
        return False
    if current in (FAILED,) and new != FAILED:
        return False  # a failure is final as the bank states it
    if current == PAID:
        return new == RETURNED  # a settled payment can only come back
    return RANK[new] > RANK[current]


# --- what a failed payment calls for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Remedy:
    """What a failure's reason calls for: who acts, in plain Chinese, and whether it may be paid again."""

    role: str
    action: str
    reissue: bool = True


HRSS_CARD = Remedy("hrss", gettext_noop("人社局核实并登记受益人新的社保卡账户后补发"))
VILLAGE_LINE = Remedy("village_clerk", gettext_noop("村（社区）核实户名、账号并更正后补发"))
STOP = Remedy(
    "dept_reviewer", gettext_noop("停止发放：受益人已死亡，请主管部门核实并处理核查疑点"), reissue=False
)
RETRY = Remedy("finance", gettext_noop("银行技术原因失败，财政局核实后直接补发"))

REMEDIES: dict[str, Remedy] = {
    "AC01": VILLAGE_LINE,  # 账号错误
    "AC02": VILLAGE_LINE,
    "AC03": VILLAGE_LINE,
    "AC04": HRSS_CARD,  # 账户已销户
    "AC06": HRSS_CARD,  # 账户冻结
    "AC13": HRSS_CARD,
    "AG01": HRSS_CARD,  # 账户不允许此类交易 (非结算户)
    "AG02": RETRY,
    "AM04": RETRY,
    "AM05": RETRY,  # 重复
    "BE01": VILLAGE_LINE,  # 户名与账号不符
    "BE05": VILLAGE_LINE,
    "MD07": STOP,  # 收款人已死亡
    "MS02": RETRY,
    "MS03": RETRY,
    "NARR": RETRY,
    "FF01": RETRY,  # 文件格式错误
    "TM01": RETRY,  # 超过截止时间
}


def remedy_for(reason_code: str) -> Remedy:
    """The remedy of a reason code; an unknown code is finance's to look at."""
    return REMEDIES.get(reason_code.upper(), RETRY)


DEFAULT_MAX_ATTEMPTS = 3
