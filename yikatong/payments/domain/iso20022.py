"""ISO 20022 payment files: ``pain.001.001.09`` written and checked here; the returns read and written in
``isoreturns`` and ``isobank`` and offered from here, so callers import one module.

The profile written (and required by :func:`validate_pain001`) is a Chinese domestic batch of credit
transfers onto social-security card accounts: one payment-information block (``PmtInf``, ``TRF``) debiting
the county treasury's account at its bank; banks named by their 12-digit CNAPS code (``ClrSysMmbId/MmbId``:
the code itself says the clearing system, and leaving out ``ClrSysId`` keeps each of 200,000 transactions
shorter); accounts as ``Othr/Id`` (Chinese accounts have no IBAN); amounts in CNY from integer fen; the
holder's ID number as ``Cdtr/Id/PrvtId/Othr`` (scheme ``NIDN``), so the bank can check 户名, 账号 and 证件号.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from lxml import etree

from yikatong.payments.domain import isoxml
from yikatong.payments.domain.instructions import (
    ID_TYPE_RESIDENT,
    FileHeader,
    Instruction,
    PaymentFileError,
    ReturnFile,
    ReturnFileError,
)
from yikatong.payments.domain.isobank import write_camt054, write_pacs004, write_pain002
from yikatong.payments.domain.isoreturns import read_camt054, read_pacs004, read_pain002
from yikatong.payments.domain.isoxml import CURRENCY, PAIN001, q, sub, yuan
from yikatong.payments.domain.xsd import StreamValidator, iterparse, root_namespace, root_tag

__all__ = [
    "Pain001Summary",
    "read_camt054",
    "read_iso_return",
    "read_pacs004",
    "read_pain002",
    "validate_pain001",
    "write_camt054",
    "write_pacs004",
    "write_pain001",
    "write_pain002",
]

NS = isoxml.namespace(PAIN001)
ID_SCHEME = "NIDN"  # ISO ExternalPersonIdentification1Code: national identity number
#: ISO's amount types allow 18 digits, two of them the fen
MAX_TOTAL_FEN = 10**18 - 1


def write_pain001(out: IO[bytes], header: FileHeader, instructions: Iterable[Instruction]) -> tuple[int, int]:
    """Write one ``pain.001.001.09`` file to ``out`` streaming; returns (count, total fen) as written.

    The instructions are read once: each is checked and serialised to a temporary file as it comes (so a
    database cursor or generator of any length will do and memory stays flat), then the group header with
    NbOfTxs and CtrlSum is written and the parked transactions are copied in behind it. Anything a bank would
    refuse (empty names, a repeated EndToEndId, a bad CNAPS code, an amount of 0) raises a Chinese
    :class:`PaymentFileError` before a byte reaches ``out``.
    """
    _check_header(header)
    count = total = 0
    seen: set[str] = set()
    with isoxml.Spool() as spool:
        for position, instruction in enumerate(instructions, start=1):
            _check_instruction(instruction, position, seen)
            total += instruction.amount_fen
            count += 1
            spool.add_bytes(_transaction(instruction, header.creditor_agent_cnaps))
        if count == 0:
            raise PaymentFileError("支付文件没有任何支付指令。")
        if total > MAX_TOTAL_FEN:
            raise PaymentFileError(f"支付文件合计金额 {yuan(total)} 元超过 ISO 20022 金额的位数上限。")
        with etree.xmlfile(out, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element(f"{{{NS}}}Document", nsmap={None: NS}), xf.element("CstmrCdtTrfInitn"):
                xf.write(isoxml.line(_group_header(header, count, total)))
                with xf.element("PmtInf"):
                    for element in _payment_information(header, count, total):
                        xf.write(isoxml.line(element))
                    spool.copy_into(xf, out)
    return count, total


def _check_text(value: str, what: str, limit: int, *, where: str = "") -> None:
    if not value.strip():
        raise PaymentFileError(f"{where}{what}为空。")
    if len(value) > limit:
        raise PaymentFileError(f"{where}{what}超过 {limit} 个字符（{len(value)} 个）。")
    if isoxml.has_control(value):
        raise PaymentFileError(f"{where}{what}含有控制字符（换行、制表符等）。")


def _check_header(header: FileHeader) -> None:
    _check_text(header.message_id, "报文标识（MsgId）", 35)
    _check_text(header.payment_info_id, "付款信息标识（PmtInfId）", 35)
    _check_text(header.debtor_name, "付款人户名", 140)
    _check_text(header.debtor_account, "付款账号", 34)
    if header.unit_code:
        _check_text(header.unit_code, "单位编号", 35)
    if header.purpose:
        _check_text(header.purpose, "用途", 140)
    for code, what in ((header.debtor_agent_cnaps, "付款行"), (header.creditor_agent_cnaps, "代发银行")):
        if not isoxml.is_cnaps(code):
            raise PaymentFileError(f"{what}的 CNAPS 行号应为 12 位数字，现为“{code}”。")
    if header.created_at.tzinfo is None or header.created_at.utcoffset() is None:
        raise PaymentFileError("文件创建时间缺少时区。")


def _check_instruction(instruction: Instruction, position: int, seen: set[str]) -> None:
    """Refuse what a bank would refuse; the common case (nothing wrong) is one expression: 200,000 lines."""
    e2e, name, account = instruction.end_to_end_id, instruction.creditor_name, instruction.creditor_account
    id_number, remark, amount = instruction.id_number, instruction.remark, instruction.amount_fen
    if (
        type(amount) is int
        and 0 < amount <= MAX_TOTAL_FEN
        and 0 < len(e2e) <= 35
        and e2e not in seen
        and len(name) <= 140
        and len(account) <= 34
        and len(id_number) <= 35
        and len(remark) <= 140
        and e2e.strip()
        and name.strip()
        and account.strip()
        and (not id_number or id_number.strip())
        and (not remark or remark.strip())
        and not isoxml.has_control(e2e + name + account + id_number + remark)
    ):
        seen.add(e2e)
        return
    _explain_instruction(instruction, position, seen)


def _explain_instruction(instruction: Instruction, position: int, seen: set[str]) -> None:
    """The same checks one by one, to say which one fails."""
    e2e = instruction.end_to_end_id
    where = f"第 {position} 条支付指令"
    _check_text(e2e, "的端到端标识（EndToEndId）", 35, where=where)
    where = f"第 {position} 条支付指令（{e2e}）"
    if e2e in seen:
        raise PaymentFileError(f"{where}的端到端标识在本文件中重复。")
    seen.add(e2e)
    amount = instruction.amount_fen
    if type(amount) is not int:
        raise PaymentFileError(f"{where}的金额应为整数分。")
    if amount <= 0:
        raise PaymentFileError(f"{where}的金额应大于 0，现为 {yuan(amount)} 元。")
    if amount > MAX_TOTAL_FEN:
        raise PaymentFileError(f"{where}的金额超过 ISO 20022 金额的位数上限。")
    _check_text(instruction.creditor_name, "的户名", 140, where=where)
    _check_text(instruction.creditor_account, "的账号", 34, where=where)
    if instruction.id_number:
        _check_text(instruction.id_number, "的证件号码", 35, where=where)
    if instruction.remark:
        _check_text(instruction.remark, "的摘要", 140, where=where)


def _agent(parent: etree._Element, tag: str, cnaps: str) -> None:
    isoxml.chain(parent, f"{tag}/FinInstnId/ClrSysMmbId/MmbId", cnaps)


def _account(parent: etree._Element, tag: str, number: str) -> None:
    isoxml.chain(parent, f"{tag}/Id/Othr/Id", number)


def _group_header(header: FileHeader, count: int, total: int) -> etree._Element:
    group = etree.Element("GrpHdr")
    sub(group, "MsgId", header.message_id)
    sub(group, "CreDtTm", isoxml.iso_datetime(header.created_at))
    sub(group, "NbOfTxs", str(count))
    sub(group, "CtrlSum", yuan(total))
    party = sub(group, "InitgPty")
    sub(party, "Nm", header.debtor_name)
    if header.unit_code:
        isoxml.chain(party, "Id/OrgId/Othr/Id", header.unit_code)
    return group


def _payment_information(header: FileHeader, count: int, total: int) -> list[etree._Element]:
    """The children of PmtInf that come before its transactions."""
    holder = etree.Element("PmtInf")
    sub(holder, "PmtInfId", header.payment_info_id)
    sub(holder, "PmtMtd", "TRF")
    sub(holder, "NbOfTxs", str(count))
    sub(holder, "CtrlSum", yuan(total))
    isoxml.chain(holder, "ReqdExctnDt/Dt", header.execution_date.isoformat())
    isoxml.chain(holder, "Dbtr/Nm", header.debtor_name)
    _account(holder, "DbtrAcct", header.debtor_account)
    _agent(holder, "DbtrAgt", header.debtor_agent_cnaps)
    if header.purpose:
        sub(holder, "InstrForDbtrAgt", header.purpose)
    return list(holder)


def _transaction(instruction: Instruction, agent: str) -> bytes:
    """One ``CdtTrfTxInf``, serialised straight from a template of unqualified elements (they sit in the
    document's default namespace): building lxml elements for each of 200,000 payments costs ten times as
    much, and every text here has passed :func:`_check_text` (no control characters) and is escaped."""
    e = isoxml.escape
    identity = (
        f"<Id><PrvtId><Othr><Id>{e(instruction.id_number)}</Id><SchmeNm><Cd>{ID_SCHEME}</Cd></SchmeNm>"
        "</Othr></PrvtId></Id>"
        if instruction.id_number
        else ""
    )
    remark = f"<RmtInf><Ustrd>{e(instruction.remark)}</Ustrd></RmtInf>" if instruction.remark else ""
    return (
        f"<CdtTrfTxInf><PmtId><EndToEndId>{e(instruction.end_to_end_id)}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="{CURRENCY}">{yuan(instruction.amount_fen)}</InstdAmt></Amt>'
        f"<CdtrAgt><FinInstnId><ClrSysMmbId><MmbId>{agent}</MmbId></ClrSysMmbId></FinInstnId></CdtrAgt>"
        f"<Cdtr><Nm>{e(instruction.creditor_name)}</Nm>{identity}</Cdtr>"
        f"<CdtrAcct><Id><Othr><Id>{e(instruction.creditor_account)}</Id></Othr></Id></CdtrAcct>{remark}"
        "</CdtTrfTxInf>\n"
    ).encode()


@dataclass(frozen=True)
class Pain001Summary:
    """What a checked ``pain.001`` file holds: its header as read back, and its count and total."""

    header: FileHeader
    count: int
    total_fen: int


def validate_pain001(
    source: str | Path | IO[bytes], *, each: Callable[[Instruction], object] | None = None
) -> Pain001Summary:
    """Check a ``pain.001.001.09`` file streaming: the pinned XSD, this platform's profile and its totals.

    Refuses with a Chinese :class:`PaymentFileError` naming the line (with the XSD's own words where the
    schema refuses). ``each`` receives every instruction as it is read (the bank simulator answers files this
    way); the totals are only known at the end, so a caller acts on what it received once this returns.
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            return validate_pain001(stream, each=each)
    if not source.seekable():  # the root is read first, then the whole file: park a one-way stream on disk
        with tempfile.TemporaryFile() as parked:
            shutil.copyfileobj(source, parked, 1 << 20)
            parked.seek(0)
            return validate_pain001(parked, each=each)
    found = etree.QName(root_tag(source, error=PaymentFileError))
    if found.text != _DOCUMENT:
        raise PaymentFileError(
            f"第 1 行不符合 XSD：不是 {PAIN001} 支付文件（根元素 {found.localname}，"
            f"命名空间 {found.namespace or '（无）'}，应为 {NS}）。"
        )
    reader = _Pain001Reader(each)
    for element in iterparse(source, error=PaymentFileError, tags=[_GRP_HDR, _TX, _PMT_INF, _DOCUMENT]):
        reader.take(element)
    return reader.summary()


def _fail(element: etree._Element, message: str) -> PaymentFileError:
    return PaymentFileError(f"第 {element.sourceline} 行：{message}")


_DOCUMENT, _GRP_HDR, _PMT_INF, _TX = (
    f"{{{NS}}}{name}" for name in ("Document", "GrpHdr", "PmtInf", "CdtTrfTxInf")
)
(
    _PMT_ID,
    _E2E,
    _AMT,
    _INSTD_AMT,
    _CDTR_AGT,
    _CLR_SYS_MMB_ID,
    _CDTR,
    _NM,
    _CDTR_ACCT,
    _OTHR,
    _RMT_INF,
    _USTRD,
) = (
    f"{{{NS}}}{name}"
    for name in (
        "PmtId",
        "EndToEndId",
        "Amt",
        "InstdAmt",
        "CdtrAgt",
        "ClrSysMmbId",
        "Cdtr",
        "Nm",
        "CdtrAcct",
        "Othr",
        "RmtInf",
        "Ustrd",
    )
)


def _id_number(creditor: etree._Element | None) -> str:
    """The creditor's national ID number (``Cdtr/Id/PrvtId/Othr``, scheme ``NIDN``) if the file gives it."""
    if creditor is None:
        return ""
    for other in creditor.iterfind(q(NS, "Id/PrvtId/Othr")):
        if other.findtext(q(NS, "SchmeNm/Cd")) == ID_SCHEME:
            return other.findtext(q(NS, "Id")) or ""
    return ""


class _Pain001Reader:
    """The XSD, the profile and the totals over the elements the parser streams, each as it ends."""

    def __init__(self, each: Callable[[Instruction], object] | None) -> None:
        self.each = each
        self.xsd = StreamValidator(
            PAIN001,
            repeated=[("CdtTrfTxInf", "CreditTransferTransaction34")],
            containers=[("GrpHdr", "GroupHeader85"), ("PmtInf", "PaymentInstruction30")],
        )
        self.group: etree._Element | None = None
        self.header: FileHeader | None = None
        self.blocks = 0
        self.block_count = self.block_total = 0
        self.count = self.total = 0
        self.seen: set[str] = set()
        self.creditor_agent = ""

    def take(self, element: etree._Element) -> None:
        tag = element.tag
        if tag == _TX:
            self.xsd.element(element, PaymentFileError)
            self._transaction(element)
            isoxml.release(element)
        elif tag == _GRP_HDR:
            self.xsd.container(element, PaymentFileError)
            self._group_header(element)
        elif tag == _PMT_INF:
            self.xsd.container(element, PaymentFileError)
            self._payment_information(element)
        else:
            self.xsd.container(element, PaymentFileError, root=True)

    def _group_header(self, element: etree._Element) -> None:
        if element.find(q(NS, "CtrlSum")) is None:
            raise _fail(element, "组头缺少合计金额（CtrlSum）。")
        if isoxml.fen_of(element.findtext(q(NS, "CtrlSum"))) is None:
            raise _fail(element, f"组头的合计金额“{element.findtext(q(NS, 'CtrlSum'))}”不是整分金额。")
        if isoxml.parse_datetime(element.findtext(q(NS, "CreDtTm"))) is None:
            raise _fail(element, f"组头的创建时间“{element.findtext(q(NS, 'CreDtTm'))}”无法识别。")
        self.group = element

    def _transaction(self, element: etree._Element) -> None:
        # The element has just passed the XSD, so its children come in the order it fixes and each field
        # sits at a known place: indexing costs a tenth of a findtext path, which counts at 200,000.
        e2e = name = account = agent = ""
        amount_element: etree._Element | None = None
        creditor: etree._Element | None = None
        remarks: list[str] = []
        for child in element:
            tag = child.tag
            if tag == _PMT_ID:  # InstrId?, EndToEndId, UETR?
                for part in child:
                    if part.tag == _E2E:
                        e2e = part.text or ""
            elif tag == _AMT:  # the choice InstdAmt | EqvtAmt
                if child[0].tag == _INSTD_AMT:
                    amount_element = child[0]
            elif tag == _CDTR_AGT:  # FinInstnId (BICFI?, ClrSysMmbId? (ClrSysId?, MmbId), ...)
                for part in child[0]:
                    if part.tag == _CLR_SYS_MMB_ID:
                        agent = part[-1].text or ""
            elif tag == _CDTR:  # Nm? first
                creditor = child
                if len(child) and child[0].tag == _NM:
                    name = (child[0].text or "").strip()
            elif tag == _CDTR_ACCT:  # Id (the choice IBAN | Othr (Id, ...)), ...
                if child[0][0].tag == _OTHR:
                    account = child[0][0][0].text or ""
            elif tag == _RMT_INF:
                remarks.extend((u.text or "").strip() for u in child if u.tag == _USTRD)
        if e2e in self.seen:
            raise _fail(element, f"端到端标识“{e2e}”在本文件中重复。")
        self.seen.add(e2e)
        if amount_element is None:
            raise _fail(element, f"支付指令 {e2e} 缺少指示金额（Amt/InstdAmt）。")
        if amount_element.get("Ccy") != CURRENCY:
            raise _fail(element, f"支付指令 {e2e} 的币种为 {amount_element.get('Ccy')}，应为 {CURRENCY}。")
        amount = isoxml.fen_of(amount_element.text)
        if amount is None or amount <= 0:
            raise _fail(element, f"支付指令 {e2e} 的金额“{amount_element.text}”不是大于 0 的整分金额。")
        if not name:
            raise _fail(element, f"支付指令 {e2e} 缺少收款人户名（Cdtr/Nm）。")
        if not account:
            raise _fail(element, f"支付指令 {e2e} 缺少收款账号（CdtrAcct/Id/Othr/Id；国内账号不用 IBAN）。")
        if not isoxml.is_cnaps(agent):
            raise _fail(element, f"支付指令 {e2e} 的收款行（CdtrAgt）CNAPS 行号应为 12 位数字。")
        self.creditor_agent = self.creditor_agent or agent
        self.count += 1
        self.block_count += 1
        self.total += amount
        self.block_total += amount
        if self.each is not None:
            self.each(
                Instruction(
                    end_to_end_id=e2e,
                    amount_fen=amount,
                    creditor_name=name,
                    creditor_account=account,
                    id_number=_id_number(creditor),
                    remark=" ".join(remarks),
                    id_type=ID_TYPE_RESIDENT,
                )
            )

    def _payment_information(self, block: etree._Element) -> None:
        self.blocks += 1
        if self.blocks > 1:
            raise _fail(block, "本系统的支付文件只有一个付款信息块（PmtInf），此文件有多个。")
        if block.findtext(q(NS, "PmtMtd")) != "TRF":
            raise _fail(block, "付款方式（PmtMtd）应为 TRF（贷记转账）。")
        debtor_agent = block.findtext(q(NS, "DbtrAgt/FinInstnId/ClrSysMmbId/MmbId")) or ""
        if not isoxml.is_cnaps(debtor_agent):
            raise _fail(block, "付款行（DbtrAgt）的 CNAPS 行号应为 12 位数字。")
        debtor_account = block.findtext(q(NS, "DbtrAcct/Id/Othr/Id"))
        if not debtor_account:
            raise _fail(block, "缺少付款账号（DbtrAcct/Id/Othr/Id）。")
        block_id = block.findtext(q(NS, "PmtInfId")) or ""
        declared = block.findtext(q(NS, "NbOfTxs"))
        if declared is not None and int(declared) != self.block_count:
            raise _fail(
                block,
                f"付款信息块 {block_id} 申报 {int(declared)} 笔，实际有 {self.block_count} 笔支付指令。",
            )
        declared_sum = block.findtext(q(NS, "CtrlSum"))
        if declared_sum is not None and isoxml.fen_of(declared_sum) != self.block_total:
            raise _fail(
                block,
                f"付款信息块 {block_id} 申报合计 {declared_sum} 元，实际合计 {yuan(self.block_total)} 元。",
            )
        group = self.group
        assert group is not None  # the XSD puts GrpHdr before PmtInf
        execution = block.findtext(q(NS, "ReqdExctnDt/Dt")) or block.findtext(q(NS, "ReqdExctnDt/DtTm"))
        self.header = FileHeader(
            message_id=group.findtext(q(NS, "MsgId")) or "",
            created_at=isoxml.parse_datetime(group.findtext(q(NS, "CreDtTm"))) or datetime.min,
            execution_date=isoxml.parse_date(execution) or date.min,
            debtor_name=block.findtext(q(NS, "Dbtr/Nm")) or "",
            debtor_account=debtor_account,
            debtor_agent_cnaps=debtor_agent,
            creditor_agent_cnaps=self.creditor_agent,
            unit_code=group.findtext(q(NS, "InitgPty/Id/OrgId/Othr/Id")) or "",
            payment_info_id=block_id,
            purpose=block.findtext(q(NS, "InstrForDbtrAgt")) or "",
        )

    def summary(self) -> Pain001Summary:
        group, header = self.group, self.header
        assert group is not None and header is not None  # the XSD requires both
        declared_count = int(group.findtext(q(NS, "NbOfTxs")) or "0")
        declared_total = isoxml.fen_of(group.findtext(q(NS, "CtrlSum"))) or 0
        if declared_count != self.count:
            raise PaymentFileError(f"组头申报 {declared_count} 笔，文件实际有 {self.count} 笔支付指令。")
        if declared_total != self.total:
            raise PaymentFileError(
                f"组头申报合计 {yuan(declared_total)} 元，文件实际合计 {yuan(self.total)} 元。"
            )
        return Pain001Summary(header=header, count=self.count, total_fen=self.total)


def read_iso_return(data: bytes) -> ReturnFile:
    """Read any ISO 20022 return this platform takes (pain.002, camt.054, pacs.004), by its root namespace."""
    ns = root_namespace(data, error=ReturnFileError)
    message = isoxml.message_of(ns)
    if message.startswith("pain.002."):
        return read_pain002(data)
    if message.startswith("camt.054."):
        return read_camt054(data)
    if message.startswith("pacs.004."):
        return read_pacs004(data)
    if message.startswith("pain.001."):
        raise ReturnFileError(f"这是支付文件（{message}），不是银行回盘。")
    shown = message or ns or "（无命名空间）"
    raise ReturnFileError(
        f"不认识的回盘报文 {shown}：ISO 20022 回盘只接受 pain.002（状态报告）、"
        "camt.054（借记通知）和 pacs.004（退汇）。"
    )
