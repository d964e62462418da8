"""ISO 20022 bank files: pain.001 written streaming and checked against the pinned XSD; pain.002, camt.054 and
pacs.004 written by the bank simulator and read back checked; hostile XML refused without being expanded."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import io
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from yikatong.payments.domain import isoxml, xsd
from yikatong.payments.domain.instructions import (
    Decision,
    FileHeader,
    Instruction,
    Outcome,
    PaymentFileError,
    ReturnFileError,
    ReturnKind,
)
from yikatong.payments.domain.iso20022 import (
    read_camt054,
    read_iso_return,
    read_pacs004,
    read_pain002,
    validate_pain001,
    write_camt054,
    write_pacs004,
    write_pain001,
    write_pain002,
)
from yikatong.payments.domain.reasons import REASONS, reason_words

FILES = Path(__file__).parent / "files"
CHINA = timezone(timedelta(hours=8))
PAIN001_NS = isoxml.namespace("pain.001.001.09")

HEADER = FileHeader(
    message_id="PF20260901ISO",
    created_at=datetime(2026, 9, 1, 9, 30, tzinfo=CHINA),
    execution_date=date(2026, 9, 2),
    debtor_name="塔河县财政局",
    debtor_account="0901020309000012345",
    debtor_agent_cnaps="102272700010",
    creditor_agent_cnaps="402272700012",
    unit_code="TH0001",
    payment_info_id="PF20260901ISO-1",
    purpose="2026-09 耕地地力保护补贴",
)


def instruction(i: int, **changes: object) -> Instruction:
    """The i-th payment of a file (EndToEndIds TH20260901000001 …)."""
    made = Instruction(
        end_to_end_id=f"TH2026090100{i:04d}",
        amount_fen=1000 + i,
        creditor_name=f"王{'伟芳娜秀英'[i % 5]}",
        creditor_account=f"62309000000{i:08d}",
        id_number=f"23272219800101{i:04d}",
        remark="2026-09 耕地地力保护补贴",
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def pain001(instructions: list[Instruction], header: FileHeader = HEADER) -> bytes:
    out = io.BytesIO()
    write_pain001(out, header, instructions)
    return out.getvalue()


def tree_valid(data: bytes, message: str) -> None:
    """Independent of the streaming path: the whole document against the pinned XSD."""
    xsd.schema(message).assertValid(etree.fromstring(data, xsd.hardened_parser()))


# pain.001 written ----------------------------------------------------------------------------------------


def test_written_file_is_valid_and_reads_back_as_written() -> None:
    sent = [
        instruction(1),
        instruction(2, creditor_name="A&B <公司>"),
        instruction(3, id_number="", remark=""),
    ]
    data = pain001(sent)
    tree_valid(data, "pain.001.001.09")
    received: list[Instruction] = []
    summary = validate_pain001(io.BytesIO(data), each=received.append)
    assert received == sent
    assert (summary.count, summary.total_fen) == (3, 1001 + 1002 + 1003)
    assert summary.header == HEADER


def test_amounts_are_exact_decimals_of_integer_fen() -> None:
    amounts = [1, 10, 99, 100, 100_000_000, 123_456_789_012]
    data = pain001([instruction(i, amount_fen=fen) for i, fen in enumerate(amounts)])
    root = etree.fromstring(data)
    written = [e.text for e in root.iter(f"{{{PAIN001_NS}}}InstdAmt")]
    assert written == ["0.01", "0.10", "0.99", "1.00", "1000000.00", "1234567890.12"]
    assert {e.get("Ccy") for e in root.iter(f"{{{PAIN001_NS}}}InstdAmt")} == {"CNY"}
    sums = [e.text for e in root.iter(f"{{{PAIN001_NS}}}CtrlSum")]
    assert sums == ["1235567892.22", "1235567892.22"]  # GrpHdr and PmtInf
    assert validate_pain001(io.BytesIO(data)).total_fen == sum(amounts)


def test_header_and_counts_come_before_the_transactions_from_a_one_pass_generator() -> None:
    def generated() -> Iterator[Instruction]:
        yield from (instruction(i) for i in range(2_345))  # more than one validation batch

    out = io.BytesIO()
    assert write_pain001(out, HEADER, generated()) == (2_345, sum(1000 + i for i in range(2_345)))
    root = etree.fromstring(out.getvalue())
    group = root.find(isoxml.q(PAIN001_NS, "CstmrCdtTrfInitn/GrpHdr"))
    assert group is not None and group.findtext(isoxml.q(PAIN001_NS, "NbOfTxs")) == "2345"
    summary = validate_pain001(io.BytesIO(out.getvalue()))
    assert summary.count == 2_345


def test_profile_names_banks_by_cnaps_and_accounts_without_iban() -> None:
    root = etree.fromstring(pain001([instruction(1)]))
    q = lambda path: isoxml.q(PAIN001_NS, path)  # noqa: E731
    block = root.find(q("CstmrCdtTrfInitn/PmtInf"))
    assert block is not None
    assert block.findtext(q("DbtrAgt/FinInstnId/ClrSysMmbId/MmbId")) == "102272700010"
    assert block.findtext(q("DbtrAcct/Id/Othr/Id")) == "0901020309000012345"
    tx = block.find(q("CdtTrfTxInf"))
    assert tx is not None
    assert tx.findtext(q("CdtrAgt/FinInstnId/ClrSysMmbId/MmbId")) == "402272700012"
    assert tx.findtext(q("CdtrAcct/Id/Othr/Id")) == "6230900000000000001"
    assert tx.findtext(q("Cdtr/Id/PrvtId/Othr/SchmeNm/Cd")) == "NIDN"
    assert not list(root.iter(f"{{{PAIN001_NS}}}IBAN"))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"end_to_end_id": ""}, "端到端标识（EndToEndId）为空"),
        ({"end_to_end_id": "X" * 36}, "超过 35 个字符"),
        ({"amount_fen": 0}, "金额应大于 0"),
        ({"amount_fen": -5}, "金额应大于 0"),
        ({"amount_fen": 1.5}, "金额应为整数分"),
        ({"creditor_name": "  "}, "户名为空"),
        ({"creditor_name": "王\n伟"}, "控制字符"),
        ({"creditor_account": "6" * 35}, "账号超过 34 个字符"),
        ({"remark": "补" * 141}, "摘要超过 140 个字符"),
    ],
)
def test_writer_refuses_what_a_bank_would_refuse_before_writing(
    change: dict[str, object], words: str
) -> None:
    out = io.BytesIO()
    with pytest.raises(PaymentFileError, match=words) as refused:
        write_pain001(out, HEADER, [instruction(1), instruction(2, **change)])
    assert "第 2 条支付指令" in str(refused.value)
    assert out.getvalue() == b""


def test_writer_refuses_a_repeated_end_to_end_id() -> None:
    with pytest.raises(
        PaymentFileError, match="第 3 条支付指令（TH20260901000001）的端到端标识在本文件中重复"
    ):
        write_pain001(io.BytesIO(), HEADER, [instruction(1), instruction(2), instruction(1, amount_fen=5)])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"message_id": "M" * 36}, "报文标识（MsgId）超过 35 个字符"),
        ({"message_id": ""}, "报文标识（MsgId）为空"),
        ({"creditor_agent_cnaps": "40227270001"}, "代发银行的 CNAPS 行号应为 12 位数字"),
        ({"debtor_agent_cnaps": "10227270001X"}, "付款行的 CNAPS 行号应为 12 位数字"),
        ({"debtor_name": ""}, "付款人户名为空"),
        ({"created_at": datetime(2026, 9, 1, 9, 30)}, "缺少时区"),
    ],
)
def test_writer_refuses_a_bad_header(change: dict[str, object], words: str) -> None:
    out = io.BytesIO()
    with pytest.raises(PaymentFileError, match=words):
        write_pain001(out, dataclasses.replace(HEADER, **change), [instruction(1)])  # type: ignore[arg-type]
    assert out.getvalue() == b""


def test_writer_refuses_a_file_without_payments() -> None:
    with pytest.raises(PaymentFileError, match="没有任何支付指令"):
        write_pain001(io.BytesIO(), HEADER, [])


# pain.001 checked ----------------------------------------------------------------------------------------

GOOD = [instruction(1), instruction(2), instruction(3)]


def broken(old: bytes, new: bytes, *, count: int = 1) -> bytes:
    data = pain001(GOOD)
    assert old in data
    return data.replace(old, new, count)


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b">10.02</InstdAmt>", b">10,02</InstdAmt>", "不符合 XSD"),  # wrong amount format
        (b">10.02</InstdAmt>", b">-10.02</InstdAmt>", "不符合 XSD"),
        (b'Ccy="CNY">10.02', b'Ccy="cny">10.02', "不符合 XSD"),
        (
            b"<Nm>\xe7\x8e\x8b\xe5\xa8\x9c</Nm>",
            b"<Name>x</Name>",
            "不符合 XSD",
        ),  # an element the XSD does not know
        (b"<Othr><Id>6230900000000000002</Id></Othr>", b"<IBAN>6230900000000000002</IBAN>", "不符合 XSD"),
        (b"<Othr><Id>6230900000000000002</Id></Othr>", b"", "不符合 XSD"),  # CdtrAcct/Id with neither
        (b"<MmbId>402272700012</MmbId>", b"<MmbId></MmbId>", "不符合 XSD"),
    ],
)
def test_schema_refusals_name_the_line_and_quote_the_schema(old: bytes, new: bytes, words: str) -> None:
    data = broken(old, new)
    with pytest.raises(PaymentFileError, match=words) as refused:
        validate_pain001(io.BytesIO(data))
    assert str(refused.value).startswith(f"第 {line_of(pain001(GOOD), old)} 行")
    assert "Element '{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}" in str(
        refused.value
    )  # the XSD's words


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b">10.02</InstdAmt>", b">10.025</InstdAmt>", "不是大于 0 的整分金额"),
        (b">10.02</InstdAmt>", b">0.00</InstdAmt>", "不是大于 0 的整分金额"),
        (b'Ccy="CNY">10.02', b'Ccy="USD">10.02', "币种为 USD，应为 CNY"),
        (b"<Cdtr><Nm>\xe7\x8e\x8b\xe5\xa8\x9c</Nm>", b"<Cdtr>", "缺少收款人户名"),
        (b"<Nm>\xe7\x8e\x8b\xe5\xa8\x9c</Nm>", b"<Nm> </Nm>", "缺少收款人户名"),
        (
            b"<Othr><Id>6230900000000000002</Id></Othr>",
            b"<IBAN>CN12ABCDEFGHIJKLMNOP</IBAN>",
            "缺少收款账号（CdtrAcct/Id/Othr/Id；国内账号不用 IBAN）",
        ),
        (b"<MmbId>402272700012</MmbId>", b"<MmbId>40227270001</MmbId>", "CNAPS 行号应为 12 位数字"),
        (b"TH20260901000003", b"TH20260901000002", "端到端标识“TH20260901000002”在本文件中重复"),
    ],
)
def test_profile_refusals_name_the_line(old: bytes, new: bytes, words: str) -> None:
    data = broken(old, new)
    with pytest.raises(PaymentFileError, match=words) as refused:
        validate_pain001(io.BytesIO(data))
    assert str(refused.value).startswith("第 ")


def test_missing_creditor_is_refused() -> None:
    data = pain001(GOOD)
    start = data.index(b"<Cdtr>", data.index(b"TH20260901000002"))
    end = data.index(b"</Cdtr>", start) + len(b"</Cdtr>")
    with pytest.raises(PaymentFileError, match="TH20260901000002 缺少收款人户名（Cdtr/Nm）"):
        validate_pain001(io.BytesIO(data[:start] + data[end:]))


def test_a_duplicate_in_a_later_batch_is_found() -> None:
    data = pain001([instruction(i) for i in range(1, 2_501)])
    data = data.replace(b"TH20260901002400", b"TH20260901000007")
    second = data.index(b"TH20260901000007", data.index(b"TH20260901000007") + 1)
    line = data[:second].count(b"\n") + 1
    with pytest.raises(PaymentFileError, match="TH20260901000007”在本文件中重复") as refused:
        validate_pain001(io.BytesIO(data))
    assert str(refused.value).startswith(f"第 {line} 行")


def test_a_wrong_namespace_is_refused() -> None:
    data = broken(b"pain.001.001.09", b"pain.001.001.03")
    with pytest.raises(
        PaymentFileError, match=r"第 1 行不符合 XSD：不是 pain.001.001.09 支付文件.*pain.001.001.03"
    ):
        validate_pain001(io.BytesIO(data))


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"<NbOfTxs>3</NbOfTxs>", b"<NbOfTxs>4</NbOfTxs>", "组头申报 4 笔，文件实际有 3 笔支付指令"),
        (
            b"<CtrlSum>30.06</CtrlSum>",
            b"<CtrlSum>30.07</CtrlSum>",
            "组头申报合计 30.07 元，文件实际合计 30.06 元",
        ),
    ],
)
def test_group_totals_that_disagree_are_refused_with_both_figures(old: bytes, new: bytes, words: str) -> None:
    with pytest.raises(PaymentFileError, match=words):
        validate_pain001(io.BytesIO(broken(old, new)))


def test_payment_information_totals_that_disagree_are_refused() -> None:
    data = pain001(GOOD)
    block = data.index(b"<PmtInf>")
    data = data[:block] + data[block:].replace(b"<CtrlSum>30.06</CtrlSum>", b"<CtrlSum>31.06</CtrlSum>", 1)
    with pytest.raises(PaymentFileError, match=r"申报合计 31.06 元，实际合计 30.06 元"):
        validate_pain001(io.BytesIO(data))


def test_group_header_without_control_sum_is_refused() -> None:
    data = pain001(GOOD).replace(b"<CtrlSum>30.06</CtrlSum><InitgPty>", b"<InitgPty>", 1)
    with pytest.raises(PaymentFileError, match="组头缺少合计金额（CtrlSum）"):
        validate_pain001(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "文件为空或不是 XML"),
        (b"not xml", "第 1 行XML 格式错误：Start tag expected"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">\n<b></Document>',
            "第 2 行XML 格式错误",
        ),
        (b"<a><b></b></a>", "不是 pain.001.001.09 支付文件（根元素 a，命名空间 （无）"),
    ],
)
def test_what_is_not_xml_is_refused(data: bytes, words: str) -> None:
    with pytest.raises(PaymentFileError, match=words):
        validate_pain001(io.BytesIO(data))


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>", "不符合 XSD.*PmtMtd"),
        (b"<Dt>2026-09-02</Dt>", b"<Dt>2026-09-31</Dt>", "不符合 XSD.*Dt"),
        (b"<MsgId>PF20260901ISO</MsgId>", b"<MsgId></MsgId>", "不符合 XSD.*MsgId"),
    ],
)
def test_header_refusals_name_their_line(old: bytes, new: bytes, words: str) -> None:
    data = broken(old, new)
    with pytest.raises(PaymentFileError, match=words) as refused:
        validate_pain001(io.BytesIO(data))
    assert str(refused.value).startswith(f"第 {line_of(pain001(GOOD), old)} 行")


def test_a_cheque_file_is_not_this_profile() -> None:
    with pytest.raises(PaymentFileError, match=r"付款方式（PmtMtd）应为 TRF"):
        validate_pain001(io.BytesIO(broken(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>CHK</PmtMtd>")))


def test_an_element_between_transactions_is_refused() -> None:
    data = pain001(GOOD)
    second = data.index(b"<CdtTrfTxInf>", data.index(b"TH20260901000001"))
    data = data[:second] + b"<ChrgBr>SLEV</ChrgBr>\n" + data[second:]
    with pytest.raises(PaymentFileError, match="ChrgBr 出现在两个 CdtTrfTxInf 之间") as refused:
        validate_pain001(io.BytesIO(data))
    assert str(refused.value).startswith(f"第 {line_of(data, b'<ChrgBr>')} 行不符合 XSD")


def test_an_element_after_the_transactions_is_refused() -> None:
    data = pain001(GOOD).replace(b"</PmtInf>", b"<ChrgBr>SLEV</ChrgBr></PmtInf>")
    with pytest.raises(PaymentFileError, match=r"不符合 XSD.*ChrgBr.*not expected"):
        validate_pain001(io.BytesIO(data))


def test_a_file_without_transactions_is_refused_by_the_schema() -> None:
    data = pain001(GOOD)
    start, end = data.index(b"<CdtTrfTxInf>"), data.rindex(b"</CdtTrfTxInf>") + len(b"</CdtTrfTxInf>")
    with pytest.raises(PaymentFileError, match=r"不符合 XSD.*Missing child element"):
        validate_pain001(io.BytesIO(data[:start] + data[end:]))


def test_a_second_payment_information_block_is_refused() -> None:
    data = pain001(GOOD)
    block = data[data.index(b"<PmtInf>") : data.index(b"</PmtInf>") + len(b"</PmtInf>")]
    doubled = data.replace(b"</PmtInf>", b"</PmtInf>" + block.replace(b"TH2026090100", b"TH2026090199"))
    with pytest.raises(PaymentFileError, match="只有一个付款信息块"):
        validate_pain001(io.BytesIO(doubled))


def test_instructions_handed_over_are_those_counted() -> None:
    sent = [instruction(i) for i in range(1, 1_201)]
    received: list[Instruction] = []
    summary = validate_pain001(io.BytesIO(pain001(sent)), each=received.append)
    assert received == sent
    assert summary.count == len(sent)


class OneWay(io.RawIOBase):
    """A stream that cannot seek, as a pipe or an upload read in chunks."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_validate_reads_a_stream_that_cannot_seek() -> None:
    stream = io.BufferedReader(OneWay(pain001(GOOD)))
    assert not stream.seekable()
    assert validate_pain001(stream).count == 3


def test_validate_reads_a_path(tmp_path: Path) -> None:
    path = tmp_path / "pain001.xml"
    path.write_bytes(pain001(GOOD))
    assert validate_pain001(path).count == 3
    assert validate_pain001(str(path)).total_fen == 3006


# hostile XML ---------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:NS"><CstmrPmtStsRpt><GrpHdr><MsgId>&lol9;</MsgId>
</GrpHdr></CstmrPmtStsRpt></Document>"""


def external_entity(secret_file: Path, ns: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{ns}"><CstmrPmtStsRpt><GrpHdr><MsgId>&xxe;</MsgId>'
        "</GrpHdr></CstmrPmtStsRpt></Document>"
    ).encode()


HOSTILE_READERS = [
    (read_pain002, "pain.002.001.03"),
    (read_pain002, "pain.002.001.10"),
    (read_camt054, "camt.054.001.08"),
    (read_pacs004, "pacs.004.001.11"),
    (read_iso_return, "pain.002.001.10"),
]


@pytest.mark.parametrize(("reader", "ns"), HOSTILE_READERS)
def test_billion_laughs_is_refused_at_once(reader: object, ns: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ReturnFileError, match="DOCTYPE"):
        reader(BILLION_LAUGHS.replace(b"NS", ns.encode()))  # type: ignore[operator]
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(("reader", "ns"), HOSTILE_READERS)
def test_external_entity_is_refused_and_not_read(reader: object, ns: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    with pytest.raises(ReturnFileError, match="DOCTYPE") as refused:
        reader(external_entity(secret, ns))  # type: ignore[operator]
    assert "TOP-SECRET" not in str(refused.value)


def test_payment_file_with_a_doctype_is_refused() -> None:
    data = pain001(GOOD).replace(b"<Document", b'<!DOCTYPE Document [<!ENTITY e "x">]>\n<Document', 1)
    with pytest.raises(PaymentFileError, match="DOCTYPE"):
        validate_pain001(io.BytesIO(data))


def test_external_dtd_is_refused_without_fetching_it() -> None:
    data = (
        b'<!DOCTYPE Document SYSTEM "http://192.0.2.1/evil.dtd">\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt/></Document>'
    )
    started = time.perf_counter()
    with pytest.raises(ReturnFileError, match="DOCTYPE"):
        read_iso_return(data)
    assert time.perf_counter() - started < 1  # no network attempt (192.0.2.1 would hang)


def test_the_hardened_parser_expands_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    root = etree.fromstring(external_entity(secret, "x"), xsd.hardened_parser())
    assert b"TOP-SECRET" not in etree.tostring(root)
    # libxml2's own amplification limit stops the payload even before the platform's DOCTYPE refusal
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        etree.fromstring(BILLION_LAUGHS, xsd.hardened_parser())


# pinned schemas ------------------------------------------------------------------------------------------


def test_every_pinned_schema_loads_from_its_installed_package() -> None:
    for message in xsd.PINNED:
        assert isinstance(xsd.schema(message), etree.XMLSchema)


def test_compiled_schemas_are_kept_per_thread() -> None:
    here = xsd.schema("pain.001.001.09")
    assert xsd.schema("pain.001.001.09") is here  # compiled once
    there: list[etree.XMLSchema] = []
    thread = threading.Thread(target=lambda: there.append(xsd.schema("pain.001.001.09")))
    thread.start()
    thread.join()
    assert there and there[0] is not here  # its error log is its own


def test_a_schema_whose_digest_differs_is_refused() -> None:
    real = xsd.PINNED["pain.001.001.09"]
    tampered = dataclasses.replace(real, sha256="0" * 64)
    with pytest.raises(xsd.SchemaIntegrityError) as refused:
        xsd.schema_bytes(tampered)
    message = str(refused.value)
    assert "sepaxml:sepaxml/schemas/pain.001.001.09.xsd" in message
    assert "0" * 64 in message and real.sha256 in message


def test_a_missing_schema_is_refused() -> None:
    missing = xsd.PinnedSchema("pain.001.001.09", "sepaxml", "sepaxml/schemas/nope.xsd", "0" * 64)
    with pytest.raises(xsd.SchemaIntegrityError, match=r"找不到 XSD 文件 sepaxml:sepaxml/schemas/nope.xsd"):
        xsd.schema_bytes(missing)
    with pytest.raises(xsd.SchemaIntegrityError, match=r"没有 pain.009.001.01 的 XSD"):
        xsd.schema("pain.009.001.01")


# pain.002 ------------------------------------------------------------------------------------------------

SENT = [instruction(i) for i in range(1, 6)]


def bank_answers(data: bytes) -> list[Instruction]:
    """What the simulator does first: check the file it was sent and take its instructions."""
    received: list[Instruction] = []
    validate_pain001(io.BytesIO(data), each=received.append)
    return received


DECISIONS = [
    Decision("TH20260901000001", Outcome.PAID),
    Decision("TH20260901000002", Outcome.ACCEPTED),
    Decision("TH20260901000003", Outcome.FAILED, "AC04", "账户已销户"),
    Decision("TH20260901000004", Outcome.FAILED, "BE01", "户名与账号不符" * 20),
    Decision("TH20260901000005", Outcome.PAID),
]


def test_round_trip_pain001_to_simulator_pain002_and_back() -> None:
    received = bank_answers(pain001(SENT))
    assert [i.end_to_end_id for i in received] == [d.end_to_end_id for d in DECISIONS]
    report = write_pain002(
        HEADER,
        DECISIONS,
        "BANK-STS-0001",
        datetime(2026, 9, 2, 16, 0, tzinfo=CHINA),
        original_count=5,
        original_total_fen=sum(i.amount_fen for i in SENT),
    )
    tree_valid(report, "pain.002.001.03")
    read = read_pain002(report)
    assert read.kind is ReturnKind.PAIN002
    assert (read.message_id, read.original_message_id) == ("BANK-STS-0001", "PF20260901ISO")
    assert (read.original_count, read.original_total_fen) == (5, 5015)
    assert read.group_status == "PART"
    assert [(line.end_to_end_id, line.outcome, line.reason_code) for line in read] == [
        (d.end_to_end_id, d.outcome, d.reason_code) for d in DECISIONS
    ]
    assert read.lines[3].reason_text == "户名与账号不符" * 20  # split over AddtlInf of 105, joined again
    assert read.declared_count == 5


def test_pain002_version_10_round_trip_and_structure() -> None:
    report = write_pain002(
        HEADER,
        DECISIONS,
        "BANK-STS-0002",
        datetime(2026, 9, 2, 16, 0, tzinfo=CHINA),
        version="pain.002.001.10",
    )
    read = read_pain002(report)
    assert [line.outcome for line in read] == [d.outcome for d in DECISIONS]
    # No XSD of .001.10 is installed; the elements written are the same in .001.12, whose XSD is.
    v12 = importlib.metadata.distribution("pain001").locate_file(
        "pain001/pain002/schemas/pain.002.001.12.xsd"
    )
    schema12 = etree.XMLSchema(etree.parse(str(v12), xsd.hardened_parser()))
    schema12.assertValid(etree.fromstring(report.replace(b"pain.002.001.10", b"pain.002.001.12")))


def test_all_accepted_gives_the_group_that_status() -> None:
    decisions = [Decision(f"TH2026090100000{i}", Outcome.ACCEPTED) for i in (1, 2)]
    read = read_pain002(write_pain002(HEADER, decisions, "S", datetime(2026, 9, 2, tzinfo=CHINA)))
    assert read.group_status == "ACCP"


def test_a_file_refused_whole_has_a_group_rejection_and_no_lines() -> None:
    report = write_pain002(
        HEADER,
        [],
        "BANK-STS-0003",
        datetime(2026, 9, 2, tzinfo=CHINA),
        rejected_whole=("AM10", "合计金额不符"),
    )
    tree_valid(report, "pain.002.001.03")
    read = read_iso_return(report)
    assert (read.group_status, read.group_reason_code, read.group_reason_text) == (
        "RJCT",
        "AM10",
        "合计金额不符",
    )
    assert read.lines == []


def test_simulator_refuses_to_report_a_return_in_a_status_report() -> None:
    with pytest.raises(ValueError, match=r"pacs.004"):
        write_pain002(HEADER, [Decision("E", Outcome.RETURNED)], "S", datetime(2026, 9, 2, tzinfo=CHINA))


def test_a_bank_report_with_pending_lines_and_per_status_totals() -> None:
    read = read_pain002((FILES / "iso_pain002_v03_bank.xml").read_bytes())
    assert [(line.end_to_end_id[-1], line.outcome) for line in read] == [
        ("1", Outcome.PAID),
        ("2", Outcome.PAID),
        ("3", Outcome.FAILED),
    ]  # the pending one (PDNG) stays as it is: no line
    paid, paid_later, failed = read.lines
    assert (paid.amount_fen, paid.settled_on, paid.name, paid.account) == (
        10000,
        date(2026, 9, 2),
        "王伟",
        "6230900000000000001",
    )
    assert paid_later.settled_on == date(2026, 9, 3)
    assert (failed.reason_code, failed.reason_text, failed.settled_on) == ("AC04", "已销户", None)
    assert (read.declared_count, read.original_count, read.original_total_fen) == (4, 4, 18050)


def bank_report() -> bytes:
    return (FILES / "iso_pain002_v03_bank.xml").read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            b"<DtldNbOfTxs>2</DtldNbOfTxs><DtldSts>ACSC",
            b"<DtldNbOfTxs>3</DtldNbOfTxs><DtldSts>ACSC",
            "状态 ACSC 申报 3 笔，明细实际 2 笔",
        ),
        (
            b"<DtldCtrlSum>150.50</DtldCtrlSum>",
            b"<DtldCtrlSum>150.00</DtldCtrlSum>",
            "申报合计 150.00 元，明细实际合计 150.50 元",
        ),
        (
            b"<OrgnlCtrlSum>180.50</OrgnlCtrlSum>",
            b"<OrgnlCtrlSum>180.00</OrgnlCtrlSum>",
            "原文件申报合计 180.00 元",
        ),
        (
            b"<OrgnlNbOfTxs>4</OrgnlNbOfTxs>",
            b"<OrgnlNbOfTxs>3</OrgnlNbOfTxs>",
            "原文件申报 3 笔，明细实际 4 笔",
        ),
        (b"<GrpSts>PART</GrpSts>", b"<GrpSts>RJCT</GrpSts>", "整体为拒绝（RJCT），其中却有未被拒绝的交易"),
        (b"TH20260901000002", b"TH20260901000001", "TH20260901000001”在同一回盘中出现多次"),
        (b'<InstdAmt Ccy="CNY">50.50', b'<InstdAmt Ccy="USD">50.50', "币种为 USD"),
        (b"<TxSts>ACSC</TxSts>", b"<TxSts>ACSX</TxSts>", "不符合 XSD"),
        (b"<OrgnlEndToEndId>TH20260901000002</OrgnlEndToEndId>", b"", "缺少端到端标识"),
    ],
)
def test_a_bank_report_that_contradicts_itself_is_refused(old: bytes, new: bytes, words: str) -> None:
    data = bank_report()
    assert old in data
    with pytest.raises(ReturnFileError, match=words):
        read_pain002(data.replace(old, new, 1))


def test_a_bank_report_against_the_schema_names_the_line() -> None:
    data = bank_report().replace(b"<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>", b"")
    line = line_of(data, b"<OrgnlNbOfTxs>")
    with pytest.raises(ReturnFileError, match=rf"第 {line} 行不符合 XSD.*OrgnlNbOfTxs.*not expected"):
        read_pain002(data)
    data = bank_report().replace(b"T16:20:00+08:00</CreDtTm>", b"</CreDtTm>")
    with pytest.raises(ReturnFileError, match=rf"第 {line_of(data, b'<CreDtTm>')} 行不符合 XSD.*CreDtTm"):
        read_pain002(data)


def test_version_10_unknown_status_is_refused_by_structure() -> None:
    report = write_pain002(
        HEADER, DECISIONS[:1], "S", datetime(2026, 9, 2, tzinfo=CHINA), version="pain.002.001.10"
    ).replace(b"<TxSts>ACSC</TxSts>", b"<TxSts>ZZZZ</TxSts>")
    with pytest.raises(ReturnFileError, match="状态 ZZZZ 不是本系统认识的状态码"):
        read_pain002(report)


def test_version_10_must_be_a_status_report() -> None:
    report = write_pain002(
        HEADER, DECISIONS[:1], "S", datetime(2026, 9, 2, tzinfo=CHINA), version="pain.002.001.10"
    )
    with pytest.raises(ReturnFileError, match="Document 下应为 CstmrPmtStsRpt"):
        read_pain002(report.replace(b"CstmrPmtStsRpt", b"CstmrPmtStsRptX"))


def test_an_unsupported_pain002_version_is_refused() -> None:
    with pytest.raises(ReturnFileError, match=r"不支持的状态报告版本 pain.002.001.12"):
        read_pain002(bank_report().replace(b"pain.002.001.03", b"pain.002.001.12"))


# camt.054 ------------------------------------------------------------------------------------------------


def test_simulator_camt054_is_valid_and_reads_back_as_paid() -> None:
    paid = [SENT[0], SENT[2], dataclasses.replace(SENT[4], amount_fen=100_000_000)]
    data = write_camt054(
        HEADER, paid, "BANK-NTF-1", datetime(2026, 9, 2, 18, tzinfo=CHINA), booked_on=date(2026, 9, 2)
    )
    tree_valid(data, "camt.054.001.08")
    read = read_camt054(data)
    assert read.kind is ReturnKind.CAMT054
    assert (read.message_id, read.original_message_id) == ("BANK-NTF-1", "PF20260901ISO")
    assert [(line.end_to_end_id, line.outcome, line.amount_fen, line.settled_on) for line in read] == [
        (i.end_to_end_id, Outcome.PAID, i.amount_fen, date(2026, 9, 2)) for i in paid
    ]
    assert (read.declared_count, read.declared_total_fen) == (3, 1001 + 1003 + 100_000_000)
    assert read.lines[0].name == SENT[0].creditor_name


def test_an_empty_notification_is_valid_and_pays_nothing() -> None:
    data = write_camt054(
        HEADER, [], "BANK-NTF-2", datetime(2026, 9, 2, 18, tzinfo=CHINA), booked_on=date(2026, 9, 2)
    )
    tree_valid(data, "camt.054.001.08")
    assert read_camt054(data).lines == []


def test_only_booked_debits_count_as_settlement() -> None:
    read = read_camt054((FILES / "iso_camt054_mixed.xml").read_bytes())
    assert [(line.end_to_end_id, line.amount_fen) for line in read] == [
        ("TH20260901000001", 10000),
        ("TH20260901000002", 5050),
    ]  # the credit (treasury funding) and the pending debit are not payments settled
    assert (read.declared_count, read.declared_total_fen) == (2, 15050)
    assert read.lines[0].account == "6230900000000000001"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            b'<TtlAmt Ccy="CNY">150.50',
            b'<TtlAmt Ccy="CNY">150.00',
            "批量申报合计 150.00 元，明细实际合计 150.50 元",
        ),
        (b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>3</NbOfTxs>", "批量申报 3 笔，明细实际 2 笔"),
        (
            b'<Amt Ccy="CNY">150.50</Amt>',
            b'<Amt Ccy="CNY">151.50</Amt>',
            "申报合计 151.50 元，明细实际合计 150.50 元",
        ),
        (b"<Sum>170.50</Sum>", b"<Sum>170.00</Sum>", "借记分录申报合计 170.00 元，明细实际合计 170.50 元"),
        (b"<NbOfNtries>3</NbOfNtries>", b"<NbOfNtries>4</NbOfNtries>", "全部分录申报 4 笔，明细实际 3 笔"),
        (b"<BookgDt><Dt>2026-09-02</Dt></BookgDt>", b"", "缺少记账日期"),
        (
            b"<EndToEndId>TH20260901000002</EndToEndId>",
            b"<EndToEndId>TH20260901000001</EndToEndId>",
            "出现多次",
        ),
        (b'<Amt Ccy="CNY">100.00</Amt>', b'<Amt Ccy="CNY">100.001</Amt>', "不是整分金额"),
    ],
)
def test_a_notification_that_contradicts_itself_is_refused(old: bytes, new: bytes, words: str) -> None:
    data = (FILES / "iso_camt054_mixed.xml").read_bytes()
    assert old in data
    with pytest.raises(ReturnFileError, match=words):
        read_camt054(data.replace(old, new, 1))


def test_a_notification_entry_against_the_schema_names_the_line() -> None:
    data = (FILES / "iso_camt054_mixed.xml").read_bytes()
    data = data.replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>CREDIT</CdtDbtInd>")
    with pytest.raises(ReturnFileError, match=rf"第 {line_of(data, b'CREDIT')} 行不符合 XSD.*CdtDbtInd"):
        read_camt054(data)
    missing_code = (FILES / "iso_camt054_mixed.xml").read_bytes().replace(b"<Sts><Cd>PDNG</Cd></Sts>", b"")
    with pytest.raises(ReturnFileError, match=r"不符合 XSD.*BkTxCd.*not expected"):
        read_camt054(missing_code)


def test_another_camt054_version_is_refused() -> None:
    data = (FILES / "iso_camt054_mixed.xml").read_bytes().replace(b"camt.054.001.08", b"camt.054.001.02")
    with pytest.raises(ReturnFileError, match=r"不支持的借记通知版本 camt.054.001.02：支持 camt.054.001.08"):
        read_camt054(data)


# pacs.004 ------------------------------------------------------------------------------------------------


def returned(*pairs: tuple[Instruction, str, str]) -> list[tuple[Instruction, Decision]]:
    return [(i, Decision(i.end_to_end_id, Outcome.RETURNED, code, text)) for i, code, text in pairs]


def test_simulator_pacs004_reads_back_as_returned() -> None:
    lines = returned((SENT[1], "AC04", "账户已销户"), (SENT[3], "MD07", "收款人已死亡"))
    data = write_pacs004(
        HEADER, lines, "BANK-RTR-1", datetime(2026, 10, 8, tzinfo=CHINA), settled_on=date(2026, 10, 8)
    )
    read = read_iso_return(data)
    assert read.kind is ReturnKind.PACS004
    assert (read.message_id, read.original_message_id) == ("BANK-RTR-1", "PF20260901ISO")
    assert [
        (line.end_to_end_id, line.outcome, line.amount_fen, line.reason_code, line.settled_on)
        for line in read
    ] == [
        (SENT[1].end_to_end_id, Outcome.RETURNED, 1002, "AC04", date(2026, 10, 8)),
        (SENT[3].end_to_end_id, Outcome.RETURNED, 1004, "MD07", date(2026, 10, 8)),
    ]
    assert (read.declared_count, read.declared_total_fen) == (2, 2006)
    assert read.lines[1].reason_text == "收款人已死亡"


def test_pacs004_of_the_camt053_library_is_readable() -> None:
    read = read_pacs004((FILES / "iso_pacs004_subset.xml").read_bytes())
    assert [(line.end_to_end_id, line.amount_fen, line.reason_code) for line in read] == [
        ("TH20260901000002", 5050, "MD07")
    ]


def pacs004() -> bytes:
    lines = returned((SENT[1], "AC04", ""), (SENT[3], "MD07", ""))
    return write_pacs004(
        HEADER, lines, "R", datetime(2026, 10, 8, tzinfo=CHINA), settled_on=date(2026, 10, 8)
    )


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>3</NbOfTxs>", "退汇报文申报 3 笔，明细实际 2 笔"),
        (b"<CtrlSum>20.06</CtrlSum>", b"<CtrlSum>20.00</CtrlSum>", "CtrlSum 与 TtlRtrdIntrBkSttlmAmt"),
        (
            b'<RtrdIntrBkSttlmAmt Ccy="CNY">10.02',
            b'<RtrdIntrBkSttlmAmt Ccy="CNY">10.01',
            "申报合计 20.06 元，明细实际合计 20.05 元",
        ),
        (b'<RtrdIntrBkSttlmAmt Ccy="CNY">10.02', b'<RtrdIntrBkSttlmAmt Ccy="CNY">0.00', "退回金额应大于 0"),
        (b"<OrgnlEndToEndId>TH20260901000004", b"<OrgnlEndToEndId>TH20260901000002", "出现多次"),
    ],
)
def test_a_return_that_contradicts_itself_is_refused(old: bytes, new: bytes, words: str) -> None:
    data = pacs004()
    assert old in data
    with pytest.raises(ReturnFileError, match=words):
        read_pacs004(data.replace(old, new, 1))


def test_a_return_must_be_a_payment_return() -> None:
    data = pacs004().replace(b"PmtRtr>", b"FIToFIPmtRtr>")
    with pytest.raises(ReturnFileError, match="Document 下应为 PmtRtr"):
        read_pacs004(data)


def test_simulator_returns_only_returned_decisions() -> None:
    with pytest.raises(ValueError, match="RETURNED"):
        write_pacs004(
            HEADER,
            [(SENT[0], Decision(SENT[0].end_to_end_id, Outcome.FAILED))],
            "R",
            datetime(2026, 10, 8, tzinfo=CHINA),
            settled_on=date(2026, 10, 8),
        )


# dispatch and reasons ------------------------------------------------------------------------------------


def test_returns_are_told_apart_by_namespace() -> None:
    assert read_iso_return(bank_report()).kind is ReturnKind.PAIN002
    assert read_iso_return((FILES / "iso_camt054_mixed.xml").read_bytes()).kind is ReturnKind.CAMT054
    assert read_iso_return((FILES / "iso_pacs004_subset.xml").read_bytes()).kind is ReturnKind.PACS004


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (pain001(GOOD), "这是支付文件（pain.001.001.09），不是银行回盘"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',
            "不认识的回盘报文 camt.053.001.08",
        ),
        (b'<Document xmlns="urn:example:bank"/>', "不认识的回盘报文 urn:example:bank"),
        (b"<Document/>", "不认识的回盘报文 （无命名空间）"),
        (b"\xef\xbb\xbf", "第 1 行XML 格式错误"),
        (b"", "文件为空或不是 XML"),
    ],
)
def test_unknown_returns_are_refused_clearly(data: bytes, words: str) -> None:
    with pytest.raises(ReturnFileError, match=words):
        read_iso_return(data)


def test_reason_codes_in_plain_chinese() -> None:
    expected = {
        "AC01": "账号错误",
        "AC04": "账户已销户",
        "AC06": "账户冻结",
        "AG01": "账户不允许此类交易",
        "AM04": "余额不足",
        "BE01": "户名与账号不符",
        "MD07": "收款人已死亡",
    }
    assert {code: reason_words(code) for code in expected} == expected
    assert reason_words(" ms03 ") == REASONS["MS03"]
    assert "其他" in reason_words("NARR")
    assert reason_words("ZZ99") == "银行原因代码 ZZ99"
    assert reason_words("") == ""
    assert all(len(code) == 4 and code.isalnum() and code == code.upper() for code in REASONS)
