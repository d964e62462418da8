"""ISO 20022 returns read into :class:`ReturnFile`: ``pain.002`` status reports, ``camt.054`` debit
notifications (settlement evidence) and ``pacs.004`` returns of settled payments.

Each reader streams the file through the hardened parser (a DOCTYPE refuses the file), validates it
against the pinned XSD where an installed package ships the official one (``pain.002.001.03``,
``camt.054.001.08``) and otherwise reads it strictly by structure (``pain.002.001.10``, ``pacs.004``),
then checks the file against its own declared counts and sums. Every refusal is a Chinese
:class:`ReturnFileError`; a contradiction names both figures.

What a status maps to (DESIGN.md, "Bank interface"):

========================================  ==========================================================
``TxSts``                                 line
========================================  ==========================================================
ACTC, ACCP, ACSP, ACWC, ACWP, ACFC        ACCEPTED: the bank took it; no money on the card yet
ACSC, ACCC                                PAID (``settled_on`` from the settlement or acceptance date)
RJCT, CANC                                FAILED with the reason code and the bank's words
PDNG, RCVD                                no line: still pending at the bank, the payment stays as it is
                                          (a payment missing from a return stays unknown, never failed)
========================================  ==========================================================

A group status ``RJCT`` with no transaction lines is the whole file refused: the :class:`ReturnFile` carries
``group_status="RJCT"`` with its reason and no lines, and the caller fails every payment of the file.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from yikatong.payments.domain import isoxml
from yikatong.payments.domain.instructions import Outcome, ReturnFile, ReturnFileError, ReturnKind, ReturnLine
from yikatong.payments.domain.isoxml import CAMT054, CURRENCY, PAIN002_V03, PAIN002_V10, q, yuan
from yikatong.payments.domain.xsd import StreamValidator, iterparse, open_parse, root_namespace

TRANSACTION_STATUS: dict[str, Outcome | None] = {
    **dict.fromkeys(("ACTC", "ACCP", "ACSP", "ACWC", "ACWP", "ACFC"), Outcome.ACCEPTED),
    **dict.fromkeys(("ACSC", "ACCC"), Outcome.PAID),
    **dict.fromkeys(("RJCT", "CANC"), Outcome.FAILED),
    **dict.fromkeys(("PDNG", "RCVD"), None),
}
GROUP_STATUS = frozenset({*TRANSACTION_STATUS, "PART", "PATC"})


def _fail(element: etree._Element | None, message: str) -> ReturnFileError:
    where = f"第 {element.sourceline} 行：" if element is not None and element.sourceline else ""
    return ReturnFileError(f"{where}{message}")


def _text(element: etree._Element, path: str, ns: str) -> str:
    return (element.findtext(q(ns, path)) or "").strip()


def _amount(element: etree._Element | None, what: str) -> int:
    """A CNY amount element as fen, refusing other currencies and fractions of a fen."""
    if element is None:
        raise ReturnFileError(f"缺少{what}。")
    if element.get("Ccy") != CURRENCY:
        raise _fail(element, f"{what}的币种为 {element.get('Ccy')}，应为 {CURRENCY}。")
    fen = isoxml.fen_of(element.text)
    if fen is None:
        raise _fail(element, f"{what}“{element.text}”不是整分金额。")
    return fen


def _decimal(element: etree._Element, path: str, ns: str, what: str) -> int | None:
    """An optional plain decimal (CtrlSum, Sum) as fen."""
    found = element.find(q(ns, path))
    if found is None:
        return None
    fen = isoxml.fen_of(found.text)
    if fen is None:
        raise _fail(found, f"{what}“{found.text}”不是整分金额。")
    return fen


def _count(element: etree._Element, path: str, ns: str, what: str) -> int | None:
    found = element.find(q(ns, path))
    if found is None:
        return None
    text = (found.text or "").strip()
    if not text.isdigit() or len(text) > 15:
        raise _fail(found, f"{what}“{text}”不是笔数。")
    return int(text)


def _end_to_end(element: etree._Element, path: str, ns: str, seen: set[str]) -> str:
    e2e = _text(element, path, ns)
    if not e2e:
        raise _fail(element, "交易缺少端到端标识（EndToEndId），无法对应到支付。")
    if len(e2e) > 35:
        raise _fail(element, f"端到端标识“{e2e[:40]}…”超过 35 个字符。")
    if e2e in seen:
        raise _fail(element, f"端到端标识“{e2e}”在同一回盘中出现多次。")
    seen.add(e2e)
    return e2e


def _reason(element: etree._Element, path: str, ns: str) -> tuple[str, str]:
    """(code, bank's words) from the status or return reason blocks under ``path``."""
    code = ""
    words: list[str] = []
    for info in element.iterfind(q(ns, path)):
        if not code:
            code = _text(info, "Rsn/Cd", ns) or _text(info, "Rsn/Prtry", ns)
        words.extend(
            (t.text or "").strip() for t in info.iterfind(q(ns, "AddtlInf")) if (t.text or "").strip()
        )
    return code, "".join(words)  # AddtlInf holds 105 characters: a longer text continues in the next


def _declared_mismatch(what: str, declared: int, actual: int, *, money: bool = False) -> ReturnFileError:
    if money:
        return ReturnFileError(
            f"{what}申报合计 {yuan(declared)} 元，明细实际合计 {yuan(actual)} 元，回盘自相矛盾，拒绝导入。"
        )
    return ReturnFileError(f"{what}申报 {declared} 笔，明细实际 {actual} 笔，回盘自相矛盾，拒绝导入。")


def _require_root(data: bytes, ns: str, child: str) -> None:
    """Structural reads: the document must be ``Document/<child>`` in its namespace (no XSD says so)."""
    for depth, (_event, element) in enumerate(open_parse(io.BytesIO(data), events=("start",))):
        if depth == 1:
            if element.tag != f"{{{ns}}}{child}":
                raise _fail(element, f"Document 下应为 {child}，现为 {etree.QName(element).localname}。")
            return
    raise ReturnFileError(f"文件的 Document 下应为 {child}。")


def _stream(
    data: bytes, ns: str, names: list[str], validator: StreamValidator | None
) -> Iterator[etree._Element]:
    """The elements ``names`` of a return as each ends, checked by the XSD first where there is one."""
    for element in iterparse(io.BytesIO(data), error=ReturnFileError, tags=[q(ns, name) for name in names]):
        if validator is not None:
            validator.check(element, ReturnFileError)
        if element.getparent() is not None:
            yield element


# pain.002 -------------------------------------------------------------------------------------------------


@dataclass
class _StatusTally:
    """Per status: the lines that carry it and their amounts (when every one states its amount)."""

    count: Counter[str] = field(default_factory=Counter)
    fen: Counter[str] = field(default_factory=Counter)
    without_amount: set[str] = field(default_factory=set)

    def add(self, status: str, amount: int | None) -> None:
        self.count[status] += 1
        if amount is None:
            self.without_amount.add(status)
        else:
            self.fen[status] += amount

    def check(self, element: etree._Element, ns: str, what: str) -> None:
        """NbOfTxsPerSts against the lines of each status the report details."""
        for per in element.iterfind(q(ns, "NbOfTxsPerSts")):
            status = _text(per, "DtldSts", ns)
            if not self.count[status]:
                continue  # reports often detail only some statuses (e.g. the rejected lines)
            declared = _count(per, "DtldNbOfTxs", ns, "分状态笔数") or 0
            if declared != self.count[status]:
                raise _declared_mismatch(f"{what}状态 {status} ", declared, self.count[status])
            declared_sum = _decimal(per, "DtldCtrlSum", ns, "分状态合计")
            if (
                declared_sum is not None
                and status not in self.without_amount
                and declared_sum != self.fen[status]
            ):
                raise _declared_mismatch(f"{what}状态 {status} ", declared_sum, self.fen[status], money=True)


def read_pain002(data: bytes) -> ReturnFile:
    """Read a ``pain.002`` status report (``.001.03`` validated by its XSD, ``.001.10`` by structure)."""
    ns = root_namespace(data, error=ReturnFileError)
    message = isoxml.message_of(ns)
    if message == PAIN002_V03:
        validator: StreamValidator | None = StreamValidator(
            PAIN002_V03,
            repeated=[("TxInfAndSts", "PaymentTransactionInformation25")],
            containers=[
                ("GrpHdr", "GroupHeader36"),
                ("OrgnlGrpInfAndSts", "OriginalGroupInformation20"),
                ("OrgnlPmtInfAndSts", "OriginalPaymentInformation1"),
            ],
        )
    elif message == PAIN002_V10:
        validator = None
        _require_root(data, ns, "CstmrPmtStsRpt")
    else:
        raise ReturnFileError(
            f"不支持的状态报告版本 {message or ns or '（无命名空间）'}：支持 {PAIN002_V03} 和 {PAIN002_V10}。"
        )
    reader = _Pain002Reader(ns)
    names = ["GrpHdr", "OrgnlGrpInfAndSts", "TxInfAndSts", "OrgnlPmtInfAndSts", "Document"]
    for element in _stream(data, ns, names, validator):
        reader.take(element)
    return reader.result()


class _Pain002Reader:
    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.message_id = ""
        self.group: etree._Element | None = None
        self.lines: list[ReturnLine] = []
        self.reported = 0
        self.seen: set[str] = set()
        self.tally = _StatusTally()
        self.block_tally = _StatusTally()
        self.block_reported = 0
        self.block_status = ""
        self.block_reason = ("", "")
        self.all_amounts = 0
        self.missing_amount = False

    def take(self, element: etree._Element) -> None:
        name = etree.QName(element).localname
        if name == "TxInfAndSts":
            self._transaction(element)
            isoxml.release(element)
        elif name == "GrpHdr":
            self.message_id = _text(element, "MsgId", self.ns)
            if not self.message_id or isoxml.parse_datetime(element.findtext(q(self.ns, "CreDtTm"))) is None:
                raise _fail(element, "状态报告的组头缺少报文标识（MsgId）或创建时间（CreDtTm）。")
        elif name == "OrgnlGrpInfAndSts":
            if not _text(element, "OrgnlMsgId", self.ns):
                raise _fail(element, "状态报告缺少原报文标识（OrgnlMsgId）。")
            self.group = element
        else:
            self._payment_information(element)

    def _transaction(self, element: etree._Element) -> None:
        ns = self.ns
        e2e = _end_to_end(element, "OrgnlEndToEndId", ns, self.seen)
        status = _text(element, "TxSts", ns)
        if status not in TRANSACTION_STATUS:
            shown = status or "（空）"
            raise _fail(
                element, f"交易 {e2e} 的状态 {shown} 不是本系统认识的状态码（ACCP、ACSC、RJCT、PDNG 等）。"
            )
        reference = element.find(q(ns, "OrgnlTxRef"))
        name = account = ""
        fen: int | None = None
        settled = None
        if reference is not None:
            amount_element = reference.find(q(ns, "Amt/InstdAmt"))
            if amount_element is not None:
                fen = _amount(amount_element, f"交易 {e2e} 的原金额")
            name = _text(reference, "Cdtr/Nm", ns) or _text(reference, "Cdtr/Pty/Nm", ns)
            account = _text(reference, "CdtrAcct/Id/Othr/Id", ns)
            settled = isoxml.parse_date(reference.findtext(q(ns, "IntrBkSttlmDt")))
        self.reported += 1
        self.block_reported += 1
        self.tally.add(status, fen)
        self.block_tally.add(status, fen)
        if fen is None:
            self.missing_amount = True
        else:
            self.all_amounts += fen
        outcome = TRANSACTION_STATUS[status]
        if outcome is None:
            return
        code, words = _reason(element, "StsRsnInf", ns)
        if outcome is Outcome.PAID and settled is None:
            settled = isoxml.parse_date(element.findtext(q(ns, "AccptncDtTm")))
        self.lines.append(
            ReturnLine(
                end_to_end_id=e2e,
                outcome=outcome,
                amount_fen=fen,
                reason_code=code,
                reason_text=words,
                settled_on=settled if outcome is Outcome.PAID else None,
                account=account,
                name=name,
            )
        )

    def _payment_information(self, element: etree._Element) -> None:
        ns = self.ns
        what = f"付款信息块 {_text(element, 'OrgnlPmtInfId', ns)} "
        declared = _count(element, "OrgnlNbOfTxs", ns, "原笔数")
        if declared is not None and self.block_reported > declared:
            raise _declared_mismatch(f"{what}原文件", declared, self.block_reported)
        self.block_tally.check(element, ns, what)
        status = _text(element, "PmtInfSts", ns)
        if status and status not in GROUP_STATUS:
            raise _fail(element, f"付款信息块状态 {status} 不是本系统认识的状态码。")
        if status and not self.block_status:
            self.block_status = status
            self.block_reason = _reason(element, "StsRsnInf", ns)
        self.block_tally = _StatusTally()
        self.block_reported = 0

    def result(self) -> ReturnFile:
        group = self.group
        if group is None or not self.message_id:
            raise ReturnFileError("状态报告缺少组头（GrpHdr）或原报文信息（OrgnlGrpInfAndSts）。")
        ns = self.ns
        original_count = _count(group, "OrgnlNbOfTxs", ns, "原笔数")
        original_total = _decimal(group, "OrgnlCtrlSum", ns, "原合计金额")
        if original_count is not None and self.reported > original_count:
            raise _declared_mismatch("原文件", original_count, self.reported)
        if (
            original_total is not None
            and original_count == self.reported
            and not self.missing_amount
            and self.reported
            and original_total != self.all_amounts
        ):
            raise _declared_mismatch("原文件", original_total, self.all_amounts, money=True)
        self.tally.check(group, ns, "")
        status = _text(group, "GrpSts", ns)
        if status and status not in GROUP_STATUS:
            raise _fail(group, f"组状态 {status} 不是本系统认识的状态码。")
        code, words = _reason(group, "StsRsnInf", ns)
        if not status:
            status = self.block_status
            code, words = self.block_reason
        if status == "RJCT" and any(line.outcome is not Outcome.FAILED for line in self.lines):
            raise ReturnFileError(
                "状态报告整体为拒绝（RJCT），其中却有未被拒绝的交易，回盘自相矛盾，拒绝导入。"
            )
        per_status = [
            _count(per, "DtldNbOfTxs", ns, "分状态笔数") or 0
            for per in group.iterfind(q(ns, "NbOfTxsPerSts"))
        ]
        return ReturnFile(
            kind=ReturnKind.PAIN002,
            message_id=self.message_id,
            original_message_id=_text(group, "OrgnlMsgId", ns),
            declared_count=sum(per_status) if per_status else self.reported,
            declared_total_fen=None if self.missing_amount or not self.reported else self.all_amounts,
            group_status=status,
            group_reason_code=code,
            group_reason_text=words,
            lines=self.lines,
            original_count=original_count,
            original_total_fen=original_total,
        )


# camt.054 ------------------------------------------------------------------------------------------------


def read_camt054(data: bytes) -> ReturnFile:
    """Read a ``camt.054.001.08`` debit notification: each booked debit's transactions are PAID on its
    booking date; credit entries, reversals and entries not yet booked are not settlement of a payment."""
    ns = root_namespace(data, error=ReturnFileError)
    message = isoxml.message_of(ns)
    if message != CAMT054:
        raise ReturnFileError(f"不支持的借记通知版本 {message or ns or '（无命名空间）'}：支持 {CAMT054}。")
    reader = _Camt054Reader(ns)
    validator = StreamValidator(
        CAMT054,
        repeated=[("Ntry", "ReportEntry10")],
        containers=[("GrpHdr", "GroupHeader81"), ("Ntfctn", "AccountNotification17")],
    )
    for element in _stream(data, ns, ["GrpHdr", "Ntry", "Ntfctn", "Document"], validator):
        reader.take(element)
    return reader.result()


class _Camt054Reader:
    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.message_id = ""
        self.lines: list[ReturnLine] = []
        self.seen: set[str] = set()
        self.originals: set[str] = set()
        self.total = 0
        self.entries = Counter[str]()
        self.sums = Counter[str]()

    def take(self, element: etree._Element) -> None:
        name = etree.QName(element).localname
        if name == "GrpHdr":
            self.message_id = _text(element, "MsgId", self.ns)
        elif name == "Ntry":
            self._entry(element)
            isoxml.release(element)
        else:
            self._summary(element)
            self.entries.clear()
            self.sums.clear()
            isoxml.release(element)

    def _entry(self, entry: etree._Element) -> None:
        ns = self.ns
        amount = _amount(entry.find(q(ns, "Amt")), "记账金额")
        direction = _text(entry, "CdtDbtInd", ns)
        self.entries[direction] += 1
        self.sums[direction] += amount
        reversal = _text(entry, "RvslInd", ns) in ("true", "1")
        if direction != "DBIT" or reversal or _text(entry, "Sts/Cd", ns) != "BOOK":
            return
        booked = isoxml.parse_date(
            entry.findtext(q(ns, "BookgDt/Dt")) or entry.findtext(q(ns, "BookgDt/DtTm"))
        )
        if booked is None:
            raise _fail(entry, "已记账的借记分录缺少记账日期（BookgDt）。")
        details = entry.findall(q(ns, "NtryDtls/TxDtls"))
        if not details:
            return  # a debit that is not a payment of a file (a fee, a transfer of the treasury's own)
        if len(details) > 1 and any(d.find(q(ns, "Amt")) is None for d in details):
            raise _fail(entry, "批量借记分录的交易明细缺少金额（TxDtls/Amt）。")
        lines_fen = 0
        for detail in details:
            e2e = _end_to_end(detail, "Refs/EndToEndId", ns, self.seen)
            if _text(detail, "CdtDbtInd", ns) not in ("", "DBIT"):
                raise _fail(detail, f"交易 {e2e} 记为贷记，却在借记分录之下。")
            own = detail.find(q(ns, "Amt"))
            fen = amount if own is None else _amount(own, f"交易 {e2e} 的金额")
            lines_fen += fen
            original = _text(detail, "Refs/MsgId", ns)
            if original:
                self.originals.add(original)
            self.lines.append(
                ReturnLine(
                    end_to_end_id=e2e,
                    outcome=Outcome.PAID,
                    amount_fen=fen,
                    settled_on=booked,
                    account=_text(detail, "RltdPties/CdtrAcct/Id/Othr/Id", ns),
                    name=_text(detail, "RltdPties/Cdtr/Pty/Nm", ns),
                )
            )
        what = f"记账分录 {_text(entry, 'NtryRef', ns) or _text(entry, 'AcctSvcrRef', ns)} "
        if lines_fen != amount:
            raise _fail(entry, _declared_mismatch(what, amount, lines_fen, money=True).args[0])
        for batch in entry.iterfind(q(ns, "NtryDtls/Btch")):
            declared = _count(batch, "NbOfTxs", ns, "批量笔数")
            if declared is not None and declared != len(details):
                raise _fail(batch, _declared_mismatch(f"{what}批量", declared, len(details)).args[0])
            declared_total = batch.find(q(ns, "TtlAmt"))
            if declared_total is not None and _amount(declared_total, "批量合计金额") != lines_fen:
                raise _fail(
                    batch,
                    _declared_mismatch(
                        f"{what}批量", _amount(declared_total, "批量合计金额"), lines_fen, money=True
                    ).args[0],
                )
            if _text(batch, "MsgId", ns):
                self.originals.add(_text(batch, "MsgId", ns))
        self.total += amount

    def _summary(self, notification: etree._Element) -> None:
        ns = self.ns
        summary = notification.find(q(ns, "TxsSummry"))
        if summary is None:
            return
        figures = (
            ("TtlNtries", "全部分录", sum(self.entries.values()), sum(self.sums.values())),
            ("TtlDbtNtries", "借记分录", self.entries["DBIT"], self.sums["DBIT"]),
            ("TtlCdtNtries", "贷记分录", self.entries["CRDT"], self.sums["CRDT"]),
        )
        for path, what, count, total in figures:
            block = summary.find(q(ns, path))
            if block is None:
                continue
            declared = _count(block, "NbOfNtries", ns, "分录数")
            if declared is not None and declared != count:
                raise _fail(block, _declared_mismatch(f"通知汇总的{what}", declared, count).args[0])
            declared_sum = _decimal(block, "Sum", ns, "分录合计")
            if declared_sum is not None and declared_sum != total:
                raise _fail(
                    block, _declared_mismatch(f"通知汇总的{what}", declared_sum, total, money=True).args[0]
                )

    def result(self) -> ReturnFile:
        if not self.message_id:
            raise ReturnFileError("借记通知缺少报文标识（GrpHdr/MsgId）。")
        return ReturnFile(
            kind=ReturnKind.CAMT054,
            message_id=self.message_id,
            original_message_id=next(iter(self.originals)) if len(self.originals) == 1 else "",
            declared_count=len(self.lines),
            declared_total_fen=self.total,
            lines=self.lines,
        )


# pacs.004 ------------------------------------------------------------------------------------------------


def read_pacs004(data: bytes) -> ReturnFile:
    """Read a ``pacs.004`` payment return (``.001.09``–``.001.11``, by structure): each line RETURNED."""
    ns = root_namespace(data, error=ReturnFileError)
    message = isoxml.message_of(ns)
    if message not in isoxml.PACS004_READABLE:
        raise ReturnFileError(
            f"不支持的退汇报文版本 {message or ns or '（无命名空间）'}："
            f"支持 {'、'.join(isoxml.PACS004_READABLE)}。"
        )
    _require_root(data, ns, "PmtRtr")
    reader = _Pacs004Reader(ns)
    for element in _stream(data, ns, ["GrpHdr", "OrgnlGrpInf", "TxInf"], None):
        reader.take(element)
    return reader.result()


class _Pacs004Reader:
    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.group: etree._Element | None = None
        self.original = ""
        self.lines: list[ReturnLine] = []
        self.seen: set[str] = set()
        self.total = 0

    def take(self, element: etree._Element) -> None:
        ns = self.ns
        name = etree.QName(element).localname
        if name == "GrpHdr":
            if not _text(element, "MsgId", ns) or _count(element, "NbOfTxs", ns, "笔数") is None:
                raise _fail(element, "退汇报文的组头缺少报文标识（MsgId）或笔数（NbOfTxs）。")
            self.group = element
        elif name == "OrgnlGrpInf":
            parent = element.getparent()
            at_group_level = parent is not None and etree.QName(parent).localname == "PmtRtr"
            if at_group_level or not self.original:  # the group's reference wins over a transaction's
                self.original = _text(element, "OrgnlMsgId", ns)
        else:
            self._transaction(element)
            isoxml.release(element)

    def _transaction(self, element: etree._Element) -> None:
        ns = self.ns
        e2e = _end_to_end(element, "OrgnlEndToEndId", ns, self.seen)
        returned = element.find(q(ns, "RtrdIntrBkSttlmAmt"))
        if returned is None:
            returned = element.find(q(ns, "RtrdInstdAmt"))
        if returned is None:
            raise _fail(element, f"退汇交易 {e2e} 缺少退回金额（RtrdIntrBkSttlmAmt）。")
        fen = _amount(returned, f"退汇交易 {e2e} 的退回金额")
        if fen <= 0:
            raise _fail(element, f"退汇交易 {e2e} 的退回金额应大于 0。")
        code, words = _reason(element, "RtrRsnInf", ns)
        settled = isoxml.parse_date(element.findtext(q(ns, "IntrBkSttlmDt")))
        if settled is None and self.group is not None:
            settled = isoxml.parse_date(self.group.findtext(q(ns, "IntrBkSttlmDt")))
        self.total += fen
        self.lines.append(
            ReturnLine(
                end_to_end_id=e2e,
                outcome=Outcome.RETURNED,
                amount_fen=fen,
                reason_code=code,
                reason_text=words,
                settled_on=settled,
                account=_text(element, "OrgnlTxRef/CdtrAcct/Id/Othr/Id", ns),
                name=_text(element, "OrgnlTxRef/Cdtr/Pty/Nm", ns) or _text(element, "OrgnlTxRef/Cdtr/Nm", ns),
            )
        )

    def result(self) -> ReturnFile:
        group = self.group
        if group is None:
            raise ReturnFileError("退汇报文缺少组头（GrpHdr）。")
        ns = self.ns
        declared = _count(group, "NbOfTxs", ns, "笔数") or 0
        if declared != len(self.lines):
            raise _declared_mismatch("退汇报文", declared, len(self.lines))
        declared_total = _decimal(group, "CtrlSum", ns, "合计金额")
        total_element = group.find(q(ns, "TtlRtrdIntrBkSttlmAmt"))
        if total_element is not None:
            stated = _amount(total_element, "退回合计金额")
            if declared_total is not None and stated != declared_total:
                raise _declared_mismatch(
                    "退汇报文（CtrlSum 与 TtlRtrdIntrBkSttlmAmt）", declared_total, stated, money=True
                )
            declared_total = stated
        if declared_total is not None and declared_total != self.total:
            raise _declared_mismatch("退汇报文", declared_total, self.total, money=True)
        return ReturnFile(
            kind=ReturnKind.PACS004,
            message_id=_text(group, "MsgId", ns),
            original_message_id=self.original,
            declared_count=declared,
            declared_total_fen=declared_total,
            lines=self.lines,
        )
