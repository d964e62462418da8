"""补贴底册与公示栏 under /public/ledger/: a village's ledger for a year (printable page and Excel), the
open-data CSV per township and policy, and the printable board notice with its QR code. All public, all
read from the published disclosure lines (masked), none carrying a clear personal value."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yikatong.accounts.permissions import public
from yikatong.disclosure import board, ledger


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The villages with disclosed subsidies: their ledgers by year, their board notices, the open data."""
    villages = ledger.villages_with_disclosures()
    years = sorted({year for v in villages for year in v.years}, reverse=True)
    return render(request, "disclosure/ledger_index.html", {"villages": villages, "years": years})


@public
@require_GET
def village(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A village's ledger for a year, as a printable page."""
    found = ledger.village_ledger(code, year)
    if found is None:
        raise Http404
    return render(request, "disclosure/ledger.html", {"ledger": found})


@public
@require_GET
def village_excel(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A village's ledger for a year as an .xlsx file (every cell text)."""
    found = ledger.village_ledger(code, year)
    if found is None:
        raise Http404
    response = HttpResponse(ledger.ledger_workbook(found), content_type=ledger.XLSX)
    return _attachment(response, f"{found.village}{year}年补贴底册.xlsx")


@public
@require_GET
def open_data(request: HttpRequest, year: int) -> HttpResponse:
    """The year's figures per township, policy and period as CSV (UTF-8 with BOM, nobody named)."""
    response = HttpResponse(ledger.open_data_csv(ledger.open_data_rows(year)), content_type=ledger.CSV)
    return _attachment(response, f"惠民惠农补贴发放汇总{year}.csv")


@public
@require_GET
def board_notice(request: HttpRequest, code: str, policy: str, period: str) -> HttpResponse:
    """The printable A4 notice for the village board, with a QR code of the same disclosure online."""
    notice = board.board_notice(code, policy, period)
    if notice is None:
        raise Http404
    return render(request, "disclosure/board.html", {"notice": notice})
