"""The offline audit's files (FORMATS.md "Offline audit"): a registry directory and rosters in, findings out.

Roster lines with an invalid ID number are what ID_INVALID is for, so the roster is read leniently: under
the roster schema with the ID number read as plain text (``LENIENT_ROSTER``), then checked by the engine.
Rows refused for any other reason (no amount, a bad village code…) cannot be compared with anything and
are counted in ``AuditInputs.notes``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from yikatong.bulk.reader import ParsedTable, UnreadableFile, read_table
from yikatong.bulk.schemas import KEYS, SCHEMAS
from yikatong.checks.engine.catalogue import SEVERITY_ZH
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.core.periods import Period

REGISTRY_KINDS = ("persons", "deaths", "cards", "cadres", "land", "policies")
KIND_ZH = {
    "persons": "人员信息",
    "deaths": "死亡人员",
    "cards": "社保卡账户",
    "cadres": "村干部及财政供养人员",
    "land": "土地承包",
    "policies": "补贴项目",
    "roster": "申报名册",
}
SUFFIXES = (".csv", ".xlsx")
FINDING_HEADERS = {
    "line_no": "序号",
    "rule": "规则",
    "severity": "严重程度",
    "id_number": "身份证号",
    "policy_code": "项目代码",
    "detail": "说明",
}

# How many refused rows a note names before it says 等.
NOTE_ROWS = 10

LENIENT_ROSTER = "roster_audit"
SCHEMAS.setdefault(
    LENIENT_ROSTER,
    tuple(
        dataclasses.replace(column, kind="text") if column.name == "id_number" else column
        for column in SCHEMAS["roster"]
    ),
)
KEYS.setdefault(LENIENT_ROSTER, KEYS["roster"])


def registry_file(directory: Path, kind: str) -> Path | None:
    """The file for one registry kind in the directory (``cards.csv``, ``Cards.xlsx``…), or None."""
    found = sorted(
        path
        for path in directory.iterdir()
        if path.is_file() and path.stem.lower() == kind and path.suffix.lower() in SUFFIXES
    )
    return found[0] if found else None


def read_roster(path: Path) -> ParsedTable:
    """A roster with invalid ID numbers kept (upper-cased, spaces removed) for ID_INVALID to report."""
    parsed = read_table(path, LENIENT_ROSTER)
    parsed.rows = parsed.rows.with_columns(
        pl.col("id_number").str.replace_all(r"\s", "").str.to_uppercase(), pl.col("row_no").cast(pl.Int64)
    )
    return parsed


def load_directory(directory: Path, roster: Path, previous: Path | None, period: Period) -> AuditInputs:
    """Read the registries present in the directory and the rosters; UnreadableFile on the first bad one."""
    if not directory.is_dir():
        raise UnreadableFile(str(directory), "不是一个文件夹")
    notes: list[str] = []
    sources: dict[str, str] = {}
    tables: dict[str, pl.DataFrame] = {}
    for kind in REGISTRY_KINDS:
        path = registry_file(directory, kind)
        if path is None:
            continue
        parsed = read_table(path, kind)
        tables[kind] = parsed.rows
        sources[kind] = f"{KIND_ZH[kind]}文件“{path.name}”"
        _note_refused(parsed, KIND_ZH[kind], notes)
    lines = read_roster(roster)
    _note_refused(lines, KIND_ZH["roster"], notes)
    other = lines.rows.filter(pl.col("period") != str(period)).height
    if other:
        notes.append(f"申报名册中有{other}行的发放期间不是{period}，照常核查")
    earlier = None
    if previous is not None:
        parsed_previous = read_table(previous, "roster")
        _note_refused(parsed_previous, "上期名册", notes)
        earlier = parsed_previous.rows
    return AuditInputs(
        period=period,
        lines=lines.rows,
        previous=earlier,
        sources=sources,
        notes=notes,
        **tables,  # type: ignore[arg-type]
    )


def _note_refused(parsed: ParsedTable, label: str, notes: list[str]) -> None:
    if parsed.rejected.height:
        rows = parsed.rejected.get_column("row_no").head(NOTE_ROWS).cast(pl.String).to_list()
        more = "等" if parsed.rejected.height > NOTE_ROWS else ""
        notes.append(
            f"{label}文件“{parsed.source_name}”有{parsed.rejected.height}行无法读取，未参与核查"
            f"（第{'、'.join(rows)}行{more}）"
        )


def write_findings(findings: pl.DataFrame, out: Path, lines: pl.DataFrame | None = None) -> Path:
    """Write the findings export (Chinese headers, UTF-8 with BOM, full ID numbers) to ``out``.

    序号 is the roster's own line number when ``lines`` (with row_no and line_no) is given, else row_no.
    """
    frame = findings
    if lines is not None and "line_no" in lines.columns:
        numbers = lines.select(pl.col("row_no").cast(pl.Int64), pl.col("line_no").cast(pl.String))
        frame = frame.join(numbers, on="row_no", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(pl.col("row_no").cast(pl.String).alias("line_no"))
    export = frame.select(
        pl.col("line_no"),
        pl.col("rule"),
        pl.col("severity").replace_strict(SEVERITY_ZH, default=pl.col("severity")),
        pl.col("id_number"),
        pl.col("policy_code"),
        pl.col("detail"),
    ).rename(FINDING_HEADERS)
    out.parent.mkdir(parents=True, exist_ok=True)
    export.write_csv(out, include_bom=True)
    return out
