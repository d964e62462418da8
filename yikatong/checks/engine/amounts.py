"""The rules of money and conditions: standards from the rate tables, OVER/UNDER_STANDARD, INELIGIBLE,
AREA_EXCEEDS.

The only Python loops run over policies, over the distinct (policy, age) cases the amount function is asked
about (with the village only for a policy limited to some regions), and over the rare lines whose standard
cannot be computed exactly in 64-bit integers (a quantity not written with four decimals, an enormous
product), for which the amount function itself is asked.
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
    yuan,
)
from yikatong.checks.engine.identity import (
    identified_lines,
)
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.checks.engine.lookups import lines_with_persons
from yikatong.policies.domain.amount import Beneficiary, Conditions, RateBand, Standard, standard_amount

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


def scaled(text: pl.Expr, places: int) -> pl.Expr:
    """A canonical decimal string with exactly ``places`` decimals as an integer count of its last place."""
    return (
        text.str.replace(".", "", literal=True).cast(pl.Int64, strict=False)
        if places
        else text.cast(pl.Int64)
    )


def area_units(text: pl.Expr, places: int = AREA_PLACES) -> pl.Expr:
    """A canonical decimal string in 1/10^places units, whatever number of decimals it was written with."""
    whole = text.str.split_exact(".", 1).struct.field("field_0").cast(pl.Int64, strict=False)
    fraction = text.str.split_exact(".", 1).struct.field("field_1").fill_null("")
    digits = fraction.str.slice(0, places).str.pad_end(places, "0").cast(pl.Int64, strict=False)
    return whole * 10**places + digits


def area_text(scaled: pl.Expr) -> pl.Expr:
    """1/10000 亩 back to a decimal string without trailing zeros: 125000 → "12.5"."""
    text = pl.concat_str(
        (scaled // 10**AREA_PLACES).cast(pl.String),
        pl.lit("."),
        (scaled % 10**AREA_PLACES).cast(pl.String).str.pad_start(AREA_PLACES, "0"),
    )
    return text.str.strip_chars_end("0").str.strip_chars_end(".")


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


def policy_table(inputs: AuditInputs) -> pl.DataFrame:
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
            scaled(pl.col("amount"), 2).alias("__paid"),
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
    policies = policy_table(inputs).filter(pl.col("__unit") == "mu").select("policy_code")
    if inputs.persons is not None:
        lines = lines_with_persons(inputs).rename({"__home_household": "__by_person"}).drop("__home")
    else:
        lines = identified_lines(inputs).with_columns(pl.lit(None, pl.String).alias("__by_person"))
    lines = lines.join(policies, on="policy_code", how="semi")
    contractors = inputs.land.select(
        pl.col("contractor_id_number").alias("id_number"), pl.col("household_id").alias("__by_contract")
    )
    household = pl.col("__household")
    lines = join_unique(lines, contractors, "id_number").with_columns(
        pl.coalesce("__by_person", "__by_contract").alias("__household"),
        area_units(pl.col("quantity")).fill_null(0).alias("__claimed"),
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
        pl.col("household_id").alias("__household"),
        area_units(pl.col("contract_area_mu")).alias("__contracted"),
    )
    hashes = contracted.get_column("__household").hash()
    if hashes.n_unique() != hashes.len():
        contracted = contracted.group_by("__household").agg(pl.col("__contracted").sum())
    lines = join_unique(lines, contracted, "__household")
    no_contract = lines.filter(pl.col("__contracted").is_null())
    over = lines.filter(pl.col("__household_claimed") > pl.col("__contracted"))
    claimed_text = pl.concat_str(
        pl.when(pl.col("__household_lines") > 1).then(pl.lit("本户合计申报")).otherwise(pl.lit("申报面积")),
        area_text(pl.col("__household_claimed")),
        pl.lit("亩，超过本户承包面积"),
        area_text(pl.col("__contracted")),
        pl.lit("亩"),
    )
    return pl.concat(
        [
            findings_of(no_contract, "AREA_EXCEEDS", pl.lit("土地承包登记中没有该户的承包地")),
            findings_of(over, "AREA_EXCEEDS", claimed_text),
        ]
    )
