"""`yikatong audit` on a directory of files (GBK CSV, .xlsx, header variants): no database, no login."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from tests.bulk.factories import id_number, write_csv, write_xlsx
from yikatong.bulk.schemas import SCHEMAS
from yikatong.cli import app

REPO = Path(__file__).resolve().parents[2]
VILLAGE = "232722100001"
ANNA = id_number("19500101", sequence=1)
BO = id_number("19600101", sequence=3)
CHEN = id_number("19700101", sequence=5)
DENG = id_number("19400101", sequence=7)
ROSTER_HEADER = [
    "序号",
    "项目代码",
    "发放期间",
    "身份证号码",
    "姓名",
    "村代码",
    "数量",
    "金额（元）",
    "社保卡号",
]


def run_audit(
    directory: Path,
    roster: str | Path,
    *,
    out: str | Path,
    previous: str | Path | None = None,
    period: str = "2026-10",
    rules: str | None = None,
) -> Result:
    """``yikatong audit`` on a registry directory and a roster, as a user would type it."""
    arguments = ["audit", "--registry-dir", str(directory), "--roster", str(roster)]
    if previous is not None:
        arguments += ["--previous-roster", str(previous)]
    arguments += ["--period", period, "--out", str(out)]
    if rules is not None:
        arguments += ["--rules", rules]
    return CliRunner().invoke(app, arguments)


def registry_dir(tmp_path: Path) -> Path:
    """persons and cards as GBK CSV under header variants, deaths as .xlsx, policies as UTF-8 CSV."""
    directory = tmp_path / "registries"
    directory.mkdir()
    write_csv(
        directory,
        [
            ["公民身份号码", "姓名", "村级区划代码", "户号", "关系"],
            [ANNA, "安娜", VILLAGE, "H1", "户主"],
            [BO, "薄一", VILLAGE, "H2", "户主"],
            [CHEN, "陈二", VILLAGE, "H3", "户主"],
        ],
        name="persons.csv",
        encoding="gbk",
    )
    write_csv(
        directory,
        [
            ["id_number", "持卡人", "银行代码", "卡号", "状态"],
            [ANNA, "安娜", "102", "62000000000001", "正常"],
            [BO, "薄一", "102", "62000000000002", "挂失"],
        ],
        name="cards.csv",
        encoding="gbk",
    )
    write_xlsx(
        directory,
        {"死亡": [["身份证号", "姓名", "死亡日期"], [CHEN, "陈二", dt.date(2026, 7, 24)]]},
        name="deaths.xlsx",
    )
    write_csv(
        directory,
        [
            ["项目代码", "项目名称", "计量单位", "补贴标准", "最低年龄"],
            ["GL", "高龄津贴", "月", "100", "80"],
        ],
        name="Policies.csv",
        encoding="utf-8-sig",
    )
    return directory


def test_offline_audit_writes_findings_and_reports_skipped_rules(tmp_path: Path) -> None:
    directory = registry_dir(tmp_path)
    wrong = ANNA[:17] + ("0" if ANNA[17] != "0" else "1")
    roster = write_csv(
        tmp_path,
        [
            ROSTER_HEADER,
            ["1", "GL", "2026-10", ANNA, "安娜", VILLAGE, "", "100.00", "62000000000001"],
            ["2", "GL", "2026-10", BO, "薄一", VILLAGE, "", "100.00", "62000000000002"],
            ["3", "GL", "2026-10", CHEN, "陈二", VILLAGE, "", "100.00", "62000000000003"],
            ["4", "GL", "2026-10", wrong, "错号", VILLAGE, "", "100.00", "62000000000004"],
        ],
        name="roster.csv",
        encoding="gbk",
    )
    previous = write_csv(
        tmp_path,
        [
            ROSTER_HEADER,
            ["1", "GL", "2026-09", ANNA, "安娜", VILLAGE, "", "100.00", "62000000000001"],
            ["2", "GL", "2026-09", DENG, "邓四", VILLAGE, "", "100.00", "62000000000005"],
        ],
        name="previous.xlsx.csv",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "findings.csv"
    result = run_audit(directory, roster, out=out, previous=previous)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    findings = pl.read_csv(out, infer_schema=False)
    assert findings.columns == ["序号", "规则", "严重程度", "身份证号", "项目代码", "说明"]
    got = set(findings.select("序号", "规则").rows())
    assert {
        ("2", "CARD_INACTIVE"),
        ("3", "DECEASED"),
        ("3", "NO_CARD"),
        ("4", "ID_INVALID"),
        (None, "MISSED"),
    } <= got
    deceased = findings.filter(pl.col("规则") == "DECEASED")
    assert deceased.get_column("说明")[0] == "该人员已于2026-07-24死亡（死亡人员文件“deaths.xlsx”）"
    assert deceased.get_column("身份证号")[0] == CHEN
    assert findings.filter(pl.col("规则") == "MISSED").get_column("身份证号").to_list() == [DENG]
    # land and cadres are not in the directory; workflow events never are in files
    for code in ("AREA_EXCEEDS", "CADRE_HOUSEHOLD", "LATE"):
        assert code in result.output
    assert "跳过" in result.output and "土地承包" in result.output
    assert "DECEASED" in result.output


def test_offline_audit_judges_every_line_of_a_roster_from_another_system(tmp_path: Path) -> None:
    # GBK, lower-case x, stray spaces, empty accounts, a missing ID number, an unreadable amount, a typo.
    directory = registry_dir(tmp_path)
    typo = ANNA[:8] + ("1" if ANNA[8] != "1" else "2") + ANNA[9:]
    roster = write_csv(
        tmp_path,
        [
            ROSTER_HEADER,
            ["1", "GL", "2026-10", ANNA.lower() + " ", "安娜", VILLAGE, "", "100.00", ""],
            ["2", "GL", "2026-10", f" {BO}", "薄一", VILLAGE, "", "100.00", ""],
            ["3", "GL", "2026-10", CHEN, "陈二", VILLAGE, "", "一百元", ""],
            ["4", "GL", "2026-10", "", "无号", VILLAGE, "", "100.00", "62000000000009"],
            ["5", "GL", "2026-10", typo, "安娜", VILLAGE, "", "100.00", ""],
            ["6", "GL", "2026-10", DENG, "邓四", VILLAGE, "", "100.00", ""],
        ],
        name="roster.csv",
        encoding="gbk",
    )
    previous = write_csv(
        tmp_path,
        [ROSTER_HEADER, ["1", "GL", "2026-09", CHEN, "陈二", VILLAGE, "", "100.00", ""]],
        name="previous.csv",
    )
    out = tmp_path / "findings.csv"
    result = run_audit(directory, roster, out=out, previous=previous)
    assert result.exit_code == 0, result.output
    assert "名册共6行，全部参与核查" in result.output
    assert "未参与核查" not in result.output
    # The unreadable amount is named, and its line still judged.
    assert "有1行部分单元格无法读取（序号3；如序号3：金额：不是有效的数字）" in result.output
    findings = pl.read_csv(out, infer_schema=False)
    got = set(findings.select("序号", "规则").rows())
    assert ("2", "CARD_INACTIVE") in got  # his card on file is lost
    assert ("3", "DECEASED") in got and ("3", "NO_CARD") in got
    assert ("4", "ID_INVALID") in got
    assert ("5", "ID_INVALID") in got and ("5", "DUPLICATE") in got  # Anna's line again, mistyped
    assert ("6", "NO_CARD") in got  # Deng is not in the cards registry
    # Her empty account is her card on file; her mistyped second line (5) is paid to the same card.
    assert {rule for number, rule in got if number == "1"} == {"INELIGIBLE", "SHARED_ACCOUNT"}
    assert "MISSED" not in findings.get_column("规则").to_list()  # Chen has a line, unreadable or not
    detail = dict(zip(findings.get_column("序号"), findings.get_column("说明"), strict=False))
    assert findings.filter((pl.col("序号") == "4") & (pl.col("规则") == "ID_INVALID")).get_column("说明")[
        0
    ] == ("身份证号无效：缺少身份证号")
    invalid = findings.filter((pl.col("序号") == "5") & (pl.col("规则") == "ID_INVALID")).get_column("说明")[
        0
    ]
    assert invalid.startswith("身份证号无效：") and f"疑似为本村安娜（{ANNA}，差一位）" in invalid
    assert "办理社保卡" in detail["6"]
    summary = pl.read_csv(tmp_path / "findings.summary.csv", infer_schema=False)
    facts = dict(zip(summary.get_column("项目"), summary.get_column("结果"), strict=False))
    assert facts["名册行数"] == "6"
    assert facts["核查范围"].startswith("名册共6行，全部参与核查")
    assert facts["NO_CARD"] == "2"
    assert facts["LATE"].startswith("跳过")


def test_offline_audit_runs_only_the_chosen_rules(tmp_path: Path) -> None:
    directory = registry_dir(tmp_path)
    roster = write_xlsx(
        tmp_path,
        {
            "名册": [
                ["序号", "项目代码", "发放期间", "身份证号", "姓名", "村代码", "金额", "银行账号"],
                ["1", "GL", "2026-10", DENG, "邓四", VILLAGE, "120.00", "62000000000005"],
            ]
        },
        name="roster.xlsx",
    )
    out = tmp_path / "findings.csv"
    result = run_audit(directory, roster, out=out, rules="over_standard,MISSED")
    assert result.exit_code == 0, result.output
    findings = pl.read_csv(out, infer_schema=False)
    assert findings.select("序号", "规则", "严重程度").rows() == [("1", "OVER_STANDARD", "高")]
    assert "上期名册" in result.output


def test_offline_audit_exits_2_on_an_unreadable_file(tmp_path: Path) -> None:
    directory = registry_dir(tmp_path)
    (directory / "land.csv").write_bytes(b"")
    roster = tmp_path / "roster.csv"
    roster.write_text("序号\n", encoding="utf-8")
    result = run_audit(directory, roster, out=tmp_path / "f.csv")
    assert result.exit_code == 2
    assert "无法读取" in result.output
    bad_period = run_audit(directory, roster, out=tmp_path / "f.csv", period="2026-13")
    assert bad_period.exit_code == 2


# --- the same county in every file form: encodings, workbooks and header spellings ---------------------

V1, V2 = "232722100001", "232722100002"
PEOPLE = {
    # key: (birth date, sequence) → a valid ID number
    "an": id_number("19500101", sequence=11),
    "bo": id_number("19600101", sequence=13),
    "chen": id_number("19700101", sequence=15),
    "deng": id_number("19400101", sequence=17),
    "eva": id_number("19520101", sequence=19),
    "fang": id_number("19550101", sequence=21),
    "gang": id_number("19560101", sequence=23),
    "hua": id_number("19570101", sequence=25),
    "ivy": id_number("19580101", sequence=27),
    "jun": id_number("19590101", sequence=29),
    "kai": id_number("19610101", sequence=31),
    "lei": id_number("19360101", sequence=33),
}
NAMES = {
    "an": "安娜", "bo": "薄一", "chen": "陈二", "deng": "邓四", "eva": "尹娃", "fang": "方芳",
    "gang": "高刚", "hua": "华华", "ivy": "艾薇", "jun": "钧军", "kai": "凯凯", "lei": "雷雷",
}  # fmt: skip
ACCOUNT = {key: f"6200000000{n:04d}" for n, key in enumerate(PEOPLE, start=1)}
NOBODY = "6219999900000001"
WRONG = PEOPLE["ivy"][:17] + ("0" if PEOPLE["ivy"][17] != "0" else "1")


def county_tables() -> dict[str, list[dict[str, str]]]:
    """Registries, policies and both rosters in canonical cells (column name → cell)."""
    p = PEOPLE
    homes = (
        ("an", V1, "H1", "户主"), ("eva", V1, "H1", "配偶"), ("bo", V1, "H2", "户主"),
        ("chen", V1, "H3", "户主"), ("deng", V1, "H4", "户主"), ("fang", V2, "H5", "户主"),
        ("gang", V2, "H6", "户主"), ("hua", V2, "H7", "户主"), ("ivy", V2, "H8", "户主"),
        ("jun", V2, "H9", "户主"), ("kai", V2, "H10", "户主"), ("lei", V1, "H11", "户主"),
    )  # fmt: skip
    village_of = {key: village for key, village, _, _ in homes}
    persons = [
        {"id_number": p[k], "name": NAMES[k], "village_code": v, "household_id": h, "relation": relation}
        for k, v, h, relation in homes
    ]
    # Hua has no card; Ivy's only card is lost.
    states = {key: "挂失" if key == "ivy" else "正常" for key in PEOPLE if key != "hua"}
    cards = [
        {
            "id_number": p[k],
            "holder_name": NAMES[k],
            "bank_code": "102",
            "account_no": ACCOUNT[k],
            "status": s,
        }
        for k, s in states.items()
    ]
    policies = [
        {"code": "GD", "name": "耕地地力保护补贴", "unit": "亩", "rate": "71.45"},
        {"code": "GL", "name": "高龄津贴", "unit": "月", "rate": "50", "min_age": "80", "max_age": "89"},
        {"code": "GL", "name": "高龄津贴", "unit": "月", "rate": "100", "min_age": "90"},
        {"code": "DB", "name": "农村低保", "unit": "月", "rate": "420", "means_tested": "是",
         "exclusive_with": "TK"},
        {"code": "TK", "name": "特困供养", "unit": "月", "rate": "850", "means_tested": "是"},
    ]  # fmt: skip

    def line(n: int, policy: str, who: str, amount: str, **cells: str) -> dict[str, str]:
        row = {
            "line_no": str(n),
            "policy_code": policy,
            "period": "2026-10",
            "id_number": p.get(who, who),
            "name": NAMES.get(who, "某人"),
            "village_code": village_of.get(who, V2),
            "amount": amount,
            "account_no": ACCOUNT.get(who, NOBODY),
        }
        return {**row, **cells}

    roster = [
        line(1, "GD", "an", "714.50", quantity="10.0000"),
        line(2, "GD", "bo", "357.25", quantity="5.0000"),  # no land contract: AREA_EXCEEDS
        line(3, "DB", "chen", "420.00"),  # died in July: DECEASED
        line(4, "GL", "deng", "50.01"),  # 86 years old, one fen too much: OVER_STANDARD
        line(5, "DB", "eva", "420.00"),  # her husband is a village cadre: CADRE_HOUSEHOLD
        line(6, "DB", "fang", "420.00", account_no=NOBODY),  # ACCOUNT_MISMATCH
        line(7, "DB", "gang", "420.00"),  # with line 8: EXCLUSIVE
        line(8, "TK", "gang", "850.00"),
        line(9, "DB", WRONG, "420.00", account_no="6219999900000009"),  # ID_INVALID only: nobody it means
        line(10, "GL", "deng", "50.00", village_code=V2),  # DUPLICATE of 4, OUT_OF_REGION
        line(11, "DB", "hua", "420.00"),  # NO_CARD
        line(12, "DB", "ivy", "420.00"),  # CARD_INACTIVE
        line(13, "DB", "jun", "420.00", account_no=ACCOUNT["an"]),  # SHARED_ACCOUNT with 1, ACCOUNT_MISMATCH
        line(14, "GL", "lei", "99.99"),  # 90 on 2026-01-01: UNDER_STANDARD
        line(15, "GL", "bo", "50.00"),  # 66 years old: INELIGIBLE
    ]
    previous = [
        {**line(1, "DB", "kai", "420.00"), "period": "2026-09"},  # absent now: MISSED
        {**line(2, "DB", "chen", "420.00"), "period": "2026-09"},  # dead, not MISSED
        {**line(3, "DB", "eva", "420.00"), "period": "2026-09"},
    ]
    land = {
        "household_id": "H1",
        "contractor_id_number": p["an"],
        "village_code": V1,
        "contract_area_mu": "10",
    }
    return {
        "persons": persons,
        "deaths": [{"id_number": p["chen"], "name": NAMES["chen"], "death_date": "2026-07-24"}],
        "cards": cards,
        "cadres": [{"id_number": p["an"], "name": NAMES["an"], "village_code": V1, "position": "村委会主任"}],
        "land": [land],
        "policies": policies,
        "roster": roster,
        "previous_roster": previous,
    }


EXPECTED = {
    ("1", "SHARED_ACCOUNT"), ("2", "AREA_EXCEEDS"), ("3", "DECEASED"), ("4", "OVER_STANDARD"),
    ("5", "CADRE_HOUSEHOLD"), ("6", "ACCOUNT_MISMATCH"), ("7", "EXCLUSIVE"), ("8", "EXCLUSIVE"),
    ("9", "ID_INVALID"), ("10", "DUPLICATE"), ("10", "OUT_OF_REGION"), ("11", "NO_CARD"),
    ("12", "CARD_INACTIVE"), ("13", "ACCOUNT_MISMATCH"), ("13", "SHARED_ACCOUNT"), ("14", "UNDER_STANDARD"),
    ("15", "INELIGIBLE"), (None, "MISSED"),
}  # fmt: skip
ENGLISH_CELLS = {"正常": "active", "挂失": "lost", "亩": "mu", "月": "month", "是": "yes", "户主": "head",
                 "配偶": "spouse"}  # fmt: skip


def headers_of(kind: str, style: str) -> dict[str, str]:
    """Each column's header in one style: Chinese, English, or the first alias (Chinese where none)."""
    schema = SCHEMAS["roster" if kind == "previous_roster" else kind]
    if style == "english":
        return {column.name: column.name for column in schema}
    if style == "alias":
        return {column.name: (column.aliases or (column.chinese,))[0] for column in schema}
    return {column.name: column.chinese for column in schema}


def write_county(directory: Path, *, style: str, order: str, form: str) -> Path:
    """Write every table of the county in one form: "utf-8", "utf-8-sig" or "gbk" CSV, or "xlsx"."""
    directory.mkdir()
    for kind, rows in county_tables().items():
        headers = headers_of(kind, style)
        names = list(headers)[::-1] if order == "reversed" else list(headers)
        table = [[headers[name] for name in names]]
        for row in rows:
            cells = [row.get(name, "") for name in names]
            table.append([ENGLISH_CELLS.get(cell, cell) if style == "english" else cell for cell in cells])
        if form == "xlsx":
            write_xlsx(directory, {kind: table}, name=f"{kind}.xlsx")
        else:
            write_csv(directory, table, name=f"{kind}.csv", encoding=form)
    return directory


def audit_county(directory: Path, tmp_path: Path) -> pl.DataFrame:
    suffix = ".xlsx" if (directory / "roster.xlsx").exists() else ".csv"
    out = tmp_path / f"{directory.name}-findings.csv"
    result = run_audit(
        directory,
        str(directory / f"roster{suffix}"),
        out=str(out),
        previous=str(directory / f"previous_roster{suffix}"),
    )
    assert result.exit_code == 0, result.output
    assert "无法读取" not in result.output, result.output
    # The explanations name the registry file, whose suffix is the only thing allowed to differ.
    return pl.read_csv(out, infer_schema=False).with_columns(pl.col("说明").str.replace(r"\.xlsx”", ".csv”"))


@pytest.fixture(scope="module")
def plain_findings(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """The county as UTF-8 CSV with Chinese headers in schema order: the findings every form must give."""
    tmp_path = tmp_path_factory.mktemp("county")
    found = audit_county(
        write_county(tmp_path / "plain", style="chinese", order="as written", form="utf-8"), tmp_path
    )
    assert set(found.select("序号", "规则").rows()) == EXPECTED
    return found


@pytest.mark.parametrize(
    ("style", "order", "form"),
    [
        ("chinese", "as written", "gbk"),
        ("chinese", "as written", "xlsx"),
        ("english", "as written", "utf-8-sig"),
        ("alias", "as written", "gbk"),
        ("chinese", "reversed", "utf-8"),
        ("english", "reversed", "xlsx"),
        ("alias", "reversed", "utf-8-sig"),
    ],
)
def test_the_same_county_in_any_file_form_gives_the_same_findings(
    tmp_path: Path, plain_findings: pl.DataFrame, style: str, order: str, form: str
) -> None:
    variant = audit_county(write_county(tmp_path / "variant", style=style, order=order, form=form), tmp_path)
    assert variant.rows() == plain_findings.rows()


def test_registry_cells_no_rule_reads_do_not_keep_a_person_out(tmp_path: Path) -> None:
    # Anna's phone number and Bo's relation are wrong: an import refuses those rows, the audit only reads
    # the columns its rules compare, so both are still found out of their registered village.
    directory = tmp_path / "registries"
    directory.mkdir()
    write_csv(
        directory,
        [
            ["身份证号", "姓名", "村代码", "户编号", "与户主关系", "联系电话"],
            [ANNA, "安娜", VILLAGE, "H1", "户主", "12345"],
            [BO, "薄一", VILLAGE, "H2", "朋友", ""],
        ],
        name="persons.csv",
    )
    roster = write_csv(
        tmp_path,
        [
            ROSTER_HEADER,
            ["1", "GL", "2026-10", ANNA, "安娜", "232722100002", "", "100.00", "62000000000001"],
            ["2", "GL", "2026-10", BO, "薄一", "232722100002", "", "100.00", "62000000000002"],
        ],
        name="roster.csv",
    )
    out = tmp_path / "findings.csv"
    result = run_audit(directory, roster, out=out, rules="OUT_OF_REGION")
    assert result.exit_code == 0, result.output
    assert "无法读取" not in result.output
    findings = pl.read_csv(out, infer_schema=False)
    assert findings.select("序号", "规则").rows() == [("1", "OUT_OF_REGION"), ("2", "OUT_OF_REGION")]


def test_the_offline_audit_never_imports_django(tmp_path: Path) -> None:
    # Auditors run it on a laptop without the platform: no settings, no database, and a quick start.
    directory = write_county(tmp_path / "county", style="chinese", order="as written", form="utf-8")
    script = (
        "import sys\n"
        "from yikatong.cli import main\n"
        f"sys.argv = ['yikatong', 'audit', '--registry-dir', {str(directory)!r}, '--roster',"
        f" {str(directory / 'roster.csv')!r}, '--period', '2026-10', '--out', {str(tmp_path / 'f.csv')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "assert not [name for name in sys.modules if name.split('.')[0] == 'django'], 'django imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "f.csv").exists()
