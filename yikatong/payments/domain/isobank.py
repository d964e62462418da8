"""The bank's side of ISO 20022, for the built-in bank simulator: ``pain.002`` status reports, ``camt.054``
debit notifications of what was booked, and ``pacs.004`` returns of settled payments.

Each writer streams (transactions are parked in a temporary file until the header totals are known), so an
answer to 200,000 payments costs no more memory than one to ten. ``pain.002.001.03`` and ``camt.054.001.08``
are valid against the official XSDs the installed packages ship (the tests check); ``pain.002.001.10``
and ``pacs.004.001.11`` follow the official message structure, for which no official XSD is installed
(camt053's ``pacs.004.001.11.xsd`` is a library-made subset lacking the mandatory ``RtrdIntrBkSttlmAmt``
and allowing only IBAN accounts; it is not used).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from lxml import etree

from yikatong.payments.domain import isoxml
from yikatong.payments.domain.instructions import Decision, FileHeader, Instruction, Outcome
from yikatong.payments.domain.isoxml import (
    CAMT054,
    CURRENCY,
    PACS004,
    PAIN001,
    PAIN002_V03,
    PAIN002_V10,
    sub,
    yuan,
)

STATUS_OF = {Outcome.ACCEPTED: "ACCP", Outcome.PAID: "ACSC", Outcome.FAILED: "RJCT"}


def _reason(parent: etree._Element, tag: str, code: str, text: str) -> None:
    """A status or return reason block: an ISO code (four characters) or a bank's own code, and its words."""
    if not code and not text:
        return
    block = sub(parent, tag)
    if code:
        isoxml.chain(block, "Rsn/Cd" if len(code) <= 4 else "Rsn/Prtry", code[:35])
    for start in range(0, len(text), 105):  # AddtlInf holds at most 105 characters
        sub(block, "AddtlInf", text[start : start + 105])


def write_pain002(
    original: FileHeader,
    decisions: Iterable[Decision],
    message_id: str,
    created_at: datetime,
    *,
    version: str = PAIN002_V03,
    original_count: int | None = None,
    original_total_fen: int | None = None,
    rejected_whole: tuple[str, str] | None = None,
) -> bytes:
    """A status report answering ``original``: one line per decision (ACCEPTED → ACCP, PAID → ACSC, FAILED →
    RJCT), the group status from them (all alike → that status, else PART); ``rejected_whole`` (reason code,
    words) instead refuses the whole file: group status RJCT and no transaction lines."""
    if version not in (PAIN002_V03, PAIN002_V10):
        raise ValueError(f"pain.002 version {version!r}: the simulator writes {PAIN002_V03} or {PAIN002_V10}")
    tally: Counter[str] = Counter()
    out = io.BytesIO()
    ns = isoxml.namespace(version)
    with isoxml.Spool() as spool:
        for decision in decisions:
            if rejected_whole is not None:
                raise ValueError("a file refused whole has no transaction lines")
            if decision.outcome not in STATUS_OF:
                raise ValueError(f"a pain.002 does not report {decision.outcome}: returns go in a pacs.004")
            status = STATUS_OF[decision.outcome]
            tally[status] += 1
            tx = etree.Element("TxInfAndSts")
            sub(tx, "OrgnlEndToEndId", decision.end_to_end_id)
            sub(tx, "TxSts", status)
            _reason(tx, "StsRsnInf", decision.reason_code, decision.reason_text)
            spool.add(tx)
        if rejected_whole is None and not tally:
            raise ValueError("nothing to report: give decisions or rejected_whole")
        if rejected_whole is not None:
            group_status = "RJCT"
        else:
            group_status = next(iter(tally)) if len(tally) == 1 else "PART"
        with etree.xmlfile(out, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element(f"{{{ns}}}Document", nsmap={None: ns}), xf.element("CstmrPmtStsRpt"):
                header = etree.Element("GrpHdr")
                sub(header, "MsgId", message_id)
                sub(header, "CreDtTm", isoxml.iso_datetime(created_at))
                xf.write(isoxml.line(header))
                group = etree.Element("OrgnlGrpInfAndSts")
                sub(group, "OrgnlMsgId", original.message_id)
                sub(group, "OrgnlMsgNmId", PAIN001)
                sub(group, "OrgnlCreDtTm", isoxml.iso_datetime(original.created_at))
                if original_count is not None:
                    sub(group, "OrgnlNbOfTxs", str(original_count))
                if original_total_fen is not None:
                    sub(group, "OrgnlCtrlSum", yuan(original_total_fen))
                sub(group, "GrpSts", group_status)
                if rejected_whole is not None:
                    _reason(group, "StsRsnInf", *rejected_whole)
                for status, count in sorted(tally.items()):
                    per = sub(group, "NbOfTxsPerSts")
                    sub(per, "DtldNbOfTxs", str(count))
                    sub(per, "DtldSts", status)
                xf.write(isoxml.line(group))
                if tally:
                    with xf.element("OrgnlPmtInfAndSts"):
                        xf.write(isoxml.line(_leaf("OrgnlPmtInfId", original.payment_info_id)))
                        spool.copy_into(xf, out)
    return out.getvalue()


def _leaf(tag: str, text: str) -> etree._Element:
    element = etree.Element(tag)
    element.text = text
    return element


def write_camt054(
    original: FileHeader,
    paid: Iterable[Instruction],
    message_id: str,
    created_at: datetime,
    *,
    booked_on: date,
) -> bytes:
    """A ``camt.054.001.08`` debit notification of the treasury's account: the paid instructions of
    ``original`` booked on ``booked_on`` as one batch debit entry, one transaction detail each."""
    count = total = 0
    out = io.BytesIO()
    ns = isoxml.namespace(CAMT054)
    with isoxml.Spool() as spool:
        for instruction in paid:
            count += 1
            total += instruction.amount_fen
            detail = etree.Element("TxDtls")
            refs = sub(detail, "Refs")
            sub(refs, "MsgId", original.message_id)
            sub(refs, "PmtInfId", original.payment_info_id)
            sub(refs, "EndToEndId", instruction.end_to_end_id)
            sub(detail, "Amt", yuan(instruction.amount_fen), Ccy=CURRENCY)
            sub(detail, "CdtDbtInd", "DBIT")
            parties = sub(detail, "RltdPties")
            isoxml.chain(parties, "Cdtr/Pty/Nm", instruction.creditor_name)
            isoxml.chain(parties, "CdtrAcct/Id/Othr/Id", instruction.creditor_account)
            if instruction.remark:
                isoxml.chain(detail, "RmtInf/Ustrd", instruction.remark)
            spool.add(detail)
        with etree.xmlfile(out, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element(f"{{{ns}}}Document", nsmap={None: ns}), xf.element("BkToCstmrDbtCdtNtfctn"):
                header = etree.Element("GrpHdr")
                sub(header, "MsgId", message_id)
                sub(header, "CreDtTm", isoxml.iso_datetime(created_at))
                xf.write(isoxml.line(header))
                with xf.element("Ntfctn"):
                    head = etree.Element("Ntfctn")
                    sub(head, "Id", message_id)
                    sub(head, "CreDtTm", isoxml.iso_datetime(created_at))
                    account = sub(head, "Acct")
                    isoxml.chain(account, "Id/Othr/Id", original.debtor_account)
                    sub(account, "Ccy", CURRENCY)
                    isoxml.chain(account, "Ownr/Nm", original.debtor_name)
                    summary = sub(head, "TxsSummry")
                    for tag in ("TtlNtries", "TtlDbtNtries"):
                        block = sub(summary, tag)
                        sub(block, "NbOfNtries", "1" if count else "0")
                        sub(block, "Sum", yuan(total))
                    for element in head:
                        xf.write(isoxml.line(element))
                    if count:
                        with xf.element("Ntry"):
                            entry = etree.Element("Ntry")
                            sub(entry, "NtryRef", original.message_id)
                            sub(entry, "Amt", yuan(total), Ccy=CURRENCY)
                            sub(entry, "CdtDbtInd", "DBIT")
                            isoxml.chain(entry, "Sts/Cd", "BOOK")
                            isoxml.chain(entry, "BookgDt/Dt", booked_on.isoformat())
                            isoxml.chain(entry, "ValDt/Dt", booked_on.isoformat())
                            domain = isoxml.chain(entry, "BkTxCd/Domn/Cd", "PMNT").getparent()
                            assert domain is not None
                            family = sub(domain, "Fmly")
                            sub(family, "Cd", "ICDT")  # issued credit transfers
                            sub(family, "SubFmlyCd", "DMCT")  # domestic
                            for element in entry:
                                xf.write(isoxml.line(element))
                            with xf.element("NtryDtls"):
                                batch = etree.Element("Btch")
                                sub(batch, "MsgId", original.message_id)
                                sub(batch, "PmtInfId", original.payment_info_id)
                                sub(batch, "NbOfTxs", str(count))
                                sub(batch, "TtlAmt", yuan(total), Ccy=CURRENCY)
                                sub(batch, "CdtDbtInd", "DBIT")
                                xf.write(isoxml.line(batch))
                                spool.copy_into(xf, out)
    return out.getvalue()


def write_pacs004(
    original: FileHeader,
    returned: Iterable[tuple[Instruction, Decision]],
    message_id: str,
    created_at: datetime,
    *,
    settled_on: date,
) -> bytes:
    """A ``pacs.004.001.11`` return of settled payments of ``original``: each (instruction, decision) pair,
    the decision RETURNED with its reason, returned in full on ``settled_on``."""
    count = total = 0
    out = io.BytesIO()
    ns = isoxml.namespace(PACS004)
    with isoxml.Spool() as spool:
        for instruction, decision in returned:
            if (
                decision.outcome is not Outcome.RETURNED
                or decision.end_to_end_id != instruction.end_to_end_id
            ):
                raise ValueError("a pacs.004 line is a RETURNED decision about its own instruction")
            count += 1
            total += instruction.amount_fen
            tx = etree.Element("TxInf")
            sub(tx, "RtrId", f"R{count:010d}-{message_id}"[:35])
            sub(tx, "OrgnlEndToEndId", instruction.end_to_end_id)
            sub(tx, "RtrdIntrBkSttlmAmt", yuan(instruction.amount_fen), Ccy=CURRENCY)
            sub(tx, "IntrBkSttlmDt", settled_on.isoformat())
            _reason(tx, "RtrRsnInf", decision.reason_code, decision.reason_text)
            reference = sub(tx, "OrgnlTxRef")
            sub(sub(reference, "Amt"), "InstdAmt", yuan(instruction.amount_fen), Ccy=CURRENCY)
            isoxml.chain(reference, "Cdtr/Pty/Nm", instruction.creditor_name)
            isoxml.chain(reference, "CdtrAcct/Id/Othr/Id", instruction.creditor_account)
            spool.add(tx)
        if not count:
            raise ValueError("a pacs.004 returns at least one payment")
        with etree.xmlfile(out, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element(f"{{{ns}}}Document", nsmap={None: ns}), xf.element("PmtRtr"):
                header = etree.Element("GrpHdr")
                sub(header, "MsgId", message_id)
                sub(header, "CreDtTm", isoxml.iso_datetime(created_at))
                sub(header, "NbOfTxs", str(count))
                sub(header, "CtrlSum", yuan(total))
                sub(header, "TtlRtrdIntrBkSttlmAmt", yuan(total), Ccy=CURRENCY)
                sub(header, "IntrBkSttlmDt", settled_on.isoformat())
                isoxml.chain(header, "SttlmInf/SttlmMtd", "CLRG")
                xf.write(isoxml.line(header))
                group = etree.Element("OrgnlGrpInf")
                sub(group, "OrgnlMsgId", original.message_id)
                sub(group, "OrgnlMsgNmId", PAIN001)
                sub(group, "OrgnlCreDtTm", isoxml.iso_datetime(original.created_at))
                xf.write(isoxml.line(group))
                spool.copy_into(xf, out)
    return out.getvalue()
