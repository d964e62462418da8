"""Synthetic registries of 塔河县 for the demo and benchmarks: persons, deaths, cards, cadres and land.

The county is generated as it stands on ``AS_OF``: households spread over the villages of
``reference.VILLAGES``, valid GB 11643 ID numbers, social security card accounts at the agent banks, the
death registry, village cadres and land contracts. Everything is drawn from one seeded numpy generator in
whole-array operations, so the same seed gives the same bytes and a million persons take seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import xlsxwriter

from yikatong.bulk.idnumbers import CHECK_CHARACTERS, WEIGHTS
from yikatong.demo import reference

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

AS_OF = dt.date(2026, 10, 1)
# Deaths end the day before AS_OF so that every one of them predates a roster for the period 2026-10.
DEATHS_FROM = dt.date(2025, 1, 1)
DEATHS_TO = dt.date(2026, 9, 30)

# Column headers of each registry file, in order, as the exchange formats ("Registries") give them.
HEADERS: dict[str, list[str]] = {
    "persons": ["身份证号", "姓名", "性别", "出生日期", "村代码", "户编号", "与户主关系", "联系电话"],
    "deaths": ["身份证号", "姓名", "死亡日期"],
    "cards": ["身份证号", "持卡人姓名", "开户银行代码", "银行账号", "卡状态"],
    "cadres": ["身份证号", "姓名", "村代码", "职务"],
    "land": ["户编号", "承包方身份证号", "村代码", "承包面积"],
}

XLSX_MAX_ROWS = 1_048_575

RELATIONS = ["户主", "配偶", "子女", "父母", "孙子女", "其他"]
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, OTHER = range(6)

HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6])
HOUSEHOLD_SIZE_SHARES = np.array([0.17, 0.31, 0.22, 0.17, 0.09, 0.04])

# The place code of an ID number is that of the county that issued it, so most residents hold 232722 (塔河县,
# split from 呼玛县 232721 in 1981) whatever their birth year; a few moved in from elsewhere in Heilongjiang.
BIRTH_PLACES: list[tuple[int, int, list[tuple[int, float]]]] = [
    (
        0,
        1980,
        [(232722, 0.80), (232721, 0.08), (232700, 0.04), (230100, 0.02), (230200, 0.02), (230600, 0.02),
         (230722, 0.02)],
    ),
    (1981, 1982, [(232722, 0.90), (232721, 0.04), (232700, 0.03), (232701, 0.03)]),
    (
        1983,
        9999,
        [(232722, 0.84), (232721, 0.03), (232701, 0.03), (232700, 0.03), (230102, 0.02), (230103, 0.01),
         (230202, 0.01), (230602, 0.01), (230100, 0.01), (230722, 0.01)],
    ),
]  # fmt: skip

# Surnames of the north-east, weighted roughly by how common they are there.
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.9), ("李", 7.6), ("张", 7.1), ("刘", 6.2), ("赵", 3.2), ("杨", 3.0), ("孙", 2.6), ("于", 2.2),
    ("陈", 2.2), ("高", 1.6), ("徐", 1.5), ("马", 1.5), ("周", 1.4), ("吴", 1.3), ("郭", 1.2), ("朱", 1.1),
    ("姜", 1.1), ("董", 1.0), ("崔", 1.0), ("韩", 1.0), ("宋", 0.9), ("曹", 0.9), ("胡", 0.9), ("付", 0.9),
    ("田", 0.8), ("石", 0.8), ("林", 0.7), ("郑", 0.7), ("白", 0.7), ("曲", 0.7), ("孟", 0.7), ("冯", 0.7),
    ("黄", 0.7), ("唐", 0.6), ("许", 0.6), ("何", 0.6), ("谢", 0.6), ("邢", 0.5), ("邵", 0.5), ("程", 0.5),
    ("吕", 0.5), ("袁", 0.5), ("邓", 0.5), ("丁", 0.5), ("鲁", 0.5), ("贾", 0.5), ("魏", 0.5), ("薛", 0.5),
    ("范", 0.5), ("蔡", 0.4), ("沈", 0.4), ("常", 0.4), ("侯", 0.4), ("秦", 0.4), ("史", 0.4), ("尹", 0.4),
    ("闫", 0.4), ("段", 0.4), ("陆", 0.3), ("姚", 0.3), ("潘", 0.3), ("苏", 0.3), ("罗", 0.3), ("梁", 0.3),
    ("金", 0.3), ("隋", 0.3), ("谭", 0.3), ("葛", 0.3), ("牛", 0.3), ("关", 0.3), ("庞", 0.2), ("武", 0.2),
    ("温", 0.2), ("邹", 0.2), ("苗", 0.2), ("康", 0.2), ("单", 0.2), ("贺", 0.2), ("毕", 0.2), ("纪", 0.2),
    ("宫", 0.2), ("战", 0.2), ("盖", 0.2), ("栾", 0.2), ("初", 0.1), ("修", 0.1), ("佟", 0.1), ("那", 0.1),
]  # fmt: skip

# Share of Oroqen households: most of 鄂伦春民族村, a minority elsewhere in the two townships they live in.
OROQEN_VILLAGE_SHARE = 0.6
OROQEN_TOWNSHIP_SHARE = {"232722200000": 0.12, "232722201000": 0.06}

# Han surnames the Oroqen took from their clan names (葛瓦依尔→葛, 古拉依尔→关, 孟吉尔→孟, 吴恰尔坎→吴 …).
OROQEN_SURNAMES: list[tuple[str, float]] = [
    ("关", 3.0), ("孟", 3.0), ("葛", 2.5), ("吴", 2.0), ("莫", 1.2), ("魏", 1.0), ("何", 0.8), ("白", 0.5),
]  # fmt: skip

# Given names by generation (birth year up to) and gender: names follow the fashions of their decade.
GIVEN_NAMES: list[tuple[int, str, str]] = [
    (
        1959,
        "男",
        "德福 振国 长林 宝山 玉林 凤山 春生 国庆 建国 志刚 永德 宝财 殿臣 万福 庆祥 树林 德胜 文学 洪亮 占山 "
        "连生 金山 福林 广义 国华 学军 玉祥 成林 景山 长顺 友 富 贵 山 忠 义",
    ),
    (
        1959,
        "女",
        "桂兰 秀英 玉珍 淑芬 凤芝 桂芝 淑兰 秀兰 玉兰 桂荣 凤兰 秀珍 淑珍 玉芬 素珍 桂英 翠兰 金凤 春花 美兰 "
        "秀云 淑华 玉华 凤琴 桂琴 淑琴 秀芝 兰 英 凤 珍 霞",
    ),
    (
        1979,
        "男",
        "建军 志强 卫东 红军 国栋 海波 立新 建华 永刚 志勇 学文 长青 宏伟 春雷 铁军 晓东 东升 继红 庆丰 利民 "
        "振华 国辉 文革 援朝 向阳 跃进 军 伟 勇 强 斌 刚 涛 明 平",
    ),
    (
        1979,
        "女",
        "红梅 丽华 秀梅 淑娟 春燕 艳华 丽娟 晓红 桂香 凤霞 雪梅 海燕 玉梅 彩霞 红霞 秀芳 丽萍 艳玲 立红 春梅 "
        "丽 艳 红 梅 静 萍 华 敏 芳 娟",
    ),
    (
        1999,
        "男",
        "磊 鹏 超 浩 亮 帅 伟 宇 鑫 洋 杰 博 海龙 晓峰 立伟 志伟 建伟 金龙 大伟 明辉 俊杰 新宇 振宇 "
        "海涛 东旭 长江 天宇 晓光 文博 宏宇 春雨 建波",
    ),
    (
        1999,
        "女",
        "丹 婷 莹 娜 静 雪 蕾 琳 佳 晶 颖 楠 欣 璐 倩 宁 慧 丽丽 晓丽 婷婷 红艳 丽娜 美玲 晓燕 雪莹 佳琪 "
        "思思 冬梅 玉婷 海燕 晓雪 春晓",
    ),
    (
        9999,
        "男",
        "子轩 浩然 宇轩 俊熙 梓豪 博文 一鸣 天佑 浩宇 子墨 铭泽 宇航 嘉豪 皓轩 博涵 梓睿 宇泽 沐阳 奕辰 思远 "
        "锦程 承泽 睿 航 昊 泽 晨 瑞 诚 煜",
    ),
    (
        9999,
        "女",
        "欣怡 梓涵 诗涵 一诺 雨桐 子涵 梦琪 语嫣 佳怡 思彤 雨萱 可馨 若曦 梓萱 可欣 雅琪 紫涵 欣妍 芷若 沐晴 "
        "悦 彤 萱 妍 琪 瑶 涵 芮",
    ),
]

MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 193, 195, 198, 199]
)  # fmt: skip

# Bank code → (share of card accounts, first nine digits: card BIN and the county branch).
CARD_BANKS: dict[str, tuple[float, int]] = {
    "103": (0.34, 622848078),  # 农业银行
    "403": (0.28, 622188071),  # 邮政储蓄银行
    "402": (0.20, 623127005),  # 塔河农村商业银行
    "105": (0.10, 621700231),  # 建设银行
    "102": (0.08, 621226094),  # 工商银行
}
CARD_STATUSES = ["正常", "挂失", "冻结", "注销"]
CARD_STATUS_SHARES = np.array([0.98, 0.01, 0.005, 0.005])
CARD_COVERAGE = 0.97
CARD_MIN_AGE = 16

DEATH_RATE = 0.006

VILLAGE_POSTS = ["村党支部书记", "村委会主任", "村会计", "妇女主任", "村监委会主任", "村委会委员"]
COMMUNITY_POSTS = [post.replace("村委会", "社区居委会").replace("村", "社区") for post in VILLAGE_POSTS]
WOMENS_POST = "妇女主任"
TOWNSHIP_OFFICIAL = "乡镇干部（财政供养人员）"
CADRE_AGES = (25, 65)


@dataclass(frozen=True)
class GeneratedCounty:
    """What generate_county wrote: row counts and the file of each registry."""

    directory: Path
    persons: int
    households: int
    cards: int
    deaths: int
    cadres: int
    land_parcels: int
    files: dict[str, Path]


@dataclass(frozen=True)
class _Villages:
    codes: list[str]
    township: list[str]
    rural: BoolArray
    oroqen_share: npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Households:
    village: IntArray
    size: IntArray
    ids: pl.Series


@dataclass(frozen=True)
class _People:
    household: IntArray
    relation: IntArray
    male: BoolArray
    birth: npt.NDArray[np.datetime64]
    age: IntArray
    id_numbers: pl.Series
    names: pl.Series
    village: IntArray


def generate_county(
    out_dir: Path, *, persons: int = 10_000, seed: int = 2721, fmt: str = "csv"
) -> GeneratedCounty:
    """Write the persons, deaths, cards, cadres and land registries of a synthetic 塔河县 into out_dir."""
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}: use 'csv' or 'xlsx'")
    if fmt == "xlsx" and persons > XLSX_MAX_ROWS:
        raise ValueError(f"an Excel sheet holds at most {XLSX_MAX_ROWS} persons; use csv")
    rng = np.random.default_rng(seed)
    villages = _villages()
    households = _households(rng, villages, persons)
    people = _people(rng, villages, households, persons)
    tables = {
        "persons": _persons_table(rng, villages, households, people),
        "deaths": _deaths_table(rng, people),
        "cards": _cards_table(rng, people),
        "cadres": _cadres_table(rng, villages, people),
        "land": _land_table(rng, villages, households, people),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        name: _write(table.select(HEADERS[name]), out_dir / f"{name}.{fmt}", fmt)
        for name, table in tables.items()
    }
    return GeneratedCounty(
        directory=out_dir,
        persons=tables["persons"].height,
        households=len(households.size),
        cards=tables["cards"].height,
        deaths=tables["deaths"].height,
        cadres=tables["cadres"].height,
        land_parcels=tables["land"].height,
        files=files,
    )


def _villages() -> _Villages:
    codes: list[str] = []
    township: list[str] = []
    oroqen: list[float] = []
    for town_code, _ in reference.TOWNSHIPS:
        for code, name in reference.VILLAGES[town_code]:
            codes.append(code)
            township.append(town_code)
            oroqen.append(
                OROQEN_VILLAGE_SHARE if "鄂伦春" in name else OROQEN_TOWNSHIP_SHARE.get(town_code, 0.0)
            )
    rural = np.array([200 <= int(code[9:]) <= 399 for code in codes])
    return _Villages(codes, township, rural, np.array(oroqen))


def _households(rng: np.random.Generator, villages: _Villages, persons: int) -> _Households:
    sizes = rng.choice(HOUSEHOLD_SIZES, size=persons, p=HOUSEHOLD_SIZE_SHARES)
    total = np.cumsum(sizes)
    count = int(np.searchsorted(total, persons)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= total[count - 1] - persons
    # Rural villages hold more of the registered population than the town communities.
    weight = np.where(villages.rural, 1.6, 1.0) * rng.uniform(0.6, 1.4, size=len(villages.codes))
    per_village = rng.multinomial(count, weight / weight.sum())
    village = np.repeat(np.arange(len(villages.codes)), per_village)
    starts = np.repeat(np.cumsum(per_village) - per_village, per_village)
    sequence = np.arange(count) - starts + 1
    ids = (
        pl.Series(villages.codes).gather(village)
        + "-"
        + pl.Series(sequence, dtype=pl.Int64).cast(pl.String).str.zfill(6)
    )
    return _Households(village=village, size=sizes.astype(np.int64), ids=ids)


def _people(rng: np.random.Generator, villages: _Villages, households: _Households, persons: int) -> _People:
    size = households.size
    household = np.repeat(np.arange(len(size)), size)
    position = np.arange(persons) - np.repeat(np.cumsum(size) - size, size)

    head_age = np.where(
        size == 1, rng.normal(64, 15, size=len(size)), rng.normal(54, 13, size=len(size))
    ).round()
    head_age = np.clip(head_age, 20, 98).astype(np.int64)
    head_male = rng.random(len(size)) < np.where(size == 1, 0.46, 0.78)
    their_head_age = head_age[household]

    second = rng.choice([SPOUSE, CHILD, PARENT, OTHER], size=persons, p=[0.78, 0.16, 0.04, 0.02])
    later = rng.choice([CHILD, PARENT, GRANDCHILD, OTHER], size=persons, p=[0.62, 0.10, 0.20, 0.08])
    relation = np.where(position == 0, HEAD, np.where(position == 1, second, later))
    # Old heads have no living parents and young heads no grandchildren: those members are children.
    relation[(relation == PARENT) & (their_head_age > 76)] = CHILD
    relation[(relation == GRANDCHILD) & (their_head_age < 46)] = CHILD

    age = np.select(
        [relation == HEAD, relation == SPOUSE, relation == CHILD, relation == PARENT, relation == GRANDCHILD],
        [
            their_head_age,
            their_head_age + rng.normal(-2, 3, size=persons).round(),
            their_head_age - rng.integers(22, 38, size=persons),
            their_head_age + rng.integers(22, 34, size=persons),
            their_head_age - rng.integers(46, 64, size=persons),
        ],
        default=rng.integers(0, 90, size=persons),
    )
    age = np.clip(age, 0, 100).astype(np.int64)
    age[(relation == SPOUSE) & (age < 18)] = 18

    male = np.where(
        relation == HEAD,
        head_male[household],
        np.where(relation == SPOUSE, ~head_male[household], rng.random(persons) < 0.51),
    )

    birth = _birth_dates(rng, age)
    year, month, day = _date_parts(birth)

    id_numbers = _id_numbers(rng, year * 10_000 + month * 100 + day, male)
    names = _names(rng, villages, households, household, relation, male, year)
    return _People(
        household=household,
        relation=relation.astype(np.int64),
        male=male,
        birth=birth,
        age=age,
        id_numbers=id_numbers,
        names=names,
        village=households.village[household],
    )


def _birth_dates(rng: np.random.Generator, age: IntArray) -> npt.NDArray[np.datetime64]:
    """Birth dates of people who are exactly ``age`` whole years old on AS_OF."""
    # Born after the AS_OF anniversary of one year and on or before that of the next gives exactly that age.
    latest = _anniversary_day(AS_OF.year - age)
    span = latest - _anniversary_day(AS_OF.year - age - 1)
    return (latest - (rng.random(len(age)) * span).astype(np.int64)).astype("datetime64[D]")


def _anniversary_day(year: IntArray) -> IntArray:
    """Days since 1970-01-01 of AS_OF's month and day in each year."""
    month = ((year - 1970) * 12 + AS_OF.month - 1).astype("datetime64[M]")
    return month.astype("datetime64[D]").astype(np.int64) + AS_OF.day - 1


def _date_parts(dates: npt.NDArray[np.datetime64]) -> tuple[IntArray, IntArray, IntArray]:
    months = dates.astype("datetime64[M]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months).astype(np.int64) + 1
    return year, month, day


def _id_numbers(rng: np.random.Generator, ymd: IntArray, male: BoolArray) -> pl.Series:
    year = ymd // 10_000
    place = np.zeros(len(ymd), dtype=np.int64)
    for first, last, table in BIRTH_PLACES:
        band = (year >= first) & (year <= last)
        codes = np.array([code for code, _ in table])
        shares = np.array([share for _, share in table])
        place[band] = rng.choice(codes, size=int(band.sum()), p=shares / shares.sum())
    stem = place * 10**11 + ymd * 1_000
    odd = male.astype(np.int64)
    # Odd sequence numbers are men's, even ones women's; a clash on (place, birth date) draws again.
    first17 = stem + 2 * rng.integers(1, 500, size=len(ymd)) - odd
    while True:
        clash = _repeats(first17)
        if not clash.size:
            break
        first17[clash] = stem[clash] + 2 * rng.integers(1, 500, size=clash.size) - odd[clash]
    total = np.zeros(len(ymd), dtype=np.int64)
    for position, weight in enumerate(WEIGHTS):
        total += (first17 // 10 ** (16 - position)) % 10 * weight
    check = pl.Series(list(CHECK_CHARACTERS)).gather(total % 11)
    return pl.Series(first17).cast(pl.String) + check


def _repeats(values: IntArray) -> IntArray:
    """Positions of values seen before in the array (all but the first of each repeated value)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    return order[1:][ordered[1:] == ordered[:-1]]


def _names(
    rng: np.random.Generator,
    villages: _Villages,
    households: _Households,
    household: IntArray,
    relation: IntArray,
    male: BoolArray,
    year: IntArray,
) -> pl.Series:
    persons = len(household)
    surnames = [s for s, _ in SURNAMES] + [s for s, _ in OROQEN_SURNAMES]
    han = _shares(SURNAMES)
    oroqen = _shares(OROQEN_SURNAMES)
    surname = rng.choice(len(SURNAMES), size=persons, p=han)
    oroqen_household = rng.random(len(households.size)) < villages.oroqen_share[households.village]
    from_clan = oroqen_household[household] & (rng.random(persons) < 0.85)
    surname[from_clan] = len(SURNAMES) + rng.choice(len(OROQEN_SURNAMES), size=int(from_clan.sum()), p=oroqen)
    # Children and grandchildren mostly carry the head's surname, and so does one of the head's parents.
    head_row = np.repeat(np.cumsum(households.size) - households.size, households.size)
    head_surname = surname[head_row]
    inherit = np.select(
        [np.isin(relation, [CHILD, GRANDCHILD]), relation == PARENT], [0.9, 0.5], default=0.0
    ) * np.where(male[head_row], 1.0, 0.4)
    take = rng.random(persons) < inherit
    surname[take] = head_surname[take]

    given: list[str] = []
    cell = np.zeros(persons, dtype=np.int64)
    lengths = np.zeros(len(GIVEN_NAMES), dtype=np.int64)
    offsets = np.zeros(len(GIVEN_NAMES), dtype=np.int64)
    assigned = np.zeros(persons, dtype=bool)
    for index, (last_year, gender, words) in enumerate(GIVEN_NAMES):
        choices = words.split()
        offsets[index], lengths[index] = len(given), len(choices)
        given.extend(choices)
        members = ~assigned & (year <= last_year) & (male == (gender == "男"))
        cell[members] = index
        assigned |= members
    pick = offsets[cell] + (rng.random(persons) * lengths[cell]).astype(np.int64)
    return pl.Series(surnames).gather(surname) + pl.Series(given).gather(pick)


def _shares(weighted: list[tuple[str, float]]) -> npt.NDArray[np.float64]:
    weights = np.array([weight for _, weight in weighted])
    return weights / weights.sum()


def _persons_table(
    rng: np.random.Generator, villages: _Villages, households: _Households, people: _People
) -> pl.DataFrame:
    persons = len(people.household)
    share = np.where(people.age >= 80, 0.6, 0.9)
    has_phone = (people.age >= 18) & (rng.random(persons) < share)
    phone = rng.choice(MOBILE_PREFIXES, size=persons) * 10**8 + rng.integers(0, 10**8, size=persons)
    return (
        pl.DataFrame(
            {
                "身份证号": people.id_numbers,
                "姓名": people.names,
                "性别": np.where(people.male, "男", "女"),
                "出生日期": people.birth,
                "村代码": pl.Series(villages.codes).gather(people.village),
                "户编号": households.ids.gather(people.household),
                "与户主关系": pl.Series(RELATIONS).gather(people.relation),
                "联系电话": pl.Series(phone).cast(pl.String),
                "has_phone": has_phone,
            }
        )
        .with_columns(
            pl.col("出生日期").cast(pl.Date),
            pl.when(pl.col("has_phone")).then(pl.col("联系电话")).alias("联系电话"),
        )
        .drop("has_phone")
    )


def _deaths_table(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    persons = len(people.household)
    count = round(persons * DEATH_RATE)
    # Gompertz mortality: the hazard roughly doubles every eight years of age, so most deaths are elderly.
    log_weight = 0.085 * people.age.astype(np.float64)
    keys = log_weight + rng.gumbel(size=persons)
    dead = np.sort(np.argpartition(-keys, count)[:count]) if count else np.zeros(0, dtype=np.int64)
    first = np.datetime64(DEATHS_FROM.isoformat(), "D")
    span = (np.datetime64(DEATHS_TO.isoformat(), "D") - first).astype(np.int64) + 1
    died = first + rng.integers(0, span, size=count).astype("timedelta64[D]")
    died = np.maximum(died, people.birth[dead])
    return (
        pl.DataFrame(
            {
                "身份证号": people.id_numbers.gather(dead),
                "姓名": people.names.gather(dead),
                "死亡日期": died,
            }
        )
        .with_columns(pl.col("死亡日期").cast(pl.Date))
        .sort("死亡日期", "身份证号")
    )


def _cards_table(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    persons = len(people.household)
    holders = np.flatnonzero((people.age >= CARD_MIN_AGE) & (rng.random(persons) < CARD_COVERAGE))
    codes = list(CARD_BANKS)
    shares = np.array([share for share, _ in CARD_BANKS.values()])
    heads = np.array([head for _, head in CARD_BANKS.values()], dtype=np.int64)
    bank = rng.choice(len(codes), size=holders.size, p=shares / shares.sum())
    body = heads[bank] * 10**9 + rng.integers(0, 10**9, size=holders.size)
    while True:
        clash = _repeats(body)
        if not clash.size:
            break
        body[clash] = heads[bank[clash]] * 10**9 + rng.integers(0, 10**9, size=clash.size)
    accounts = body * 10 + _luhn_digit(body, 18)
    status = rng.choice(len(CARD_STATUSES), size=holders.size, p=CARD_STATUS_SHARES)
    return pl.DataFrame(
        {
            "身份证号": people.id_numbers.gather(holders),
            "持卡人姓名": people.names.gather(holders),
            "开户银行代码": pl.Series(codes).gather(bank),
            "银行账号": pl.Series(accounts).cast(pl.String),
            "卡状态": pl.Series(CARD_STATUSES).gather(status),
        }
    )


def _luhn_digit(body: IntArray, digits: int) -> IntArray:
    """The Luhn check digit that bank card numbers end with, for bodies of the given number of digits."""
    total = np.zeros(len(body), dtype=np.int64)
    for place in range(digits):
        digit = (body // 10**place) % 10
        if place % 2 == 0:
            digit = digit * 2
            digit = digit - 9 * (digit > 9)
        total += digit
    return (10 - total % 10) % 10


def _cadres_table(rng: np.random.Generator, villages: _Villages, people: _People) -> pl.DataFrame:
    low, high = CADRE_AGES
    eligible = (people.age >= low) & (people.age <= high)
    rows: list[int] = []
    posts: list[str] = []
    bounds = np.searchsorted(people.village, np.arange(len(villages.codes) + 1))
    for index in range(len(villages.codes)):
        start, end = int(bounds[index]), int(bounds[index + 1])
        candidates = start + rng.permutation(np.flatnonzero(eligible[start:end]))
        titles = VILLAGE_POSTS if villages.rural[index] else COMMUNITY_POSTS
        wanted = titles[: int(rng.integers(3, 7))]
        women = candidates[~people.male[candidates]]
        taken: set[int] = set()
        for title in wanted:
            pool = women if title == WOMENS_POST else candidates
            person = next((int(p) for p in pool if int(p) not in taken), None)
            if person is not None:
                taken.add(person)
                rows.append(person)
                posts.append(title)
    cadre = set(rows)
    for town_code, _ in reference.TOWNSHIPS:
        of_town = np.array([town == town_code for town in villages.township])
        in_town = np.flatnonzero(of_town[people.village] & eligible)
        # A dozen draws leave enough after dropping village cadres, without shuffling the whole township.
        sample = rng.choice(in_town, size=min(12, in_town.size), replace=False)
        officials = [int(p) for p in sample if int(p) not in cadre]
        chosen = officials[: int(rng.integers(2, 5))]
        rows.extend(chosen)
        posts.extend([TOWNSHIP_OFFICIAL] * len(chosen))
    picked = np.array(rows, dtype=np.int64)
    return pl.DataFrame(
        {
            "身份证号": people.id_numbers.gather(picked),
            "姓名": people.names.gather(picked),
            "村代码": pl.Series(villages.codes).gather(people.village[picked]),
            "职务": pl.Series(posts, dtype=pl.String),
        }
    )


def _land_table(
    rng: np.random.Generator, villages: _Villages, households: _Households, people: _People
) -> pl.DataFrame:
    farming = np.flatnonzero(villages.rural[households.village])
    head_row = (np.cumsum(households.size) - households.size)[farming]
    # Contracted land per household is skewed: most hold 10–30 亩, a few large farmers up to 80.
    area = np.clip(rng.lognormal(np.log(20), 0.55, size=farming.size), 5, 80)
    area_units = np.clip(np.round(area * 10_000), 50_000, 800_000).astype(np.int64)
    return pl.DataFrame(
        {
            "户编号": households.ids.gather(farming),
            "承包方身份证号": people.id_numbers.gather(head_row),
            "村代码": pl.Series(villages.codes).gather(households.village[farming]),
            "承包面积": area_units / 10_000,
        }
    )


def _write(table: pl.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        table.write_csv(path)
    else:
        _write_xlsx(table, path)
    return path


def _write_xlsx(table: pl.DataFrame, path: Path) -> None:
    # A fixed creation time keeps the workbook byte-for-byte reproducible for a given seed.
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": dt.datetime(AS_OF.year, AS_OF.month, AS_OF.day)})
    try:
        table.write_excel(workbook, worksheet=path.stem, float_precision=4, autofit=False)
    finally:
        workbook.close()
