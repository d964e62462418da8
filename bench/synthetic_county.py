"""A synthetic county with a current roster full of known anomalies: ground truth for the check engine.

    python bench/synthetic_county.py --persons 1000000 --out DIR [--seed N]

Writes into DIR the registries of ``yikatong.demo.generator.generate_county`` (persons, deaths, cards, cadres,
land), plus:

- ``policies.csv`` — GDDL 耕地地力保护补贴 71.45 元/亩 (paid to the household head, the land contractor);
  GLJT 高龄津贴 per month, banded by whole years of age on the period's first day: 80–89 50, 90–99 100,
  100+ 300; NCDB 农村低保 420/月, means-tested, exclusive with TKGY; TKGY 特困供养 850/月, means-tested,
  exclusive with NCDB.
- ``roster.csv`` — the current roster for period 2026-10 (about 56 % of the persons' count in lines):
  every land contractor's GDDL line with the contracted area as quantity, every elder of 80 and over on
  GLJT with quantity 1, and a slice of the rest on NCDB/TKGY; amounts are standard × quantity rounded
  half-up to the fen, and the account is the person's own active card account.
- ``previous_roster.csv`` — the roster of 2026-09.
- ``truth.csv`` — ``line_no,rule,id_number``: every finding a correct engine reports on these files, one
  row per (line, rule); ``line_no`` is empty for MISSED, whose ``id_number`` is the person's.

Baseline lines are clean: living persons with exactly one active card, paid on their own account, in
their registered village, on a policy they qualify for, with no cadre in the household for NCDB/TKGY, the
correct amount, one line per person and policy, and never both NCDB and TKGY. Then anomalies are injected
(``n`` per rule, ``max(4, persons // 10000)``), each on persons no other injection touches, and ground
truth follows these conventions:

- ID_INVALID — a baseline line's ID number is corrupted: most get a wrong check digit, some an impossible
  birth date (Feb 30, with a check digit that is right for the wrong date), some are cut to 17 characters.
  The person behind such a line cannot be identified, so **only ID_INVALID is expected on it** (no
  NO_CARD, ACCOUNT_MISMATCH, SHARED_ACCOUNT, OUT_OF_REGION …). These persons are not on the previous
  roster, so nobody is MISSED because of a typo.
- DECEASED — an NCDB line for a person in deaths.csv (all deaths are before 2026-10-01) who still has
  an active card; own account, correct amount, no cadre in the household: only DECEASED.
- DUPLICATE — a baseline non-GDDL line is repeated verbatim under another line number: every line of the
  (person, policy) group **after the first** (lowest line number) is DUPLICATE; the first is not. GDDL lines
  are not duplicated, since a repeated GDDL line also claims twice the household's contracted area.
- NO_CARD — an NCDB line for a person without any card; the line carries an account that belongs to
  nobody (BIN 621799…): only NO_CARD (ACCOUNT_MISMATCH is for persons who have a card of their own).
- CARD_INACTIVE — an NCDB line for a person whose only card is 挂失/冻结/注销, on that card's account:
  only CARD_INACTIVE.
- ACCOUNT_MISMATCH — a baseline line's account is replaced by the active account of a person who is on
  neither roster: only ACCOUNT_MISMATCH.
- SHARED_ACCOUNT — a baseline line of person B gets the account of person A, who has baseline line(s):
  **every line carrying that account** (A's and B's) is SHARED_ACCOUNT, and B's line is also
  ACCOUNT_MISMATCH.
- OVER_STANDARD / UNDER_STANDARD — a baseline line's amount is raised / lowered by 1 fen (the first of
  each batch always), a few fen, a few 元, or a lot; it stays positive.
- AREA_EXCEEDS — a GDDL line claims more than the contracted area (by 0.0001 亩 and more) with the amount
  correct for the claimed quantity, or a GDDL line (correct amount) for a person whose household (户编号)
  has no land contract at all.
  Negative controls: some GDDL lines claim less than the contract (not a finding).
- INELIGIBLE — a GLJT line (quantity 1, 50.00) for a person aged 79, including a person appended to
  persons.csv/cards.csv whose 80th birthday is 2026-10-02; the amount is the lowest band's, and **only
  INELIGIBLE is expected** (no OVER_STANDARD: no band applies). Negative control: a person appended
  whose 80th birthday is 2026-10-01 is on GLJT at 50.00 and is not a finding.
- EXCLUSIVE — a TKGY line is added for a baseline NCDB person: **both** lines are EXCLUSIVE.
- OUT_OF_REGION — a baseline non-GDDL line's village is changed to another village: only OUT_OF_REGION.
- CADRE_HOUSEHOLD — an NCDB line for a person whose household (户编号) has a member in cadres.csv (the
  cadre included). GLJT/GDDL lines of cadre households are not findings (not means-tested).
- MISSED — a person on previous_roster.csv (NCDB) who is on no line of roster.csv, alive, with an active
  card. Negative control: deceased persons on the previous roster and absent now are not MISSED.
- Negative control: on some clean lines the ID number's final X is written as a lower-case x (FORMATS: read
  as X); they are no finding, and these persons are on the previous roster with X, so not MISSED either.
- LATE is not injected (it needs workflow events, not files).

The previous roster holds the baseline lines (as they were before any injection, period 2026-09) of every
person except those whose ID number is corrupted, plus the MISSED persons and the deceased controls.
Lines are ordered by village, policy and ID number and numbered from 1. truth.csv's DUPLICATE,
SHARED_ACCOUNT and EXCLUSIVE rows are computed from the finished roster (lines with a valid ID) and checked
against the counts injected.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from yikatong.bulk.idnumbers import CHECK_CHARACTERS, WEIGHTS  # noqa: E402
from yikatong.demo.generator import HEADERS, generate_county  # noqa: E402

PERIOD = "2026-10"
PREVIOUS_PERIOD = "2026-09"
PERIOD_START = (2026, 10, 1)
ROSTER_HEADERS = ["序号", "项目代码", "发放期间", "身份证号", "姓名", "村代码", "数量", "金额", "银行账号"]
POLICY_HEADERS = [
    "项目代码", "项目名称", "政策依据", "主管部门", "计量单位", "补贴标准", "最低年龄", "最高年龄",
    "困难救助", "互斥项目",
]  # fmt: skip
POLICIES = [
    ["GDDL", "耕地地力保护补贴", "黑财农〔2025〕6号", "农业农村局", "亩", "71.45", "", "", "否", ""],
    ["GLJT", "高龄津贴", "塔民发〔2025〕12号", "民政局", "月", "50", "80", "89", "否", ""],
    ["GLJT", "高龄津贴", "塔民发〔2025〕12号", "民政局", "月", "100", "90", "99", "否", ""],
    ["GLJT", "高龄津贴", "塔民发〔2025〕12号", "民政局", "月", "300", "100", "", "否", ""],
    ["NCDB", "农村最低生活保障", "黑民规〔2024〕3号", "民政局", "月", "420", "", "", "是", "TKGY"],
    ["TKGY", "特困人员救助供养", "黑民规〔2024〕4号", "民政局", "月", "850", "", "", "是", "NCDB"],
]
GDDL_RATE_FEN = 7145  # 71.45 元/亩; areas are in units of 0.0001 亩
NCDB_FEN, TKGY_FEN = 42_000, 85_000
ROSTER_SHARE = 0.56
TKGY_SHARE = 0.12
RULES = [
    "ID_INVALID", "DECEASED", "DUPLICATE", "NO_CARD", "CARD_INACTIVE", "ACCOUNT_MISMATCH", "SHARED_ACCOUNT",
    "OVER_STANDARD", "UNDER_STANDARD", "AREA_EXCEEDS", "INELIGIBLE", "EXCLUSIVE", "OUT_OF_REGION",
    "CADRE_HOUSEHOLD", "MISSED",
]  # fmt: skip

EDGE_VILLAGE = "232722100201"  # 永丰村
LINE_COLUMNS = ["id", "policy", "name", "village", "qty", "fen", "account"]


def check_digits(first17: pl.Series) -> pl.Series:
    """GB 11643 check characters of 17-digit strings."""
    total = pl.Series(np.zeros(len(first17), dtype=np.int64))
    for position, weight in enumerate(WEIGHTS):
        total = total + first17.str.slice(position, 1).cast(pl.Int64) * weight
    return pl.Series(list(CHECK_CHARACTERS)).gather(total % 11)


def mistype(ids: pl.Series, rng: np.random.Generator) -> pl.Series:
    """The ID numbers as a clerk mistypes them: one of the first 17 digits changed, or two adjacent different
    digits swapped. Either always breaks the check digit (the weights and their adjacent differences are
    never 0 mod 11)."""
    typed = []
    for number in ids.to_list():
        digits = list(number)
        at = int(rng.integers(0, 16))
        if rng.random() < 0.5 and digits[at] != digits[at + 1]:
            digits[at], digits[at + 1] = digits[at + 1], digits[at]
        else:
            digits[at] = str((int(digits[at]) + int(rng.integers(1, 10))) % 10)
        typed.append("".join(digits))
    return pl.Series(typed, dtype=pl.String)


def yuan(fen: pl.Expr) -> pl.Expr:
    return (fen // 100).cast(pl.String) + "." + (fen % 100).cast(pl.String).str.zfill(2)


def mu(units: pl.Expr) -> pl.Expr:
    return (units // 10_000).cast(pl.String) + "." + (units % 10_000).cast(pl.String).str.zfill(4)


def gddl_fen(units: pl.Expr) -> pl.Expr:
    return (units * GDDL_RATE_FEN + 5_000) // 10_000


def gljt_fen(age: pl.Expr) -> pl.Expr:
    return pl.when(age >= 100).then(30_000).when(age >= 90).then(10_000).otherwise(5_000).cast(pl.Int64)


def _append_edge_persons(out: Path) -> tuple[str, str]:
    """Append two elders to persons.csv and cards.csv: 80 on 2026-10-01 and 80 on 2026-10-02."""
    persons = pl.read_csv(out / "persons.csv", infer_schema=False)
    cards = pl.read_csv(out / "cards.csv", infer_schema=False)
    taken = set(persons["身份证号"].to_list())
    ids = []
    for birth in ("19461001", "19461002"):
        for seq in range(991, 999, 2):
            first17 = f"232722{birth}{seq}"
            candidate = first17 + check_digits(pl.Series([first17]))[0]
            if candidate not in taken:
                ids.append(candidate)
                break
    edge = pl.DataFrame(
        {
            "身份证号": ids,
            "姓名": ["王德福", "李德顺"],
            "性别": ["男", "男"],
            "出生日期": ["1946-10-01", "1946-10-02"],
            "村代码": [EDGE_VILLAGE] * 2,
            "户编号": [f"{EDGE_VILLAGE}-900001", f"{EDGE_VILLAGE}-900002"],
            "与户主关系": ["户主", "户主"],
            "联系电话": [None, None],
        },
        schema=dict.fromkeys(HEADERS["persons"], pl.String),
    )
    pl.concat([persons, edge]).write_csv(out / "persons.csv")
    edge_cards = pl.DataFrame(
        {
            "身份证号": ids,
            "持卡人姓名": ["王德福", "李德顺"],
            "开户银行代码": ["402", "402"],
            "银行账号": ["6231270059000000011", "6231270059000000029"],
            "卡状态": ["正常", "正常"],
        }
    )
    pl.concat([cards, edge_cards]).write_csv(out / "cards.csv")
    return ids[0], ids[1]


def _person_frame(out: Path) -> pl.DataFrame:
    """One row per person with everything the roster builder needs."""
    persons = pl.read_csv(out / "persons.csv", infer_schema=False)
    deaths = pl.read_csv(out / "deaths.csv", infer_schema=False)
    cards = pl.read_csv(out / "cards.csv", infer_schema=False)
    cadres = pl.read_csv(out / "cadres.csv", infer_schema=False)
    land = pl.read_csv(out / "land.csv", infer_schema=False)
    year, month, day = PERIOD_START
    birth = pl.col("出生日期").str.to_date()
    frame = persons.select(
        pl.col("身份证号").alias("id"),
        pl.col("姓名").alias("name"),
        pl.col("村代码").alias("village"),
        pl.col("户编号").alias("household"),
        (
            year
            - birth.dt.year().cast(pl.Int64)
            - (
                (birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day().cast(pl.Int64)) > month * 100 + day
            ).cast(pl.Int64)
        ).alias("age"),
    )
    cadre_households = (
        persons.join(cadres.select("身份证号"), on="身份证号", how="semi")["户编号"].unique().implode()
    )
    card = cards.group_by("身份证号").agg(
        pl.len().alias("cards"),
        pl.col("卡状态").first().alias("status"),
        pl.col("银行账号").first().alias("account"),
    )
    area = (pl.col("承包面积").cast(pl.Float64) * 10_000).round().cast(pl.Int64)
    contracts = land.group_by("承包方身份证号").agg(area.sum().alias("area"), pl.len().alias("parcels"))
    return (
        frame.join(card.rename({"身份证号": "id"}), on="id", how="left")
        .join(contracts.rename({"承包方身份证号": "id"}), on="id", how="left")
        .with_columns(
            pl.col("id").is_in(deaths["身份证号"].implode()).alias("dead"),
            pl.col("household").is_in(cadre_households).alias("cadre_hh"),
            pl.col("household").is_in(land["户编号"].implode()).alias("land_hh"),
            ((pl.col("cards") == 1) & (pl.col("status") == "正常")).fill_null(False).alias("active"),
        )
        .with_row_index("p")
    )


class Builder:
    """Keeps the lines, their explicit truth tags and the persons already used by an injection."""

    def __init__(self, people: pl.DataFrame, n: int, seed: int) -> None:
        self.people = people
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.used = np.zeros(people.height, dtype=bool)
        self.counts: dict[str, int] = {}

    def pick(self, pool: pl.DataFrame, k: int, what: str) -> pl.DataFrame:
        """k random rows of pool whose persons are unused; marks them used."""
        pool = pool.filter(~pl.Series(self.used).gather(pool["p"]))
        pool = pool.unique("p", keep="first", maintain_order=True)
        if pool.height < k:
            print(f"warning: only {pool.height} candidates for {what}, wanted {k}", file=sys.stderr)
            k = pool.height
        chosen = pool[np.sort(self.rng.choice(pool.height, size=k, replace=False))]
        self.used[chosen["p"].to_numpy()] = True
        return chosen


def _line(
    frame: pl.DataFrame, policy: str | pl.Expr, qty: pl.Expr, fen: pl.Expr, **extra: pl.Expr
) -> pl.DataFrame:
    policy_expr = pl.lit(policy) if isinstance(policy, str) else policy
    return frame.select(
        "p",
        "id",
        policy_expr.alias("policy"),
        "name",
        extra.get("village", pl.col("village")).alias("village"),
        qty.alias("qty"),
        fen.cast(pl.Int64).alias("fen"),
        extra.get("account", pl.col("account")).alias("account"),
        extra.get("tags", pl.lit([], dtype=pl.List(pl.String))).alias("tags"),
    )


def build(out: Path, persons: int, seed: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    generate_county(out, persons=persons, seed=seed)
    timings["generate_county"] = time.perf_counter() - started

    started = time.perf_counter()
    eligible_edge, ineligible_edge = _append_edge_persons(out)
    people = _person_frame(out)
    n = max(4, persons // 10_000)
    b = Builder(people, n, seed + 1)
    clean = people.filter(pl.col("active") & ~pl.col("dead"))
    edge_ids = pl.Series([eligible_edge, ineligible_edge]).implode()
    b.used[people.filter(pl.col("id").is_in(edge_ids))["p"].to_numpy()] = True
    # The eligible edge elder is a baseline line, and is never picked for an injection.
    gddl = _line(
        clean.filter(pl.col("area").is_not_null()), "GDDL", mu(pl.col("area")), gddl_fen(pl.col("area"))
    )
    elders = clean.filter(pl.col("age") >= 80)
    gljt = _line(elders, "GLJT", pl.lit("1"), gljt_fen(pl.col("age")))
    on_roster = pl.concat([gddl["p"], gljt["p"]]).unique()
    slice_pool = clean.filter(
        ~pl.col("cadre_hh") & ~pl.col("p").is_in(on_roster.implode()) & ~pl.col("id").is_in(edge_ids)
    )
    want = max(0, round(persons * ROSTER_SHARE) - gddl.height - gljt.height - 12 * n)
    # Leave room for the persons the injections need from outside the roster.
    want = min(want, slice_pool.height - 12 * n)
    chosen = slice_pool[np.sort(b.rng.choice(slice_pool.height, size=want, replace=False))]
    tkgy = b.rng.random(want) < TKGY_SHARE
    assistance = _line(
        chosen.with_columns(pl.Series("tk", tkgy)),
        pl.when(pl.col("tk")).then(pl.lit("TKGY")).otherwise(pl.lit("NCDB")),
        pl.lit("1"),
        pl.when(pl.col("tk")).then(TKGY_FEN).otherwise(NCDB_FEN),
    )
    base = pl.concat([gddl, gljt, assistance]).with_row_index("r")
    baseline_previous = base
    in_base = base["p"].unique().implode()
    one_line = base.filter(
        pl.col("p").is_in(base.group_by("p").len().filter(pl.col("len") == 1)["p"].implode())
    )

    updates: list[pl.DataFrame] = []  # rows of base: r plus the changed columns and a tag
    extra_lines: list[pl.DataFrame] = []
    nobody = iter(range(10**9))

    def update(frame: pl.DataFrame, tag: str | None, **cols: pl.Expr) -> None:
        tags = pl.lit([tag] if tag else [], dtype=pl.List(pl.String))
        updates.append(
            frame.select(
                "r",
                cols.get("id", pl.col("id")).alias("id_new"),
                cols.get("village", pl.col("village")).alias("village_new"),
                cols.get("qty", pl.col("qty")).alias("qty_new"),
                cols.get("fen", pl.col("fen")).cast(pl.Int64).alias("fen_new"),
                cols.get("account", pl.col("account")).alias("account_new"),
                cols.get("tags", tags).alias("tags_new"),
            )
        )
        if tag:
            b.counts[tag] = b.counts.get(tag, 0) + frame.height

    def fresh_accounts(k: int) -> pl.Series:
        return pl.Series([f"621799{next(nobody):013d}" for _ in range(k)])

    # ID_INVALID: wrong check digit, impossible birth date, or too short.
    rows = b.pick(one_line, n, "ID_INVALID")
    kinds = np.arange(rows.height) % 4  # 0,1: check digit, 2: Feb 30, 3: 17 characters
    shift = pl.Series(b.rng.integers(1, 11, size=rows.height))
    position = (
        rows["id"]
        .str.slice(17, 1)
        .replace_strict(list("0123456789X"), list(range(11)), return_dtype=pl.Int64)
    )
    wrong = rows["id"].str.slice(0, 17) + pl.Series(list("0123456789X")).gather((position + shift) % 11)
    feb30_17 = rows["id"].str.slice(0, 10) + "0230" + rows["id"].str.slice(14, 3)
    feb30 = feb30_17 + check_digits(feb30_17)
    short = rows["id"].str.slice(0, 17)
    bad = pl.Series(
        np.where(kinds < 2, wrong.to_numpy(), np.where(kinds == 2, feb30.to_numpy(), short.to_numpy()))
    )
    update(rows.with_columns(bad.alias("bad")), "ID_INVALID", id=pl.col("bad"))
    invalid_persons = rows["p"].implode()
    # A mistyped number no registry can tie to anybody: another name, an account of nobody. ID_INVALID only.
    rows = b.pick(clean.filter(~pl.col("p").is_in(in_base)), n, "ID_INVALID of nobody")
    strangers = rows.with_columns(
        mistype(rows["id"], b.rng).alias("id"),
        pl.lit("查无此人").alias("name"),
        fresh_accounts(rows.height).alias("account"),
    )
    extra_lines.append(_line(strangers, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN), tags=pl.lit(["ID_INVALID"])))
    b.counts["ID_INVALID"] += rows.height
    strangers_p = rows["p"].implode()

    # DECEASED: NCDB for the dead who still hold an active card.
    dead = people.filter(
        pl.col("dead") & pl.col("active") & ~pl.col("cadre_hh") & ~pl.col("p").is_in(in_base)
    )
    rows = b.pick(dead, n, "DECEASED")
    extra_lines.append(_line(rows, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN), tags=pl.lit(["DECEASED"])))
    b.counts["DECEASED"] = rows.height
    rows = b.pick(dead, n, "DECEASED behind a mistyped ID number")
    typos = rows.with_columns(mistype(rows["id"], b.rng).alias("id"))
    extra_lines.append(
        _line(typos, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN), tags=pl.lit(["ID_INVALID", "DECEASED"]))
    )
    b.counts["DECEASED"] += rows.height
    b.counts["ID_INVALID"] = b.counts.get("ID_INVALID", 0) + rows.height
    deceased_controls = b.pick(dead, n, "deceased controls")

    # DUPLICATE: a baseline line twice (not GDDL: a repeated GDDL line also exceeds the household's area).
    rows = b.pick(one_line.filter(pl.col("policy") != "GDDL"), n, "DUPLICATE")
    extra_lines.append(rows.drop("r"))
    b.counts["DUPLICATE"] = rows.height
    # The same again with the ID number mistyped on the copy: still the person's second line (linked through
    # name and account), and two numbers as written on one account (SHARED_ACCOUNT, computed below).
    rows = b.pick(one_line.filter(pl.col("policy") != "GDDL"), n, "DUPLICATE behind a mistyped ID number")
    copies = rows.drop("r").with_columns(
        mistype(rows["id"], b.rng).alias("id"), pl.lit(["ID_INVALID"], dtype=pl.List(pl.String)).alias("tags")
    )
    extra_lines.append(copies)
    b.counts["DUPLICATE"] += rows.height
    b.counts["ID_INVALID"] = b.counts.get("ID_INVALID", 0) + rows.height
    b.counts["SHARED_ACCOUNT"] = 2 * rows.height

    # NO_CARD: NCDB for persons without any card, on an account of nobody.
    no_card = people.filter(pl.col("cards").is_null() & ~pl.col("dead") & ~pl.col("cadre_hh"))
    rows = b.pick(no_card, n, "NO_CARD")
    # Half name an account of nobody, half leave 银行账号 empty (the card on file, and there is none).
    named = pl.Series(np.arange(rows.height) % 2 == 0)
    rows = rows.with_columns(
        pl.when(named).then(fresh_accounts(rows.height)).otherwise(pl.lit(None, pl.String)).alias("account")
    )
    extra_lines.append(_line(rows, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN), tags=pl.lit(["NO_CARD"])))
    b.counts["NO_CARD"] = rows.height

    # CARD_INACTIVE: NCDB on a lost, frozen or closed card, the person's only one.
    inactive = people.filter(
        (pl.col("cards") == 1) & (pl.col("status") != "正常") & ~pl.col("dead") & ~pl.col("cadre_hh")
    )
    rows = b.pick(inactive, n, "CARD_INACTIVE")
    extra_lines.append(_line(rows, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN), tags=pl.lit(["CARD_INACTIVE"])))
    b.counts["CARD_INACTIVE"] = rows.height

    # ACCOUNT_MISMATCH: the account of someone on neither roster.
    rows = b.pick(one_line, n, "ACCOUNT_MISMATCH")
    owners = b.pick(clean.filter(~pl.col("p").is_in(in_base)), rows.height, "account owners")
    update(rows.with_columns(owners["account"].alias("other")), "ACCOUNT_MISMATCH", account=pl.col("other"))

    # SHARED_ACCOUNT: B paid on A's account, both on the roster.
    rows = b.pick(one_line, n, "SHARED_ACCOUNT")
    sharers = b.pick(one_line, rows.height, "account sharers")
    update(
        rows.with_columns(sharers["account"].alias("other")),
        None,
        account=pl.col("other"),
        tags=pl.lit(["ACCOUNT_MISMATCH"]),
    )
    b.counts["ACCOUNT_MISMATCH"] += rows.height
    b.counts["SHARED_ACCOUNT"] += 2 * rows.height

    # OVER_STANDARD / UNDER_STANDARD.
    for rule, sign in (("OVER_STANDARD", 1), ("UNDER_STANDARD", -1)):
        rows = b.pick(one_line, n, rule)
        delta = b.rng.choice(np.array([1, 1, 2, 5, 10, 99, 100, 1_000, 10_000]), size=rows.height)
        delta[0] = 1
        fen = rows["fen"].to_numpy() + sign * delta
        fen = np.where(fen < 1, rows["fen"].to_numpy() - 1, fen)
        update(rows.with_columns(pl.Series("nf", fen)), rule, fen=pl.col("nf"))

    # AREA_EXCEEDS: more than contracted, or no contract; amounts right for the claimed area.
    gddl_one = one_line.filter(pl.col("policy") == "GDDL").join(people.select("p", "area"), on="p")
    rows = b.pick(gddl_one, n - n // 3, "AREA_EXCEEDS")
    extra_units = b.rng.choice(np.array([1, 1, 10, 100, 5_000, 10_000, 100_000]), size=rows.height)
    extra_units[0] = 1
    rows = rows.with_columns((pl.col("area") + pl.Series(extra_units)).alias("claim"))
    update(rows, "AREA_EXCEEDS", qty=mu(pl.col("claim")), fen=gddl_fen(pl.col("claim")))
    no_contract = clean.filter(~pl.col("land_hh") & ~pl.col("p").is_in(in_base))
    rows = b.pick(no_contract, n // 3, "AREA_EXCEEDS (no contract)")
    rows = rows.with_columns(pl.Series("claim", b.rng.integers(50_000, 300_000, size=rows.height)))
    extra_lines.append(
        _line(rows, "GDDL", mu(pl.col("claim")), gddl_fen(pl.col("claim")), tags=pl.lit(["AREA_EXCEEDS"]))
    )
    b.counts["AREA_EXCEEDS"] += rows.height
    controls = b.pick(gddl_one, n, "under-claim controls")
    controls = controls.with_columns((pl.col("area") - pl.col("area") // 3).alias("claim"))
    update(controls, None, qty=mu(pl.col("claim")), fen=gddl_fen(pl.col("claim")))

    # INELIGIBLE: GLJT at 79, including the edge person who turns 80 on 2026-10-02.
    seventy_nine = clean.filter((pl.col("age") == 79) & ~pl.col("id").is_in(edge_ids))
    rows = b.pick(seventy_nine, n - 1, "INELIGIBLE")
    rows = pl.concat([rows, people.filter(pl.col("id") == ineligible_edge)])
    extra_lines.append(_line(rows, "GLJT", pl.lit("1"), pl.lit(5_000), tags=pl.lit(["INELIGIBLE"])))
    b.counts["INELIGIBLE"] = rows.height

    # EXCLUSIVE: an NCDB person also on TKGY.
    rows = b.pick(one_line.filter(pl.col("policy") == "NCDB"), n, "EXCLUSIVE")
    extra_lines.append(
        rows.drop("r").with_columns(pl.lit("TKGY").alias("policy"), pl.lit(TKGY_FEN).alias("fen"))
    )
    b.counts["EXCLUSIVE"] = 2 * rows.height

    # OUT_OF_REGION: another village on the line.
    rows = b.pick(one_line.filter(pl.col("policy") != "GDDL"), n, "OUT_OF_REGION")
    villages = people["village"].unique().sort()
    index = rows["village"].replace_strict(villages, list(range(len(villages))), return_dtype=pl.Int64)
    moved = villages.gather(
        (index + pl.Series(b.rng.integers(1, len(villages), size=rows.height))) % len(villages)
    )
    update(rows.with_columns(moved.alias("moved")), "OUT_OF_REGION", village=pl.col("moved"))

    # CADRE_HOUSEHOLD: NCDB for a member of a cadre's household.
    cadre_pool = clean.filter(pl.col("cadre_hh") & ~pl.col("p").is_in(in_base))
    rows = b.pick(cadre_pool, n, "CADRE_HOUSEHOLD")
    extra_lines.append(_line(rows, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN), tags=pl.lit(["CADRE_HOUSEHOLD"])))
    b.counts["CADRE_HOUSEHOLD"] = rows.height

    # MISSED: on NCDB last month, on no line now.
    missed = b.pick(clean.filter(~pl.col("cadre_hh") & ~pl.col("p").is_in(in_base)), n, "MISSED")
    b.counts["MISSED"] = missed.height

    # Negative control: an ID number ending in a lower-case x is read as X, so these lines are clean.
    rows = b.pick(one_line.filter(pl.col("id").str.ends_with("X")), n, "lower-case x controls")
    update(rows, None, id=pl.col("id").str.to_lowercase())

    # Negative controls: 银行账号 left empty on clean lines (the person's own active card on file), and an
    # amount nobody can read on a clean line of a person paid last period: no finding, and not MISSED.
    blank_accounts = b.pick(one_line, n, "empty-account controls")["r"].implode()
    unreadable_amounts = b.pick(one_line, n, "unreadable-amount controls")["r"].implode()

    # Apply the updates to the baseline and add the extra lines.
    upd = pl.concat(updates)
    assert upd["r"].is_unique().all(), "two injections on one line"
    current = (
        base.join(upd, on="r", how="left")
        .with_columns(
            *(pl.coalesce(f"{c}_new", c).alias(c) for c in ("id", "village", "qty", "fen", "account")),
            pl.when(pl.col("tags_new").is_not_null())
            .then(pl.col("tags_new"))
            .otherwise(pl.col("tags"))
            .alias("tags"),
        )
        .with_columns(
            pl.when(pl.col("r").is_in(blank_accounts))
            .then(None)
            .otherwise(pl.col("account"))
            .alias("account"),
            pl.when(pl.col("r").is_in(unreadable_amounts)).then(None).otherwise(pl.col("fen")).alias("fen"),
        )
        .select("p", *LINE_COLUMNS, "tags")
    )
    current = pl.concat(
        [current, *(f.select("p", *LINE_COLUMNS, "tags") for f in extra_lines)], how="vertical_relaxed"
    )
    current = current.sort("village", "policy", "id", "p", maintain_order=True).with_row_index(
        "line_no", offset=1
    )

    # Relational truth from the finished roster. A line is its person's (p) unless its number is a stranger's
    # typo: a mistyped number of a registered person is linked to them through name and account.
    identified = current.filter(~pl.col("p").is_in(strangers_p))
    duplicate = identified.filter(pl.int_range(pl.len()).over("p", "policy", order_by="line_no") > 0).select(
        "line_no", "id", pl.lit("DUPLICATE").alias("rule")
    )
    # An empty account is the person's card on file; numbers are counted as written.
    own = people.select("p", pl.col("account").alias("own"))
    paid_to = current.join(own, on="p", how="left").with_columns(
        pl.coalesce("account", "own").alias("paid_to")
    )
    shared = (
        paid_to.filter(pl.col("paid_to").is_not_null())
        .filter(pl.col("id").n_unique().over("paid_to") > 1)
        .select("line_no", "id", pl.lit("SHARED_ACCOUNT").alias("rule"))
    )
    both = identified.filter(pl.col("policy").is_in(["NCDB", "TKGY"])).filter(
        pl.col("policy").n_unique().over("p") > 1
    )
    exclusive = both.select("line_no", "id", pl.lit("EXCLUSIVE").alias("rule"))
    tagged = current.select("line_no", "id", pl.col("tags").alias("rule")).explode("rule").drop_nulls("rule")
    truth = pl.concat([tagged, duplicate, shared, exclusive]).select(
        pl.col("line_no").cast(pl.String), "rule", pl.col("id").alias("id_number")
    )
    truth = pl.concat(
        [
            truth,
            missed.select(
                pl.lit(None, dtype=pl.String).alias("line_no"),
                pl.lit("MISSED").alias("rule"),
                pl.col("id").alias("id_number"),
            ),
        ]
    ).sort("rule", pl.col("line_no").cast(pl.Int64), "id_number")
    found = truth.group_by("rule").len()
    for rule, expected in b.counts.items():
        got = found.filter(pl.col("rule") == rule)["len"].sum()
        assert got == expected, f"{rule}: {got} in truth, {expected} injected"

    previous = pl.concat(
        [
            baseline_previous.filter(~pl.col("p").is_in(invalid_persons)).select("p", *LINE_COLUMNS),
            _line(missed, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN)).select("p", *LINE_COLUMNS),
            _line(deceased_controls, "NCDB", pl.lit("1"), pl.lit(NCDB_FEN)).select("p", *LINE_COLUMNS),
        ]
    ).sort("village", "policy", "id", "p")
    _write_roster(current, PERIOD, out / "roster.csv")
    _write_roster(previous.with_row_index("line_no", offset=1), PREVIOUS_PERIOD, out / "previous_roster.csv")
    policies = pl.DataFrame(POLICIES, schema=POLICY_HEADERS, orient="row")
    policies.with_columns(pl.all().replace("", None)).write_csv(out / "policies.csv")
    truth.write_csv(out / "truth.csv")
    timings["roster_and_truth"] = time.perf_counter() - started
    timings["roster_lines"] = current.height
    timings["previous_lines"] = previous.height
    for rule in RULES:
        timings[f"truth:{rule}"] = found.filter(pl.col("rule") == rule)["len"].sum()
    return timings


def _write_roster(lines: pl.DataFrame, period: str, path: Path) -> None:
    lines.select(
        pl.col("line_no").alias("序号"),
        pl.col("policy").alias("项目代码"),
        pl.lit(period).alias("发放期间"),
        pl.col("id").alias("身份证号"),
        pl.col("name").alias("姓名"),
        pl.col("village").alias("村代码"),
        pl.col("qty").alias("数量"),
        pl.when(pl.col("fen").is_null()).then(pl.lit("不详")).otherwise(yuan(pl.col("fen"))).alias("金额"),
        pl.col("account").alias("银行账号"),
    ).write_csv(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2721)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = build(args.out, args.persons, args.seed)
    total = time.perf_counter() - started
    print(f"generate_county      {figures['generate_county']:>10.2f} s")
    print(f"roster, truth        {figures['roster_and_truth']:>10.2f} s")
    print(f"total                {total:>10.2f} s")
    print(f"peak RSS             {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>10,.0f} MiB")
    print(f"roster lines         {figures['roster_lines']:>10,}")
    print(f"previous lines       {figures['previous_lines']:>10,}")
    for rule in RULES:
        print(f"  {rule:<18} {figures[f'truth:{rule}']:>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
