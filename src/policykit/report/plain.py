"""Plain text laid out as rich lays it out without colour (word wrap, folded long words, a table with a rule under
its header), so that a report written to a file or a pipe need not import rich; a test holds the two equal."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\s*\S+\s*")  # a word with the spaces around it, as rich.cells divides a line
_TRAILING = re.compile(r"\s+$")
_SINGLE = re.compile(r"[\x20-\x7e\u00a0-\u02ff\u0370-\u0482\u0600-\u064a\u0660-\u066f]*")  # one cell each


def char_width(char: str) -> int:
    """Terminal cells of one character: 0 for controls and combining marks, 2 for wide East Asian ones."""
    code = ord(char)
    if code < 32 or 0x7F <= code < 0xA0:
        return 0
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_len(text: str) -> int:
    """Terminal cells of a text."""
    if _SINGLE.fullmatch(text):
        return len(text)
    return sum(char_width(char) for char in text)


def _chop(word: str, width: int) -> list[str]:
    """A word longer than `width` in pieces of at most `width` cells (marks stay with their letter)."""
    pieces, start, size = [], 0, 0
    for index, char in enumerate(word):
        cells = char_width(char)
        if cells and size + cells > width:
            pieces.append(word[start:index])
            start, size = index, 0
        size += cells
    if size or start < len(word):
        pieces.append(word[start:])
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: words kept whole where they fit, longer ones folded."""
    lines: list[str] = []
    for line in text.split("\n"):
        breaks: list[int] = []
        offset = 0
        for match in _WORD.finditer(line):
            start, word = match.start(), match.group(0)
            length = cell_len(word.rstrip())
            if width - offset >= length:
                offset += cell_len(word)
            elif length > width:
                pieces = _chop(word, width)
                for number, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if number == len(pieces) - 1:
                        offset = cell_len(piece)
                    else:
                        start += len(piece)
            elif offset and start:
                breaks.append(start)
                offset = cell_len(word)
        bounds = [0] + breaks + [len(line)]
        lines.extend(_fit(line[begin:end], width) for begin, end in zip(bounds, bounds[1:]))
    return lines


def _fit(line: str, width: int) -> str:
    """A wrapped line as rich leaves it: without its spaces past `width`, cut to `width` cells."""
    line = _trim(line, width)
    return _cut(line, width) if cell_len(line) > width else line


def _trim(line: str, width: int) -> str:
    """Trailing spaces dropped as far as the line has more characters than `width` (characters, not cells: rich's
    rstrip_end)."""
    if len(line) > width:
        trailing = _TRAILING.search(line)
        if trailing:
            line = line[:len(line) - min(len(trailing.group(0)), len(line) - width)]
    return line


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` cells, padded when a wide character did not fit."""
    while text and cell_len(text) > width:
        text = text[:-1]
    return _pad(text, width)


class Column:
    """A table column: wrapped (folded words) or kept on one line (cut with an ellipsis if it must)."""

    __slots__ = ("header", "wraps")

    def __init__(self, header: str, wraps: bool) -> None:
        self.header, self.wraps = header, wraps


def _measure(texts: list[str], pad: int, limit: int) -> tuple[int, int]:
    """(narrowest, widest) width of a column's cells, padding included, at most `limit`."""
    widest = max(max((cell_len(line) for line in text.splitlines()), default=0) for text in texts)
    narrowest = max(max((cell_len(word) for word in text.split()), default=None) or
                    max((cell_len(line) for line in text.splitlines()), default=0) for text in texts)
    low, high = min(narrowest, widest) + pad, widest + pad
    return min(low, limit), min(high, limit)


def _reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """Take `total` off `values`, shared by `ratios`, each at most its maximum (rich's ratio_reduce)."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining, out = total, []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            taken = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _widths(columns: list[Column], cells: list[list[str]], pads: list[int], limit: int) -> list[int]:
    """Each column's width (padding included) so that the table fits in `limit` cells: the widest columns that
    wrap narrowed first, then all evenly."""
    measured = [_measure(cells[index], pads[index], limit) for index in range(len(columns))]
    widths = [high or 1 for _, high in measured]
    if sum(widths) <= limit:
        return widths
    wraps = [column.wraps for column in columns]
    excess = sum(widths) - limit
    while any(wraps) and sum(widths) and excess > 0:
        widest = max(width for width, can in zip(widths, wraps) if can)
        second = max(width if can and width != widest else 0 for width, can in zip(widths, wraps))
        ratios = [1 if width == widest and can else 0 for width, can in zip(widths, wraps)]
        if not any(ratios) or not widest - second:
            break
        widths = _reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
        excess = sum(widths) - limit
    if sum(widths) > limit:
        widths = _reduce(sum(widths) - limit, [1] * len(widths), widths, widths)
    return [_measure(cells[index], pads[index], width)[1] if width >= 1 else 0
            for index, width in enumerate(widths)]


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def _fit_cell(text: str, width: int) -> str:
    """A padded cell line cut to its column's width (a column narrowed to nothing shows nothing)."""
    return _cut(text, width) if cell_len(text) > width else _pad(text, width)


def _cell_lines(text: str, column: Column, inner: int) -> list[str]:
    """A cell's lines, each `inner` cells wide: wrapped, or one line cut with an ellipsis."""
    if column.wraps:
        return [_pad(line, inner) for line in wrap(text, inner)] if inner > 0 else [""]
    lines = []
    for line in text.split("\n"):
        if cell_len(line) > inner:
            line = _cut(line, inner - 1) + "…" if inner > 0 else ""
        lines.append(_pad(line, inner))
    return lines


def table(title: str, columns: list[Column], rows: list[list[str]], width: int) -> list[str]:
    """A table as rich draws box.SIMPLE_HEAD without edges: the title, the header, a rule, the rows; columns one
    space apart, each cell padded by one space on its inner sides."""
    count = len(columns)
    cells = [[column.header] + [row[index] for row in rows] for index, column in enumerate(columns)]
    lefts = [0] + [1] * (count - 1)
    rights = [1] * (count - 1) + [0]
    pads = [left + right for left, right in zip(lefts, rights)]
    widths = _widths(columns, cells, pads, width - (count - 1))
    total = sum(widths) + count - 1
    out = [_pad(line, total) for line in wrap(title, total)] if title else []
    for number, row in enumerate([[column.header for column in columns]] + rows):
        parts = [_cell_lines(text, columns[index], max(0, widths[index] - pads[index]))
                 for index, text in enumerate(row)]
        height = max(len(part) for part in parts)
        for index, part in enumerate(parts):  # the header at the bottom of its row, cells at the top
            blank = [" " * (widths[index] - pads[index])] * (height - len(part))
            parts[index] = blank + part if number == 0 else part + blank
        for line in range(height):
            out.append(" ".join(_fit_cell(" " * lefts[index] + parts[index][line] + " " * rights[index],
                                          widths[index]) for index in range(count)))
        if number == 0:
            out.append("─" * total)
    return out
