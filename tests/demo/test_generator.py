"""The synthetic 塔河县 registries: formats, validity, internal consistency, proportions and determinism."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from stdnum import luhn

from yikatong.core.idnumber import validate_id_number
from yikatong.demo import reference
from yikatong.demo.generator import AS_OF, GeneratedCounty, generate_county

HEADERS = {
    "persons": "身份证号,姓名,性别,出生日期,村代码,户编号,与户主关系,联系电话",
    "deaths": "身份证号,姓名,死亡日期",
    "cards": "身份证号,持卡人姓名,开户银行代码,银行账号,卡状态",
    "cadres": "身份证号,姓名,村代码,职务",
    "land": "户编号,承包方身份证号,村代码,承包面积",
}
VILLAGE_CODES = {code for villages in reference.VILLAGES.values() for code, _ in villages}
RURAL_CODES = {code for code in VILLAGE_CODES if 200 <= int(code[9:]) <= 399}
ACCOUNT_PREFIXES = {"103": "6228", "105": "6217", "403": "6221", "102": "6212", "402": "6231"}
VILLAGE_POSTS = {"村党支部书记", "村委会主任", "村会计", "妇女主任", "村监委会主任", "村委会委员"}
COMMUNITY_POSTS = {
    "社区党支部书记",
    "社区居委会主任",
    "社区会计",
    "妇女主任",
    "社区监委会主任",
    "社区居委会委员",
}
TOWNSHIP_OFFICIAL = "乡镇干部（财政供养人员）"


def read(county: GeneratedCounty, name: str) -> pl.DataFrame:
    return pl.read_csv(county.files[name], infer_schema=False)


def with_age(persons: pl.DataFrame) -> pl.DataFrame:
    """Adds the whole years of age on the generator's AS_OF date."""
    birth = pl.col("出生日期").str.to_date()
    month_day = birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)
    before_birthday = month_day > AS_OF.month * 100 + AS_OF.day
    return persons.with_columns(age=AS_OF.year - birth.dt.year() - before_birthday.cast(pl.Int32))


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCounty:
    return generate_county(tmp_path_factory.mktemp("county"), persons=2_000, seed=7)


@pytest.fixture(scope="module")
def persons(county: GeneratedCounty) -> pl.DataFrame:
    return with_age(read(county, "persons"))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCounty:
    return generate_county(tmp_path_factory.mktemp("large"), persons=40_000, seed=2721)


def test_files_have_the_exchange_format_headers_in_utf8_without_bom(county: GeneratedCounty) -> None:
    assert set(county.files) == set(HEADERS)
    for name, header in HEADERS.items():
        path = county.files[name]
        assert path == county.directory / f"{name}.csv"
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert raw.decode("utf-8").splitlines()[0] == header


def test_reported_counts_match_the_files(county: GeneratedCounty, persons: pl.DataFrame) -> None:
    assert county.persons == persons.height == 2_000
    assert county.households == persons["户编号"].n_unique()
    assert county.cards == read(county, "cards").height
    assert county.deaths == read(county, "deaths").height
    assert county.cadres == read(county, "cadres").height
    assert county.land_parcels == read(county, "land").height


def test_every_id_number_is_valid_and_unique(persons: pl.DataFrame) -> None:
    ids = persons["身份证号"].to_list()
    for number in ids:
        assert validate_id_number(number) == number  # python-stdnum's checks, place code of any period
    assert len(set(ids)) == len(ids)


def test_gender_and_birth_date_agree_with_the_id_number(persons: pl.DataFrame) -> None:
    number = pl.col("身份证号")
    odd = number.str.slice(16, 1).cast(pl.Int32) % 2 == 1
    mismatches = persons.filter(
        (number.str.slice(6, 8) != pl.col("出生日期").str.replace_all("-", ""))
        | (pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女")) != pl.col("性别"))
    )
    assert mismatches.height == 0
    assert persons["age"].min() >= 0
    assert persons["age"].max() <= 100


def test_households_have_one_head_and_live_in_one_county_village(persons: pl.DataFrame) -> None:
    households = persons.group_by("户编号").agg(
        heads=(pl.col("与户主关系") == "户主").sum(),
        size=pl.len(),
        villages=pl.col("村代码").n_unique(),
        village=pl.col("村代码").first(),
    )
    assert households["heads"].to_list() == [1] * households.height
    assert households["size"].is_between(1, 6).all()
    assert households["villages"].to_list() == [1] * households.height
    assert households["户编号"].str.contains(r"^\d{12}-\d{6}$").all()
    assert (households["户编号"].str.slice(0, 12) == households["village"]).all()
    assert set(persons["村代码"]) <= VILLAGE_CODES
    assert set(persons["与户主关系"]) <= {"户主", "配偶", "子女", "父母", "孙子女", "其他"}


def test_names_are_chinese_and_phones_are_mobile_numbers_of_adults(persons: pl.DataFrame) -> None:
    assert persons["姓名"].str.contains(r"^[\u4e00-\u9fff]{2,3}$").all()
    phones = persons.filter(pl.col("联系电话").is_not_null())
    assert phones["联系电话"].str.contains(r"^1(3|5|8|9)\d{9}$").all()
    assert phones["age"].min() >= 18
    assert 0 < persons["联系电话"].null_count() < persons.height // 2


def test_cards_belong_to_people_aged_16_and_accounts_are_unique_and_bank_specific(
    county: GeneratedCounty, persons: pl.DataFrame
) -> None:
    cards = read(county, "cards")
    joined = cards.join(persons, on="身份证号", how="left")
    assert joined["姓名"].null_count() == 0
    assert (joined["持卡人姓名"] == joined["姓名"]).all()
    assert joined["age"].min() >= 16
    assert cards["身份证号"].is_unique().all()
    assert cards["银行账号"].is_unique().all()
    assert set(cards["开户银行代码"]) <= {code for code, _, _ in reference.AGENT_BANKS}
    assert set(cards["卡状态"]) <= {"正常", "挂失", "冻结", "注销"}
    for bank, account in cards.select("开户银行代码", "银行账号").iter_rows():
        assert len(account) == 19
        assert account.startswith(ACCOUNT_PREFIXES[bank])
        assert luhn.is_valid(account)


def test_deaths_are_of_registered_people_in_2025_and_2026(
    county: GeneratedCounty, persons: pl.DataFrame
) -> None:
    deaths = read(county, "deaths")
    joined = deaths.join(persons, on="身份证号", how="left")
    assert deaths.height > 0
    assert joined["姓名"].null_count() == 0
    assert (joined["姓名"] == joined["姓名_right"]).all()
    died = joined["死亡日期"].str.to_date()
    assert died.min() >= dt.date(2025, 1, 1)
    assert died.max() <= dt.date(2026, 12, 31)
    assert (died >= joined["出生日期"].str.to_date()).all()
    assert deaths["身份证号"].is_unique().all()


def test_cadres_are_working_age_people_of_their_village(
    county: GeneratedCounty, persons: pl.DataFrame
) -> None:
    cadres = read(county, "cadres")
    joined = cadres.join(persons, on="身份证号", how="left", suffix="_person")
    assert joined["姓名_person"].null_count() == 0
    assert (joined["姓名"] == joined["姓名_person"]).all()
    assert (joined["村代码"] == joined["村代码_person"]).all()
    assert joined["age"].is_between(25, 65).all()
    assert cadres["身份证号"].is_unique().all()
    assert (joined.filter(pl.col("职务") == "妇女主任")["性别"] == "女").all()
    village_cadres = joined.filter(pl.col("职务") != TOWNSHIP_OFFICIAL)
    for code, post in village_cadres.select("村代码", "职务").iter_rows():
        assert post in (VILLAGE_POSTS if code in RURAL_CODES else COMMUNITY_POSTS)
    per_village = village_cadres.group_by("村代码").len()
    assert per_village.height == len(VILLAGE_CODES)
    assert per_village["len"].is_between(3, 6).all()
    assert 0 < (cadres["职务"] == TOWNSHIP_OFFICIAL).sum() <= 4 * len(reference.TOWNSHIPS)


def test_land_has_one_contract_per_rural_household_held_by_its_head(
    county: GeneratedCounty, persons: pl.DataFrame
) -> None:
    land = read(county, "land")
    heads = persons.filter(pl.col("与户主关系") == "户主")
    rural = heads.filter(pl.col("村代码").is_in(sorted(RURAL_CODES)))
    assert sorted(land["户编号"]) == sorted(rural["户编号"])
    joined = land.join(heads, on="户编号", how="left")
    assert (joined["承包方身份证号"] == joined["身份证号"]).all()
    assert (joined["村代码"] == joined["村代码_right"]).all()
    assert land["承包面积"].str.contains(r"^\d{1,2}(\.\d{1,4})?$").all()
    assert land["承包面积"].cast(pl.Float64).is_between(5, 80).all()


def test_proportions_are_those_of_a_rural_county(large: GeneratedCounty) -> None:
    persons = with_age(read(large, "persons"))
    cards = read(large, "cards")
    deaths = read(large, "deaths").join(persons, on="身份证号")
    adults = persons.filter(pl.col("age") >= 16).height
    assert 0.95 < cards.height / adults < 0.99
    status = cards["卡状态"].value_counts(normalize=True)
    share = dict(zip(status["卡状态"], status["proportion"], strict=True))
    assert 0.97 < share["正常"] < 0.99
    assert 0.005 < share["挂失"] < 0.015
    assert 0.002 < share["冻结"] < 0.008
    assert 0.002 < share["注销"] < 0.008
    banks = cards["开户银行代码"].value_counts(sort=True)["开户银行代码"].to_list()
    assert banks[:3] == ["103", "403", "402"]
    assert 0.005 < deaths.height / persons.height < 0.007
    assert deaths["age"].median() > 70
    assert (persons["age"] >= 60).mean() > 0.2
    rural = persons["村代码"].is_in(sorted(RURAL_CODES))
    rural_share = rural.sum() / len(RURAL_CODES) / (persons.height / len(VILLAGE_CODES))
    assert rural_share > 1.1
    assert persons["身份证号"].str.ends_with("X").mean() > 0.05
    born_in_tahe = persons.filter(pl.col("出生日期") >= "1983")["身份证号"].str.starts_with("232722").mean()
    assert born_in_tahe > 0.75
    oroqen = persons.filter(pl.col("村代码") == "232722200201")["姓名"].str.slice(0, 1)
    assert oroqen.is_in(["关", "孟", "葛", "吴", "莫"]).mean() > 0.4


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = generate_county(tmp_path / "a", persons=500, seed=11)
    again = generate_county(tmp_path / "b", persons=500, seed=11)
    other = generate_county(tmp_path / "c", persons=500, seed=12)
    for name in HEADERS:
        assert first.files[name].read_bytes() == again.files[name].read_bytes()
    assert first.files["persons"].read_bytes() != other.files["persons"].read_bytes()


def test_xlsx_holds_the_same_registries_as_csv(tmp_path: Path) -> None:
    csv = generate_county(tmp_path / "csv", persons=300, seed=5)
    xlsx = generate_county(tmp_path / "xlsx", persons=300, seed=5, fmt="xlsx")
    again = generate_county(tmp_path / "again", persons=300, seed=5, fmt="xlsx")
    for name, header in HEADERS.items():
        assert xlsx.files[name] == xlsx.directory / f"{name}.xlsx"
        assert xlsx.files[name].read_bytes() == again.files[name].read_bytes()
        sheet = pl.read_excel(xlsx.files[name])
        assert ",".join(sheet.columns) == header
        assert sheet.height == read(csv, name).height
    sheet = pl.read_excel(xlsx.files["persons"])
    assert sheet["身份证号"].to_list() == read(csv, "persons")["身份证号"].to_list()
    assert sheet["出生日期"].dtype == pl.Date
    land = pl.read_excel(xlsx.files["land"])
    assert land["承包面积"].to_list() == read(csv, "land")["承包面积"].cast(pl.Float64).to_list()


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        generate_county(tmp_path, persons=10, fmt="json")
    with pytest.raises(ValueError, match="at least 1"):
        generate_county(tmp_path, persons=0)
    with pytest.raises(ValueError, match="Excel"):
        generate_county(tmp_path, persons=2_000_000, fmt="xlsx")
