"""Who each line is about: its ID number checked, a mistyped one linked to the person it most likely means.

Every line takes part in the audit. A line whose ID number is valid is that person's. A line whose number
is invalid (a wrong check digit, an impossible birth date, a digit too many or too few) or missing is an
ID_INVALID finding, and the registries are asked whom it most likely means:

- a registered person of the same name whose card account is the line's account, or else
- the one registered person of the same name and village whose ID number is one edit away from the written
  one: one digit different (差一位), two adjacent digits swapped (相邻两位颠倒), one digit left out (少一位)
  or one too many (多一位).

A line linked so is judged by the other rules as that person's (a dead person behind a typo is still
DECEASED, a second line for the same person still DUPLICATE), and every finding on it names the link. A
number that two people could mean, or nobody, is linked to no one: no guess.

An empty account means the person's card on file (FORMATS.md): the lines of identified persons take their
active card's account (else the card on file), so that the rules compare the account money would go to.

All of it is set-based: the candidates come from joins on (account) and (name, village) over the few
invalid lines, and the edit test is a handful of vectorised comparisons, one per character position.
"""

from __future__ import annotations

import polars as pl

from yikatong.bulk.idnumbers import id_number_errors
from yikatong.checks.engine.frames import frame_of, join_unique, keep
from yikatong.checks.engine.inputs import AuditInputs

MISSING_ID = "缺少身份证号"
ID_ERROR = "__id_error"
# The ID number as written on the line, beside ``id_number`` (the person the line is judged as).
WRITTEN = "__written"
LINK_COLUMNS = {"row_no": pl.Int64, "__linked": pl.String, "__link_text": pl.String, "__link_note": pl.String}
ID_LENGTH = 18
EDITS = {
    "substitution": "差一位",
    "transposition": "相邻两位颠倒",
    "deletion": "少一位",
    "insertion": "多一位",
}


def shown_id(number: pl.Expr, inputs: AuditInputs) -> pl.Expr:
    """An ID number as a finding's detail shows it: in full in file mode, masked in the platform."""
    if not inputs.mask_ids:
        return number
    return pl.concat_str(number.str.slice(0, 6), pl.lit("*" * 8), number.str.slice(-4, 4))


def id_errors(inputs: AuditInputs) -> pl.DataFrame:
    """Every line with its ID-number error (null where valid; 缺少身份证号 where empty), once per run."""

    def build() -> pl.DataFrame:
        lines = inputs.lines
        numbers = lines.get_column("id_number")
        errors = id_number_errors(numbers.fill_null(""), today=inputs.today)
        missing = numbers.is_null() | (numbers.str.len_chars() == 0)
        if missing.any():
            errors = pl.select(
                pl.when(pl.lit(missing)).then(pl.lit(MISSING_ID)).otherwise(pl.lit(errors))
            ).to_series()
        return lines.with_columns(errors.alias(ID_ERROR))

    return frame_of(inputs, "id_errors", build)


def unidentified(inputs: AuditInputs) -> pl.DataFrame:
    """The lines with an invalid or missing ID number that no registered person could be linked to."""

    def build() -> pl.DataFrame:
        bad = id_errors(inputs).filter(pl.col(ID_ERROR).is_not_null())
        return bad.join(links(inputs), on="row_no", how="anti").drop(ID_ERROR)

    return frame_of(inputs, "unidentified", build)


def identified_lines(inputs: AuditInputs) -> pl.DataFrame:
    """The lines whose person is known: valid ID numbers, and invalid ones linked to a registered person.

    ``id_number`` is the person's number (the linked one for a typo: ``as_written`` has the numbers on the
    lines), and an empty ``account_no`` is the person's card on file.
    """

    def build() -> pl.DataFrame:
        errors = id_errors(inputs)
        linked = links(inputs)
        if linked.height == 0:
            return cards_on_file(inputs, keep(errors, pl.col(ID_ERROR).is_null()).drop(ID_ERROR))
        # The linked person's number in place of the typo, in the line's own row: one filter, one chunk.
        person = join_unique(errors.select("row_no"), linked.select("row_no", "__linked"), "row_no")
        judged = errors.with_columns(
            pl.coalesce(person.get_column("__linked"), pl.col("id_number")).alias("id_number"),
            person.get_column("__linked").is_not_null().alias("__is_linked"),
        )
        kept = keep(judged, pl.col(ID_ERROR).is_null() | pl.col("__is_linked")).drop(ID_ERROR, "__is_linked")
        return cards_on_file(inputs, kept)

    return frame_of(inputs, "identified_lines", build)


def as_written(inputs: AuditInputs) -> pl.DataFrame:
    """Every line's row, ID number as written (null if none), account (the card on file where empty, for
    identified persons) and project code: what SHARED_ACCOUNT and MISSED count."""

    def build() -> pl.DataFrame:
        columns = ["row_no", "id_number", "account_no", "policy_code"]
        written = identified_lines(inputs).select(columns)
        typos = link_notes(inputs)
        if typos.height:
            number = join_unique(written.select("row_no"), typos.select("row_no", WRITTEN), "row_no")
            written = written.with_columns(
                pl.coalesce(number.get_column(WRITTEN), pl.col("id_number")).alias("id_number")
            )
        strangers = unidentified(inputs)
        if strangers.height:
            written = pl.concat([written, strangers.select(columns)], rechunk=False)
        return written

    return frame_of(inputs, "as_written", build)


def cards_on_file(inputs: AuditInputs, lines: pl.DataFrame) -> pl.DataFrame:
    """Empty accounts filled with the person's active card account, else the account of a card on file."""
    empty = lines.get_column("account_no").is_null()
    if inputs.cards is None or not empty.any():
        return lines
    at = empty.arg_true()
    people = lines.get_column("id_number").gather(at)
    # Only the cards of these people are sorted (the active one first): usually a few among many.
    own = (
        inputs.cards.filter(pl.col("id_number").is_in(people.implode()) & pl.col("account_no").is_not_null())
        .sort(pl.col("status") != "active")
        .unique("id_number", keep="first", maintain_order=True)
        .select("id_number", pl.col("account_no").alias("__own"))
    )
    found = join_unique(people.to_frame(), own, "id_number").get_column("__own")
    return lines.with_columns(lines.get_column("account_no").scatter(at, found))


def links(inputs: AuditInputs) -> pl.DataFrame:
    """For each invalid line linked to a person: the person's number and how the link is worded.

    ``__link_text`` goes into the ID_INVALID detail ("，疑似为本村王桂兰（…，差一位）"), ``__link_note`` into
    the details of the other rules' findings on the line.
    """

    def build() -> pl.DataFrame:
        bad = id_errors(inputs).filter(pl.col(ID_ERROR).is_not_null() & pl.col("name").is_not_null())
        if bad.height == 0 or (inputs.persons is None and inputs.cards is None):
            return pl.DataFrame(schema=LINK_COLUMNS)
        bad = bad.select(
            "row_no",
            pl.col("id_number").fill_null("").alias(WRITTEN),
            "name",
            "village_code",
            "account_no",
        )
        people = _people(inputs, bad)
        found = [_by_account(inputs, bad, people), _by_near_number(bad, people)]
        candidates = pl.concat([frame for frame in found if frame is not None])
        # The account is the stronger evidence: a line found through it is not asked by its number.
        best = candidates.filter(pl.col("__rank") == pl.col("__rank").min().over("row_no"))
        unique = best.filter(pl.col("__candidate").n_unique().over("row_no") == 1).unique(
            "row_no", keep="first"
        )
        place = pl.when(pl.col("__home") == pl.col("village_code")).then(pl.lit("本村")).otherwise(pl.lit(""))
        number = shown_id(pl.col("__candidate"), inputs)
        return unique.select(
            "row_no",
            pl.col("__candidate").alias("__linked"),
            pl.concat_str(
                pl.lit("，疑似为"),
                place,
                pl.col("name"),
                pl.lit("（"),
                number,
                pl.lit("，"),
                pl.col("__how"),
                pl.lit("）"),
            ).alias("__link_text"),
            pl.concat_str(
                pl.lit("（该行身份证号有误，按疑似本人"),
                pl.col("name"),
                pl.lit("（"),
                number,
                pl.lit("）核查）"),
            ).alias("__link_note"),
        ).sort("row_no")

    return frame_of(inputs, "links", build)


def _people(inputs: AuditInputs, bad: pl.DataFrame) -> pl.DataFrame | None:
    """The registered persons who bear a name of the invalid lines, with their village (null if unknown)."""
    if inputs.persons is None or "name" not in inputs.persons.columns:
        return None
    columns = inputs.persons.columns
    named = inputs.persons.filter(pl.col("name").is_in(bad.get_column("name").unique().implode()))
    return named.select(
        "id_number",
        "name",
        pl.col("village_code")
        if "village_code" in columns
        else pl.lit(None, pl.String).alias("village_code"),
    )


def _by_account(inputs: AuditInputs, bad: pl.DataFrame, people: pl.DataFrame | None) -> pl.DataFrame | None:
    """Candidates of the same name whose card account is the line's account."""
    if inputs.cards is None:
        return None
    accounts = bad.get_column("account_no").drop_nulls().unique()
    cards = inputs.cards.filter(pl.col("account_no").is_in(accounts.implode())).select(
        "account_no",
        pl.col("id_number").alias("__candidate"),
        *([pl.col("holder_name")] if "holder_name" in inputs.cards.columns else []),
    )
    if people is not None:
        cards = cards.join(
            people.select(
                pl.col("id_number").alias("__candidate"), pl.col("name").alias("__owner"), "village_code"
            ).rename({"village_code": "__home"}),
            on="__candidate",
            how="left",
        )
    else:
        cards = cards.with_columns(
            pl.lit(None, pl.String).alias("__owner"), pl.lit(None, pl.String).alias("__home")
        )
    owner = pl.coalesce("__owner", "holder_name") if "holder_name" in cards.columns else pl.col("__owner")
    return (
        bad.join(cards, on="account_no")
        .filter(owner == pl.col("name"))
        .select(
            "row_no",
            "__candidate",
            "__home",
            "name",
            "village_code",
            pl.lit("同名，银行账号为其社保卡").alias("__how"),
            pl.lit(0).alias("__rank"),
        )
    )


def _by_near_number(bad: pl.DataFrame, people: pl.DataFrame | None) -> pl.DataFrame | None:
    """Candidates of the same name and village whose ID number is one edit away from the written one."""
    if people is None:
        return None
    pairs = bad.filter(pl.col("village_code").is_not_null()).join(
        people.rename({"id_number": "__candidate"}), on=["name", "village_code"]
    )
    written, registered = pl.col(WRITTEN), pl.col("__candidate")
    # One edit at position i leaves the first 9 characters alike (i ≥ 9) or the last 8 (i < 9, the ends
    # aligned): a cheap test that sets most namesakes aside before the character-by-character one.
    near = (written.str.slice(0, 9) == registered.str.slice(0, 9)) | (
        written.str.slice(-8, 8) == registered.str.slice(-8, 8)
    )
    return (
        pairs.filter(near)
        .with_columns(one_edit(written, registered).alias("__how"))
        .filter(pl.col("__how").is_not_null())
        .select(
            "row_no",
            "__candidate",
            pl.col("village_code").alias("__home"),
            "name",
            "village_code",
            "__how",
            pl.lit(1).alias("__rank"),
        )
    )


def _char(text: pl.Expr, at: int) -> pl.Expr:
    return text.str.slice(at, 1)


def _without(text: pl.Expr, at: int) -> pl.Expr:
    return pl.concat_str(text.str.slice(0, at), text.str.slice(at + 1))


def one_edit(written: pl.Expr, registered: pl.Expr) -> pl.Expr:
    """How a written number is one edit from a registered 18-character one (EDITS' words), else null."""
    length = written.str.len_chars()
    positions = range(ID_LENGTH)
    differ = [_char(written, at) != _char(registered, at) for at in positions]
    mismatches = pl.sum_horizontal([d.cast(pl.Int32) for d in differ])
    swapped = pl.any_horizontal(
        [
            differ[at]
            & (_char(written, at) == _char(registered, at + 1))
            & (_char(written, at + 1) == _char(registered, at))
            for at in range(ID_LENGTH - 1)
        ]
    )
    dropped = pl.any_horizontal([_without(registered, at) == written for at in positions])
    added = pl.any_horizontal([_without(written, at) == registered for at in range(ID_LENGTH + 1)])
    return (
        pl.when((length == ID_LENGTH) & (mismatches == 1))
        .then(pl.lit(EDITS["substitution"]))
        .when((length == ID_LENGTH) & (mismatches == 2) & swapped)
        .then(pl.lit(EDITS["transposition"]))
        .when((length == ID_LENGTH - 1) & dropped)
        .then(pl.lit(EDITS["deletion"]))
        .when((length == ID_LENGTH + 1) & added)
        .then(pl.lit(EDITS["insertion"]))
    )


def link_notes(inputs: AuditInputs) -> pl.DataFrame:
    """Each linked line's number as written, project code and the note its findings carry, once per run."""

    def build() -> pl.DataFrame:
        linked = links(inputs)
        written = id_errors(inputs).filter(pl.col("row_no").is_in(linked.get_column("row_no").implode()))
        return linked.select("row_no", "__link_note").join(
            written.select("row_no", pl.col("id_number").alias(WRITTEN), "policy_code"), on="row_no"
        )

    return frame_of(inputs, "link_notes", build)


def name_links(inputs: AuditInputs, found: pl.DataFrame) -> pl.DataFrame:
    """A rule's findings on linked lines with the number as written and the link named in the detail."""
    if links(inputs).height == 0 or found.height == 0:
        return found
    joined = found.join(link_notes(inputs), on="row_no", how="left", maintain_order="left")
    has_link = pl.col("__link_note").is_not_null()
    return joined.with_columns(
        pl.when(has_link).then(pl.col(WRITTEN)).otherwise(pl.col("id_number")).alias("id_number"),
        pl.when(has_link)
        .then(pl.concat_str(pl.col("detail"), pl.col("__link_note")))
        .otherwise(pl.col("detail"))
        .alias("detail"),
    ).select(found.columns)
