"""Each kind of cell: the spellings it accepts, their canonical form, and the reasons it refuses a value."""

from __future__ import annotations

import polars as pl
import pytest

from tests.bulk.factories import TODAY, id_number
from yikatong.bulk import RegionScope, region_code_error
from yikatong.bulk.kinds import LOST_TO_EXCEL, Context, check_cells
from yikatong.bulk.schemas import SCHEMAS, Column

COLUMNS = {(kind, column.name): column for kind, schema in SCHEMAS.items() for column in schema}
CONTEXT = Context(today=TODAY)
DATE_FORMS = "不是有效的日期（应写作 2026-07-24、2026/7/24、2026.7.24、20260724 或 2026年7月24日）"


def checked(
    kind: str, name: str, cells: list[str | None], context: Context = CONTEXT
) -> list[tuple[str | None, str | None]]:
    return check_cells(cells, COLUMNS[kind, name], context).rows()


def assert_accepts(kind: str, name: str, cases: dict[str, str], context: Context = CONTEXT) -> None:
    """Every cell is accepted and comes out in the given canonical form."""
    results = checked(kind, name, list(cases), context)
    assert dict(zip(cases, results, strict=True)) == {cell: (value, None) for cell, value in cases.items()}


def assert_refuses(kind: str, name: str, cases: dict[str, str], context: Context = CONTEXT) -> None:
    """Every cell is refused for the given reason and has no value."""
    results = checked(kind, name, list(cases), context)
    assert dict(zip(cases, results, strict=True)) == {cell: (None, reason) for cell, reason in cases.items()}


def test_empty_cells_are_absent_when_optional_and_refused_when_required() -> None:
    assert checked("persons", "phone", [None, "", "  ", "\u3000"]) == [(None, None)] * 4
    assert checked("persons", "name", [None, " "]) == [(None, "不能为空")] * 2


def test_id_numbers() -> None:
    man = id_number()
    x_number = id_number("19491231", place="110105", sequence=2)
    assert x_number.endswith("X")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in x_number[:-1]) + "ｘ"
    assert_accepts(
        "persons",
        "id_number",
        {
            man: man,
            f" {man}\u3000": man,
            x_number.lower(): x_number,
            full_width: x_number,
            x_number[:6] + " " + x_number[6:]: x_number,
        },
    )
    assert_refuses(
        "persons",
        "id_number",
        {
            man[:-1]: "长度应为18位",
            man[:5] + "A" + man[6:]: "含有非法字符",
            man[:-1] + ("1" if man[-1] != "1" else "2"): "校验位错误",
            id_number("19540230"): "出生日期无效",
            id_number("18891231"): "出生日期无效",
            id_number("20261002"): "出生日期无效",
            id_number(place="999999"): "地区码不存在",
            id_number(place="239999"): "地区码不存在",
            "232722195405030000": "校验位错误（末尾是000，可能被 Excel 当作数字保存而丢失了末几位，"
            "请把该列设为文本后重新录入）",
            "2.32722E+17": LOST_TO_EXCEL,
        },
    )


def test_a_county_created_after_the_birth_year_is_a_valid_place() -> None:
    # 塔河县 (232722) was created in 1981; numbers issued later carry it whatever the holder's birth year.
    number = id_number("19500101", place="232722")
    assert_accepts("persons", "id_number", {number: number})


def test_names() -> None:
    assert_accepts(
        "persons",
        "name",
        {
            "王  伟": "王伟",
            "欧 阳 锋": "欧阳锋",
            "阿依古丽·买买提": "阿依古丽·买买提",
            " Anna  Maria ": "Anna Maria",
            "Ｊｏｈｎ": "John",
            "王" * 30: "王" * 30,
        },
    )
    unreadable = "含有无法识别的字符（可能是文件编码不对）"
    assert_refuses(
        "persons",
        "name",
        {
            "王2": "不能含有数字",
            "王２": "不能含有数字",
            "王" * 31: "不能超过30个字",
            "王?": unreadable,
            "王\ufffd": unreadable,
        },
    )


def test_text_is_trimmed_and_folded() -> None:
    cases = {
        "  村会计 ": "村会计",
        "乡镇干部（财政供养人员）": "乡镇干部(财政供养人员)",
        "Ａ组组长": "A组组长",
    }
    assert_accepts("cadres", "position", cases)


def test_dates_in_every_written_form() -> None:
    forms = [
        "2026-07-24",
        "2026/7/24",
        "2026.7.24",
        "20260724",
        "2026年7月24日",
        "2026年07月24",
        " 2026-7-24 ",
        "2026-07-24 00:00:00",
        "２０２６－０７－２４",
        "2026-07-24T13:05",
    ]
    assert_accepts("deaths", "death_date", dict.fromkeys(forms, "2026-07-24"))
    assert_accepts("deaths", "death_date", {"2024-02-29": "2024-02-29", "2026-10-01": "2026-10-01"})


def test_bad_dates() -> None:
    cases = dict.fromkeys(["2026-02-29", "2026-13-01", "24/07/2026", "昨天", "45725"], DATE_FORMS)
    assert_refuses("deaths", "death_date", {**cases, "1889-12-31": "早于1890年", "2026-10-02": "晚于今天"})


def test_excel_serial_dates_only_from_workbooks() -> None:
    excel = Context(today=TODAY, excel=True)
    assert_accepts(
        "deaths",
        "death_date",
        dict.fromkeys(["45725", "45725.0", "2025-03-09 00:00:00"], "2025-03-09"),
        excel,
    )
    assert_refuses("deaths", "death_date", {"60": DATE_FORMS, "99999": "晚于今天"}, excel)


def test_village_codes() -> None:
    cases = dict.fromkeys(["232722100001", " 2327 2210 0001 ", "２３２７２２１００００１"], "232722100001")
    assert_accepts("persons", "village_code", cases)
    malformed = "应为12位数字的村级区划代码"
    assert_refuses(
        "persons", "village_code", dict.fromkeys(["23272210000", "2327221000011", "23272210000A"], malformed)
    )
    known = Context(today=TODAY, known_villages=pl.Series(["232722100001"]))
    assert_refuses("persons", "village_code", {"232722999201": "区划代码 232722999201 不存在"}, known)
    assert_accepts("persons", "village_code", {"232722100001": "232722100001"}, known)


def test_bank_codes_and_accounts() -> None:
    assert_accepts("cards", "bank_code", {"103": "103", "102100099996": "102100099996"})
    assert_refuses("cards", "bank_code", dict.fromkeys(["10", "1021000999961", "ABC"], "应为3至12位数字"))
    known = Context(today=TODAY, known_banks=pl.Series(["103"]))
    assert_refuses("cards", "bank_code", {"105": "银行代码 105 不存在"}, known)
    accounts = {
        "6228 4807 8123 4567 890": "6228480781234567890",
        "6228-4807-8123-4567-890": "6228480781234567890",
        "12345678": "12345678",
    }
    assert_accepts("cards", "account_no", accounts)
    bad_accounts = dict.fromkeys(["1234567", "1" * 33, "6228O4807", "6.22848E"], "应为8至32位数字")
    assert_refuses("cards", "account_no", {**bad_accounts, "6.22848E+18": LOST_TO_EXCEL})


def test_phones() -> None:
    assert_accepts(
        "persons",
        "phone",
        {
            "13945712345": "13945712345",
            "139 4571 2345": "13945712345",
            "+86 139-4571-2345": "13945712345",
            "0457-3662123": "0457-3662123",
            "0457 3662123": "0457-3662123",
            "(0457)3662123": "0457-3662123",
            "（0457）3662123": "0457-3662123",
            "04573662123": "0457-3662123",
            "010-62345678": "010-62345678",
            "01062345678": "010-62345678",
            "021 12345678": "021-12345678",
        },
    )
    wrong = ["1394571234", "23945712345", "3662123", "0457-0662123", "电话"]
    assert_refuses(
        "persons", "phone", dict.fromkeys(wrong, "应为11位手机号或带区号的固定电话（如 0457-3662123）")
    )


def test_decimals_keep_exactly_their_places() -> None:
    areas = {
        "23.4567": "23.4567",
        "23.45670": "23.4567",
        "20": "20.0000",
        "0.5": "0.5000",
        ".5": "0.5000",
        "007.10": "7.1000",
        "1,234.5": "1234.5000",
        "+3": "3.0000",
        "２３.５": "23.5000",
    }
    assert_accepts("land", "contract_area_mu", areas)
    assert_refuses("land", "contract_area_mu", {"23.45678": "最多4位小数"})
    assert_accepts("roster", "amount", {"1921.05": "1921.05", "300": "300.00", "0": "0.00"})
    not_a_number = dict.fromkeys(["1,23", "1.2.3", "1e3", "¥5", "."], "不是有效的数字")
    too_much = {"300.001": "最多2位小数", "-5": "不能为负数", "99999999999999999": "数值过大"}
    assert_refuses("roster", "amount", {**not_a_number, **too_much})


def test_whole_numbers() -> None:
    cases = {"1": "1", "007": "7", "12.0": "12", "１２": "12", "+4": "4", "0": "0"}
    assert_accepts("roster", "line_no", cases)
    assert_refuses(
        "roster", "line_no", {"-1": "不能为负数", "1.5": "应为整数", "一": "应为整数", "1" * 19: "数值过大"}
    )


@pytest.mark.parametrize(
    ("kind", "name", "spellings", "code"),
    [
        ("cards", "status", ["正常", "active", "ACTIVE", " Active "], "active"),
        ("cards", "status", ["挂失", "lost"], "lost"),
        ("cards", "status", ["冻结", "frozen"], "frozen"),
        ("cards", "status", ["注销", "closed", "销户"], "closed"),
        ("persons", "relation", ["户主", "head", "本人"], "head"),
        ("persons", "relation", ["配偶", "spouse", "妻子"], "spouse"),
        ("persons", "relation", ["子女", "child", "长子", "女儿"], "child"),
        ("persons", "relation", ["父母", "parent", "母亲"], "parent"),
        ("persons", "relation", ["孙子女", "grandchild", "外孙女"], "grandchild"),
        ("persons", "relation", ["兄弟姐妹", "sibling", "妹妹"], "sibling"),
        ("persons", "relation", ["其他", "other", "其它"], "other"),
        ("persons", "gender", ["男", "male", "M", "男性"], "M"),
        ("persons", "gender", ["女", "female", "f", "女性"], "F"),
        ("policies", "means_tested", ["是", "yes", "1", "TRUE", "Y"], "true"),
        ("policies", "means_tested", ["否", "no", "0", "false", "N"], "false"),
        ("policies", "unit", ["亩", "mu"], "mu"),
        ("policies", "unit", ["月", "month"], "month"),
        ("policies", "unit", ["人", "person"], "person"),
        ("policies", "unit", ["户", "household"], "household"),
    ],
)
def test_enum_spellings(kind: str, name: str, spellings: list[str], code: str) -> None:
    assert_accepts(kind, name, dict.fromkeys(spellings, code))


def test_enum_refusals_list_the_choices() -> None:
    assert_refuses("cards", "status", dict.fromkeys(["停用", "ok"], "应为以下之一：正常、挂失、冻结、注销"))
    assert_refuses("persons", "gender", {"未知": "应为以下之一：男、女"})


def test_periods() -> None:
    months = dict.fromkeys(
        ["2026-10", "2026/10", "2026.10", "202610", "2026年10月", " 2026 - 10 "], "2026-10"
    )
    quarters = dict.fromkeys(["2026Q4", "2026q4", "2026年第4季度", "２０２６Ｑ４"], "2026Q4")
    years = dict.fromkeys(["2026", "2026年"], "2026")
    assert_accepts("roster", "period", {**months, **quarters, **years, "2026-1": "2026-01"})
    wrong = ["2026-13", "2026-00", "2026Q5", "26-10", "2026-10-01"]
    assert_refuses(
        "roster", "period", dict.fromkeys(wrong, "应写作 2026-10（月）、2026Q4（季度）或 2026（年）")
    )


def test_code_lists() -> None:
    lists = ["GL90;GL100", "GL90；GL100", "GL90、GL100", "GL90, GL100 ;", "GL90，GL100"]
    assert_accepts("policies", "exclusive_with", {**dict.fromkeys(lists, "GL90;GL100"), "GL90": "GL90"})
    assert checked("policies", "exclusive_with", [";；"]) == [(None, None)]
    message = "项目代码只能由字母、数字、下划线和连字符组成，多个代码用分号隔开"
    assert_refuses("policies", "exclusive_with", dict.fromkeys(["GL 90", "高龄"], message))


def test_column_definitions_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("x", "某列", True, "money")
    with pytest.raises(ValueError, match="choices go with kind 'enum'"):
        Column("x", "某列", True, "enum")


# Every kind of cell, tidy or not, for the shortcut test below.
MIXED_CELLS = [
    None, "", " ", "\u3000", "\u200b", "0", "00", "007", "1", "12", "+12", "-1", "12.0", "0.5", ".5", "5.",
    "1.50", "001.50", "1,234.50", "1,5", "1e5", "2.32722E+17", "12.3456", "12.34567", "0.0000", "3.14159",
    "1234567890123456.00", "12345678901234567.00", "123456789012345678", "1234567890123456789",
    "abc", "H1", " H2 ", "a b", "a  b", "a\tb", "a\nb", "x?", "A_1-b", "GL90;GL100", "GL 90",
    "王五", "王 五", " 王五 ", "王2", "王\u200b五", "Ｊｏｈｎ", "John  Smith", "㐀丽", "王" * 30, "王" * 31,
    "2026-10", "2026-1", "2026-13", "2026-00", "2026Q4", "2026q4", "2026", "202610", "2026年10月",
    "2026-07-24", "1954/5/3", "19540230", "45678", "2099-12-31", "1889-01-01",
    "232722100001", "２３２７２２１００００１", "23272210000", "2327221000011", "232722 100001",
    "102", "12", "1234567890123", "6228480781234567890", "6228 4807 8123 4567 890", "62284807",
    "6228480", "13945712345", "0457-3662123",
    "正常", "active", "ACTIVE", " 挂失 ", "冻 结", "停用", "男", "女性", "m", "户主", "妻子", "月", "亩",
    "是", "no",
    id_number(), id_number(sequence=12), id_number("19491231", place="110105", sequence=2),
    id_number("19491231", place="110105", sequence=2).lower(), id_number()[:-1], id_number()[:-1] + "0",
    id_number("19540230"), id_number(place="999999"), "232722195405030000",
    "".join(chr(ord(c) + 0xFEE0) for c in id_number()),
]  # fmt: skip


@pytest.mark.parametrize(
    "context",
    [
        CONTEXT,
        Context(today=TODAY, known_villages=pl.Series(["232722100001"]), known_banks=pl.Series(["102"])),
    ],
)
@pytest.mark.parametrize(("kind", "name"), sorted(COLUMNS))
def test_shortcuts_give_the_full_check_results(kind: str, name: str, context: Context) -> None:
    column = COLUMNS[kind, name]
    # Long enough for the once-per-distinct-value shortcut, in an order that mixes every cell.
    cells = [MIXED_CELLS[(i * 7) % len(MIXED_CELLS)] for i in range(25 * len(MIXED_CELLS))]
    fast = check_cells(cells, column, context)
    full = check_cells(cells, column, context, shortcuts=False)
    assert fast.rows() == full.rows()
    # A column of nothing but canonical cells takes the shortest way and gives the same as well.
    plain = full.filter(pl.col("error").is_null() & pl.col("value").is_not_null()).get_column("value")
    assert (
        check_cells(plain, column, context).rows()
        == check_cells(plain, column, context, shortcuts=False).rows()
    )


SCOPE = RegionScope.of(
    [
        ("232722000000", "塔河县", False),
        ("232722100000", "塔河镇", False),
        ("232722100201", "永丰村", True),
        ("232722201202", "安罗村", True),
    ],
    ["232722100201"],
)


def test_village_codes_outside_the_users_area_are_told_from_unknown_ones() -> None:
    assert_accepts("persons", "village_code", {"232722100201": "232722100201"}, Context(TODAY, regions=SCOPE))
    assert_refuses(
        "persons",
        "village_code",
        {
            "232722201202": "区划代码 232722201202（安罗村）不在您的管辖范围内",
            "232722100000": "区划代码 232722100000（塔河镇）不是村级区划代码",
            "232722999999": "区划代码 232722999999 不存在",
            "23272210020": "应为12位数字的村级区划代码",
        },
        Context(TODAY, regions=SCOPE),
    )


def test_region_code_error_checks_a_whole_column_for_other_imports() -> None:
    codes = pl.DataFrame({"village_code": ["232722100201", "232722201202", "232722999999", None]})
    errors = codes.select(region_code_error(pl.col("village_code"), SCOPE)).to_series().to_list()
    assert errors == [
        None,
        "区划代码 232722201202（安罗村）不在您的管辖范围内",
        "区划代码 232722999999 不存在",
        None,
    ]
    assert SCOPE.villages_in_area().to_list() == ["232722100201"]
