"""The flat 代发 file and its 回盘 files: written byte for byte as a bank takes them, read back checked."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yikatong.payments.domain import flatfile
from yikatong.payments.domain.flatfile import (
    preview,
    preview_returns,
    read_flat,
    read_flat_return,
    reason_code,
    write_flat,
    write_flat_returns,
)
from yikatong.payments.domain.instructions import (
    Decision,
    FileHeader,
    Instruction,
    Outcome,
    PaymentFileError,
    ReturnFileError,
    ReturnKind,
)
from yikatong.payments.domain.layouts import (
    BANK_REASONS,
    FIXED_SUMMARY_LAST,
    PIPE_SUMMARY_FIRST,
    READY_LAYOUTS,
    Column,
    FlatLayout,
    LayoutError,
    ReturnLayout,
    constant_column,
    number_column,
    text_column,
)

FILES = Path(__file__).parent / "files"
SUCCESS, FAILURE = ReturnKind.FLAT_SUCCESS, ReturnKind.FLAT_FAILURE

HEADER = FileHeader(
    message_id="PF202609010001",
    created_at=datetime(2026, 9, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    execution_date=date(2026, 9, 2),
    debtor_name="塔河县财政局",
    debtor_account="0800000000000000001",
    debtor_agent_cnaps="102100000001",
    creditor_agent_cnaps="402100000002",
    unit_code="THX0001",
    payment_info_id="PF202609010001-1",
)


def instruction(number: int, **changes: object) -> Instruction:
    """A payment onto one synthetic card account."""
    base = Instruction(
        end_to_end_id=f"E2E{number:06d}",
        amount_fen=10000 + number,
        creditor_name="罗广义",
        creditor_account=f"62170000000000{number:05d}",
        id_number=f"2327221954050{number:05d}",
        remark="2026-09 耕地地力保护补贴",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


GOLDEN = [
    instruction(1, amount_fen=123450),
    instruction(2, creditor_name="王丽娟", amount_fen=80000),
    instruction(3, creditor_name="欧阳秀兰", amount_fen=5, remark="2026-09 高龄补贴"),
]


def written(layout: FlatLayout, instructions: list[Instruction], header: FileHeader = HEADER) -> bytes:
    out = io.BytesIO()
    assert write_flat(out, layout, header, instructions) == (
        len(instructions),
        sum(i.amount_fen for i in instructions),
    )
    return out.getvalue()


def lines_of(data: bytes, codec: str = "gbk") -> list[str]:
    return data.decode(codec).split("\r\n")


@pytest.mark.parametrize(
    ("layout", "golden"),
    [(PIPE_SUMMARY_FIRST, "flat_payment_pipe.txt"), (FIXED_SUMMARY_LAST, "flat_payment_fixed.txt")],
)
def test_each_ready_layout_writes_the_file_byte_for_byte(layout: FlatLayout, golden: str) -> None:
    assert written(layout, GOLDEN) == (FILES / golden).read_bytes()


def test_the_pipe_layout_puts_its_summary_first_and_amounts_in_yuan() -> None:
    assert lines_of(written(PIPE_SUMMARY_FIRST, GOLDEN)) == [
        "20260902|THX0001|PF202609010001|3|2034.55",
        "E2E000001|罗广义|1234.50|6217000000000000001|THX0001|01|232722195405000001|2026-09 耕地地力保护补贴",
        "E2E000002|王丽娟|800.00|6217000000000000002|THX0001|01|232722195405000002|2026-09 耕地地力保护补贴",
        "E2E000003|欧阳秀兰|0.05|6217000000000000003|THX0001|01|232722195405000003|2026-09 高龄补贴",
        "",
    ]


def test_a_summary_last_comes_after_the_details_and_before_the_end_marker() -> None:
    pipe_last = dataclasses.replace(PIPE_SUMMARY_FIRST, summary_position="last", end_marker="########")
    lines = lines_of(written(pipe_last, GOLDEN))
    assert lines[0].startswith("E2E000001|")
    assert lines[-3:] == ["20260902|THX0001|PF202609010001|3|2034.55", "########", ""]
    fixed = lines_of(written(FIXED_SUMMARY_LAST, GOLDEN))
    assert fixed[-3] == "HZ20260902THX0001             0000000003000000000203455"
    assert fixed[-2:] == ["########", ""]


def test_amounts_in_fen_carry_no_decimal_point() -> None:
    fen = dataclasses.replace(PIPE_SUMMARY_FIRST, amount_unit="fen")
    lines = lines_of(written(fen, GOLDEN))
    assert lines[0].endswith("|3|203455")
    assert [line.split("|")[2] for line in lines[1:4]] == ["123450", "80000", "5"]


def test_line_endings_follow_the_layout() -> None:
    unix = dataclasses.replace(PIPE_SUMMARY_FIRST, line_ending="\n")
    data = written(unix, GOLDEN)
    assert b"\r" not in data
    assert data.count(b"\n") == 4


def test_fixed_width_counts_gbk_bytes_so_chinese_names_keep_every_line_the_same_length() -> None:
    data = written(FIXED_SUMMARY_LAST, GOLDEN)
    details = data.split(b"\r\n")[:3]
    assert {len(line) for line in details} == {
        sum(column.width or 0 for column in FIXED_SUMMARY_LAST.details)
    }
    name = details[2][22:62]
    assert name == "欧阳秀兰".encode("gbk") + b" " * 32
    assert details[2][94:109] == b"000000000000005"


def test_a_name_of_twenty_chinese_characters_fits_and_of_twenty_one_is_refused_with_its_line() -> None:
    written(FIXED_SUMMARY_LAST, [instruction(1, creditor_name="张" * 20)])
    with pytest.raises(
        PaymentFileError, match=r"第 2 行（流水号 E2E000002）的户名占 42 字节（GBK），超过该列的 40 字节"
    ):
        written(FIXED_SUMMARY_LAST, [instruction(1), instruction(2, creditor_name="张" * 21)])


def test_a_name_gbk_cannot_hold_is_refused_naming_the_line_and_the_character() -> None:
    rare = instruction(2, creditor_name="𠮷野")
    with pytest.raises(
        PaymentFileError, match=r"第 3 行（流水号 E2E000002）的户名含有 GBK 无法表示的字符“𠮷”.*GB18030"
    ):
        written(PIPE_SUMMARY_FIRST, [instruction(1), rare])
    gb18030 = dataclasses.replace(FIXED_SUMMARY_LAST, encoding="GB18030")
    data = written(gb18030, [rare])
    assert data[22:62] == "𠮷野".encode("gb18030") + b" " * 34
    assert read_flat(data, gb18030).instructions == [rare]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"remark": "高龄|补贴"}, r"第 2 行（流水号 E2E000001）的摘要含有分隔符竖线“\|”"),
        ({"creditor_name": "罗\n广义"}, "的户名含有换行符"),
        ({"amount_fen": 0}, "金额应为大于 0 的整数分"),
        ({"amount_fen": 12.5}, "金额应为大于 0 的整数分"),
        ({"end_to_end_id": ""}, "没有流水号"),
    ],
)
def test_a_value_that_would_break_the_line_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(PaymentFileError, match=message):
        written(PIPE_SUMMARY_FIRST, [instruction(1, **changes)])


def test_a_summary_total_too_wide_for_its_column_is_refused() -> None:
    each_fits = [instruction(1, amount_fen=6 * 10**14), instruction(2, amount_fen=6 * 10**14)]
    with pytest.raises(PaymentFileError, match="汇总行的总金额占 16 字节（GBK），超过该列的 15 字节"):
        written(FIXED_SUMMARY_LAST, each_fits)


def test_an_empty_payment_file_is_refused() -> None:
    with pytest.raises(PaymentFileError, match="没有任何明细"):
        written(PIPE_SUMMARY_FIRST, [])


def test_a_leading_summary_reads_the_instructions_once_and_spills_to_disk_beyond_the_spool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(flatfile, "_SPOOL_BYTES", 4096)
    taken: list[int] = []

    def stream() -> Iterator[Instruction]:
        for number in range(1, 2001):
            taken.append(number)
            yield instruction(number)

    out = io.BytesIO()
    assert write_flat(out, PIPE_SUMMARY_FIRST, HEADER, stream()) == (
        2000,
        sum(10000 + n for n in range(1, 2001)),
    )
    assert taken == list(range(1, 2001))
    parsed = read_flat(out.getvalue(), PIPE_SUMMARY_FIRST)
    assert parsed.declared_count == 2000
    assert [item.end_to_end_id for item in parsed.instructions[-2:]] == ["E2E001999", "E2E002000"]


def test_an_invalid_layout_writes_nothing() -> None:
    broken = dataclasses.replace(PIPE_SUMMARY_FIRST, encoding="BIG5")
    out = io.BytesIO()
    with pytest.raises(PaymentFileError, match="编码“BIG5”不支持"):
        write_flat(out, broken, HEADER, [instruction(1)])
    assert out.getvalue() == b""


def test_the_bank_refuses_a_payment_file_whose_summary_disagrees() -> None:
    data = written(PIPE_SUMMARY_FIRST, GOLDEN).replace(b"|3|2034.55", b"|3|2034.56")
    with pytest.raises(PaymentFileError, match=r"合计为 3 笔、2034\.56 元，明细却是 3 笔、2034\.55 元"):
        read_flat(data, PIPE_SUMMARY_FIRST)


def test_the_preview_shows_the_first_lines_as_text() -> None:
    shown = preview(PIPE_SUMMARY_FIRST, HEADER, [instruction(n) for n in range(1, 10)], lines=2)
    assert shown.splitlines() == [
        "20260902|THX0001|PF202609010001|2|200.03",
        "E2E000001|罗广义|100.01|6217000000000000001|THX0001|01|232722195405000001|2026-09 耕地地力保护补贴",
        "E2E000002|罗广义|100.02|6217000000000000002|THX0001|01|232722195405000002|2026-09 耕地地力保护补贴",
    ]
    sample = preview(FIXED_SUMMARY_LAST).splitlines()
    assert sample[0].startswith("MXE2E000001") and sample[-1] == "########"


def test_the_return_preview_shows_a_success_and_a_failure_file() -> None:
    success, failure = preview_returns(PIPE_SUMMARY_FIRST)
    assert success.splitlines()[-1] == "合计|PF202609010001|1|1234.50"
    assert failure.splitlines() == [
        "E2E000002|王丽娟|6217000000000000029|800.00|失败|户名不符",
        "E2E000003|欧阳秀兰|6217000000000000037|30.50|退回|已销户",
        "合计|PF202609010001|2|830.50",
    ]


def test_a_success_file_reads_as_paid_lines_with_its_digest_and_batch() -> None:
    data = (FILES / "flat_success_pipe.txt").read_bytes()
    result = read_flat_return(data, PIPE_SUMMARY_FIRST, SUCCESS)
    assert result.kind is SUCCESS
    assert result.message_id == hashlib.sha256(data).hexdigest()
    assert result.original_message_id == "PF202609010001"
    assert (result.declared_count, result.declared_total_fen) == (2, 203450)
    assert [(line.end_to_end_id, line.outcome, line.amount_fen, line.name) for line in result] == [
        ("E2E000001", Outcome.PAID, 123450, "罗广义"),
        ("E2E000002", Outcome.PAID, 80000, "王丽娟"),
    ]
    assert {line.reason_code for line in result} == {""}


def test_a_failure_file_maps_the_banks_words_to_codes_and_keeps_them() -> None:
    result = read_flat_return((FILES / "flat_failure_pipe.txt").read_bytes(), PIPE_SUMMARY_FIRST, FAILURE)
    assert [(line.outcome, line.reason_code, line.reason_text) for line in result] == [
        (Outcome.FAILED, "BE01", "户名不符"),
        (Outcome.FAILED, "AC04", "账户已销户"),
        (Outcome.FAILED, "AC06", "完全冻结"),
        (Outcome.FAILED, "AC06", "只进不出"),
        (Outcome.FAILED, "AG01", "非结算户"),
        (Outcome.FAILED, "AC06", "介质状态异常"),
        (Outcome.RETURNED, "AC01", "账号不存在"),
        (Outcome.FAILED, "NARR", "系统繁忙，请稍后重试"),
    ]
    assert (result.declared_count, result.declared_total_fen) == (8, 61760)


def test_a_fixed_width_failure_file_with_its_total_first_and_an_end_marker() -> None:
    result = read_flat_return((FILES / "flat_failure_fixed.txt").read_bytes(), FIXED_SUMMARY_LAST, FAILURE)
    assert result.original_message_id == ""
    assert (result.declared_count, result.declared_total_fen) == (3, 123055)
    assert [
        (line.end_to_end_id, line.name, line.amount_fen, line.outcome, line.reason_code) for line in result
    ] == [
        ("E2E000011", "欧阳秀兰", 3050, Outcome.FAILED, "BE01"),
        ("E2E000012", "阿卜杜·热合曼", 120000, Outcome.RETURNED, "MD07"),
        ("E2E000013", "王五", 5, Outcome.FAILED, "AC06"),
    ]


def test_the_longest_known_text_in_a_reason_decides_its_code() -> None:
    assert reason_code("户名不符", BANK_REASONS) == "BE01"
    assert reason_code("交易失败：该账户已销户", BANK_REASONS) == "AC04"
    assert reason_code("账户冻结", BANK_REASONS) == "AC06"
    assert reason_code("客户已死亡", BANK_REASONS) == "MD07"
    assert reason_code("核心系统超时", BANK_REASONS) == "NARR"
    assert reason_code("", BANK_REASONS) == "NARR"
    assert reason_code("余额不足", BANK_REASONS) == "AM04"  # not the bank's table: the code's ISO words
    assert reason_code("重复支付", BANK_REASONS) == "NARR"  # the ISO words of both AM05 and DUPL


def pipe_failure(*lines: str, total: str | None = None) -> bytes:
    """A failure file of the pipe layout from its detail lines, with a matching 合计 unless told."""
    if total is None:
        total = f"{len(lines)}|{sum(Decimal(line.split('|')[3]) for line in lines):.2f}"
    return "\r\n".join([*lines, f"合计|PF202609010001|{total}", ""]).encode("gbk")


def test_totals_that_disagree_with_the_lines_refuse_the_file_giving_both_figures() -> None:
    line = "E2E000003|欧阳秀兰|6217000000000000037|30.50|失败|户名不符"
    with pytest.raises(ReturnFileError, match=r"第 2 行合计为 2 笔、30\.50 元，明细却是 1 笔、30\.50 元"):
        read_flat_return(pipe_failure(line, total="2|30.50"), PIPE_SUMMARY_FIRST, FAILURE)
    with pytest.raises(ReturnFileError, match=r"合计为 1 笔、30\.51 元，明细却是 1 笔、30\.50 元"):
        read_flat_return(pipe_failure(line, total="1|30.51"), PIPE_SUMMARY_FIRST, FAILURE)


def test_a_file_without_its_total_line_is_refused() -> None:
    data = "E2E000003|欧阳秀兰|6217000000000000037|30.50|失败|户名不符\r\n".encode("gbk")
    with pytest.raises(ReturnFileError, match="失败回盘文件缺少合计行（应在末行）"):
        read_flat_return(data, PIPE_SUMMARY_FIRST, FAILURE)
    with pytest.raises(ReturnFileError, match="缺少合计行"):
        read_flat_return(b"", PIPE_SUMMARY_FIRST, FAILURE)
    fixed = (FILES / "flat_failure_fixed.txt").read_bytes()
    with pytest.raises(ReturnFileError, match="缺少结束标志“########”"):
        read_flat_return(fixed.replace(b"########\r\n", b""), FIXED_SUMMARY_LAST, FAILURE)


def test_an_empty_failure_file_has_a_zero_total() -> None:
    result = read_flat_return("合计|PF202609010001|0|0.00\r\n".encode("gbk"), PIPE_SUMMARY_FIRST, FAILURE)
    assert (result.declared_count, result.declared_total_fen, result.lines) == (0, 0, [])
    fixed = "合计".encode("gbk") + b"0" * 25 + b"\r\n########\r\n"
    assert read_flat_return(fixed, FIXED_SUMMARY_LAST, FAILURE).declared_count == 0


def test_trailing_blank_lines_are_fine_but_a_blank_line_inside_is_not() -> None:
    good = (FILES / "flat_success_pipe.txt").read_bytes()
    assert good.endswith(b"\r\n\r\n")
    read_flat_return(good + b"   \r\n\n", PIPE_SUMMARY_FIRST, SUCCESS)
    broken = good.replace(b"\r\nE2E000002", b"\r\n\r\nE2E000002")
    with pytest.raises(ReturnFileError, match="成功回盘文件第 2 行是空行"):
        read_flat_return(broken, PIPE_SUMMARY_FIRST, SUCCESS)


def test_a_utf8_file_for_a_gbk_layout_is_refused_rather_than_read_as_mojibake() -> None:
    utf8 = (FILES / "flat_success_pipe_utf8.txt").read_bytes()
    assert utf8.startswith(b"\xef\xbb\xbf")
    for data in (utf8, utf8[3:]):
        with pytest.raises(ReturnFileError, match=r"成功回盘文件是 UTF-8 编码，而银行格式“.*”规定 GBK"):
            read_flat_return(data, PIPE_SUMMARY_FIRST, SUCCESS)
    utf8_layout = dataclasses.replace(PIPE_SUMMARY_FIRST, encoding="UTF-8")
    for data in (utf8, utf8[3:]):
        assert [line.name for line in read_flat_return(data, utf8_layout, SUCCESS)] == ["罗广义", "王丽娟"]
    gbk = (FILES / "flat_success_pipe.txt").read_bytes()
    with pytest.raises(ReturnFileError, match="第 1 行不是 UTF-8 编码的文字"):
        read_flat_return(gbk, utf8_layout, SUCCESS)


def test_bytes_gbk_cannot_read_name_their_line() -> None:
    data = b"E2E000001|\xff\xfe|6217000000000000011|1.00|\xb3\xc9\xb9\xa6\r\n" + "合计|PF1|1|1.00\r\n".encode(
        "gbk"
    )
    with pytest.raises(ReturnFileError, match="第 1 行不是 GBK 编码的文字"):
        read_flat_return(data, PIPE_SUMMARY_FIRST, SUCCESS)


def test_a_fixed_width_cut_inside_a_chinese_character_is_named() -> None:
    layout = dataclasses.replace(
        FIXED_SUMMARY_LAST,
        returns=dataclasses.replace(
            FIXED_SUMMARY_LAST.returns,
            success=(text_column("serial", 9), text_column("name", 3), text_column("account", 3)),
            total=(constant_column("合计", 4), number_column("count", 6)),
            end_marker="",
        ),
    )
    data = "合计".encode("gbk") + b"000001\r\n" + b"E2E000001" + "张三".encode("gbk") + b"12\r\n"
    with pytest.raises(
        ReturnFileError, match="第 2 行的户名不是 GBK 编码的文字，或定长切分切在了一个汉字中间"
    ):
        read_flat_return(data, layout, SUCCESS)


def test_a_line_with_the_wrong_number_of_columns_is_named() -> None:
    data = pipe_failure(
        "E2E000003|欧阳秀兰|6217000000000000037|30.50|失败|户名不符",
        "E2E000004|张桂芝|6217000000000000045|100.00|失败",
    )
    with pytest.raises(ReturnFileError, match="失败回盘文件第 2 行有 5 列，应为 6 列"):
        read_flat_return(data, PIPE_SUMMARY_FIRST, FAILURE)
    fixed = (FILES / "flat_failure_fixed.txt").read_bytes().replace(b"    \r\nE2E000012", b"\r\nE2E000012")
    with pytest.raises(ReturnFileError, match="第 2 行长 167 字节，应为 171 字节"):
        read_flat_return(fixed, FIXED_SUMMARY_LAST, FAILURE)


def test_a_serial_given_twice_refuses_the_file() -> None:
    line = "E2E000003|欧阳秀兰|6217000000000000037|30.50|失败|户名不符"
    with pytest.raises(ReturnFileError, match="第 2 行的流水号 E2E000003 与第 1 行重复"):
        read_flat_return(pipe_failure(line, line), PIPE_SUMMARY_FIRST, FAILURE)


def test_a_line_for_a_serial_nobody_sent_is_kept_for_the_caller_to_judge() -> None:
    data = pipe_failure("NOSUCH0001|查无此人|6217000000000009999|1.00|失败|无此账号")
    [line] = read_flat_return(data, PIPE_SUMMARY_FIRST, FAILURE).lines
    assert (line.end_to_end_id, line.reason_code) == ("NOSUCH0001", "AC01")


@pytest.mark.parametrize(
    ("result", "kind", "message"),
    [
        ("成功", FAILURE, "处理结果是“成功”，不应出现在失败回盘文件里"),
        ("失败", SUCCESS, "处理结果是“失败”，不应出现在成功回盘文件里"),
        ("处理中", FAILURE, "处理结果“处理中”不是“成功”“失败”或“退回”"),
    ],
)
def test_a_result_word_that_does_not_fit_the_file_is_refused(
    result: str, kind: ReturnKind, message: str
) -> None:
    columns = "|户名不符" if kind is FAILURE else ""
    data = pipe_failure(f"E2E000003|欧阳秀兰|6217000000000000037|30.50|{result}{columns}")
    with pytest.raises(ReturnFileError, match=message):
        read_flat_return(data, PIPE_SUMMARY_FIRST, kind)


@pytest.mark.parametrize(
    ("text", "fen"), [("12.3", 1230), ("0.07", 7), (".50", 50), ("99999999.99", 9999999999)]
)
def test_amounts_in_yuan_are_read_exactly(text: str, fen: int) -> None:
    data = pipe_failure(f"E2E000003|欧阳秀兰|6217000000000000037|{text}|失败|户名不符", total=f"1|{text}")
    assert read_flat_return(data, PIPE_SUMMARY_FIRST, FAILURE).lines[0].amount_fen == fen


@pytest.mark.parametrize("text", ["12.345", "-1.00", "1,234.00", "一百", ""])
def test_an_amount_that_is_not_one_is_refused_with_its_line(text: str) -> None:
    data = pipe_failure(f"E2E000003|欧阳秀兰|6217000000000000037|{text}|失败|户名不符", total="1|1.00")
    with pytest.raises(ReturnFileError, match=f"第 1 行的金额“{text}”不是以元"):
        read_flat_return(data, PIPE_SUMMARY_FIRST, FAILURE)


def test_a_trailing_separator_is_written_and_required() -> None:
    layout = dataclasses.replace(PIPE_SUMMARY_FIRST, trailing_separator=True)
    data = written(layout, GOLDEN)
    assert lines_of(data)[0] == "20260902|THX0001|PF202609010001|3|2034.55|"
    assert read_flat(data, layout).instructions == GOLDEN
    with pytest.raises(PaymentFileError, match="第 1 行应以分隔符结尾"):
        read_flat(written(PIPE_SUMMARY_FIRST, GOLDEN), layout)


def test_lines_carrying_different_batches_are_refused() -> None:
    returns = dataclasses.replace(
        PIPE_SUMMARY_FIRST.returns,
        success=(text_column("serial"), text_column("batch"), text_column("amount")),
        total=(constant_column("合计"), text_column("count"), text_column("total")),
    )
    layout = dataclasses.replace(PIPE_SUMMARY_FIRST, returns=returns)
    same = "E1|PF1|1.00\r\nE2|PF1|2.00\r\n合计|2|3.00\r\n".encode("gbk")
    assert read_flat_return(same, layout, SUCCESS).original_message_id == "PF1"
    with pytest.raises(ReturnFileError, match="含有不同的批次号：PF1、PF2"):
        read_flat_return(same.replace(b"E2|PF1", b"E2|PF2"), layout, SUCCESS)


def round_trip(
    layout: FlatLayout, instructions: list[Instruction], decisions: list[Decision]
) -> list[Decision]:
    """Write the payment file, let the bank read it and answer, read its answer back as decisions."""
    received = read_flat(written(layout, instructions), layout)
    assert received.instructions == instructions
    by_id = {item.end_to_end_id: item for item in received.instructions}
    success, failure = write_flat_returns(layout, HEADER, by_id, decisions)
    answers = []
    for data, kind in ((success, SUCCESS), (failure, FAILURE)):
        result = read_flat_return(data, layout, kind)
        assert result.declared_count == len(result.lines)
        assert result.declared_total_fen == sum(by_id[line.end_to_end_id].amount_fen for line in result)
        assert all(line.amount_fen == by_id[line.end_to_end_id].amount_fen for line in result)
        answers += [
            Decision(line.end_to_end_id, line.outcome, line.reason_code, line.reason_text) for line in result
        ]
    return sorted(answers, key=lambda answer: answer.end_to_end_id)


@pytest.mark.parametrize("layout", READY_LAYOUTS.values(), ids=READY_LAYOUTS.keys())
def test_each_ready_layout_gives_back_the_decisions_it_was_answered_with(layout: FlatLayout) -> None:
    instructions = [
        instruction(n, creditor_name=name)
        for n, name in enumerate(["罗广义", "王丽娟", "欧阳秀兰", "阿卜杜·热合曼"], 1)
    ]
    decisions = [
        Decision("E2E000001", Outcome.PAID),
        Decision("E2E000002", Outcome.FAILED, "BE01", "户名不符"),
        Decision("E2E000003", Outcome.RETURNED, "AC04", "已销户"),
        Decision("E2E000004", Outcome.FAILED, "AG01", "非结算户"),
    ]
    assert round_trip(layout, instructions, decisions) == decisions


def test_the_simulator_words_a_bare_code_so_that_it_reads_back() -> None:
    by_id = {"E2E000001": instruction(1)}
    _, failure = write_flat_returns(
        PIPE_SUMMARY_FIRST, HEADER, by_id, [Decision("E2E000001", Outcome.FAILED, "AC04")]
    )
    [line] = read_flat_return(failure, PIPE_SUMMARY_FIRST, FAILURE).lines
    assert (line.reason_code, line.reason_text) == ("AC04", "已销户")
    _, failure = write_flat_returns(
        PIPE_SUMMARY_FIRST, HEADER, by_id, [Decision("E2E000001", Outcome.FAILED, "AM04")]
    )
    [line] = read_flat_return(failure, PIPE_SUMMARY_FIRST, FAILURE).lines
    assert (line.reason_code, line.reason_text) == ("AM04", "余额不足")


def test_the_simulator_leaves_out_accepted_decisions_and_refuses_unknown_serials() -> None:
    by_id = {"E2E000001": instruction(1)}
    success, failure = write_flat_returns(
        PIPE_SUMMARY_FIRST, HEADER, by_id, [Decision("E2E000001", Outcome.ACCEPTED)]
    )
    assert success == failure == "合计|PF202609010001|0|0.00\r\n".encode("gbk")
    with pytest.raises(PaymentFileError, match="流水号 E2E000009 不在付款文件中"):
        write_flat_returns(PIPE_SUMMARY_FIRST, HEADER, by_id, [Decision("E2E000009", Outcome.PAID)])


NAME_CHARACTERS = "罗广义王丽娟欧阳秀兰张桂芝李德福赵玉珍孙文周淑琴吴长海郑英阿卜杜热合曼·"
REFUSALS = [
    (Outcome.FAILED, "BE01", "户名不符"),
    (Outcome.FAILED, "AC06", "完全冻结"),
    (Outcome.RETURNED, "MD07", "死亡"),
]


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[Instruction], list[Decision]]:
    count = draw(st.integers(min_value=1, max_value=12))
    instructions, decisions = [], []
    for number in range(1, count + 1):
        item = instruction(
            number,
            creditor_name=draw(st.text(NAME_CHARACTERS, min_size=1, max_size=20)).strip("·") or "王",
            amount_fen=draw(st.integers(min_value=1, max_value=10**9)),
        )
        instructions.append(item)
        answer = draw(st.sampled_from([(Outcome.PAID, "", ""), *REFUSALS]))
        decisions.append(Decision(item.end_to_end_id, *answer))
    return instructions, decisions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.sampled_from(list(READY_LAYOUTS.values())))
def test_any_batch_round_trips_through_either_ready_layout(
    batch: tuple[list[Instruction], list[Decision]], layout: FlatLayout
) -> None:
    instructions, decisions = batch
    assert round_trip(layout, instructions, decisions) == decisions


def test_the_ready_layouts_are_valid_and_named_in_chinese() -> None:
    assert list(READY_LAYOUTS) == ["竖线分隔（汇总行在首行）", "定长（汇总行在末行，分为单位）"]
    for layout in READY_LAYOUTS.values():
        assert layout.validate() == []


@pytest.mark.parametrize("layout", READY_LAYOUTS.values(), ids=READY_LAYOUTS.keys())
def test_a_layout_survives_json_as_a_jsonfield_stores_it(layout: FlatLayout) -> None:
    stored = json.loads(json.dumps(layout.to_dict(), ensure_ascii=False))
    assert FlatLayout.from_dict(stored) == layout
    # PostgreSQL's jsonb does not keep an object's key order: the reasons must not depend on it.
    stored["returns"]["reasons"] = dict(reversed(list(stored["returns"]["reasons"].items())))
    assert FlatLayout.from_dict(stored) == layout


def test_missing_keys_take_their_defaults_and_wrong_types_are_named() -> None:
    minimal = FlatLayout.from_dict({"name": "某行", "summary": [{"field": "count"}], "details": []})
    assert (minimal.encoding, minimal.separator, minimal.line_ending) == ("GBK", "|", "\r\n")
    assert minimal.summary == (Column("count"),)
    with pytest.raises(LayoutError, match="明细行第 1 列的长度应为整数"):
        FlatLayout.from_dict({"details": [{"field": "name", "width": "40"}]})
    with pytest.raises(LayoutError, match="失败原因对照应为"):
        FlatLayout.from_dict({"returns": {"reasons": ["户名不符"]}})


def broken(**changes: object) -> list[str]:
    """The validation errors of the pipe layout changed as told (``returns`` changes go to its returns)."""
    returns = changes.pop("returns", {})
    layout = dataclasses.replace(
        PIPE_SUMMARY_FIRST,
        returns=dataclasses.replace(PIPE_SUMMARY_FIRST.returns, **returns),  # type: ignore[arg-type]
        **changes,  # type: ignore[arg-type]
    )
    return layout.validate()


def fixed_broken(**changes: object) -> list[str]:
    return dataclasses.replace(FIXED_SUMMARY_LAST, **changes).validate()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        (broken(name=" "), "格式名称不能为空"),
        (broken(encoding="BIG5"), "编码“BIG5”不支持：只能是 GBK、GB18030 或 UTF-8"),
        (broken(separator=";"), "分隔符“;”不支持"),
        (broken(line_ending="\r"), "换行符“CR”不支持"),
        (broken(amount_unit="jiao"), "金额单位“jiao”不支持"),
        (broken(summary_position="middle"), "汇总行位置“middle”不支持"),
        (
            broken(details=(*PIPE_SUMMARY_FIRST.details, Column("nickname"))),
            "明细行第 9 列：未知字段“nickname”",
        ),
        (broken(details=(*PIPE_SUMMARY_FIRST.details, Column("name"))), "明细行的“户名”列出现了 2 次"),
        (broken(details=PIPE_SUMMARY_FIRST.details[1:]), "明细行缺少“流水号”列"),
        (
            broken(summary=(Column("count"), Column("total"), Column("name"))),
            "汇总行第 3 列：这一行不能有“户名”",
        ),
        (broken(summary=()), "汇总行没有任何列"),
        (broken(summary=(Column("count"), Column("total"), constant_column("A|B"))), "“A|B”含有分隔符"),
        (broken(summary=(Column("count"), Column("total"), Column("constant"))), "（固定文字）没有填写文字"),
        (broken(end_marker="𠮷"), "结束标志含有 GBK 无法表示的字符“𠮷”"),
        (broken(style="fixed", separator=""), "明细行第 1 列（流水号）：定长格式每列都要有长度（字节数）"),
        (fixed_broken(separator="|"), "定长格式不用分隔符，却设了分隔符“|”"),
        (fixed_broken(trailing_separator=True), "“行末带分隔符”应为否"),
        (
            fixed_broken(summary=(number_column("count", 3), number_column("total", 15))),
            "汇总行第 1 列（总笔数）长 3 字节，至少要 6 字节",
        ),
        (
            fixed_broken(summary=(number_column("count", 10), number_column("total", 10))),
            "汇总行第 2 列（总金额）长 10 字节，至少要 11 字节",
        ),
        (
            fixed_broken(
                summary=(text_column("date", 6), number_column("count", 10), number_column("total", 15))
            ),
            "汇总行第 1 列（日期）长 6 字节，至少要 8 字节",
        ),
        (
            fixed_broken(details=(*FIXED_SUMMARY_LAST.details[:3], number_column("account", 32))),
            "（账号）：在左侧补 0 会和账号本身开头的 0 混淆",
        ),
        (
            fixed_broken(details=(*FIXED_SUMMARY_LAST.details, Column("filler", 4, pad="　"))),
            "补位字符应为一个单字节字符",
        ),
        (
            fixed_broken(details=(*FIXED_SUMMARY_LAST.details, Column("filler", 4, pad_side="middle"))),
            "补位方向只能是左侧或右侧",
        ),
        (
            fixed_broken(
                summary=(constant_column("汇总", 2), number_column("count", 10), number_column("total", 15))
            ),
            "汇总行第 1 列（固定文字）长 2 字节，至少要 4 字节",
        ),
        (broken(returns={"failure": PIPE_SUMMARY_FIRST.returns.success}), "失败回盘明细缺少“失败原因”列"),
        (broken(returns={"total": (Column("count"), Column("total"))}), "回盘合计行缺少“固定文字”列"),
        (broken(returns={"total_position": "top"}), "回盘合计行位置“top”不支持"),
        (
            broken(returns={"success": (Column("serial"),)}),
            "回盘合计行有总金额，成功回盘明细却没有金额列，无法核对",
        ),
        (broken(returns={"returned_text": "失败"}), "成功、失败、退回三种写法不能相同"),
        (broken(returns={"paid_text": ""}), "处理结果“成功”的写法不能为空"),
        (
            broken(returns={"reasons": (("户名不符", "be01"),)}),
            "失败原因“户名不符”的代码“be01”应为 4 位大写字母或数字",
        ),
        (broken(returns={"reasons": (("", "AC04"),)}), "失败原因对照里有一条银行文字为空（代码 AC04）"),
        (broken(returns={"reasons": (("户名不符", "AC99"),)}), "代码“AC99”不是平台认识的 ISO 20022 原因代码"),
    ],
)
def test_validation_names_each_fault_in_chinese(errors: list[str], expected: str) -> None:
    assert any(expected in error for error in errors), errors


def test_validation_reports_every_fault_at_once() -> None:
    errors = broken(encoding="BIG5", separator=";", details=(Column("nickname"),))
    assert len(errors) >= 5
    fixed_result_too_narrow = dataclasses.replace(
        FIXED_SUMMARY_LAST.returns,
        success=(text_column("serial", 20), number_column("amount", 15), text_column("result", 2)),
    )
    assert any(
        "成功回盘明细第 3 列（处理结果）长 2 字节，至少要 4 字节" in error
        for error in fixed_broken(returns=fixed_result_too_narrow)
    )


def test_a_return_layout_reads_its_reason_table_as_a_dict() -> None:
    layout = ReturnLayout(success=(), failure=(), total=(), reasons=(("户名不符", "BE01"),))
    assert layout.reason_table() == {"户名不符": "BE01"}
