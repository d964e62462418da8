"""Server-drawn SVG charts: well-formed, escaped, scaled, linked; no database needed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from yikatong.checks.charts import Bar, Segment, Series, StackedRow, bar_chart, stacked_chart, text_width

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to prove it is well-formed


def _bar_widths(root: ET.Element) -> list[float]:
    return [float(rect.attrib["width"]) for rect in root.iter(f"{SVG}rect")]


def test_labels_titles_and_links_are_escaped() -> None:
    svg = bar_chart(
        [Bar("<script>alert(1)</script> & 塔河镇", 3, text='3 "份"', href="?a=1&b=<2>")],
        title="标题<b>",
    )
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 塔河镇" in svg
    assert "标题&lt;b&gt;" in svg and "3 &quot;份&quot;" in svg
    assert 'href="?a=1&amp;b=&lt;2&gt;"' in svg
    root = _parse(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "标题<b>"
    assert next(t.text for t in root.iter(f"{SVG}text")) == "<script>alert(1)</script> & 塔河镇"


def test_bars_are_scaled_to_the_largest_and_highlighted() -> None:
    svg = bar_chart([Bar("死亡人员冒领", 4, highlight=True), Bar("漏发", 2), Bar("迟发", 0)], title="疑点")
    root = _parse(svg)
    widths = _bar_widths(root)
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    fills = [rect.attrib["fill"] for rect in root.iter(f"{SVG}rect")]
    assert fills[0] != fills[1]
    assert root.attrib["role"] == "img" and root.attrib["aria-label"] == "疑点"


def test_a_chart_without_data_says_so() -> None:
    assert "暂无数据" in bar_chart([], title="空")
    assert "暂无数据" in bar_chart([Bar("零", 0)], title="空")
    assert "暂无数据" in stacked_chart([StackedRow("塔河镇", (Segment(0),))], [Series("草稿")], title="空")


def test_stacked_bars_add_up_and_carry_a_legend_and_links() -> None:
    series = [Series("草稿"), Series("公示中<")]
    rows = [
        StackedRow("塔河镇", (Segment(2, "?t=a&s=draft"), Segment(1, "?t=a&s=pub")), href="?t=a"),
        StackedRow("依西肯乡", (Segment(0), Segment(3))),
    ]
    svg = stacked_chart(rows, series, title="各乡镇")
    root = _parse(svg)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "公示中<" in texts and "草稿" in texts  # the legend, escaped in the source
    assert "公示中&lt;" in svg
    assert 'href="?t=a&amp;s=draft"' in svg and 'href="?t=a"' in svg
    segments = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(segments) == 3  # zero segments are not drawn
    first, second, third = (float(r.attrib["width"]) for r in segments)
    assert abs((first + second) - third) < 0.5  # 2 + 1 drawn as long as 3


def test_text_width_counts_chinese_wider_than_latin() -> None:
    assert text_width("塔河镇") > text_width("abc")
    assert text_width("") == 1
