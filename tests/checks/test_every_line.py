"""Every line takes part in the audit (issue: 每一行都核查): empty accounts, unreadable cells, missing and
mistyped ID numbers linked to the person they most likely mean. Tiny frames, no database."""

from __future__ import annotations

import polars as pl

from tests.checks.test_rules import (
    ANNA,
    BO,
    CHEN,
    OTHER_VILLAGE,
    PERIOD,
    VILLAGE,
    cards,
    findings,
    line,
    policies,
    policy,
    roster,
    rows_of,
    table,
)
from yikatong.checks.engine import AuditInputs, run
from yikatong.checks.engine.identity import one_edit

WANG = "王桂兰"


def typo(number: str, at: int = 5) -> str:
    """The number with one digit (not the check digit) changed: a wrong check digit, the classic typo."""
    digit = "1" if number[at] != "1" else "2"
    return number[:at] + digit + number[at + 1 :]


def persons(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """A persons registry from (id_number, name, village)."""
    return table(
        [
            {"id_number": n, "name": name, "village_code": v, "household_id": f"H-{n[-4:]}"}
            for n, name, v in rows
        ]
    )


def deaths(*rows: tuple[str, str]) -> pl.DataFrame:
    """A deaths registry from (id_number, death date)."""
    return table([{"id_number": n, "name": "某人", "death_date": d} for n, d in rows])


def details(found: pl.DataFrame) -> dict[int, str]:
    return dict(zip(found.get_column("row_no"), found.get_column("detail"), strict=True))


# --- an empty account is the person's card on file -------------------------------------------------------


def test_an_empty_account_with_a_card_on_file_is_no_finding() -> None:
    registry = cards((ANNA, "A1", "active"))
    inputs = AuditInputs(PERIOD, roster(line(ANNA, account=None)), cards=registry)
    for code in ("NO_CARD", "ACCOUNT_MISMATCH", "CARD_INACTIVE", "SHARED_ACCOUNT"):
        assert findings(code, inputs).height == 0, code


def test_an_empty_account_without_a_card_is_no_card_telling_hrss_what_to_do() -> None:
    inputs = AuditInputs(
        PERIOD, roster(line(ANNA, account=None), line(BO)), cards=cards((CHEN, "C1", "active"))
    )
    found = findings("NO_CARD", inputs)
    assert rows_of(found) == [1, 2]
    text = details(found)
    assert text[1].startswith("名册未填写银行账号")
    assert "办理社保卡" in text[1]
    assert text[2].startswith("名册上的银行账号不是社保卡账户")
    assert findings("ACCOUNT_MISMATCH", inputs).height == 0


def test_an_empty_account_takes_the_active_card_and_can_still_be_shared() -> None:
    # Bo's line names Anna's card account explicitly; Anna's own line leaves it empty (her card).
    registry = cards((ANNA, "A0", "closed"), (ANNA, "A1", "active"), (BO, "B1", "active"))
    lines = roster(line(ANNA, account=None), line(BO, account="A1", policy="P2"))
    inputs = AuditInputs(PERIOD, lines, cards=registry)
    assert rows_of(findings("SHARED_ACCOUNT", inputs)) == [1, 2]
    assert rows_of(findings("ACCOUNT_MISMATCH", inputs)) == [2]
    assert findings("CARD_INACTIVE", inputs).height == 0


def test_an_empty_account_of_a_person_whose_card_is_lost_is_card_inactive_only() -> None:
    inputs = AuditInputs(PERIOD, roster(line(ANNA, account=None)), cards=cards((ANNA, "A1", "lost")))
    assert rows_of(findings("CARD_INACTIVE", inputs)) == [1]
    assert findings("NO_CARD", inputs).height == 0
    assert findings("ACCOUNT_MISMATCH", inputs).height == 0


# --- cells that cannot be read keep a line out of the rules that need them only --------------------------


def test_a_line_with_an_unreadable_amount_is_judged_by_the_other_rules_and_is_not_missed() -> None:
    lines = roster(line(ANNA, amount=None), line(BO, quantity=None, amount="100.00")).with_columns(
        pl.Series("__unreadable", ["amount,", "quantity,"], dtype=pl.String)
    )
    previous = roster(line(ANNA, period="2026-09"), line(BO, period="2026-09"))
    inputs = AuditInputs(
        PERIOD,
        lines,
        previous=previous,
        deaths=deaths((ANNA, "2026-08-01")),
        policies=policies(policy(rate="50.0000000")),
    )
    assert findings("MISSED", inputs).height == 0
    assert rows_of(findings("DECEASED", inputs)) == [1]
    # No amount to compare on line 1; an unreadable quantity is not "one person" on line 2.
    assert findings("OVER_STANDARD", inputs).height == 0
    assert findings("UNDER_STANDARD", inputs).height == 0


def test_an_empty_quantity_is_still_the_units_default() -> None:
    inputs = AuditInputs(
        PERIOD, roster(line(ANNA, quantity=None)), policies=policies(policy(rate="50.0000000"))
    )
    assert rows_of(findings("OVER_STANDARD", inputs)) == [1]


def test_missed_counts_any_line_at_all_this_period() -> None:
    wrong = typo(BO)
    lines = roster(line(ANNA, policy=None), line(wrong), line(None, name="无号"))
    previous = roster(line(ANNA, period="2026-09"), line(BO, period="2026-09"), line(CHEN, period="2026-09"))
    found = findings("MISSED", AuditInputs(PERIOD, lines, previous=previous))
    # Anna has a line (its project code unreadable); Bo's typo identifies nobody without a registry.
    assert found.get_column("id_number").to_list() == [BO, CHEN]
    # With the registry, the typo is Bo's line: only Chen is missed.
    people = persons((BO, "某人", VILLAGE))
    found = findings("MISSED", AuditInputs(PERIOD, lines, previous=previous, persons=people))
    assert found.get_column("id_number").to_list() == [CHEN]


# --- missing and invalid ID numbers ----------------------------------------------------------------------


def test_a_line_without_an_id_number_is_id_invalid_and_still_shares_its_account() -> None:
    lines = roster(line(None, account="X"), line(ANNA, account="X"))
    inputs = AuditInputs(PERIOD, lines)
    invalid = findings("ID_INVALID", inputs)
    assert rows_of(invalid) == [1]
    assert invalid.get_column("detail")[0] == "身份证号无效：缺少身份证号"
    # A missing number is no ID number: the account is used for one.
    assert findings("SHARED_ACCOUNT", inputs).height == 0


def test_a_missing_number_is_linked_through_name_and_account() -> None:
    registry = cards((ANNA, "A1", "active"))
    people = persons((ANNA, WANG, VILLAGE))
    lines = roster(line(None, account="A1", name=WANG))
    found = findings("ID_INVALID", AuditInputs(PERIOD, lines, cards=registry, persons=people))
    assert (
        found.get_column("detail")[0]
        == f"身份证号无效：缺少身份证号，疑似为本村{WANG}（{ANNA}，同名，银行账号为其社保卡）"
    )


def test_a_one_digit_typo_of_a_dead_person_is_id_invalid_and_deceased_both_naming_the_link() -> None:
    wrong = typo(ANNA)
    people = persons((ANNA, WANG, VILLAGE), (BO, "李四", VILLAGE))
    lines = roster(line(wrong, name=WANG, account="NOBODY"), line(BO))
    inputs = AuditInputs(PERIOD, lines, persons=people, deaths=deaths((ANNA, "2026-08-01")))
    invalid = findings("ID_INVALID", inputs)
    assert invalid.get_column("detail")[0] == f"身份证号无效：校验位错误，疑似为本村{WANG}（{ANNA}，差一位）"
    dead = findings("DECEASED", inputs)
    assert rows_of(dead) == [1]
    # The finding names the line by the number as written, and says whom it was judged as.
    assert dead.get_column("id_number")[0] == wrong
    assert dead.get_column("detail")[0] == (
        f"该人员已于2026-08-01死亡（死亡人员登记）（该行身份证号有误，按疑似本人{WANG}（{ANNA}）核查）"
    )


def test_a_linked_typo_is_a_duplicate_of_the_persons_own_line() -> None:
    wrong = typo(ANNA)
    people = persons((ANNA, WANG, VILLAGE))
    registry = cards((ANNA, "A1", "active"))
    lines = roster(line(ANNA, name=WANG, account="A1"), line(wrong, name=WANG, account="A1"))
    inputs = AuditInputs(PERIOD, lines, persons=people, cards=registry)
    duplicate = findings("DUPLICATE", inputs)
    assert rows_of(duplicate) == [2]
    assert (
        "与序号1重复" in duplicate.get_column("detail")[0]
        and "按疑似本人" in duplicate.get_column("detail")[0]
    )
    # Two numbers as written on one account.
    assert rows_of(findings("SHARED_ACCOUNT", inputs)) == [1, 2]
    assert findings("ACCOUNT_MISMATCH", inputs).height == 0


def test_a_typo_that_matches_nobody_links_to_no_one() -> None:
    wrong = typo(ANNA)
    people = persons((ANNA, WANG, VILLAGE))
    # Another name, and the right name in another village: no link, no guess.
    lines = roster(
        line(wrong, name="张三", account="Z"), line(wrong, name=WANG, village=OTHER_VILLAGE, account="Y")
    )
    inputs = AuditInputs(PERIOD, lines, persons=people, deaths=deaths((ANNA, "2026-08-01")))
    assert set(findings("ID_INVALID", inputs).get_column("detail")) == {"身份证号无效：校验位错误"}
    assert findings("DECEASED", inputs).height == 0


def test_a_number_two_people_could_mean_links_to_no_one() -> None:
    # Two 王桂兰 in the village, each one digit from the written number.
    first = ANNA
    second = typo(typo(ANNA, at=7), at=5)
    written = typo(ANNA, at=7)
    assert one_edit_of(written, first) and one_edit_of(written, second)
    people = persons((first, WANG, VILLAGE), (second, WANG, VILLAGE))
    found = findings("ID_INVALID", AuditInputs(PERIOD, roster(line(written, name=WANG)), persons=people))
    assert "疑似" not in found.get_column("detail")[0]


def test_the_account_is_stronger_evidence_than_a_near_number() -> None:
    wrong = typo(ANNA)
    people = persons((ANNA, WANG, VILLAGE), (BO, WANG, VILLAGE))
    registry = cards((BO, "B1", "active"))
    found = findings(
        "ID_INVALID",
        AuditInputs(PERIOD, roster(line(wrong, name=WANG, account="B1")), persons=people, cards=registry),
    )
    assert f"（{BO}，同名，银行账号为其社保卡）" in found.get_column("detail")[0]


def test_platform_details_mask_the_linked_number() -> None:
    people = persons((ANNA, WANG, VILLAGE))
    inputs = AuditInputs(PERIOD, roster(line(typo(ANNA), name=WANG)), persons=people, mask_ids=True)
    detail = findings("ID_INVALID", inputs).get_column("detail")[0]
    assert ANNA not in detail and f"{ANNA[:6]}********{ANNA[-4:]}" in detail


def one_edit_of(written: str, registered: str) -> str | None:
    frame = pl.DataFrame({"w": [written], "r": [registered]})
    return frame.select(one_edit(pl.col("w"), pl.col("r"))).item()


def test_one_edit_names_each_kind_of_typo() -> None:
    n = ANNA
    swapped = n[:3] + n[4] + n[3] + n[5:] if n[3] != n[4] else None
    cases = {
        typo(n): "差一位",
        n[:8] + n[9:]: "少一位",
        n[:8] + "7" + n[8:]: "多一位",
        n: None,
        typo(typo(n, at=7), at=5): None,
        n[:16]: None,
    }
    if swapped:
        cases[swapped] = "相邻两位颠倒"
    for written, expected in cases.items():
        assert one_edit_of(written, n) == expected, written


def test_run_judges_every_line() -> None:
    # No ID, no amount and no account, a short number: each line is judged by what it has.
    lines = roster(
        line(None, name="无号"), line(ANNA, amount=None, account=None), line("12345", name="无名"), line(BO)
    )
    result = run(AuditInputs(PERIOD, lines, cards=cards((ANNA, "A1", "lost"), (BO, "6200001", "active"))))
    assert result.findings.select("row_no", "rule").rows() == [
        (1, "ID_INVALID"),
        (1, "SHARED_ACCOUNT"),
        (2, "CARD_INACTIVE"),
        (3, "ID_INVALID"),
        (3, "SHARED_ACCOUNT"),
        (4, "SHARED_ACCOUNT"),
    ]
