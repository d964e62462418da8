"""Files for the demo auditor: 永丰村 高龄津贴 rosters as another system writes them (事后专项核查 on files).

``yikatong audit`` runs on them with the demo's registry folder (README "Where to click"). The October roster
is GBK with empty 银行账号 (the card on file), a lower-case x, stray spaces, an amount nobody can read, a line
without an ID number that the name and account tie to an elder, a mistyped number of a registered dead person,
a mistyped number that matches nobody, and an elder without a card; September's roster has one elder more
(漏发 in October). Built from the registry files with Polars, like the rest of the demo data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from yikatong.bulk.idnumbers import check_digit

VILLAGE = "232722100201"  # 永丰村
POLICY = "GLJT"
ROSTER_HEADERS = ["序号", "项目代码", "发放期间", "身份证号", "姓名", "村代码", "数量", "金额", "银行账号"]
POLICIES = [
    ["项目代码", "项目名称", "计量单位", "补贴标准", "最低年龄", "最高年龄", "困难救助"],
    [POLICY, "高龄津贴", "月", "50", "80", "89", "否"],
    [POLICY, "高龄津贴", "月", "100", "90", "99", "否"],
    [POLICY, "高龄津贴", "月", "300", "100", "", "否"],
]


def _typo(number: str) -> str:
    """The number with its 9th digit changed: the check digit no longer fits (差一位)."""
    digit = str((int(number[8]) + 1) % 10)
    return number[:8] + digit + number[9:]


def _amount(birth: str, period_start: dt.date) -> str:
    born = dt.date.fromisoformat(birth)
    age = period_start.year - born.year - ((period_start.month, period_start.day) < (born.month, born.day))
    return "300.00" if age >= 100 else "100.00" if age >= 90 else "50.00"


def write_auditor_files(registries: Path, out_dir: Path) -> dict[str, Path]:
    """Write policies.csv into the registry folder and the two rosters into ``out_dir``; return the paths."""
    persons = pl.read_csv(registries / "persons.csv", infer_schema=False)
    cards = pl.read_csv(registries / "cards.csv", infer_schema=False)
    deaths = pl.read_csv(registries / "deaths.csv", infer_schema=False)
    start = dt.date(2026, 10, 1)
    active = cards.filter(pl.col("卡状态") == "正常").select("身份证号", "银行账号")
    living = persons.join(deaths.select("身份证号"), on="身份证号", how="anti")
    elders = (
        living.filter((pl.col("村代码") == VILLAGE) & (pl.col("出生日期") <= "1946-10-01"))
        .join(active, on="身份证号")
        .sort("出生日期", "身份证号")
    )
    rows = [
        [number, name, VILLAGE, "1", _amount(birth, start), ""]
        for number, name, birth in elders.select("身份证号", "姓名", "出生日期").iter_rows()
    ]
    accounts = dict(elders.select("身份证号", "银行账号").iter_rows())
    missed = rows.pop()  # on September's roster, on none in October
    september = [[*row[:5], accounts[row[0]]] for row in [*rows, missed]]
    october = [list(row) for row in rows]
    if october:
        october[0][5] = accounts[october[0][0]]  # one line names its account, as older exports do
        october[0][0] = f" {october[0][0]} "
    with_x = [row for row in october[1:] if row[0].endswith("X")]
    if with_x:
        with_x[0][0] = with_x[0][0].lower()
    if len(october) > 2:
        october[2][4] = "五十元"  # an amount nobody can read
    if len(october) > 3:
        # No ID number, but the name and the account are an elder's: linked, and a second line for her.
        october.append(["", october[3][1], VILLAGE, "1", october[3][4], accounts[october[3][0].strip()]])
    dead = deaths.join(persons.select("身份证号", "村代码"), on="身份证号").sort("身份证号").head(1)
    for number, name, _, village in dead.iter_rows():
        october.append([_typo(number), name, village, "1", "50.00", ""])
    stranger = f"23272219400101{(len(october) % 900) + 100:03d}"
    october.append(
        [_typo(stranger + check_digit(stranger)), "查无此人", VILLAGE, "1", "50.00", "6217990000000000001"]
    )
    cardless = (
        living.filter(pl.col("出生日期") <= "1946-10-01")
        .join(cards.select("身份证号"), on="身份证号", how="anti")
        .sort("村代码", "身份证号")
        .head(1)
    )
    for number, name, birth, village in cardless.select("身份证号", "姓名", "出生日期", "村代码").iter_rows():
        october.append([number, name, village, "1", _amount(birth, start), ""])
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "policies": _write(registries / "policies.csv", POLICIES[0], POLICIES[1:], "utf-8-sig"),
        "roster": _write(
            out_dir / "roster-2026-10.csv", ROSTER_HEADERS, _numbered(october, "2026-10"), "gbk"
        ),
        "previous": _write(
            out_dir / "roster-2026-09.csv", ROSTER_HEADERS, _numbered(september, "2026-09"), "utf-8"
        ),
    }
    return paths


def _numbered(rows: list[list[str]], period: str) -> list[list[str]]:
    return [
        [str(n), POLICY, period, *row[:2], row[2], row[3], row[4], row[5]] for n, row in enumerate(rows, 1)
    ]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    frame = pl.DataFrame(rows, schema=header, orient="row")
    path.write_bytes(frame.write_csv().encode(encoding))
    return path
