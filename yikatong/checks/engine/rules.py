"""One function per rule of DESIGN.md's Checks table: whole frames in, one findings frame out.

Every function takes the run's ``AuditInputs`` and returns the columns of ``FINDING_COLUMNS`` except
``severity``, which the catalogue adds. Nothing here loops over lines: the only Python loops run over
policies or over the distinct (policy, birth date, village, quantity) combinations the amount function
needs, which are few however long the roster is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from yikatong.bulk.idnumbers import id_birth_date, id_number_errors
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.policies.domain.amount import Beneficiary, Conditions, RateBand, Standard, standard_amount

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "row_no": pl.Int64(),
    "rule": pl.String(),
    "severity": pl.String(),
    "id_number": pl.String(),
    "policy_code": pl.String(),
    "detail": pl.String(),
}
FINDING_COLUMNS = tuple(FINDING_SCHEMA)
KEY = ["id_number", "policy_code", "period"]
CARD_STATUS_ZH = {"active": "正常", "lost": "挂失", "frozen": "冻结", "closed": "注销"}
UNIT_ZH = {"mu": "亩", "month": "月", "person": "人", "household": "户"}
AREA_PLACES = 4


def empty_findings() -> pl.DataFrame:
    """A findings frame with no rows."""
    return pl.DataFrame(schema=FINDING_SCHEMA)


def _findings(frame: pl.DataFrame, code: str, detail: pl.Expr) -> pl.DataFrame:
    """The findings for the rows of ``frame`` (which has row_no, id_number, policy_code), one per row."""
    return frame.select(
        pl.col("row_no").cast(pl.Int64),
        pl.lit(code).alias("rule"),
        pl.lit(None, pl.String).alias("severity"),
        pl.col("id_number").cast(pl.String),
        pl.col("policy_code").cast(pl.String),
        detail.cast(pl.String).alias("detail"),
    )


def yuan(fen: pl.Expr) -> pl.Expr:
    """Integer fen as 元 with two decimals: 12345 → "123.45"."""
    return pl.concat_str(
        (fen // 100).cast(pl.String), pl.lit("."), (fen % 100).cast(pl.String).str.pad_start(2, "0")
    )


def _scaled(text: pl.Expr, places: int) -> pl.Expr:
    """A canonical decimal string with exactly ``places`` decimals as an integer count of its last place."""
    return (
        text.str.replace(".", "", literal=True).cast(pl.Int64, strict=False)
        if places
        else text.cast(pl.Int64)
    )


def _area(text: pl.Expr, places: int = AREA_PLACES) -> pl.Expr:
    """A canonical decimal string in 1/10^places units, whatever number of decimals it was written with."""
    whole = text.str.split_exact(".", 1).struct.field("field_0").cast(pl.Int64, strict=False)
    fraction = text.str.split_exact(".", 1).struct.field("field_1").fill_null("")
    digits = fraction.str.slice(0, places).str.pad_end(places, "0").cast(pl.Int64, strict=False)
    return whole * 10**places + digits


def _area_text(scaled: pl.Expr) -> pl.Expr:
    """1/10000 亩 back to a decimal string without trailing zeros: 125000 → "12.5"."""
    text = pl.concat_str(
        (scaled // 10**AREA_PLACES).cast(pl.String),
        pl.lit("."),
        (scaled % 10**AREA_PLACES).cast(pl.String).str.pad_start(AREA_PLACES, "0"),
    )
    return text.str.strip_chars_end("0").str.strip_chars_end(".")


def id_errors(inputs: AuditInputs) -> pl.DataFrame:
    """The lines with their ID-number error (null where valid), computed once per run."""
    if "id_errors" not in inputs.cache:
        lines = inputs.lines
        errors = id_number_errors(lines.get_column("id_number").fill_null(""), today=dt.date.today())
        inputs.cache["id_errors"] = lines.with_columns(errors.alias("__id_error"))
    frame: pl.DataFrame = inputs.cache["id_errors"]
    return frame


def valid_lines(inputs: AuditInputs) -> pl.DataFrame:
    """The lines whose ID number is valid: the other rules look only at these."""
    if "valid_lines" not in inputs.cache:
        inputs.cache["valid_lines"] = (
            id_errors(inputs).filter(pl.col("__id_error").is_null()).drop("__id_error")
        )
    frame: pl.DataFrame = inputs.cache["valid_lines"]
    return frame


def _with_history(inputs: AuditInputs, columns: list[str]) -> pl.DataFrame:
    """The valid lines and the already-paid history, with ``__here`` telling them apart."""
    here = valid_lines(inputs).select(*columns, pl.lit(True).alias("__here"))
    if inputs.history is None:
        return here
    return pl.concat([here, inputs.history.select(*columns, pl.lit(False).alias("__here"))])


def _source(inputs: AuditInputs, name: str, default: str) -> str:
    return inputs.sources.get(name, default)


def _period_start(inputs: AuditInputs) -> str:
    return inputs.period.start.isoformat()


# --- the rules ---------------------------------------------------------------------------------------


def id_invalid(inputs: AuditInputs) -> pl.DataFrame:
    """ID_INVALID: malformed number, impossible birth date or wrong check digit."""
    bad = id_errors(inputs).filter(pl.col("__id_error").is_not_null())
    return _findings(bad, "ID_INVALID", pl.concat_str(pl.lit("身份证号无效："), pl.col("__id_error")))


def deceased(inputs: AuditInputs) -> pl.DataFrame:
    """DECEASED: the beneficiary died before the period starts (死亡冒领)."""
    assert inputs.deaths is not None
    source = _source(inputs, "deaths", "死亡人员登记")
    deaths = inputs.deaths.select("id_number", "death_date").unique("id_number")
    hits = (
        valid_lines(inputs).join(deaths, on="id_number").filter(pl.col("death_date") < _period_start(inputs))
    )
    detail = pl.concat_str(pl.lit("该人员已于"), pl.col("death_date"), pl.lit(f"死亡（{source}）"))
    return _findings(hits, "DECEASED", detail)


def duplicate(inputs: AuditInputs) -> pl.DataFrame:
    """DUPLICATE: same person, policy and period more than once in the lines, or already paid elsewhere."""
    lines = valid_lines(inputs).sort("row_no")
    first = lines.group_by(KEY).agg(
        pl.col("row_no").first().alias("__first_row"),
        pl.col("line_no").first().alias("__first_line"),
        pl.col("village_code").first().alias("__first_village"),
    )
    again = lines.join(first, on=KEY).filter(pl.col("row_no") != pl.col("__first_row"))
    within = _findings(
        again,
        "DUPLICATE",
        pl.concat_str(
            pl.lit("同一人同一项目同一期间重复申报，与序号"),
            pl.col("__first_line").cast(pl.String),
            pl.lit("重复（该行村代码"),
            pl.col("__first_village"),
            pl.lit("）"),
        ),
    )
    if inputs.history is None:
        return within
    paid = inputs.history.select(KEY).unique()
    before = lines.join(paid, on=KEY, how="semi")
    earlier = _findings(
        before,
        "DUPLICATE",
        pl.concat_str(pl.lit("本期该项目已在其他批次发放（"), pl.col("period"), pl.lit("）")),
    )
    return pl.concat([within, earlier])


def no_card(inputs: AuditInputs) -> pl.DataFrame:
    """NO_CARD: no social security card account on file (一卡通 not used)."""
    assert inputs.cards is not None
    missing = valid_lines(inputs).join(inputs.cards.select("id_number").unique(), on="id_number", how="anti")
    return _findings(
        missing,
        "NO_CARD",
        pl.lit(f"社保卡账户登记中没有该人员的社保卡（{_source(inputs, 'cards', '社保卡账户')}）"),
    )


def _card_states(inputs: AuditInputs) -> pl.DataFrame:
    assert inputs.cards is not None
    return inputs.cards.group_by("id_number").agg(
        (pl.col("status") == "active").any().alias("__has_active"),
        pl.col("status")
        .replace_strict(CARD_STATUS_ZH, default=pl.col("status"))
        .unique()
        .sort()
        .str.join("、")
        .alias("__statuses"),
    )


def card_inactive(inputs: AuditInputs) -> pl.DataFrame:
    """CARD_INACTIVE: the person's cards are all lost, frozen or closed."""
    hits = valid_lines(inputs).join(_card_states(inputs), on="id_number").filter(~pl.col("__has_active"))
    detail = pl.concat_str(pl.lit("该人员没有正常状态的社保卡（卡状态："), pl.col("__statuses"), pl.lit("）"))
    return _findings(hits, "CARD_INACTIVE", detail)


def account_mismatch(inputs: AuditInputs) -> pl.DataFrame:
    """ACCOUNT_MISMATCH: the line's account is not the person's own active card account (人卡分离, 代持)."""
    assert inputs.cards is not None
    cards = inputs.cards
    active = cards.filter(pl.col("status") == "active")
    lines = valid_lines(inputs).join(active.select("id_number").unique(), on="id_number", how="semi")
    wrong = lines.join(active.select("id_number", "account_no"), on=["id_number", "account_no"], how="anti")
    owners = cards.select(
        pl.col("account_no"), pl.col("id_number").alias("__owner"), pl.col("status").alias("__st")
    )
    wrong = wrong.join(owners.unique("account_no"), on="account_no", how="left")
    detail = (
        pl.when(pl.col("__owner").is_null())
        .then(pl.lit("银行账号不是本人的社保卡账户（社保卡账户登记中没有该账号）"))
        .when(pl.col("__owner") != pl.col("id_number"))
        .then(pl.lit("银行账号不是本人的社保卡账户（该账号登记在他人名下）"))
        .otherwise(
            pl.concat_str(
                pl.lit("银行账号是本人已"),
                pl.col("__st").replace_strict(CARD_STATUS_ZH, default=pl.col("__st")),
                pl.lit("的社保卡，应发到本人正常状态的社保卡"),
            )
        )
    )
    return _findings(wrong, "ACCOUNT_MISMATCH", detail)


def shared_account(inputs: AuditInputs) -> pl.DataFrame:
    """SHARED_ACCOUNT: one account receives for more than one ID number (一卡多人, 代领)."""
    every = _with_history(inputs, ["row_no", "id_number", "account_no"])
    shared = (
        every.group_by("account_no")
        .agg(pl.col("id_number").n_unique().alias("__people"))
        .filter(pl.col("__people") > 1)
    )
    hits = valid_lines(inputs).join(shared, on="account_no")
    detail = pl.concat_str(
        pl.lit("同一银行账号为"), pl.col("__people").cast(pl.String), pl.lit("个身份证号领取补贴")
    )
    return _findings(hits, "SHARED_ACCOUNT", detail)


# --- policies and standards --------------------------------------------------------------------------


def standards(inputs: AuditInputs) -> dict[str, Standard]:
    """Each policy code's Standard from the policies table (one row, or one row per age band)."""
    if "standards" not in inputs.cache:
        assert inputs.policies is not None
        built: dict[str, Standard] = {}
        for code, rows in inputs.policies.group_by("code", maintain_order=True):
            records = rows.to_dicts()
            first = records[0]
            exclusive = (
                tuple((first.get("exclusive_with") or "").split(";")) if first.get("exclusive_with") else ()
            )
            means_tested = first.get("means_tested") == "true"
            if len(records) == 1:
                # A single row's age range is a condition of the policy, not a band of its rate table.
                conditions = Conditions(
                    min_age=_int(first["min_age"]),
                    max_age=_int(first["max_age"]),
                    means_tested=means_tested,
                    exclusive_with=exclusive,
                )
                bands: tuple[RateBand, ...] = (RateBand(rate=Decimal(first["rate"])),)
            else:
                conditions = Conditions(means_tested=means_tested, exclusive_with=exclusive)
                bands = tuple(
                    RateBand(rate=Decimal(r["rate"]), min_age=_int(r["min_age"]), max_age=_int(r["max_age"]))
                    for r in records
                )
            built[str(code[0])] = Standard(
                code=str(code[0]), unit=first["unit"], bands=bands, conditions=conditions
            )
        inputs.cache["standards"] = built
    result: dict[str, Standard] = inputs.cache["standards"]
    return result


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _policy_table(inputs: AuditInputs) -> pl.DataFrame:
    """One row per policy code: unit, means test and the codes it excludes."""
    table = [
        (code, s.unit, s.conditions.means_tested, list(s.conditions.exclusive_with))
        for code, s in standards(inputs).items()
    ]
    return pl.DataFrame(
        table,
        schema={
            "policy_code": pl.String,
            "__unit": pl.String,
            "__means": pl.Boolean,
            "__excl": pl.List(pl.String),
        },
        orient="row",
    )


def _default_quantity(unit: str, inputs: AuditInputs) -> Decimal | None:
    if unit == "month":
        return Decimal(inputs.period.months())
    if unit in ("person", "household"):
        return Decimal(1)
    return None


def _age_on_start(birth: pl.Expr, start: dt.date) -> pl.Expr:
    """Whole years on the period's first day (null before birth), exactly as the amount function counts."""
    day = birth.str.to_date("%Y-%m-%d")
    before_birthday = (day.dt.month() > start.month) | (
        (day.dt.month() == start.month) & (day.dt.day() > start.day)
    )
    age = pl.lit(start.year) - day.dt.year() - before_birthday.cast(pl.Int32)
    return pl.when(day > pl.lit(start)).then(None).otherwise(age)


def _representatives(lines: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One birth date per combination of keys: the amount function reads a birth date only through the age."""
    return lines.group_by(keys).agg(pl.col("__birth").first())


def _amounts(inputs: AuditInputs) -> pl.DataFrame:
    """Valid lines of known policies with their standard fen (null: no amount) and the reason if none."""
    if "amounts" in inputs.cache:
        cached: pl.DataFrame = inputs.cache["amounts"]
        return cached
    known = standards(inputs)
    lines = (
        valid_lines(inputs)
        .filter(pl.col("policy_code").is_in(list(known)))
        .with_columns(id_birth_date(pl.col("id_number")).alias("__birth"))
        .with_columns(_age_on_start(pl.col("__birth"), inputs.period.start).alias("__age"))
    )
    combo = ["policy_code", "__age", "village_code", "quantity"]
    results: list[tuple[str, int | None, str, str | None, int | None, str]] = []
    cases = _representatives(lines, combo).select(
        "policy_code", "__age", "__birth", "village_code", "quantity"
    )
    for code, age, birth, village, quantity in cases.iter_rows():
        standard = known[code]
        amount_of = Decimal(quantity) if quantity else _default_quantity(standard.unit, inputs)
        if amount_of is None:
            results.append((code, age, village, quantity, None, "未填写数量"))
            continue
        person = Beneficiary(birth_date=dt.date.fromisoformat(birth), village_code=village)
        amount = standard_amount(standard, person, amount_of, inputs.period)
        results.append((code, age, village, quantity, amount.fen, amount.reason))
    table = pl.DataFrame(
        results,
        schema={
            "policy_code": pl.String,
            "__age": lines.schema["__age"],
            "village_code": pl.String,
            "quantity": pl.String,
            "__fen": pl.Int64,
            "__reason": pl.String,
        },
        orient="row",
    )
    frame = lines.join(table, on=combo, how="left", nulls_equal=True).with_columns(
        _scaled(pl.col("amount"), 2).alias("__paid")
    )
    inputs.cache["amounts"] = frame
    return frame


def over_standard(inputs: AuditInputs) -> pl.DataFrame:
    """OVER_STANDARD: amount above standard × quantity (多发)."""
    hits = _amounts(inputs).filter(pl.col("__paid") > pl.col("__fen"))
    detail = pl.concat_str(
        pl.lit("发放金额"),
        yuan(pl.col("__paid")),
        pl.lit("元，高于标准金额"),
        yuan(pl.col("__fen")),
        pl.lit("元（多"),
        yuan(pl.col("__paid") - pl.col("__fen")),
        pl.lit("元）"),
    )
    return _findings(hits, "OVER_STANDARD", detail)


def under_standard(inputs: AuditInputs) -> pl.DataFrame:
    """UNDER_STANDARD: amount below standard × quantity (少发, 截留)."""
    hits = _amounts(inputs).filter(pl.col("__paid") < pl.col("__fen"))
    detail = pl.concat_str(
        pl.lit("发放金额"),
        yuan(pl.col("__paid")),
        pl.lit("元，低于标准金额"),
        yuan(pl.col("__fen")),
        pl.lit("元（少"),
        yuan(pl.col("__fen") - pl.col("__paid")),
        pl.lit("元）"),
    )
    return _findings(hits, "UNDER_STANDARD", detail)


def ineligible(inputs: AuditInputs) -> pl.DataFrame:
    """INELIGIBLE: fails the policy's conditions (age band on the period's first day), or no such policy."""
    known = standards(inputs)
    lines = valid_lines(inputs)
    unknown = lines.filter(~pl.col("policy_code").is_in(list(known)))
    found = [
        _findings(
            unknown,
            "INELIGIBLE",
            pl.concat_str(
                pl.lit("补贴项目清单中没有项目"), pl.col("policy_code"), pl.lit("，无法确认发放资格")
            ),
        )
    ]
    with_birth = (
        lines.filter(pl.col("policy_code").is_in(list(known)))
        .with_columns(id_birth_date(pl.col("id_number")).alias("__birth"))
        .with_columns(_age_on_start(pl.col("__birth"), inputs.period.start).alias("__age"))
    )
    combo = ["policy_code", "__age", "village_code"]
    results: list[tuple[str, int | None, str, str]] = []
    cases = _representatives(with_birth, combo).select("policy_code", "__age", "__birth", "village_code")
    for code, age, birth, village in cases.iter_rows():
        person = Beneficiary(birth_date=dt.date.fromisoformat(birth), village_code=village)
        # Quantity 1 is valid for every unit: only the conditions and the bands can fail here.
        amount = standard_amount(known[code], person, Decimal(1), inputs.period)
        if not amount.eligible:
            results.append((code, age, village, amount.reason))
    table = pl.DataFrame(
        results,
        schema={
            "policy_code": pl.String,
            "__age": with_birth.schema["__age"],
            "village_code": pl.String,
            "__reason": pl.String,
        },
        orient="row",
    )
    hits = with_birth.join(table, on=combo, nulls_equal=True)
    found.append(_findings(hits, "INELIGIBLE", pl.concat_str(pl.lit("不符合补贴条件："), pl.col("__reason"))))
    return pl.concat(found)


def area_exceeds(inputs: AuditInputs) -> pl.DataFrame:
    """AREA_EXCEEDS: the household claims more 亩 than it has under contract, or has no contract."""
    assert inputs.land is not None
    policies = _policy_table(inputs).filter(pl.col("__unit") == "mu").select("policy_code")
    lines = valid_lines(inputs).join(policies, on="policy_code", how="semi")
    contractors = inputs.land.select(
        pl.col("contractor_id_number").alias("id_number"), pl.col("household_id").alias("__by_contract")
    ).unique("id_number")
    lines = lines.join(contractors, on="id_number", how="left")
    if inputs.persons is not None:
        homes = inputs.persons.select("id_number", pl.col("household_id").alias("__by_person")).unique(
            "id_number"
        )
        lines = lines.join(homes, on="id_number", how="left")
    else:
        lines = lines.with_columns(pl.lit(None, pl.String).alias("__by_person"))
    lines = lines.with_columns(
        pl.coalesce("__by_person", "__by_contract").alias("__household"),
        _area(pl.col("quantity")).fill_null(0).alias("__claimed"),
    )
    contracted = inputs.land.group_by("household_id").agg(
        _area(pl.col("contract_area_mu")).sum().alias("__contracted")
    )
    claimed = (
        lines.filter(pl.col("__household").is_not_null())
        .group_by("__household", "policy_code", "period")
        .agg(pl.col("__claimed").sum().alias("__household_claimed"), pl.len().alias("__household_lines"))
    )
    lines = lines.join(claimed, on=["__household", "policy_code", "period"], how="left").join(
        contracted.rename({"household_id": "__household"}), on="__household", how="left"
    )
    no_contract = lines.filter(pl.col("__contracted").is_null())
    over = lines.filter(pl.col("__household_claimed") > pl.col("__contracted"))
    claimed_text = pl.concat_str(
        pl.when(pl.col("__household_lines") > 1).then(pl.lit("本户合计申报")).otherwise(pl.lit("申报面积")),
        _area_text(pl.col("__household_claimed")),
        pl.lit("亩，超过本户承包面积"),
        _area_text(pl.col("__contracted")),
        pl.lit("亩"),
    )
    return pl.concat(
        [
            _findings(no_contract, "AREA_EXCEEDS", pl.lit("土地承包登记中没有该户的承包地")),
            _findings(over, "AREA_EXCEEDS", claimed_text),
        ]
    )


def exclusive(inputs: AuditInputs) -> pl.DataFrame:
    """EXCLUSIVE: one person receives two policies that exclude each other in the same period."""
    table = _policy_table(inputs)
    pairs = table.select("policy_code", pl.col("__excl").alias("__other")).explode("__other").drop_nulls()
    # Either policy declaring the other exclusive is enough.
    pairs = pl.concat(
        [pairs, pairs.select(pl.col("__other").alias("policy_code"), pl.col("policy_code").alias("__other"))]
    )
    pairs = pairs.filter(pl.col("__other") != "").unique()
    every = _with_history(inputs, ["id_number", "policy_code", "period"]).select(
        "id_number", "period", pl.col("policy_code").alias("__other"), pl.col("__here").alias("__other_here")
    )
    hits = (
        valid_lines(inputs)
        .join(pairs, on="policy_code")
        .join(every, on=["id_number", "period", "__other"])
        .group_by("row_no", "id_number", "policy_code", maintain_order=True)
        .agg(pl.col("__other").unique().sort().str.join("、"), pl.col("__other_here").all())
    )
    detail = pl.concat_str(
        pl.when(pl.col("__other_here")).then(pl.lit("同一期间还申报了")).otherwise(pl.lit("同一期间已享受")),
        pl.lit("互斥项目"),
        pl.col("__other"),
    )
    return _findings(hits, "EXCLUSIVE", detail)


def out_of_region(inputs: AuditInputs) -> pl.DataFrame:
    """OUT_OF_REGION: the line's village is not the person's registered village."""
    assert inputs.persons is not None
    homes = inputs.persons.select("id_number", pl.col("village_code").alias("__home")).unique("id_number")
    hits = valid_lines(inputs).join(homes, on="id_number").filter(pl.col("village_code") != pl.col("__home"))
    detail = pl.concat_str(
        pl.lit("名册村代码"),
        pl.col("village_code"),
        pl.lit("与户籍登记村代码"),
        pl.col("__home"),
        pl.lit("不符"),
    )
    return _findings(hits, "OUT_OF_REGION", detail)


def cadre_household(inputs: AuditInputs) -> pl.DataFrame:
    """CADRE_HOUSEHOLD: a means-tested benefit to a household with a village cadre or public official."""
    assert inputs.persons is not None and inputs.cadres is not None
    means = _policy_table(inputs).filter(pl.col("__means")).select("policy_code")
    lines = valid_lines(inputs).join(means, on="policy_code", how="semi")
    persons = inputs.persons.select("id_number", "household_id").unique("id_number")
    cadre_homes = inputs.cadres.select(pl.col("id_number").alias("__cadre"), "position").join(
        persons.rename({"id_number": "__cadre"}), on="__cadre", how="left"
    )
    lines = lines.join(persons, on="id_number", how="left")
    own = lines.join(cadre_homes.select(pl.col("__cadre").alias("id_number"), "position"), on="id_number")
    family = (
        lines.filter(pl.col("household_id").is_not_null())
        .join(
            cadre_homes.filter(pl.col("household_id").is_not_null() & (pl.col("__cadre").is_not_null())),
            on="household_id",
        )
        .filter(pl.col("__cadre") != pl.col("id_number"))
    )
    hits = (
        pl.concat(
            [
                own.select(
                    "row_no",
                    "id_number",
                    "policy_code",
                    pl.concat_str(pl.lit("本人为"), pl.col("position")).alias("__who"),
                ),
                family.select(
                    "row_no",
                    "id_number",
                    "policy_code",
                    pl.concat_str(pl.lit("同户成员任"), pl.col("position")).alias("__who"),
                ),
            ]
        )
        .group_by("row_no", "id_number", "policy_code", maintain_order=True)
        .agg(pl.col("__who").unique().sort().str.join("；"))
    )
    detail = pl.concat_str(
        pl.lit("困难救助类补贴发给了村干部或财政供养人员家庭（"), pl.col("__who"), pl.lit("）")
    )
    return _findings(hits, "CADRE_HOUSEHOLD", detail)


def missed(inputs: AuditInputs) -> pl.DataFrame:
    """MISSED: paid last period under a policy of this roster, absent now and not deceased (漏发).

    Only the policies the current lines are for are compared: a roster of one policy says nothing about
    the beneficiaries of another.
    """
    assert inputs.previous is not None
    current = valid_lines(inputs)
    policies = current.select("policy_code").unique()
    before = (
        inputs.previous.filter(pl.col("id_number").is_not_null())
        .join(policies, on="policy_code", how="semi")
        .select("id_number", "policy_code", "period")
        .unique(["id_number", "policy_code"], keep="first", maintain_order=True)
    )
    absent = before.join(
        current.select("id_number", "policy_code").unique(), on=["id_number", "policy_code"], how="anti"
    )
    if inputs.deaths is not None:
        dead = inputs.deaths.filter(pl.col("death_date") < _period_start(inputs)).select("id_number")
        absent = absent.join(dead, on="id_number", how="anti")
    absent = absent.with_columns(pl.lit(None, pl.Int64).alias("row_no"))
    detail = pl.concat_str(
        pl.lit("上期（"),
        pl.col("period"),
        pl.lit(f"）已发放，本期（{inputs.period}）名册中没有该人员，且无死亡登记"),
    )
    return _findings(absent, "MISSED", detail)


def late(inputs: AuditInputs) -> pl.DataFrame:
    """LATE: a workflow time limit passed (publicity, approval, payment, disclosure) (迟发)."""
    assert inputs.events is not None
    today = dt.date.today().isoformat()
    overdue = inputs.events.filter(
        pl.when(pl.col("done").is_null())
        .then(pl.col("due") < today)
        .otherwise(pl.col("done") > pl.col("due"))
    )
    # Events name no roster line in file mode; the platform numbers each roster's events (negative row_no).
    if "row_no" not in overdue.columns:
        overdue = overdue.with_columns(pl.lit(None, pl.Int64).alias("row_no"))
    detail = pl.concat_str(
        pl.col("step"),
        pl.lit("应于"),
        pl.col("due"),
        pl.lit("前完成，"),
        pl.when(pl.col("done").is_null())
        .then(pl.lit("至今未完成"))
        .otherwise(pl.concat_str(pl.lit("实际"), pl.col("done"), pl.lit("完成"))),
    )
    return _findings(overdue, "LATE", detail)
