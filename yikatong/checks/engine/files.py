"""The offline audit's files (FORMATS.md "Offline audit"): a registry directory and rosters in, findings out.

Every line of the roster takes part in the audit. Lines with an invalid or missing ID number are what
ID_INVALID is for, so the ID number is read as plain text (``LENIENT_ROSTER``) and checked by the engine;
an empty 银行账号 means the person's card on file; any other cell that cannot be read (an amount of
"abc", a bad village code) is null on its line, which still takes part in every rule that does not need
that cell, and ``AuditInputs.notes`` says which lines and cells.

Registries and the previous roster are read for the columns the rules compare (``AUDIT_COLUMNS``): a cell
no rule looks at (a phone number, a cardholder's name) neither costs time nor keeps a row out of the
audit. The current roster is checked in full. The files are read side by side on a small thread pool
(Polars releases the GIL), the largest first.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from yikatong.bulk.idnumbers import known_places
from yikatong.bulk.reader import PROBLEMS, UNREADABLE, ParsedTable, UnreadableFile, read_table
from yikatong.bulk.schemas import KEYS, SCHEMAS
from yikatong.checks.engine.catalogue import CATALOGUE, SEVERITY_ZH
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.checks.engine.runner import AuditResult
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
# The columns each rule reads (rules.py); the key of the kind (schemas.KEYS) is always checked as well.
AUDIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("id_number", "name", "village_code", "household_id"),
    "deaths": ("id_number", "death_date"),
    "cards": ("id_number", "account_no", "status"),
    "cadres": ("id_number", "position"),
    "land": ("household_id", "contractor_id_number", "contract_area_mu"),
    "previous": ("id_number", "policy_code", "period"),
}
# Files read at once: two keep both cores busy; more only add memory.
READERS = 2

LENIENT_ROSTER = "roster_audit"
SCHEMAS.setdefault(
    LENIENT_ROSTER,
    tuple(
        # An empty ID number is an ID_INVALID finding (缺少身份证号), not a cell the reader refuses.
        dataclasses.replace(column, kind="text", required=False) if column.name == "id_number" else column
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
    """Every line of a roster, invalid ID numbers kept (upper-cased, spaces removed) for ID_INVALID."""
    parsed = read_table(path, LENIENT_ROSTER, keep_every_row=True)
    parsed.rows = parsed.rows.with_columns(
        pl.col("id_number").str.replace_all(r"\s", "").str.to_uppercase().replace("", None),
        pl.col("row_no").cast(pl.Int64),
    )
    return parsed


def load_directory(directory: Path, roster: Path, previous: Path | None, period: Period) -> AuditInputs:
    """Read the registries present in the directory and the rosters; UnreadableFile on the first bad one."""
    if not directory.is_dir():
        raise UnreadableFile(str(directory), "不是一个文件夹")
    jobs: dict[str, tuple[Path, str, tuple[str, ...] | None]] = {}
    for kind in REGISTRY_KINDS:
        path = registry_file(directory, kind)
        if path is not None:
            jobs[kind] = (path, kind, AUDIT_COLUMNS.get(kind))
    if "cards" in jobs and "persons" not in jobs:
        # Without a persons file, a mistyped ID number is linked through the cardholder's name (identity).
        path, kind, columns = jobs["cards"]
        jobs["cards"] = (path, kind, (*(columns or ()), "holder_name"))
    jobs["roster"] = (roster, LENIENT_ROSTER, None)
    if previous is not None:
        jobs["previous"] = (previous, "roster", AUDIT_COLUMNS["previous"])
    parsed = _read_all(jobs)
    notes: list[str] = []
    sources: dict[str, str] = {}
    tables: dict[str, pl.DataFrame] = {}
    for kind in REGISTRY_KINDS:
        if kind in parsed:
            tables[kind] = parsed[kind].rows
            sources[kind] = f"{KIND_ZH[kind]}文件“{jobs[kind][0].name}”"
            _note_refused(parsed[kind], KIND_ZH[kind], notes)
    lines = parsed["roster"]
    _note_unreadable_cells(lines, notes)
    # The reasons are in the notes now; which cells could not be read the rules still ask, if any.
    lines.rows = lines.rows.drop(PROBLEMS)
    if lines.rows.get_column(UNREADABLE).null_count() == lines.rows.height:
        lines.rows = lines.rows.drop(UNREADABLE)
    other = lines.rows.filter(pl.col("period") != str(period)).height
    if other:
        notes.append(f"申报名册中有{other}行的发放期间不是{period}，照常核查")
    earlier = None
    if previous is not None:
        _note_refused(parsed["previous"], "上期名册", notes)
        earlier = parsed["previous"].rows
    return AuditInputs(
        period=period,
        lines=lines.rows,
        previous=earlier,
        sources=sources,
        notes=notes,
        **tables,  # type: ignore[arg-type]
    )


def _read_all(jobs: dict[str, tuple[Path, str, tuple[str, ...] | None]]) -> dict[str, ParsedTable]:
    """Read the files side by side, largest first; UnreadableFile of the first bad one in ``jobs`` order."""
    order = sorted(jobs, key=lambda name: _size(jobs[name][0]), reverse=True)
    workers = max(1, min(READERS, len(jobs)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-read")
    try:
        # The ID-number check needs the table of place codes, built in Python: build it while files load.
        pool.submit(known_places)
        futures = {name: pool.submit(_read_one, *jobs[name]) for name in order}
        return {name: futures[name].result() for name in jobs}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_one(path: Path, kind: str, columns: tuple[str, ...] | None) -> ParsedTable:
    return read_roster(path) if kind == LENIENT_ROSTER else read_table(path, kind, columns=columns)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _note_refused(parsed: ParsedTable, label: str, notes: list[str]) -> None:
    if parsed.rejected.height:
        rows = parsed.rejected.get_column("row_no").head(NOTE_ROWS).cast(pl.String).to_list()
        more = "等" if parsed.rejected.height > NOTE_ROWS else ""
        notes.append(
            f"{label}文件“{parsed.source_name}”有{parsed.rejected.height}行无法读取，未参与核查"
            f"（第{'、'.join(rows)}行{more}）"
        )


def _note_unreadable_cells(parsed: ParsedTable, notes: list[str]) -> None:
    """Say which roster lines have cells the rules needing them could not judge (the lines still count)."""
    troubled = parsed.rows.filter(pl.col(PROBLEMS).is_not_null())
    if troubled.height == 0:
        return
    # A line is named by its 序号 where it has one, else by its row in the file.
    named = troubled.head(NOTE_ROWS).select(
        pl.when(pl.col("line_no").is_not_null())
        .then(pl.concat_str(pl.lit("序号"), pl.col("line_no").cast(pl.String)))
        .otherwise(pl.concat_str(pl.lit("文件第"), pl.col("row_no").cast(pl.String), pl.lit("行")))
    )
    rows = named.to_series().to_list()
    more = "等" if troubled.height > NOTE_ROWS else ""
    first = str(troubled.get_column(PROBLEMS).first())
    notes.append(
        f"申报名册文件“{parsed.source_name}”有{troubled.height}行部分单元格无法读取（{'、'.join(rows)}{more}；"
        f"如{rows[0]}：{first}），这些行照常参与核查，需要这些单元格的规则不判断它们"
    )


def summary_path(out: Path) -> Path:
    """Where the summary beside a findings export goes: findings.csv → findings.summary.csv."""
    return out.with_name(f"{out.stem}.summary.csv")


def write_summary(result: AuditResult, out: Path, *, period: str, notes: list[str]) -> Path:
    """Write the run's summary beside the export: lines judged, findings or skip reason per rule, notes."""
    counts = {row["rule"]: row["count"] for row in result.summary.iter_rows(named=True)}
    rows = [
        ("发放期间", "", period),
        ("名册行数", "", str(result.lines)),
        ("核查范围", "", result.coverage_zh()),
    ]
    for code, rule in CATALOGUE.items():
        if code in counts:
            rows.append((code, rule.title_zh, str(counts[code])))
        elif code in result.skipped:
            rows.append((code, rule.title_zh, f"跳过：{result.skipped[code]}"))
    rows.extend(("说明", "", note) for note in notes)
    frame = pl.DataFrame(rows, schema=["项目", "名称", "结果"], orient="row")
    path = summary_path(out)
    frame.write_csv(path, include_bom=True)
    return path


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
