"""The SVG charts: a text alternative, patterns besides colour, escaped labels, no inline style."""

import re
import xml.etree.ElementTree as ET

from crm.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _accessible(root: ET.Element) -> None:
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style" not in str(ET.tostring(root))


def test_bar_chart_writes_every_value_next_to_its_bar():
    root = _parse(charts.bar_chart("Trichter", "Recherche: 4", ["Recherche", "Erstkontakt"], [4, 1234]))
    _accessible(root)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Recherche", "4", "Erstkontakt", "1.234"]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[1] > widths[0] * 100


def test_stacked_chart_gives_each_series_its_own_pattern_and_a_legend():
    series = [charts.Series(f"Reihe {n}", [n, 1, 0]) for n in range(1, 4)]
    root = _parse(charts.stacked_bar_chart("Kontakte", "pro Monat", ["01/26", "02/26", "03/26"], series))
    _accessible(root)
    patterns = root.findall(f"{SVG}defs/{SVG}pattern")
    assert len(patterns) == 2  # the first series is solid, the others hatched or dotted
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Reihe 1", "Reihe 2", "Reihe 3"} <= set(texts)
    assert "6" in texts and "3" in texts  # column totals: 1+2+3 and 1+1+1
    tooltips = [t.text for t in root.iter(f"{SVG}title")][1:]
    assert "01/26 · Reihe 3: 3" in tooltips


def test_line_chart_leaves_gaps_and_labels_the_last_point():
    series = [charts.Series("Ziel", [10, 20, 30]), charts.Series("Ist", [12, None, None])]
    root = _parse(charts.line_chart("Quote", "Weg zum Ziel", ["01", "02", "03"], series, suffix=" %"))
    _accessible(root)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 1  # "Ist" has a single point: a marker, no line
    assert lines[0].get("stroke-dasharray") is None
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "30 %" in texts and "12 %" in texts


def test_labels_are_escaped():
    markup = str(charts.bar_chart("<b>x</b>", "a & b", ['<script>alert("x")</script>'], [1]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "&amp;" in markup


def test_palette_keeps_four_and_a_half_to_one_on_white():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in (*charts.PALETTE, charts.TEXT):
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour


def test_empty_data_still_renders():
    for markup in (
        charts.bar_chart("a", "b", [], []),
        charts.stacked_bar_chart("a", "b", [], []),
        charts.line_chart("a", "b", [], []),
    ):
        _accessible(_parse(markup))
