"""The rules about persons and lines: one function per rule code of DESIGN.md's Checks table, whole frames in,
one findings frame out (the rules of money and conditions are in ``amounts``).

Every function takes the run's ``AuditInputs`` and returns the columns of ``FINDING_COLUMNS`` except
``severity``, which the catalogue adds. Nothing here loops over lines. Frames several rules need (identified
lines, the persons and cards each line matches) are built once per run (``lookups``, ``frames``).

Every line takes part: the rules about a person judge the lines whose person is known (``identity``: a
valid ID number, or a mistyped one linked to a registered person), and the rest of the lines still count
where no person is needed (SHARED_ACCOUNT on the account, MISSED's "any line at all this period"). A cell a
rule needs but the line lacks (an unreadable amount, an empty quantity of a 亩 policy) keeps the line out of
that rule only.
"""

from __future__ import annotations

import polars as pl

from yikatong.checks.engine.amounts import policy_table
from yikatong.checks.engine.frames import (
    findings_of,
    repeated,
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
from yikatong.checks.engine.lookups import (
    CARD_STATUS_ZH,
    KEY,
    lines_with_cards,
    lines_with_persons,
    period_start,
    persons_by_id,
    source_of,
    with_history,
)

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
    source = source_of(inputs, "deaths", "死亡人员登记")
    deaths = inputs.deaths.select("id_number", "death_date").unique("id_number")
    hits = (
        identified_lines(inputs)
        .join(deaths, on="id_number")
        .filter(pl.col("death_date") < period_start(inputs))
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
    missing = lines_with_cards(inputs).filter(pl.col("__has_active").is_null())
    source = source_of(inputs, "cards", "社保卡账户")
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
    inactive = lines_with_cards(inputs).filter(~pl.col("__has_active")).drop("__has_active")
    hits = inactive.join(_card_states(inputs, inactive), on="id_number")
    detail = pl.concat_str(pl.lit("该人员没有正常状态的社保卡（卡状态："), pl.col("__statuses"), pl.lit("）"))
    return findings_of(hits, "CARD_INACTIVE", detail)


def account_mismatch(inputs: AuditInputs) -> pl.DataFrame:
    """ACCOUNT_MISMATCH: the line's account is not the person's own active card account (人卡分离, 代持)."""
    assert inputs.cards is not None
    cards = inputs.cards
    active = cards.filter(pl.col("status") == "active")
    # An empty account was filled with the person's active card (``identity``): never a mismatch.
    lines = lines_with_cards(inputs).filter(pl.col("__has_active") & pl.col("account_no").is_not_null())
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


def exclusive(inputs: AuditInputs) -> pl.DataFrame:
    """EXCLUSIVE: one person receives two policies that exclude each other in the same period."""
    table = policy_table(inputs)
    pairs = table.select("policy_code", pl.col("__excl").alias("__other")).explode("__other").drop_nulls()
    # Either policy declaring the other exclusive is enough.
    pairs = pl.concat(
        [pairs, pairs.select(pl.col("__other").alias("policy_code"), pl.col("policy_code").alias("__other"))]
    )
    pairs = pairs.filter(pl.col("__other") != "").unique()
    every = (
        with_history(inputs, ["id_number", "policy_code", "period"])
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
    hits = lines_with_persons(inputs).filter(pl.col("village_code") != pl.col("__home"))
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
    means = policy_table(inputs).filter(pl.col("__means")).select("policy_code")
    lines = (
        lines_with_persons(inputs)
        .join(means, on="policy_code", how="semi")
        .drop("__home")
        .rename({"__home_household": "household_id"})
    )
    persons = persons_by_id(inputs).select("id_number", "household_id")
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
        dead = inputs.deaths.filter(pl.col("death_date") < period_start(inputs)).select("id_number")
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
