"""Small server-rendered SVG charts: horizontal bars, stacked columns and lines.

Each chart is an `<svg role="img">` with `<title>` and `<desc>` (the text alternative; the data table
under every chart carries the figures). Series differ by colour *and* by fill pattern, dash pattern or
marker shape, and carry direct labels or a legend, so colour is never the only signal and a black-and-
white printout still reads. Colours are the page's dark tones (at least 4.5:1 on white). Only presentation
attributes are used, no `style` attribute (the CSP forbids inline styles); fonts come from app.css.
"""

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Dark tones with >= 4.5:1 contrast on white (blue, red, green, purple, brown, teal, grey, plum).
PALETTE = ("#1d4f91", "#a4001d", "#2f6b2f", "#6b3fa0", "#8a4b00", "#005f73", "#4a5560", "#7a1f5c")
PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical", "back-diagonal", "grid")
DASHES = ("", "8 5", "2 4", "12 4 2 4")
MARKERS = ("circle", "square", "triangle", "diamond")
TEXT = "#212529"
GRID = "#c9d1da"
FONT = 13
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]


def _fmt(value: float | int) -> str:
    """German number format for labels: 1.234 and 12,5."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _text_width(text: str, size: int = FONT) -> float:
    return len(text) * size * 0.58


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _pattern(pid: str, kind: str, colour: str) -> str:
    if kind == "solid":
        return ""
    lines = {
        "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{c}" stroke-width="2.2"/>',
        "back-diagonal": '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="{c}" stroke-width="2.2"/>',
        "dots": '<circle cx="2" cy="2" r="1.8" fill="{c}"/><circle cx="6" cy="6" r="1.8" fill="{c}"/>',
        "cross": '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="{c}" stroke-width="1.6"/>',
        "horizontal": '<path d="M0,2 h8 M0,6 h8" stroke="{c}" stroke-width="2"/>',
        "vertical": '<path d="M2,0 v8 M6,0 v8" stroke="{c}" stroke-width="2"/>',
        "grid": '<path d="M0,4 h8 M4,0 v8" stroke="{c}" stroke-width="1.6"/>',
    }[kind].format(c=colour)
    return (
        f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="#ffffff"/>{lines}</pattern>'
    )


class _Svg:
    """Collects the parts of one chart and wraps them with the accessible frame."""

    def __init__(self, title: str, description: str, width: int, height: int, css: str) -> None:
        self.uid = f"chart{next(_ids)}"
        self.title, self.description = title, description
        self.width, self.height, self.css = width, height, css
        self.defs: list[str] = []
        self.body: list[str] = []

    def fill(self, index: int) -> tuple[str, str]:
        """(fill, stroke) of series `index`: its colour and, from the second on, a pattern."""
        colour = PALETTE[index % len(PALETTE)]
        kind = PATTERNS[index % len(PATTERNS)]
        if kind == "solid":
            return colour, colour
        pid = f"{self.uid}-p{index}"
        if not any(f'id="{pid}"' in d for d in self.defs):
            self.defs.append(_pattern(pid, kind, colour))
        return f"url(#{pid})", colour

    def text(
        self,
        x: float,
        y: float,
        value: str,
        *,
        anchor: str = "start",
        size: int = FONT,
        bold: bool = False,
        extra: str = "",
    ) -> None:
        weight = ' font-weight="600"' if bold else ""
        self.body.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{TEXT}"{weight}{extra}>'
            f"{escape(value)}</text>"
        )

    def legend(self, names: Sequence[str], y: float, swatch: Callable[[int, float, float], str]) -> float:
        """Lay the legend out in rows from `y`; return the y below it."""
        x, row_height = 0.0, FONT + 10
        for index, name in enumerate(names):
            width = 26 + _text_width(name) + 18
            if x and x + width > self.width:
                x, y = 0.0, y + row_height
            self.body.append(swatch(index, x, y))
            self.text(x + 24, y + 12, name)
            x += width
        return y + row_height + 6

    def render(self) -> Markup:
        # Every text that goes into the parts was escaped where it was added; numbers are formatted here.
        return Markup(  # noqa: S704  # nosec B704  # user text is escaped where added, the rest are numbers and constants
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height:.0f}" '
            f'class="chart {self.css}" role="img" aria-labelledby="{self.uid}-t {self.uid}-d" focusable="false" '
            f'font-family="system-ui, sans-serif">'
            f'<title id="{self.uid}-t">{escape(self.title)}</title><desc id="{self.uid}-d">{escape(self.description)}</desc>'
            f"<defs>{''.join(self.defs)}</defs>{''.join(self.body)}</svg>"
        )


def bar_chart(
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | int],
    *,
    suffix: str = "",
    width: int = 440,
) -> Markup:
    """Horizontal bars, one per label, each with its value written at its end."""
    bar, gap = 22, 10
    label_width = min(max((_text_width(_short(label, 24)) for label in labels), default=40) + 8, width * 0.42)
    value_room = 60
    height = max(len(labels), 1) * (bar + gap) + 10
    svg = _Svg(title, description, width, height, "chart-bar")
    top = max((float(v) for v in values), default=0)
    scale = (width - label_width - value_room) / (top or 1)
    fill, stroke = svg.fill(0)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * (bar + gap)
        svg.text(label_width - 8, y + bar * 0.7, _short(label, 24), anchor="end")
        length = max(float(value) * scale, 1 if value else 0)
        svg.body.append(
            f'<rect x="{label_width:.1f}" y="{y}" width="{length:.1f}" height="{bar}" fill="{fill}" stroke="{stroke}">'
            f"<title>{escape(label)}: {escape(_fmt(value))}{escape(suffix)}</title></rect>"
        )
        svg.text(label_width + length + 6, y + bar * 0.7, f"{_fmt(value)}{suffix}", bold=True)
    return svg.render()


def stacked_bar_chart(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    plot_height: int = 220,
) -> Markup:
    """Columns per category, stacked by series (legend with the same patterns), total above each column."""
    svg = _Svg(title, description, width, 0, "chart-stacked")

    def swatch(index: int, x: float, y: float) -> str:
        fill, stroke = svg.fill(index)
        return (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="18" height="14" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )

    top = svg.legend([s.name for s in series], 2, swatch) + 14
    totals = [sum(float(s.values[i] or 0) for s in series) for i in range(len(categories))]
    # Counts: small maxima round up to a multiple of four, so the four grid steps are whole numbers.
    highest = max(totals, default=0)
    axis_max = 4 * max(1, -(-int(highest) // 4)) if highest <= 20 else _nice_max(highest)
    left, bottom = 44, top + plot_height
    plot_width = width - left - 6
    for tick in range(5):
        value = axis_max * tick / 4
        y = bottom - plot_height * tick / 4
        svg.body.append(
            f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        svg.text(left - 6, y + 4, _fmt(round(value, 1)), anchor="end", size=11)
    step = plot_width / max(len(categories), 1)
    column = min(step * 0.7, 48)
    label_every = max(1, int(len(categories) * 44 / plot_width) + (1 if len(categories) * 44 > plot_width else 0))
    for i, category in enumerate(categories):
        x = left + i * step + (step - column) / 2
        y = bottom
        for index, item in enumerate(series):
            value = float(item.values[i] or 0)
            if not value:
                continue
            h = plot_height * value / axis_max
            y -= h
            fill, stroke = svg.fill(index)
            svg.body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{column:.1f}" height="{h:.1f}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="1.5"><title>{escape(category)} · {escape(item.name)}: {escape(_fmt(value))}</title></rect>'
            )
        if totals[i]:
            svg.text(x + column / 2, y - 4, _fmt(totals[i]), anchor="middle", size=11, bold=True)
        if i % label_every == 0:
            svg.text(x + column / 2, bottom + 16, category, anchor="middle", size=11)
    svg.body.append(
        f'<line x1="{left}" x2="{width - 6}" y1="{bottom}" y2="{bottom}" stroke="{TEXT}" stroke-width="1.5"/>'
    )
    svg.height = bottom + 24
    return svg.render()


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f},{y - 5:.1f} l5,9 h-10 z" fill="{colour}"/>'
    return f'<path d="M{x:.1f},{y - 5:.1f} l5,5 l-5,5 l-5,-5 z" fill="{colour}"/>'


def line_chart(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    suffix: str = "",
    axis_max: float | None = None,
    width: int = 640,
    plot_height: int = 220,
) -> Markup:
    """Lines over the categories; series differ by dash and marker; None leaves a gap."""
    svg = _Svg(title, description, width, 0, "chart-line")

    def swatch(index: int, x: float, y: float) -> str:
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        return (
            f'<line x1="{x:.1f}" x2="{x + 20:.1f}" y1="{y + 7:.1f}" y2="{y + 7:.1f}" stroke="{colour}" stroke-width="2.5"'
            f"{dash_attr}/>" + _marker(MARKERS[index % len(MARKERS)], x + 10, y + 7, colour)
        )

    top = svg.legend([s.name for s in series], 2, swatch) + 10
    values = [float(v) for s in series for v in s.values if v is not None]
    axis_max = axis_max or _nice_max(max(values, default=0))
    left, bottom = 48, top + plot_height
    plot_width = width - left - 12
    for tick in range(5):
        value = axis_max * tick / 4
        y = bottom - plot_height * tick / 4
        svg.body.append(
            f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        svg.text(left - 6, y + 4, f"{_fmt(round(value, 1))}{suffix}", anchor="end", size=11)
    step = plot_width / max(len(categories) - 1, 1)
    label_every = max(1, -(-len(categories) * 48 // int(plot_width)))
    for i, category in enumerate(categories):
        if i % label_every == 0 or i == len(categories) - 1 and len(categories) < 4:
            svg.text(left + i * step, bottom + 16, category, anchor="middle", size=11)
    for index, item in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((left + i * step, bottom - plot_height * min(float(value), axis_max) / axis_max))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                svg.body.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
                )
        every = max(1, len(item.values) // 12)
        for i, value in enumerate(item.values):
            if value is not None and (i % every == 0 or i == len(item.values) - 1):
                x, y = left + i * step, bottom - plot_height * min(float(value), axis_max) / axis_max
                svg.body.append(_marker(MARKERS[index % len(MARKERS)], x, y, colour))
        last = next(((i, v) for i, v in reversed(list(enumerate(item.values))) if v is not None), None)
        if last is not None:
            x, y = left + last[0] * step, bottom - plot_height * min(float(last[1]), axis_max) / axis_max
            anchor = "end" if x > width - 80 else "start"
            svg.text(
                x + (-8 if anchor == "end" else 8),
                y - 8,
                f"{_fmt(round(float(last[1]), 1))}{suffix}",
                anchor=anchor,
                size=12,
                bold=True,
            )
    svg.body.append(
        f'<line x1="{left}" x2="{width - 12}" y1="{bottom}" y2="{bottom}" stroke="{TEXT}" stroke-width="1.5"/>'
    )
    svg.height = bottom + 24
    return svg.render()
