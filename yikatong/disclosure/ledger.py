"""补贴底册: a village's ledger of disclosed subsidies for a year, as Excel and as a printable page (masked),
and the open-data CSV of the same figures per township and policy (no personal data at all).

Everything here is read from the published disclosure lines (masked values only): what the ledger says
is what the public pages say. Rows are read with one query each; the files are written from those rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import xlsxwriter
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from yikatong.core.models import Region
from yikatong.disclosure.models import DisclosedLine, Disclosure, DisclosureState
from yikatong.policies.models import PolicyVersion, VersionStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class LedgerLine:
    """One disclosed line of a village's ledger, as the public sees it (masked name and ID number)."""

    policy_code: str
    policy: str
    period: str
    name_masked: str
    id_masked: str
    amount_fen: int
    paid_on: date | None
    disclosed_on: date | None
    note: str = ""
    withdrawn: bool = False


@dataclass(frozen=True)
class PolicyTotal:
    """A ledger's lines and amount of one policy."""

    policy_code: str
    policy: str
    lines: int
    amount_fen: int


@dataclass(frozen=True)
class Ledger:
    """A village's 补贴底册 for one year."""

    village_code: str
    village: str
    township: str
    year: int
    lines: list[LedgerLine]
    totals: list[PolicyTotal] = field(default_factory=list)

    @property
    def amount_fen(self) -> int:
        """The year's total of the village."""
        return sum(t.amount_fen for t in self.totals)

    @property
    def line_count(self) -> int:
        """How many lines the ledger holds."""
        return sum(t.lines for t in self.totals)


def totals_of(lines: Iterable[LedgerLine]) -> list[PolicyTotal]:
    """Lines and amounts per policy, in policy-code order."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    amounts: dict[str, int] = {}
    for line in lines:
        names.setdefault(line.policy_code, line.policy)
        if line.withdrawn:
            # A withdrawn line stays in the ledger with its note, outside the totals (as on the public page).
            counts.setdefault(line.policy_code, 0)
            amounts.setdefault(line.policy_code, 0)
            continue
        counts[line.policy_code] = counts.get(line.policy_code, 0) + 1
        amounts[line.policy_code] = amounts.get(line.policy_code, 0) + line.amount_fen
    return [PolicyTotal(code, names[code], counts[code], amounts[code]) for code in sorted(names)]


LEDGER_HEADERS = (
    "序号",
    "乡镇",
    "村/社区",
    "补贴项目代码",
    "补贴项目",
    "发放期间",
    "姓名",
    "身份证号",
    "金额（元）",
    "发放日期",
    "公开日期",
    "更正说明",
)


def fen_to_yuan(fen: int) -> str:
    """Fen as 元 with two decimals and no thousands separator, as data files want them."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def ledger_workbook(ledger: Ledger) -> bytes:
    """The ledger as an .xlsx file: every cell text (amounts as 元 with two decimals), totals per policy."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buffer, options) as book:
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "num_format": "@"})
        text = book.add_format({"num_format": "@"})
        money = book.add_format({"num_format": "@", "align": "right"})
        title = book.add_format({"bold": True, "font_size": 14, "num_format": "@"})
        sheet = book.add_worksheet("补贴底册")
        heading = f"{ledger.township}{ledger.village}{ledger.year}年惠民惠农财政补贴底册"
        sheet.write_string(0, 0, heading, title)
        sheet.write_string(1, 0, "个人信息已按规定脱敏；本底册与补贴发放公开专栏公开的信息一致。", text)
        for col, header in enumerate(LEDGER_HEADERS):
            sheet.write_string(3, col, header, head)
        for number, line in enumerate(ledger.lines, start=1):
            row = 3 + number
            cells: tuple[str, ...] = (
                str(number),
                ledger.township,
                ledger.village,
                line.policy_code,
                line.policy,
                line.period,
                line.name_masked,
                line.id_masked,
                fen_to_yuan(line.amount_fen),
                _day(line.paid_on),
                _day(line.disclosed_on),
                line.note,
            )
            for col, value in enumerate(cells):
                sheet.write_string(row, col, value, money if col == 8 else text)
        sums = book.add_worksheet("合计")
        for col, header in enumerate(("补贴项目代码", "补贴项目", "笔数", "金额（元）")):
            sums.write_string(0, col, header, head)
        for row, total in enumerate([*ledger.totals, None], start=1):
            if total is None:
                sums_row: tuple[str, ...] = (
                    "",
                    "合计",
                    str(ledger.line_count),
                    fen_to_yuan(ledger.amount_fen),
                )
            else:
                sums_row = (total.policy_code, total.policy, str(total.lines), fen_to_yuan(total.amount_fen))
            for col, value in enumerate(sums_row):
                sums.write_string(row, col, value, money if col >= 2 else text)
        for target in (sheet, sums):
            target.set_column(0, 0, 8)
            target.set_column(1, 11, 14)
        sheet.set_column(7, 7, 22)
        sheet.freeze_panes(4, 0)
        sums.set_column(1, 1, 24)
    return buffer.getvalue()


@dataclass(frozen=True)
class OpenDataRow:
    """One township's figures for one policy and period: counts and amounts, nobody named."""

    township_code: str
    township: str
    policy_code: str
    policy: str
    period: str
    villages: int
    lines: int
    amount_fen: int


OPEN_DATA_HEADERS = (
    "乡镇代码",
    "乡镇",
    "补贴项目代码",
    "补贴项目",
    "发放期间",
    "村（社区）数",
    "笔数",
    "金额（元）",
)


def open_data_csv(rows: Sequence[OpenDataRow]) -> bytes:
    """The open-data CSV: UTF-8 with BOM (so Excel reads the Chinese), one row per township, policy and
    period, then a 合计 row; no name, ID number or account in it at all."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OPEN_DATA_HEADERS)
    for row in rows:
        writer.writerow(
            (
                row.township_code,
                row.township,
                row.policy_code,
                row.policy,
                row.period,
                row.villages,
                row.lines,
                fen_to_yuan(row.amount_fen),
            )
        )
    writer.writerow(
        ("", "合计", "", "", "", "", sum(r.lines for r in rows), fen_to_yuan(sum(r.amount_fen for r in rows)))
    )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# --- reads: the published disclosure lines only -------------------------------------------------------------

_CURRENT = Q(disclosure__state=DisclosureState.PUBLISHED)


def policy_names(codes: Iterable[str]) -> dict[str, str]:
    """Each policy's name as its latest published version gives it."""
    names: dict[str, str] = {}
    rows = (
        PolicyVersion.objects.filter(policy__code__in=set(codes), status=VersionStatus.PUBLISHED)
        .order_by("policy__code", "-effective_from")
        .values_list("policy__code", "name")
    )
    for code, name in rows:
        names.setdefault(code, name)
    return names


def _year_lines(year: int) -> Q:
    # Periods are 2026-10, 2026Q4 or 2026: all begin with their year.
    return _CURRENT & Q(period__startswith=str(year))


def village_ledger(code: str, year: int) -> Ledger | None:
    """A village's 补贴底册 for a year, from the current revisions of its disclosures (None: no village)."""
    village = Region.objects.filter(code=code, level="village").select_related("parent").first()
    if village is None:
        return None
    rows = list(
        DisclosedLine.objects.filter(_year_lines(year), village_id=code)
        .order_by("policy__code", "period", "id")
        .values_list(
            "policy__code",
            "period",
            "name_masked",
            "id_masked",
            "amount_fen",
            "paid_on",
            "disclosed_on",
            "change_note",
            "withdrawn",
        )
    )
    names = policy_names(r[0] for r in rows)
    lines = [
        LedgerLine(
            policy_code=policy,
            policy=names.get(policy, policy),
            period=period,
            name_masked=name,
            id_masked=id_masked,
            amount_fen=fen,
            paid_on=paid_on,
            disclosed_on=disclosed_on,
            note=note or ("已撤回" if withdrawn else ""),
            withdrawn=withdrawn,
        )
        for policy, period, name, id_masked, fen, paid_on, disclosed_on, note, withdrawn in rows
    ]
    township = village.parent.name if village.parent else ""
    return Ledger(code, village.name, township, year, lines, totals_of(lines))


def open_data_rows(year: int) -> list[OpenDataRow]:
    """The year's figures per township, policy and period, from the current revisions' own totals (the ones
    the public pages show; withdrawn lines are outside them): one aggregate over the disclosures, not over
    their million lines."""
    rows = list(
        Disclosure.objects.filter(state=DisclosureState.PUBLISHED, period__startswith=str(year))
        .annotate(township=Substr("village_id", 1, 9))
        .values("township", "policy__code", "period")
        .annotate(
            villages=Count("village_id", distinct=True), counted=Sum("line_count"), fen=Sum("total_fen")
        )
        .order_by("township", "policy__code", "period")
    )
    townships = dict(
        Region.objects.filter(code__in={r["township"] + "000" for r in rows}).values_list("code", "name")
    )
    names = policy_names(r["policy__code"] for r in rows)
    return [
        OpenDataRow(
            township_code=r["township"],
            township=townships.get(r["township"] + "000", r["township"]),
            policy_code=r["policy__code"],
            policy=names.get(r["policy__code"], r["policy__code"]),
            period=r["period"],
            villages=r["villages"],
            lines=int(r["counted"] or 0),
            amount_fen=int(r["fen"] or 0),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class BoardLink:
    """One disclosure a village's board can print."""

    policy_code: str
    policy: str
    period: str


@dataclass(frozen=True)
class VillageEntry:
    """A village with disclosures: the years of its ledgers and the disclosures its board can print."""

    code: str
    village: str
    township: str
    years: list[int]
    boards: list[BoardLink]


def villages_with_disclosures() -> list[VillageEntry]:
    """Every village with a published disclosure, in code order (one query over the disclosures)."""
    rows = list(
        Disclosure.objects.filter(state=DisclosureState.PUBLISHED)
        .order_by("village_id", "-period", "policy__code")
        .values_list("village_id", "village__name", "village__parent__name", "policy__code", "period")
    )
    names = policy_names(r[3] for r in rows)
    entries: dict[str, VillageEntry] = {}
    for code, village, township, policy, period in rows:
        entry = entries.setdefault(code, VillageEntry(code, village, township or "", [], []))
        year = int(period[:4])
        if year not in entry.years:
            entry.years.append(year)
        entry.boards.append(BoardLink(policy, names.get(policy, policy), period))
    return list(entries.values())
