"""Charts drawn on the server as inline SVG: horizontal bars and stacked bars, no JavaScript, no CDN.

Every text and link that goes into the SVG is escaped here, so the result is marked safe for templates.
Widths are estimated from the labels (a Chinese character is about one em wide, a Latin one about half).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT_SIZE = 13
ROW_HEIGHT = 26
BAR_HEIGHT = 16
BAR_AREA = 360
VALUE_GAP = 6
MAX_LABEL_WIDTH = 240
PALETTE = ("#0b5cad", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7b83", "#b3261e", "#57606a")
PLAIN = "#0b5cad"
HIGHLIGHT = "#b3261e"
AXIS = "#d8dee4"
INK = "#1f2328"
MUTED = "#5f6b7a"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, the text shown beside it, and where a click on it leads."""

    label: str
    value: int
    text: str = ""
    href: str = ""
    highlight: bool = False


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar."""

    value: int
    href: str = ""


@dataclass(frozen=True)
class Series:
    """One colour of a stacked chart, named in the legend."""

    name: str
    colour: str = ""


@dataclass(frozen=True)
class StackedRow:
    """One stacked bar: its label and one segment per series, in the series' order."""

    label: str
    segments: tuple[Segment, ...]
    href: str = ""


def text_width(text: str, size: int = FONT_SIZE) -> int:
    """Estimated width in pixels of a line of text: wide (CJK) characters one em, others about half."""
    return int(sum(size if ord(char) > 0x2E7F else size * 0.6 for char in text)) + 1


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _linked(inner: str, href: str) -> str:
    return f'<a href="{_e(href)}">{inner}</a>' if href else inner


def _scale(values: Sequence[int]) -> float:
    top = max([v for v in values if v > 0], default=0)
    return BAR_AREA / top if top else 0.0


def _svg(width: int, height: int, title: str, body: str) -> SafeString:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{_e(title)}" '
        f'font-size="{FONT_SIZE}" font-family="sans-serif"><title>{_e(title)}</title>{body}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 — every text and link above went through _e()


def _empty(title: str) -> SafeString:
    width = max(text_width("暂无数据") + 20, 200)
    body = f'<text x="10" y="{ROW_HEIGHT - 8}" fill="{MUTED}">暂无数据</text>'
    return _svg(width, ROW_HEIGHT + 4, title, body)


def _label_width(labels: Sequence[str]) -> int:
    return min(max((text_width(label) for label in labels), default=0), MAX_LABEL_WIDTH) + 12


def bar_chart(bars: Sequence[Bar], *, title: str) -> SafeString:
    """Horizontal bars, one row per bar, the value text at the end; highlighted bars in red."""
    if not bars or all(bar.value <= 0 for bar in bars):
        return _empty(title)
    label_width = _label_width([bar.label for bar in bars])
    scale = _scale([bar.value for bar in bars])
    texts = [bar.text or str(bar.value) for bar in bars]
    value_width = max(text_width(text) for text in texts) + VALUE_GAP
    width = label_width + BAR_AREA + value_width + 10
    rows = []
    for index, (bar, text) in enumerate(zip(bars, texts, strict=True)):
        y = index * ROW_HEIGHT + 4
        length = max(int(bar.value * scale), 1 if bar.value > 0 else 0)
        colour = HIGHLIGHT if bar.highlight else PLAIN
        baseline = y + BAR_HEIGHT - 3
        tip = f"{bar.label}：{text}"
        rect = (
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="{colour}">'
            f"<title>{_e(tip)}</title></rect>"
        )
        rows.append(
            f'<g class="bar"><text x="{label_width - 8}" y="{baseline}" text-anchor="end" fill="{INK}">'
            f"{_e(bar.label)}</text>{_linked(rect, bar.href)}"
            f'<text x="{label_width + length + VALUE_GAP}" y="{baseline}" fill="{MUTED}">'
            f"{_e(text)}</text></g>"
        )
    height = len(bars) * ROW_HEIGHT + 8
    return _svg(width, height, title, "".join(rows))


def stacked_chart(rows: Sequence[StackedRow], series: Sequence[Series], *, title: str) -> SafeString:
    """Horizontal stacked bars, one row per category, one colour per series, a legend underneath."""
    totals = [sum(segment.value for segment in row.segments) for row in rows]
    if not rows or not any(total > 0 for total in totals):
        return _empty(title)
    colours = [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    label_width = _label_width([row.label for row in rows])
    scale = _scale(totals)
    value_width = max(text_width(str(total)) for total in totals) + VALUE_GAP
    width = max(label_width + BAR_AREA + value_width + 10, 420)
    parts = []
    for index, (row, total) in enumerate(zip(rows, totals, strict=True)):
        y = index * ROW_HEIGHT + 4
        baseline = y + BAR_HEIGHT - 3
        parts.append(
            f'<text x="{label_width - 8}" y="{baseline}" text-anchor="end" fill="{INK}">'
            f"{_linked(_e(row.label), row.href)}</text>"
        )
        x = float(label_width)
        for segment, part, colour in zip(row.segments, series, colours, strict=True):
            if segment.value <= 0:
                continue
            length = max(segment.value * scale, 1.0)
            tip = f"{row.label} · {part.name}：{segment.value}"
            rect = (
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
                f"<title>{_e(tip)}</title></rect>"
            )
            parts.append(_linked(rect, segment.href))
            x += length
        parts.append(f'<text x="{x + VALUE_GAP:.1f}" y="{baseline}" fill="{MUTED}">{total}</text>')
    legend_top = len(rows) * ROW_HEIGHT + 12
    x, line = 10, 0
    for part, colour in zip(series, colours, strict=True):
        item = 14 + text_width(part.name) + 16
        if x + item > width and x > 10:
            x, line = 10, line + 1
        y = legend_top + line * 20
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 10}" fill="{INK}">{_e(part.name)}</text>'
        )
        x += item
    height = legend_top + (line + 1) * 20 + 4
    return _svg(width, height, title, "".join(parts))
