"""`yikatong audit` on a directory of files (GBK CSV, .xlsx, header variants): no database, no login."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tests.bulk.factories import id_number, write_csv, write_xlsx
from yikatong.cli import app

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
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--registry-dir",
            str(directory),
            "--roster",
            str(roster),
            "--previous-roster",
            str(previous),
            "--period",
            "2026-10",
            "--out",
            str(out),
        ],
    )
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
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--registry-dir",
            str(directory),
            "--roster",
            str(roster),
            "--period",
            "2026-10",
            "--out",
            str(out),
            "--rules",
            "over_standard,MISSED",
        ],
    )
    assert result.exit_code == 0, result.output
    findings = pl.read_csv(out, infer_schema=False)
    assert findings.select("序号", "规则", "严重程度").rows() == [("1", "OVER_STANDARD", "高")]
    assert "上期名册" in result.output


def test_offline_audit_exits_2_on_an_unreadable_file(tmp_path: Path) -> None:
    directory = registry_dir(tmp_path)
    (directory / "land.csv").write_bytes(b"")
    roster = tmp_path / "roster.csv"
    roster.write_text("序号\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--registry-dir",
            str(directory),
            "--roster",
            str(roster),
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "f.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "无法读取" in result.output
    bad_period = CliRunner().invoke(
        app,
        [
            "audit",
            "--registry-dir",
            str(directory),
            "--roster",
            str(roster),
            "--period",
            "2026-13",
            "--out",
            str(tmp_path / "f.csv"),
        ],
    )
    assert bad_period.exit_code == 2
