"""One function per rule of DESIGN.md's Checks table: whole frames in, one findings frame out.

Every function takes the run's ``AuditInputs`` and returns the columns of ``FINDING_COLUMNS`` except
``severity``, which the catalogue adds. Nothing here loops over lines: the only Python loops run over
policies, over the distinct (policy, age) cases the amount function is asked about (with the village only
for a policy limited to some regions), and over the rare lines whose standard cannot be computed exactly
in 64-bit integers (a quantity not written with four decimals, an enormous product), for which the amount
function itself is asked. Frames several rules need (identified lines, ages, the persons and cards each
line matches) are built once per run in ``AuditInputs.cache``, safely when rules run side by side
(``frames``).

Every line takes part: the rules about a person judge the lines whose person is known (``identity``: a
valid ID number, or a mistyped one linked to a registered person), and the rest of the lines still count
where no person is needed (SHARED_ACCOUNT on the account, MISSED's "any line at all this period"). A cell a
rule needs but the line lacks (an unreadable amount, an empty quantity of a 亩 policy) keeps the line out of
that rule only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

import polars as pl

from yikatong.checks.engine.frames import (
    cached,
    cell_unreadable,
    findings_of,
    frame_of,
    join_unique,
    keep,
    repeated,
    yuan,
)
from yikatong.checks.engine.identity import (
    ID_ERROR,
    WRITTEN,
    as_written,
    cards_on_file,
    id_errors,
    identified_lines,
    link_notes,
    links,
    shown_id,
    unidentified,
)
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.policies.domain.amount import Beneficiary, Conditions, RateBand, Standard, standard_amount

KEY = ["id_number", "policy_code", "period"]
CARD_STATUS_ZH = {"active": "正常", "lost": "挂失", "frozen": "冻结", "closed": "注销"}
UNIT_ZH = {"mu": "亩", "month": "月", "person": "人", "household": "户"}
AREA_PLACES = 4
# The amount function's cases are keyed by policy, age on the period's first day and, for a policy limited
# to some regions, the village ("__place", null otherwise).
CASE = ["policy_code", "__age", "__place"]
# A quantity as rosters are read (four decimals), multiplied in Int64 as a count of 1/10^4: a whole part of
# at most 14 digits keeps it within Int64.
FOUR_PLACES = r"^[0-9]{1,14}\.[0-9]{4}$"
QUANTITY_ONE = 10**AREA_PLACES
INT64_MAX = 2**63 - 1
# The largest power of ten by which a rate's decimals can be scaled away in Int64 (with the ×100 for fen).
MAX_RATE_PLACES = 16


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


def _with_history(inputs: AuditInputs, columns: list[str]) -> pl.DataFrame:
    """The valid lines and the already-paid history, with ``__here`` telling them apart."""
    here = identified_lines(inputs).select(*columns, pl.lit(True).alias("__here"))
    if inputs.history is None:
        return here
    return pl.concat([here, inputs.history.select(*columns, pl.lit(False).alias("__here"))])


def _source(inputs: AuditInputs, name: str, default: str) -> str:
    return inputs.sources.get(name, default)


def _period_start(inputs: AuditInputs) -> str:
    return inputs.period.start.isoformat()


def _persons_by_id(inputs: AuditInputs) -> pl.DataFrame:
    """The persons registry's village and household per ID number (the first row of a repeated number)."""

    def build() -> pl.DataFrame:
        assert inputs.persons is not None
        persons = inputs.persons.select(
            "id_number",
            *(
                pl.col(name) if name in inputs.persons.columns else pl.lit(None, pl.String).alias(name)
                for name in ("village_code", "household_id")
            ),
        )
        hashes = persons.get_column("id_number").hash()
        if hashes.n_unique() == hashes.len():
            return persons
        return persons.unique("id_number", keep="first", maintain_order=True)

    return frame_of(inputs, "persons_by_id", build)


def _lines_with_persons(inputs: AuditInputs) -> pl.DataFrame:
    """The valid lines with the registered village (``__home``) and household (``__home_household``)."""
    return frame_of(
        inputs,
        "lines_with_persons",
        lambda: join_unique(
            identified_lines(inputs),
            _persons_by_id(inputs).rename({"village_code": "__home", "household_id": "__home_household"}),
            "id_number",
        ),
    )


def _lines_with_cards(inputs: AuditInputs) -> pl.DataFrame:
    """The valid lines with ``__has_active``: null when the person has no card, else whether one is active.

    When every person has at most one card (the usual registry) the lines also get that card's account
    (``__own_account``), which settles ACCOUNT_MISMATCH without another join.
    """

    def build() -> pl.DataFrame:
        assert inputs.cards is not None
        active = pl.col("status") == "active"
        hashes = inputs.cards.get_column("id_number").hash()
        if hashes.n_unique() == hashes.len():
            holders = inputs.cards.select(
                "id_number", active.alias("__has_active"), pl.col("account_no").alias("__own_account")
            )
        else:
            holders = inputs.cards.group_by("id_number").agg(active.any().alias("__has_active"))
        return join_unique(identified_lines(inputs), holders, "id_number")

    return frame_of(inputs, "lines_with_cards", build)


# --- the rules ---------------------------------------------------------------------------------------


def id_invalid(inputs: AuditInputs) -> pl.DataFrame:
    """ID_INVALID: missing or malformed number, impossible birth date or wrong check digit.

    When the registries show whom a mistyped number most likely means, the detail says so (``identity``).
    """
    bad = id_errors(inputs).filter(pl.col(ID_ERROR).is_not_null())
    bad = bad.join(links(inputs).select("row_no", "__link_text"), on="row_no", how="left")
    detail = pl.concat_str(
        pl.lit("身份证号无效："),
        pl.col(ID_ERROR),
        pl.col("__link_text").fill_null(""),
    )
    return findings_of(bad, "ID_INVALID", detail)


def deceased(inputs: AuditInputs) -> pl.DataFrame:
    """DECEASED: the beneficiary died before the period starts (死亡冒领)."""
    assert inputs.deaths is not None
    source = _source(inputs, "deaths", "死亡人员登记")
    deaths = inputs.deaths.select("id_number", "death_date").unique("id_number")
    hits = (
        identified_lines(inputs)
        .join(deaths, on="id_number")
        .filter(pl.col("death_date") < _period_start(inputs))
    )
    detail = pl.concat_str(pl.lit("该人员已于"), pl.col("death_date"), pl.lit(f"死亡（{source}）"))
    return findings_of(hits, "DECEASED", detail)


def duplicate(inputs: AuditInputs) -> pl.DataFrame:
    """DUPLICATE: same person, policy and period more than once in the lines, or already paid elsewhere."""
    lines = identified_lines(inputs)
    twice = repeated(lines, KEY).sort("row_no")
    first = twice.group_by(KEY).agg(
        pl.col("row_no").first().alias("__first_row"),
        pl.col("line_no").first().alias("__first_line"),
        pl.col("village_code").first().alias("__first_village"),
    )
    again = twice.join(first, on=KEY).filter(pl.col("row_no") != pl.col("__first_row"))
    within = findings_of(
        again,
        "DUPLICATE",
        pl.concat_str(
            pl.lit("同一人同一项目同一期间重复申报，与序号"),
            pl.col("__first_line").cast(pl.String).fill_null("（无序号）"),
            pl.lit("重复（该行村代码"),
            pl.col("__first_village").fill_null("未填写"),
            pl.lit("）"),
        ),
    )
    if inputs.history is None:
        return within
    paid = inputs.history.select(KEY).unique()
    before = lines.join(paid, on=KEY, how="semi")
    earlier = findings_of(
        before,
        "DUPLICATE",
        pl.concat_str(pl.lit("本期该项目已在其他批次发放（"), pl.col("period"), pl.lit("）")),
    )
    return pl.concat([within, earlier])


def no_card(inputs: AuditInputs) -> pl.DataFrame:
    """NO_CARD: no social security card account on file (一卡通 not used); HRSS is to issue one."""
    missing = _lines_with_cards(inputs).filter(pl.col("__has_active").is_null())
    source = _source(inputs, "cards", "社保卡账户")
    # An empty account is the card on file; with no card on file it stays empty.
    detail = pl.concat_str(
        pl.when(pl.col("account_no").is_null())
        .then(pl.lit("名册未填写银行账号，"))
        .otherwise(pl.lit("名册上的银行账号不是社保卡账户，")),
        pl.lit(f"社保卡账户登记中没有该人员的社保卡（{source}）："),
        pl.lit("请人社部门为其办理社保卡，办好后重新核查，补贴发到新卡"),
    )
    return findings_of(missing, "NO_CARD", detail)


def _card_states(inputs: AuditInputs, people: pl.DataFrame) -> pl.DataFrame:
    """Whether each of these people (column id_number) has an active card, and the states of their cards."""
    assert inputs.cards is not None
    return (
        inputs.cards.join(people.select("id_number").unique(), on="id_number", how="semi")
        .group_by("id_number")
        .agg(
            (pl.col("status") == "active").any().alias("__has_active"),
            pl.col("status")
            .replace_strict(CARD_STATUS_ZH, default=pl.col("status"))
            .unique()
            .sort()
            .str.join("、")
            .alias("__statuses"),
        )
    )


def card_inactive(inputs: AuditInputs) -> pl.DataFrame:
    """CARD_INACTIVE: the person's cards are all lost, frozen or closed."""
    inactive = _lines_with_cards(inputs).filter(~pl.col("__has_active")).drop("__has_active")
    hits = inactive.join(_card_states(inputs, inactive), on="id_number")
    detail = pl.concat_str(pl.lit("该人员没有正常状态的社保卡（卡状态："), pl.col("__statuses"), pl.lit("）"))
    return findings_of(hits, "CARD_INACTIVE", detail)


def account_mismatch(inputs: AuditInputs) -> pl.DataFrame:
    """ACCOUNT_MISMATCH: the line's account is not the person's own active card account (人卡分离, 代持)."""
    assert inputs.cards is not None
    cards = inputs.cards
    active = cards.filter(pl.col("status") == "active")
    # An empty account was filled with the person's active card (``identity``): never a mismatch.
    lines = _lines_with_cards(inputs).filter(pl.col("__has_active") & pl.col("account_no").is_not_null())
    if "__own_account" in lines.columns:
        # One card per person: the line is right only on that (active) card's account.
        wrong = lines.filter(pl.col("account_no") != pl.col("__own_account"))
    else:
        wrong = lines.join(
            active.select("id_number", "account_no"), on=["id_number", "account_no"], how="anti"
        )
    owners = cards.join(wrong.select("account_no"), on="account_no", how="semi").select(
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
    return findings_of(wrong, "ACCOUNT_MISMATCH", detail)


def shared_account(inputs: AuditInputs) -> pl.DataFrame:
    """SHARED_ACCOUNT: one account receives for more than one ID number (一卡多人, 代领).

    The ID numbers are counted as written on the lines, valid or not: an invented or mistyped number paid
    into a real person's account is the classic 冒领. Every line of such an account is a finding (a line
    with no number at all included), and its detail names the other numbers (masked in the platform). An
    empty account is the person's card.
    """
    here = as_written(inputs).rename({"id_number": "__number"})
    every = here.select("account_no", "__number")
    if inputs.history is not None:
        history = cards_on_file(inputs, inputs.history)
        paid = history.select("account_no", pl.col("id_number").alias("__number"))
        every = pl.concat([every, paid.filter(pl.col("account_no").is_not_null())])
    groups = (
        repeated(every, ["account_no"])
        .filter(pl.col("account_no").is_not_null())
        .group_by("account_no")
        .agg(pl.col("__number").drop_nulls().unique().sort().alias("__numbers"))
        .filter(pl.col("__numbers").list.len() > 1)
    )
    hits = here.join(groups, on="account_no").with_columns(
        pl.col("__numbers")
        .list.set_difference(pl.concat_list(pl.col("__number")))
        .list.eval(shown_id(pl.element(), inputs))
        .alias("__others")
    )
    shown = 5
    detail = pl.concat_str(
        pl.lit("同一银行账号为"),
        pl.col("__numbers").list.len().cast(pl.String),
        pl.lit("个身份证号领取补贴（其他身份证号："),
        pl.col("__others").list.head(shown).list.join("、"),
        pl.when(pl.col("__others").list.len() > shown).then(pl.lit("等")).otherwise(pl.lit("")),
        pl.lit("）"),
    )
    return findings_of(hits.rename({"__number": "id_number"}), "SHARED_ACCOUNT", detail)


def standards(inputs: AuditInputs) -> dict[str, Standard]:
    """Each policy code's Standard from the policies table (one row, or one row per age band)."""

    if inputs.standards is not None:
        return cast(dict[str, Standard], inputs.standards)

    def build() -> dict[str, Standard]:
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
        return built

    return cast(dict[str, Standard], cached(inputs, "standards", build))


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


def _age_on_start(number: pl.Expr, start: dt.date) -> pl.Expr:
    """Whole years on the period's first day (null before birth) from valid ID numbers' birth dates, exactly
    as the amount function counts (a birthday on 29 February comes on 1 March in common years)."""
    birth = number.str.slice(6, 8).cast(pl.Int32)
    year, month_day = birth // 10_000, birth % 10_000
    age = pl.lit(start.year, pl.Int32) - year - (month_day > start.month * 100 + start.day).cast(pl.Int32)
    return pl.when(birth > start.year * 10_000 + start.month * 100 + start.day).then(None).otherwise(age)


def _birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def _known_lines(inputs: AuditInputs) -> pl.DataFrame:
    """The valid lines of policies in the table, with the amount function's case (``CASE``) of each."""

    def build() -> pl.DataFrame:
        known = standards(inputs)
        regional = [code for code, standard in known.items() if standard.conditions.regions]
        place = (
            pl.when(pl.col("policy_code").is_in(regional)).then(pl.col("village_code"))
            if regional
            else pl.lit(None, pl.String)
        )
        return keep(identified_lines(inputs), pl.col("policy_code").is_in(list(known))).with_columns(
            _age_on_start(pl.col("id_number"), inputs.period.start).alias("__age"), place.alias("__place")
        )

    return frame_of(inputs, "known_lines", build)


def _cases(inputs: AuditInputs) -> pl.DataFrame:
    """What the amount function says about one unit of each case: the rate (as an integer and its decimal
    places) or why nobody of that case is eligible. Quantity 1 passes every unit's quantity check, so only
    the conditions and the bands can fail here; the rate applies whatever the quantity."""

    def build() -> pl.DataFrame:
        known = standards(inputs)
        cases = _known_lines(inputs).group_by(CASE).agg(pl.col("id_number").first())
        rows: list[tuple[Any, ...]] = []
        for code, age, place, number in cases.iter_rows():
            standard = known[code]
            person = Beneficiary(birth_date=_birth_date(number), village_code=place or "")
            amount = standard_amount(standard, person, Decimal(1), inputs.period)
            numerator, places = _fixed_point(amount.rate) if amount.rate is not None else (None, None)
            rows.append((code, age, place, standard.unit, amount.reason or None, numerator, places))
        return pl.DataFrame(
            rows,
            schema={
                "policy_code": pl.String,
                "__age": pl.Int32,
                "__place": pl.String,
                "__unit": pl.String,
                "__reason": pl.String,
                "__rate": pl.Int64,
                "__rate_places": pl.Int64,
            },
            orient="row",
        )

    return frame_of(inputs, "cases", build)


def _fixed_point(rate: Decimal) -> tuple[int | None, int | None]:
    """A rate as an integer and its number of decimals (71.4500000 → 714500000, 7); None if too long."""
    _, digits, exponent = rate.as_tuple()
    numerator = int("".join(map(str, digits)) or "0") * 10 ** max(int(exponent), 0)
    places = max(-int(exponent), 0)
    if places > MAX_RATE_PLACES or numerator > INT64_MAX:
        return None, None
    return numerator, places


def _amounts(inputs: AuditInputs) -> pl.DataFrame:
    """Valid lines of known policies with their standard fen (null: no amount) and the fen paid.

    The standard is ``line_fen(rate, quantity)`` of the amount function, rounded half-up once: with the
    rate as an integer over 10^k and the quantity in 1/10^4, rate × quantity is an exact Int64 whenever it
    fits, and ÷ 10^(k+2) gives fen. A line whose quantity is not written with four decimals (as rosters
    are read) or whose product might not fit asks the amount function itself.
    """

    def build() -> pl.DataFrame:
        quantity = pl.col("quantity")
        unreadable = cell_unreadable(inputs.lines, "quantity")
        missing = (quantity.is_null() | (quantity == "")) & ~unreadable
        unit = pl.col("__unit")
        scale = pl.lit(10, pl.Int64).pow(pl.col("__rate_places") + 2)
        cases = _cases(inputs)
        lines = _known_lines(inputs)
        found = lines.select(CASE).join(cases, on=CASE, how="left", nulls_equal=True, maintain_order="left")
        lines = lines.hstack(found.drop(CASE).get_columns()).with_columns(
            pl.when(missing)
            .then(
                pl.when(unit == "month")
                .then(pl.lit(inputs.period.months() * QUANTITY_ONE, pl.Int64))
                .when(unit.is_in(["person", "household"]))
                .then(pl.lit(QUANTITY_ONE, pl.Int64))
            )
            .when(quantity.str.contains(FOUR_PLACES))
            .then(quantity.str.replace(".", "", literal=True).cast(pl.Int64))
            .alias("__q"),
            ((pl.lit(INT64_MAX, pl.Int64) - scale // 2) // pl.col("__rate").clip(lower_bound=1)).alias(
                "__q_limit"
            ),
            _scaled(pl.col("amount"), 2).alias("__paid"),
        )
        eligible = pl.col("__reason").is_null()
        computed = eligible & pl.col("__rate").is_not_null() & (pl.col("__q") <= pl.col("__q_limit"))
        # A quantity the amount function accepts: more than 0, and whole unless in 亩.
        quantity_ok = (pl.col("__q") > 0) & ((unit == "mu") | (pl.col("__q") % QUANTITY_ONE == 0))
        lines = lines.with_columns(
            pl.when(computed & quantity_ok)
            .then((pl.col("__rate") * pl.col("__q") + scale // 2) // scale)
            .alias("__fen"),
            # 亩 without a quantity has no amount (未填写数量): nothing to ask.
            # A quantity that could not be read has no amount either: the line is left to the other rules.
            (eligible & ~computed.fill_null(False) & ~(missing & (unit == "mu")) & ~unreadable).alias(
                "__ask"
            ),
        )
        if lines.get_column("__ask").any():
            lines = _ask_amount_function(inputs, lines)
        return lines.drop("__q", "__q_limit", "__rate", "__rate_places", "__ask")

    return frame_of(inputs, "amounts", build)


def _ask_amount_function(inputs: AuditInputs, lines: pl.DataFrame) -> pl.DataFrame:
    """``__fen`` of the lines marked ``__ask`` from the amount function, once per case and quantity."""
    known = standards(inputs)
    keys = [*CASE, "quantity"]
    asked = lines.filter(pl.col("__ask")).group_by(keys).agg(pl.col("id_number").first())
    results: list[tuple[Any, ...]] = []
    for code, age, place, quantity, number in asked.iter_rows():
        standard = known[code]
        amount_of = Decimal(quantity) if quantity else _default_quantity(standard.unit, inputs)
        fen = None
        if amount_of is not None:
            person = Beneficiary(birth_date=_birth_date(number), village_code=place or "")
            fen = standard_amount(standard, person, amount_of, inputs.period).fen
        results.append((code, age, place, quantity, fen))
    table = pl.DataFrame(
        results,
        schema={"policy_code": pl.String, "__age": pl.Int32, "__place": pl.String, "quantity": pl.String,
                "__asked": pl.Int64},
        orient="row",
    )  # fmt: skip
    found = lines.select(keys).join(table, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return lines.with_columns(
        pl.when(pl.col("__ask")).then(found.get_column("__asked")).otherwise(pl.col("__fen")).alias("__fen")
    )


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
    return findings_of(hits, "OVER_STANDARD", detail)


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
    return findings_of(hits, "UNDER_STANDARD", detail)


def ineligible(inputs: AuditInputs) -> pl.DataFrame:
    """INELIGIBLE: fails the policy's conditions (age band on the period's first day), or no such policy."""
    known = standards(inputs)
    unknown = identified_lines(inputs).filter(~pl.col("policy_code").is_in(list(known)))
    found = [
        findings_of(
            unknown,
            "INELIGIBLE",
            pl.concat_str(
                pl.lit("补贴项目清单中没有项目"), pl.col("policy_code"), pl.lit("，无法确认发放资格")
            ),
        )
    ]
    failing = _cases(inputs).filter(pl.col("__reason").is_not_null()).select(*CASE, "__reason")
    hits = _known_lines(inputs).join(failing, on=CASE, nulls_equal=True)
    found.append(
        findings_of(hits, "INELIGIBLE", pl.concat_str(pl.lit("不符合补贴条件："), pl.col("__reason")))
    )
    return pl.concat(found)


def area_exceeds(inputs: AuditInputs) -> pl.DataFrame:
    """AREA_EXCEEDS: the household claims more 亩 than it has under contract, or has no contract."""
    assert inputs.land is not None
    policies = _policy_table(inputs).filter(pl.col("__unit") == "mu").select("policy_code")
    if inputs.persons is not None:
        lines = _lines_with_persons(inputs).rename({"__home_household": "__by_person"}).drop("__home")
    else:
        lines = identified_lines(inputs).with_columns(pl.lit(None, pl.String).alias("__by_person"))
    lines = lines.join(policies, on="policy_code", how="semi")
    contractors = inputs.land.select(
        pl.col("contractor_id_number").alias("id_number"), pl.col("household_id").alias("__by_contract")
    )
    household = pl.col("__household")
    lines = join_unique(lines, contractors, "id_number").with_columns(
        pl.coalesce("__by_person", "__by_contract").alias("__household"),
        _area(pl.col("quantity")).fill_null(0).alias("__claimed"),
    )
    # Every line of a household, policy and period counts its lines' claims together.
    claims = ["__household", "policy_code", "period"]
    lines = lines.with_columns(
        pl.when(household.is_not_null())
        .then(pl.col("__claimed").sum().over(claims))
        .alias("__household_claimed"),
        pl.when(household.is_not_null()).then(pl.len().over(claims)).alias("__household_lines"),
    )
    contracted = inputs.land.select(
        pl.col("household_id").alias("__household"), _area(pl.col("contract_area_mu")).alias("__contracted")
    )
    hashes = contracted.get_column("__household").hash()
    if hashes.n_unique() != hashes.len():
        contracted = contracted.group_by("__household").agg(pl.col("__contracted").sum())
    lines = join_unique(lines, contracted, "__household")
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
            findings_of(no_contract, "AREA_EXCEEDS", pl.lit("土地承包登记中没有该户的承包地")),
            findings_of(over, "AREA_EXCEEDS", claimed_text),
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
    every = (
        _with_history(inputs, ["id_number", "policy_code", "period"])
        .filter(pl.col("policy_code").is_in(pairs.get_column("__other").implode()))
        .select(
            "id_number",
            "period",
            pl.col("policy_code").alias("__other"),
            pl.col("__here").alias("__other_here"),
        )
    )
    hits = (
        identified_lines(inputs)
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
    return findings_of(hits, "EXCLUSIVE", detail)


def out_of_region(inputs: AuditInputs) -> pl.DataFrame:
    """OUT_OF_REGION: the line's village is not the person's registered village."""
    assert inputs.persons is not None
    hits = _lines_with_persons(inputs).filter(pl.col("village_code") != pl.col("__home"))
    detail = pl.concat_str(
        pl.lit("名册村代码"),
        pl.col("village_code"),
        pl.lit("与户籍登记村代码"),
        pl.col("__home"),
        pl.lit("不符"),
    )
    return findings_of(hits, "OUT_OF_REGION", detail)


def cadre_household(inputs: AuditInputs) -> pl.DataFrame:
    """CADRE_HOUSEHOLD: a means-tested benefit to a household with a village cadre or public official."""
    assert inputs.persons is not None and inputs.cadres is not None
    means = _policy_table(inputs).filter(pl.col("__means")).select("policy_code")
    lines = (
        _lines_with_persons(inputs)
        .join(means, on="policy_code", how="semi")
        .drop("__home")
        .rename({"__home_household": "household_id"})
    )
    persons = _persons_by_id(inputs).select("id_number", "household_id")
    cadre_homes = inputs.cadres.select(pl.col("id_number").alias("__cadre"), "position").join(
        persons.rename({"id_number": "__cadre"}), on="__cadre", how="left"
    )
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
    return findings_of(hits, "CADRE_HOUSEHOLD", detail)


def missed(inputs: AuditInputs) -> pl.DataFrame:
    """MISSED: paid last period, no line at all for the person and policy now, and not deceased (漏发).

    Any line counts as present, readable or not: a line with an invalid ID number counts for the number as
    written and for the person it is linked to, a line whose project code cannot be read for every policy.
    Only the policies of the current lines are compared: a roster of one policy says nothing about the
    beneficiaries of another.
    """
    assert inputs.previous is not None
    # Present as the person judged (a typo's linked person) and under every number as written.
    current = pl.concat(
        [
            identified_lines(inputs).select("id_number", "policy_code"),
            link_notes(inputs).select(pl.col(WRITTEN).alias("id_number"), "policy_code"),
            unidentified(inputs).filter(pl.col("id_number").is_not_null()).select("id_number", "policy_code"),
        ],
        rechunk=False,
    )
    policies = current.select("policy_code").drop_nulls().unique()
    any_policy = current.filter(pl.col("policy_code").is_null()).select("id_number")
    # Absent first, then one row per person and policy: the same rows as the other way round, far fewer.
    absent = (
        inputs.previous.filter(pl.col("id_number").is_not_null())
        .join(policies, on="policy_code", how="semi")
        .select("id_number", "policy_code", "period")
        .join(current, on=["id_number", "policy_code"], how="anti", maintain_order="left")
        .join(any_policy, on="id_number", how="anti", maintain_order="left")
        .unique(["id_number", "policy_code"], keep="first", maintain_order=True)
    )
    if inputs.deaths is not None:
        dead = inputs.deaths.filter(pl.col("death_date") < _period_start(inputs)).select("id_number")
        absent = absent.join(dead, on="id_number", how="anti")
    detail = pl.concat_str(
        pl.lit("上期（"),
        pl.col("period"),
        pl.lit(f"）已发放，本期（{inputs.period}）名册中没有该人员的任何一行，且无死亡登记"),
    )
    return findings_of(absent, "MISSED", detail, subject="person_policy")


def late(inputs: AuditInputs) -> pl.DataFrame:
    """LATE: a workflow time limit passed (publicity, approval, payment, disclosure) (迟发)."""
    assert inputs.events is not None
    today = inputs.today.isoformat()
    overdue = inputs.events.filter(
        pl.when(pl.col("done").is_null())
        .then(pl.col("due") < today)
        .otherwise(pl.col("done") > pl.col("due"))
    )
    detail = pl.concat_str(
        pl.col("step"),
        pl.lit("应于"),
        pl.col("due"),
        pl.lit("前完成，"),
        pl.when(pl.col("done").is_null())
        .then(pl.lit("至今未完成"))
        .otherwise(pl.concat_str(pl.lit("实际"), pl.col("done"), pl.lit("完成"))),
    )
    # One finding per roster, step and deadline: the step's key (``step_key``, the state it awaits) and its
    # deadline are the finding's identity, whatever the wording.
    columns = overdue.columns
    found = overdue.select(
        "id_number",
        "policy_code",
        detail.alias("__detail"),
        (pl.col("roster") if "roster" in columns else pl.lit(None, pl.Int64)).alias("roster_ref"),
        (pl.col("step_key") if "step_key" in columns else pl.col("step")).alias("step"),
        "due",
    )
    return findings_of(found, "LATE", pl.col("__detail"), subject="roster")
