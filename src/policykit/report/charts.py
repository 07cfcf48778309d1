"""Geometry of the audit report's charts (bars, histogram, monthly columns with a rate line) for SVG templates.

Charts are drawn as small SVG templates (templates/charts.svg.j2) from this geometry rather than with
matplotlib: the page stays light (no 40 MB plotting stack to install, nothing imported on other paths), and
the browser lays out the chart text itself, so Arabic labels are shaped and ordered right (matplotlib draws
Arabic as disjoined letters left to right without a reshaping step of its own)."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
ROW = 26
FONT = 12


def text_width(text: str, size: int = FONT) -> float:
    """A generous estimate of the width of `text` in px (the tests measure the real one in Chromium)."""
    return sum(size * (0.62 if ord(ch) < 0x0600 else 0.55) for ch in str(text)) + 4


@dataclass
class Bar:
    """One horizontal bar with its label (in lines) and value text."""

    lines: list[str]
    value: int
    colour: str
    y: float
    x: float
    width: float
    label_x: float
    value_x: float
    full_label: str


@dataclass
class BarChart:
    """Horizontal bars, labels on the reading side (right in Arabic)."""

    width: int
    height: int
    rtl: bool
    bars: list[Bar] = field(default_factory=list)
    empty: str | None = None


LINE = 14  # px between the lines of a wrapped bar label


def bar_chart(items: list[tuple[str, int, str]], rtl: bool, empty: str, width: int = WIDTH) -> BarChart:
    """Bars for (label, value, colour) items; a label longer than the label column is wrapped onto more lines
    (never cut: on paper there is no tooltip to read the rest in)."""
    if not items:
        return BarChart(width, 40, rtl, [], empty)
    label_col = min(max(text_width(label) for label, _, _ in items) + 8, width * 0.55)
    value_col = text_width(f"{max(v for _, v, _ in items):,}") + 8
    track = width - label_col - value_col - 16
    top = max(v for _, v, _ in items) or 1
    bars, y = [], 8.0
    for label, value, colour in items:
        length = track * value / top
        lines = wrap(label, label_col - 8)
        # the bar sits level with the label's first line; a wrapped label makes its row taller
        if rtl:
            label_x, bar_x = width - 4, width - label_col - length
            value_x = bar_x - 4
        else:
            label_x, bar_x = 4, label_col
            value_x = bar_x + length + 4
        bars.append(Bar(lines, value, colour, y, bar_x, length, label_x, value_x, label))
        y += ROW + LINE * (len(lines) - 1)
    return BarChart(width, int(y + 8), rtl, bars)


def wrap(label: str, room: float) -> list[str]:
    """`label` in lines that each fit in `room` px, broken between words (a word wider than the room alone
    is broken inside it)."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        while text_width(word) > room and len(word) > 1:  # a word too wide on its own line
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut]) > room:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate) > room:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class Column:
    """One vertical column (a histogram bin or a month), with the rate point of the trend line."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    rate: float | None = None
    rate_y: float | None = None


@dataclass
class ColumnChart:
    """Vertical columns under a value axis, optionally with a 0–100 % rate line on a second axis."""

    width: int
    height: int
    base: float
    top_value: int
    columns: list[Column]
    rtl: bool
    rate_points: str = ""
    label_rotate: bool = False
    empty: str | None = None
    value_rotate: bool = False
    top_y: float = 18  # where the tallest column (and a 100 % rate) reaches


def column_chart(items: list[tuple[str, int, float | None]], rtl: bool, empty: str,
                 width: int = WIDTH, height: int = 220) -> ColumnChart:
    """Columns for (label, value, rate or None) items, in reading order (right to left in Arabic)."""
    if not items:
        return ColumnChart(width, 40, 0, 0, [], rtl, empty=empty)
    left, right, top_pad = 44, 44, 18
    slot = (width - left - right) / len(items)
    rotate = max(text_width(label, 10) for label, _, _ in items) > slot - 4
    # counts wider than their column would run into their neighbours': they stand upright above it instead
    widest_value = max(text_width(f"{v:,}", 10) for _, v, _ in items)
    value_rotate = widest_value > slot - 2
    if value_rotate:
        top_pad = widest_value + 6
        height += int(top_pad - 18)
    bottom = 70 if rotate else 34
    base = height - bottom
    top = max(v for _, v, _ in items) or 1
    columns, points = [], []
    for index, (label, value, rate) in enumerate(items):
        position = len(items) - 1 - index if rtl else index
        h = (base - top_pad) * value / top
        x = left + position * slot + slot * 0.15
        column = Column(label, value, x, base - h, slot * 0.7, h, rate)
        if rate is not None:
            column.rate_y = base - (base - top_pad) * rate
            points.append((x + slot * 0.35, column.rate_y))
        columns.append(column)
    if rtl:
        points.reverse()
    return ColumnChart(width, height, base, top, columns, rtl,
                       " ".join(f"{x:.1f},{y:.1f}" for x, y in sorted(points)), rotate,
                       value_rotate=value_rotate, top_y=top_pad)
