"""Each rule of the check engine on tiny hand-built frames, edge cases included; no database."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from tests.bulk.factories import id_number
from yikatong.checks.engine import CATALOGUE, AuditInputs, run
from yikatong.checks.engine.frames import FINDING_COLUMNS
from yikatong.core.periods import Period
from yikatong.policies.domain.amount import Conditions, RateBand, Standard, line_fen

PERIOD = Period.parse("2026-10")
VILLAGE = "232722100001"
OTHER_VILLAGE = "232722100002"
ANNA = id_number("19500101", sequence=1)
BO = id_number("19600101", sequence=3)
CHEN = id_number("19700101", sequence=5)
ROSTER = (
    "line_no",
    "policy_code",
    "period",
    "id_number",
    "name",
    "village_code",
    "quantity",
    "amount",
    "account_no",
)
POLICY_COLUMNS = (
    "code",
    "name",
    "basis",
    "department",
    "unit",
    "rate",
    "min_age",
    "max_age",
    "means_tested",
    "exclusive_with",
)


def line(
    number: str | None,
    *,
    policy: str = "P1",
    period: str = "2026-10",
    village: str = VILLAGE,
    quantity: str | None = None,
    amount: str | None = "100.00",
    account: str | None = "6200001",
    name: str = "某人",
) -> dict[str, str | None]:
    """One roster line in canonical form (an account of None: the person's card on file)."""
    return {
        "policy_code": policy,
        "period": period,
        "id_number": number,
        "name": name,
        "village_code": village,
        "quantity": quantity,
        "amount": amount,
        "account_no": account,
    }


def roster(*rows: dict[str, str | None]) -> pl.DataFrame:
    """Lines numbered from 1 (row_no and line_no)."""
    frame = pl.DataFrame(
        [{"line_no": str(i), **row} for i, row in enumerate(rows, 1)], schema=dict.fromkeys(ROSTER, pl.String)
    )
    return frame.with_row_index("row_no", offset=1).with_columns(pl.col("row_no").cast(pl.Int64))


def policy(
    code: str = "P1",
    *,
    unit: str = "person",
    rate: str = "100.0000000",
    min_age: str | None = None,
    max_age: str | None = None,
    means: str = "false",
    exclusive: str | None = None,
) -> dict[str, str | None]:
    """One row of the policies table in canonical form."""
    return {
        "code": code,
        "name": f"项目{code}",
        "basis": None,
        "department": None,
        "unit": unit,
        "rate": rate,
        "min_age": min_age,
        "max_age": max_age,
        "means_tested": means,
        "exclusive_with": exclusive,
    }


def policies(*rows: dict[str, str | None]) -> pl.DataFrame:
    """A policies table."""
    return pl.DataFrame(list(rows), schema=dict.fromkeys(POLICY_COLUMNS, pl.String))


def table(rows: list[dict[str, str]]) -> pl.DataFrame:
    """An all-string registry frame."""
    return pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))


def findings(code: str, inputs: AuditInputs) -> pl.DataFrame:
    """The rule's findings, checked for the findings columns."""
    found = CATALOGUE[code].findings(inputs)
    assert found.columns == list(FINDING_COLUMNS)
    assert found.schema["row_no"] == pl.Int64
    assert (found.get_column("severity") == CATALOGUE[code].severity).all()
    return found


def rows_of(found: pl.DataFrame) -> list[int | None]:
    """The row numbers of the findings, sorted."""
    return sorted(found.get_column("row_no").to_list(), key=lambda n: -1 if n is None else n)


def test_catalogue_holds_exactly_the_design_codes() -> None:
    assert set(CATALOGUE) == {
        "ID_INVALID",
        "DECEASED",
        "DUPLICATE",
        "NO_CARD",
        "CARD_INACTIVE",
        "ACCOUNT_MISMATCH",
        "SHARED_ACCOUNT",
        "OVER_STANDARD",
        "UNDER_STANDARD",
        "AREA_EXCEEDS",
        "INELIGIBLE",
        "EXCLUSIVE",
        "OUT_OF_REGION",
        "CADRE_HOUSEHOLD",
        "MISSED",
        "LATE",
    }
    blocking = {code for code, rule in CATALOGUE.items() if rule.blocking}
    assert blocking == {
        "ID_INVALID",
        "DECEASED",
        "DUPLICATE",
        "NO_CARD",
        "CARD_INACTIVE",
        "ACCOUNT_MISMATCH",
        "OVER_STANDARD",
        "INELIGIBLE",
        "EXCLUSIVE",
    }


def test_id_invalid_flags_a_wrong_check_digit_only() -> None:
    wrong = ANNA[:17] + ("0" if ANNA[17] != "0" else "1")
    found = findings("ID_INVALID", AuditInputs(PERIOD, roster(line(ANNA), line(wrong), line("12345"))))
    assert rows_of(found) == [2, 3]
    assert "校验位错误" in found.get_column("detail")[0]
    assert "长度" in found.get_column("detail")[1]


def test_deceased_before_the_period_start_but_not_on_it() -> None:
    deaths = table(
        [
            {"id_number": ANNA, "name": "甲", "death_date": "2026-09-30"},
            {"id_number": BO, "name": "乙", "death_date": "2026-10-01"},
        ]
    )
    inputs = AuditInputs(
        PERIOD, roster(line(ANNA), line(BO)), deaths=deaths, sources={"deaths": "民政死亡登记，2026-09导入"}
    )
    found = findings("DECEASED", inputs)
    assert rows_of(found) == [1]
    assert found.get_column("detail")[0] == "该人员已于2026-09-30死亡（民政死亡登记，2026-09导入）"


def test_duplicate_across_villages_and_against_history() -> None:
    lines = roster(
        line(ANNA),
        line(ANNA, village=OTHER_VILLAGE),
        line(ANNA, policy="P2"),
        line(BO),
        line(ANNA, period="2026-11"),
    )
    history = roster(line(BO))
    found = findings("DUPLICATE", AuditInputs(PERIOD, lines, history=history))
    assert rows_of(found) == [2, 4]
    details = dict(zip(found.get_column("row_no"), found.get_column("detail"), strict=True))
    assert "与序号1重复" in details[2] and VILLAGE in details[2]
    assert "其他批次" in details[4]


def cards(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """A cards registry from (id_number, account_no, status)."""
    return table(
        [
            {"id_number": n, "holder_name": "某人", "bank_code": "102", "account_no": a, "status": s}
            for n, a, s in rows
        ]
    )


def test_no_card() -> None:
    found = findings(
        "NO_CARD", AuditInputs(PERIOD, roster(line(ANNA), line(BO)), cards=cards((ANNA, "1", "lost")))
    )
    assert rows_of(found) == [2]


def test_card_inactive_only_without_any_active_card() -> None:
    registry = cards((ANNA, "1", "lost"), (BO, "2", "closed"), (BO, "3", "active"))
    found = findings("CARD_INACTIVE", AuditInputs(PERIOD, roster(line(ANNA), line(BO)), cards=registry))
    assert rows_of(found) == [1]
    assert "挂失" in found.get_column("detail")[0]


def test_account_mismatch_names_the_kind_of_account() -> None:
    registry = cards((ANNA, "A1", "active"), (BO, "B1", "active"), (BO, "B0", "lost"), (CHEN, "C1", "frozen"))
    lines = roster(
        line(ANNA, account="A1"),
        line(BO, account="A1"),
        line(BO, account="B0"),
        line(BO, account="ZZ"),
        line(CHEN, account="A1"),
    )
    found = findings("ACCOUNT_MISMATCH", AuditInputs(PERIOD, lines, cards=registry))
    assert rows_of(found) == [2, 3, 4]
    detail = found.sort("row_no").get_column("detail").to_list()
    assert "他人" in detail[0] and "挂失" in detail[1] and "没有该账号" in detail[2]


def test_shared_account_counts_history() -> None:
    lines = roster(line(ANNA, account="X"), line(ANNA, account="X", policy="P2"), line(BO, account="Y"))
    history = roster(line(CHEN, account="Y"))
    found = findings("SHARED_ACCOUNT", AuditInputs(PERIOD, lines, history=history))
    assert rows_of(found) == [3]
    assert "2个身份证号" in found.get_column("detail")[0]


def test_shared_account_counts_id_numbers_as_written_valid_or_not() -> None:
    # DESIGN.md: one account receiving for more than one ID number. An invented or mistyped number paid into
    # a real person's account is the classic 冒领: every line of the account is a finding, naming the others.
    wrong = ANNA[:17] + ("0" if ANNA[17] != "0" else "1")
    lines = roster(
        line(ANNA, account="X"),
        line(wrong, account="X"),
        line(BO, account="Y"),
        line(CHEN, account="Y"),
        line(wrong, account="Y", policy="P2"),
        line(BO, account="Z"),
    )
    inputs = AuditInputs(PERIOD, lines)
    shared = findings("SHARED_ACCOUNT", inputs)
    assert rows_of(shared) == [1, 2, 3, 4, 5]
    detail = dict(zip(shared.get_column("row_no"), shared.get_column("detail"), strict=True))
    assert detail[1] == f"同一银行账号为2个身份证号领取补贴（其他身份证号：{wrong}）"
    assert detail[3].startswith("同一银行账号为3个身份证号领取补贴")
    assert CHEN in detail[3] and wrong in detail[3] and BO not in detail[3]
    # The finding names each line by the number written on it.
    assert dict(zip(shared.get_column("row_no"), shared.get_column("id_number"), strict=True))[2] == wrong
    assert rows_of(findings("ID_INVALID", inputs)) == [2, 5]


def test_shared_account_masks_the_other_numbers_in_the_platform() -> None:
    lines = roster(line(ANNA, account="X"), line(BO, account="X"))
    detail = findings("SHARED_ACCOUNT", AuditInputs(PERIOD, lines, mask_ids=True)).get_column("detail")[0]
    assert BO not in detail and ANNA not in detail
    assert f"{BO[:6]}********{BO[-4:]}" in detail or f"{ANNA[:6]}********{ANNA[-4:]}" in detail


def test_amount_off_by_one_fen_either_way() -> None:
    rate = policies(policy(unit="mu", rate="71.4500000"))
    lines = roster(
        line(ANNA, quantity="3.0000", amount="214.35"),
        line(BO, quantity="3.0000", amount="214.36"),
        line(CHEN, quantity="3.0000", amount="214.34"),
    )
    inputs = AuditInputs(PERIOD, lines, policies=rate)
    over, under = findings("OVER_STANDARD", inputs), findings("UNDER_STANDARD", inputs)
    assert rows_of(over) == [2]
    assert over.get_column("detail")[0] == "发放金额214.36元，高于标准金额214.35元（多0.01元）"
    assert rows_of(under) == [3]
    assert "少0.01元" in under.get_column("detail")[0]


def test_standard_uses_the_age_band_on_the_boundary_day() -> None:
    bands = policies(
        policy(rate="50.0000000", min_age="80", max_age="89"), policy(rate="100.0000000", min_age="90")
    )
    ninety_today = id_number("19361001", sequence=7)
    ninety_tomorrow = id_number("19361002", sequence=9)
    lines = roster(
        line(ninety_today, amount="100.00"),
        line(ninety_tomorrow, amount="100.00"),
        line(ninety_today, amount="50.00", period="2026-11"),
    )
    inputs = AuditInputs(PERIOD, lines, policies=bands)
    assert rows_of(findings("OVER_STANDARD", inputs)) == [2]
    assert rows_of(findings("UNDER_STANDARD", inputs)) == [3]


@pytest.mark.parametrize(
    ("rate", "quantity"),
    [
        ("71.4500000", "0.0001"),
        ("71.4500000", "8.3314"),
        ("0.0000001", "9999.9999"),
        ("12345.6789012", "0.5001"),
        ("850", "3.0000"),
        # The product no longer fits 64 bits: the amount function itself is asked.
        ("71.4500000", "99999999999.9999"),
        ("9999.9999999", "12345678901.2345"),
        # So do a rate with more decimals than Int64 can scale away and a quantity not read from a file.
        ("1.00000000000000001", "2.0000"),
        ("71.4500000", "8.33140"),
    ],
)
def test_standard_is_the_amount_functions_to_the_fen(rate: str, quantity: str) -> None:
    standard = line_fen(Decimal(rate), Decimal(quantity))
    amounts = [standard - 1, standard, standard + 1] if standard else [standard, standard + 1]
    lines = roster(*(line(ANNA, quantity=quantity, amount=_yuan(fen), policy="MU") for fen in amounts))
    inputs = AuditInputs(PERIOD, lines, policies=policies(policy("MU", unit="mu", rate=rate)))
    flagged = {**dict.fromkeys(rows_of(findings("OVER_STANDARD", inputs)), "over")}
    flagged.update(dict.fromkeys(rows_of(findings("UNDER_STANDARD", inputs)), "under"))
    expected = {1: "under", 3: "over"} if standard else {2: "over"}
    assert flagged == expected
    assert f"标准金额{_yuan(standard)}元" in findings("OVER_STANDARD", inputs).get_column("detail")[0]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_quantities_the_amount_function_refuses_give_no_standard() -> None:
    rates = policies(policy("MU", unit="mu", rate="100"), policy("MO", unit="month", rate="100"))
    lines = roster(
        line(ANNA, policy="MU", quantity="0.0000", amount="1.00"),
        line(ANNA, policy="MU", quantity="1.00001", amount="1.00"),
        line(ANNA, policy="MU", quantity=None, amount="1.00"),
        line(ANNA, policy="MO", quantity="1.5000", amount="1.00"),
        line(ANNA, policy="MO", quantity="2.0000", amount="200.01"),
    )
    inputs = AuditInputs(PERIOD, lines, policies=rates)
    assert rows_of(findings("OVER_STANDARD", inputs)) == [5]
    assert findings("UNDER_STANDARD", inputs).is_empty()


def test_age_of_someone_born_on_29_february() -> None:
    # In a common year the birthday comes on 1 March: 26 on 2026-03-01, still 25 on 2026-02-01.
    leap = id_number("20000229", sequence=15)
    rates = policies(policy(min_age="26"))
    march = AuditInputs(Period.parse("2026-03"), roster(line(leap, period="2026-03")), policies=rates)
    february = AuditInputs(Period.parse("2026-02"), roster(line(leap, period="2026-02")), policies=rates)
    assert findings("INELIGIBLE", march).is_empty()
    assert "年龄25岁，不满26岁" in findings("INELIGIBLE", february).get_column("detail")[0]


def test_a_policy_limited_to_some_villages_looks_at_the_line_village() -> None:
    # Rate tables from the platform may name regions, which file policies cannot.
    lines = roster(line(ANNA), line(BO, village=OTHER_VILLAGE), line(CHEN, amount="100.01"))
    standard = Standard(
        code="P1",
        unit="person",
        bands=(RateBand(rate=Decimal(100)),),
        conditions=Conditions(regions=(VILLAGE,)),
    )
    inputs = AuditInputs(PERIOD, lines, standards={"P1": standard})
    ineligible = findings("INELIGIBLE", inputs)
    assert rows_of(ineligible) == [2]
    assert f"不在本政策实施范围（村代码{OTHER_VILLAGE}）" in ineligible.get_column("detail")[0]
    assert rows_of(findings("OVER_STANDARD", inputs)) == [3]
    assert findings("UNDER_STANDARD", inputs).is_empty()


def test_month_policy_without_quantity_counts_the_period_months() -> None:
    quarter = Period.parse("2026Q4")
    inputs = AuditInputs(
        quarter, roster(line(ANNA, amount="300.00", period="2026Q4")), policies=policies(policy(unit="month"))
    )
    assert findings("OVER_STANDARD", inputs).is_empty()
    assert findings("UNDER_STANDARD", inputs).is_empty()


def test_ineligible_on_the_birthday_and_the_day_before() -> None:
    sixty_today = id_number("19661001", sequence=11)
    sixty_tomorrow = id_number("19661002", sequence=13)
    lines = roster(line(sixty_today), line(sixty_tomorrow), line(ANNA, policy="NOPE"))
    found = findings("INELIGIBLE", AuditInputs(PERIOD, lines, policies=policies(policy(min_age="60"))))
    assert rows_of(found) == [2, 3]
    details = found.sort("row_no").get_column("detail").to_list()
    assert "年龄59岁，不满60岁" in details[0]
    assert "NOPE" in details[1]


def land_inputs(lines: pl.DataFrame) -> AuditInputs:
    persons = table(
        [
            {"id_number": ANNA, "village_code": VILLAGE, "household_id": "H1"},
            {"id_number": BO, "village_code": VILLAGE, "household_id": "H1"},
            {"id_number": CHEN, "village_code": VILLAGE, "household_id": "H2"},
        ]
    )
    land = table(
        [
            {
                "household_id": "H1",
                "contractor_id_number": ANNA,
                "village_code": VILLAGE,
                "contract_area_mu": "10.5000",
            }
        ]
    )
    return AuditInputs(PERIOD, lines, persons=persons, land=land, policies=policies(policy(unit="mu")))


def test_area_exceeds_adds_up_the_household() -> None:
    exact = land_inputs(roster(line(ANNA, quantity="10.5000", amount="1050.00")))
    assert findings("AREA_EXCEEDS", exact).is_empty()
    both = land_inputs(
        roster(line(ANNA, quantity="6.0000"), line(BO, quantity="4.5001"), line(CHEN, quantity="1.0000"))
    )
    found = findings("AREA_EXCEEDS", both).sort("row_no")
    assert rows_of(found) == [1, 2, 3]
    assert found.get_column("detail").to_list() == [
        "本户合计申报10.5001亩，超过本户承包面积10.5亩",
        "本户合计申报10.5001亩，超过本户承包面积10.5亩",
        "土地承包登记中没有该户的承包地",
    ]


def test_exclusive_declared_on_either_side_and_in_history() -> None:
    rates = policies(policy("A", exclusive="B"), policy("B"), policy("C"))
    lines = roster(line(ANNA, policy="B"), line(BO, policy="A"), line(CHEN, policy="C"))
    history = roster(line(ANNA, policy="A"), line(CHEN, policy="A", period="2026-09"))
    found = findings("EXCLUSIVE", AuditInputs(PERIOD, lines, policies=rates, history=history))
    assert rows_of(found) == [1]
    assert found.get_column("detail")[0] == "同一期间已享受互斥项目A"


def test_out_of_region() -> None:
    persons = table(
        [{"id_number": ANNA, "village_code": VILLAGE}, {"id_number": BO, "village_code": VILLAGE}]
    )
    lines = roster(line(ANNA), line(BO, village=OTHER_VILLAGE), line(CHEN, village=OTHER_VILLAGE))
    found = findings("OUT_OF_REGION", AuditInputs(PERIOD, lines, persons=persons))
    assert rows_of(found) == [2]


def test_cadre_household_for_means_tested_policies_only() -> None:
    persons = table(
        [
            {"id_number": ANNA, "household_id": "H1"},
            {"id_number": BO, "household_id": "H1"},
            {"id_number": CHEN, "household_id": "H2"},
        ]
    )
    cadres = table([{"id_number": BO, "name": "乙", "village_code": VILLAGE, "position": "村委会主任"}])
    rates = policies(policy("DIBAO", means="true"), policy("GENG"))
    lines = roster(
        line(ANNA, policy="DIBAO"),
        line(ANNA, policy="GENG"),
        line(BO, policy="DIBAO"),
        line(CHEN, policy="DIBAO"),
    )
    found = findings(
        "CADRE_HOUSEHOLD", AuditInputs(PERIOD, lines, persons=persons, cadres=cadres, policies=rates)
    )
    assert rows_of(found) == [1, 3]
    details = found.sort("row_no").get_column("detail").to_list()
    assert "同户成员任村委会主任" in details[0] and "本人为村委会主任" in details[1]


def test_missed_skips_the_dead_and_other_policies() -> None:
    previous = roster(
        line(ANNA, period="2026-09"),
        line(BO, period="2026-09"),
        line(CHEN, period="2026-09"),
        line(CHEN, period="2026-09", policy="OTHER"),
    )
    deaths = table([{"id_number": BO, "name": "乙", "death_date": "2026-09-15"}])
    found = findings("MISSED", AuditInputs(PERIOD, roster(line(ANNA)), previous=previous, deaths=deaths))
    assert found.select("row_no", "id_number", "policy_code").rows() == [(None, CHEN, "P1")]
    assert "上期（2026-09）已发放" in found.get_column("detail")[0]


def test_late_only_with_events() -> None:
    events = table(
        [
            {
                "step": "公示",
                "due": "2026-10-05",
                "done": "2026-10-08",
                "id_number": ANNA,
                "policy_code": "P1",
            },
            {
                "step": "审批",
                "due": "2026-10-05",
                "done": "2026-10-04",
                "id_number": ANNA,
                "policy_code": "P1",
            },
        ]
    )
    found = findings("LATE", AuditInputs(PERIOD, roster(line(ANNA)), events=events))
    assert found.get_column("detail").to_list() == ["公示应于2026-10-05前完成，实际2026-10-08完成"]


def test_run_skips_rules_without_their_data_and_sorts() -> None:
    wrong = ANNA[:17] + ("0" if ANNA[17] != "0" else "1")
    lines = roster(line(BO), line(wrong, account="6200009"), line(BO))
    seen: list[tuple[str, int, int]] = []
    result = run(
        AuditInputs(PERIOD, lines, cards=cards((BO, "6200001", "active"))),
        progress=lambda code, done, total: seen.append((code, done, total)),
    )
    assert result.findings.select("row_no", "rule").rows() == [(2, "ID_INVALID"), (3, "DUPLICATE")]
    assert set(result.skipped) == {
        "DECEASED",
        "OVER_STANDARD",
        "UNDER_STANDARD",
        "AREA_EXCEEDS",
        "INELIGIBLE",
        "EXCLUSIVE",
        "OUT_OF_REGION",
        "CADRE_HOUSEHOLD",
        "MISSED",
        "LATE",
    }
    assert "死亡人员" in result.skipped["DECEASED"]
    assert len(seen) == 16 and seen[-1] == ("LATE", 16, 16)
    assert dict(result.summary.select("rule", "count").rows())["DUPLICATE"] == 1


def test_run_chosen_rules_and_unknown_codes() -> None:
    result = run(AuditInputs(PERIOD, roster(line(ANNA))), codes=["duplicate"])
    assert result.summary.get_column("rule").to_list() == ["DUPLICATE"]
    with pytest.raises(ValueError, match="NOPE"):
        run(AuditInputs(PERIOD, roster(line(ANNA))), codes=["NOPE"])
