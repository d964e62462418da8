"""基层政务公示栏: the printable notice for a village's board — one A4 page per village, policy and period,
in the plan's wording, with a QR code that opens the same disclosure on the web.

The QR code is made here, offline (``segno``), as inline SVG of the absolute address under
``YIKATONG_PUBLIC_BASE_URL``; the lines and totals come from the same masked reads as the public page,
so the wall and the web show one list (“确保相同补贴事项公开关键信息对应一致”).
"""

from __future__ import annotations

import segno
from django.conf import settings

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
