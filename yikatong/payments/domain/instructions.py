"""What a payment file says and what a bank's return says, without Django: the shapes both file formats share.

A payment file (ISO 20022 ``pain.001`` or a bank's flat 代发 file) is a header and an iterable of
instructions; a return (``pain.002``, ``camt.054``, ``pacs.004`` or a flat 回盘 file) is read into a
:class:`ReturnFile` of :class:`ReturnLine`. Money is integer fen throughout; each writer formats it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

#: 身份证 in the flat files' 证件类型 column (the code most Chinese agent banks use).
ID_TYPE_RESIDENT = "01"


@dataclass(frozen=True)
class FileHeader:
    """The file-level facts of one payment file (one batch, one agent bank)."""

    message_id: str  # unique per (bank, file); ISO MsgId, the flat file's 批次号
    created_at: datetime  # aware datetime
    execution_date: date  # requested payment date
    debtor_name: str  # the county treasury account's holder (e.g. 塔河县财政局)
    debtor_account: str  # the treasury's account number
    debtor_agent_cnaps: str  # 12-digit CNAPS code of the treasury's bank
    creditor_agent_cnaps: str  # 12-digit CNAPS code of the agent bank paying the cards
    unit_code: str  # 单位编号 the agent bank gave the county for 代发
    payment_info_id: str  # ISO PmtInfId; one payment-information block per file
    purpose: str = ""  # free text such as "2026-09 耕地地力保护补贴"


@dataclass(frozen=True)
class Instruction:
    """One payment attempt: pay ``amount_fen`` onto one person's card account."""

    end_to_end_id: str  # ≤ 35 chars, never reused, not from personal data; flat files: 流水号
    amount_fen: int  # > 0
    creditor_name: str  # 户名 as on the card account
    creditor_account: str  # 账号 (card account), in clear only inside the file
    id_number: str  # 证件号码
    remark: str  # 摘要 (policy and period)
    id_type: str = ID_TYPE_RESIDENT


class Outcome(enum.StrEnum):
    """What a return line says about one payment."""

    ACCEPTED = "accepted"  # the bank took the instruction (ACCP/ACTC/ACWC); not yet money on the card
    PAID = "paid"  # settled (ACSC, a camt.054 entry, a flat success line)
    FAILED = "failed"  # refused (RJCT, a flat failure line)
    RETURNED = "returned"  # settled, then sent back (pacs.004, a flat 退回 line)


class ReturnKind(enum.StrEnum):
    PAIN002 = "pain.002"
    CAMT054 = "camt.054"
    PACS004 = "pacs.004"
    FLAT_SUCCESS = "flat-success"
    FLAT_FAILURE = "flat-failure"


@dataclass(frozen=True)
class ReturnLine:
    end_to_end_id: str  # the instruction it answers (ISO OrgnlEndToEndId / EndToEndId; flat 流水号)
    outcome: Outcome
    amount_fen: int | None = None  # as the bank states it, when it does
    reason_code: str = ""  # ISO external code (AC04, BE01 ...) or the code the bank's layout maps its text to
    reason_text: str = ""  # the bank's own words (户名不符, 已销户 ...)
    settled_on: date | None = None
    account: str = ""  # as the bank states it, when it does
    name: str = ""


@dataclass
class ReturnFile:
    """One return file, read and checked: its lines agree with its own declared totals."""

    kind: ReturnKind
    message_id: str  # the return's own id (ISO MsgId; flat: the file's digest when it has none)
    original_message_id: str  # the payment file it answers ("" when the format does not say)
    declared_count: int
    declared_total_fen: int | None
    group_status: str = ""  # pain.002 GrpSts such as RJCT (the whole file refused), ACCP, PART
    group_reason_code: str = ""
    group_reason_text: str = ""
    lines: list[ReturnLine] = field(default_factory=list)
    # pain.002: the count and total the bank says the answered payment file had (OrgnlNbOfTxs, OrgnlCtrlSum),
    # to compare with the file as sent; None when the format or the file does not say
    original_count: int | None = None
    original_total_fen: int | None = None

    def __iter__(self) -> Iterator[ReturnLine]:
        return iter(self.lines)


class PaymentFileError(ValueError):
    """A payment file that cannot be written or fails its schema; the message is Chinese, for the user."""


class ReturnFileError(ValueError):
    """A return file that cannot be read or contradicts itself; the message is Chinese, for the user."""


@dataclass(frozen=True)
class Decision:
    """The bank simulator's answer for one instruction (what a real bank would report)."""

    end_to_end_id: str
    outcome: Outcome
    reason_code: str = ""
    reason_text: str = ""
