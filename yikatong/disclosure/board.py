"""基层政务公示栏: the printable notice for a village's board — one A4 page per village, policy and period,
in the plan's wording, with a QR code that opens the same disclosure on the web.

The QR code is made here, offline (``segno``), as inline SVG of the absolute address under
``YIKATONG_PUBLIC_BASE_URL``; the lines and totals come from the same masked reads as the public page,
so the wall and the web show one list (“确保相同补贴事项公开关键信息对应一致”).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import segno
from django.conf import settings
from django.urls import reverse

from yikatong.disclosure.ledger import LedgerLine
from yikatong.policies.models import Policy

# Medium error correction survives a creased or sun-faded print; the scale makes about 3 cm on A4.
QR_ERROR = "m"
QR_SCALE = 4
QR_BORDER = 2


def public_url(path: str) -> str:
    """The absolute address of a public page, as someone outside reaches it."""
    base = str(getattr(settings, "YIKATONG_PUBLIC_BASE_URL", "http://localhost:8000")).rstrip("/")
    return base + (path if path.startswith("/") else "/" + path)


def qr_svg(url: str, *, title: str = "") -> str:
    """The QR code of an address as an inline SVG element (the same address always gives the same SVG)."""
    code = segno.make(url, error=QR_ERROR, micro=False)
    return str(code.svg_inline(scale=QR_SCALE, border=QR_BORDER, title=title or None, dark="#000"))


@dataclass(frozen=True)
class BoardNotice:
    """One village's notice for one policy and period, as printed: the current revision's lines and totals,
    who is responsible, and the QR code of the same disclosure online."""

    village_code: str
    village: str
    township: str
    policy_code: str
    policy: str
    department: str
    period: str
    revision: int
    disclosed_on: date
    change_note: str
    lines: list[LedgerLine]
    # The revision's own totals, as the public page shows them (withdrawn lines are outside them).
    line_count: int
    total_fen: int
    path: str
    url: str
    qr_svg: str


def disclosure_path(village_code: str, policy_code: str, period: str) -> str:
    """The public page of the same disclosure (the QR code opens it)."""
    return reverse("public_disclosure:village", args=[village_code, policy_code, period])


def board_notice(village_code: str, policy_code: str, period: str) -> BoardNotice | None:
    """The board notice of the current revision of a village's disclosure (None when nothing is published),
    read through the same masked selectors as the public page, so both list the same lines and totals."""
    from yikatong.disclosure import public_selectors

    item = public_selectors.disclosure(village_code, policy_code, period)
    if item is None or not item.current:
        return None
    department = (
        Policy.objects.filter(code=policy_code).values_list("department__name", flat=True).first() or ""
    )
    lines = [
        LedgerLine(
            policy_code=line.policy_code,
            policy=line.policy,
            period=line.period,
            name_masked=line.name_masked,
            id_masked=line.id_masked,
            amount_fen=line.amount_fen,
            paid_on=line.paid_on,
            disclosed_on=line.disclosed_on,
            note=line.change_note,
            withdrawn=line.withdrawn,
        )
        for line in public_selectors.disclosure_all_lines(item)
    ]
    path = disclosure_path(village_code, policy_code, period)
    url = public_url(path)
    return BoardNotice(
        village_code=village_code,
        village=item.village,
        township=item.township,
        policy_code=policy_code,
        policy=item.policy,
        department=department,
        period=period,
        revision=item.revision,
        disclosed_on=item.published_on,
        change_note=item.change_note,
        lines=lines,
        line_count=item.lines,
        total_fen=item.amount_fen,
        path=path,
        url=url,
        qr_svg=qr_svg(url, title=url),
    )
