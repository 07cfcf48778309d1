"""JSON text with holes: a result object encoded once with marker values in place of what differs per case,
then filled case by case; the markers never reach the output (a template whose markers do not come back whole
is refused, and its cases are written object by object)."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..judge.table import Shown
from . import arrow_np

# a marker for a whole JSON value (replaced with its quotes) and one inside a string (an instant in prose):
# private-use characters, which no policy text is let to hold here (a template with a stray one is refused)
_WHOLE, _INSIDE = "\ue000{}\ue001", "\ue002{}\ue003"
_MARKS = re.compile('"\ue000([^\ue001"]*)\ue001"|\ue002([^\ue003]*)\ue003')
_STRAY = re.compile("[\ue000-\ue003]")
# what a hole may be filled with inside a JSON string without escaping: printable ASCII but quote and backslash
SAFE = re.compile(rb'[ !#-\[\]-~]*')


class Untemplatable(Exception):
    """The text cannot be made into a template: the caller writes these cases object by object."""


def whole(name: str) -> str:
    """A marker value standing for the whole JSON value of the hole `name`."""
    return _WHOLE.format(name)


def inside(name: str) -> str:
    """A marker standing for the text of the hole `name` within a JSON string."""
    return _INSIDE.format(name)


class Template:
    """JSON text cut at its holes: `fill` puts one case's hole texts (JSON values, or string contents; UTF-8)
    back, giving the UTF-8 text."""

    __slots__ = ("holes", "_constants", "_format", "_bytes")

    def __init__(self, text: str) -> None:
        pieces = _MARKS.split(text)
        constants = pieces[0::3]
        if any(_STRAY.search(piece) for piece in constants):
            raise Untemplatable("a marker did not come back whole")
        self._set(constants, [a if a is not None else b for a, b in zip(pieces[1::3], pieces[2::3])])

    def _set(self, constants: list[str], holes: list[str]) -> None:
        self._constants = constants
        self.holes = tuple(holes)
        """The holes in text order (a hole may come back more than once)."""
        self._format = "%s".join(piece.replace("%", "%%") for piece in constants).encode()
        self._bytes = [piece.encode() for piece in constants]

    def spread(self, hole: str, count: int) -> "Template":
        """This template with the JSON list hole `hole` made a list of `count` holes, `(hole, i)` (each one
        item's text)."""
        constants, holes = [self._constants[0]], []
        for name, after in zip(self.holes, self._constants[1:]):
            if name != hole:
                holes.append(name)
                constants.append(after)
            elif count:
                constants[-1] += "["
                holes += [(hole, i) for i in range(count)]
                constants += [","] * (count - 1) + ["]" + after]
            else:
                constants[-1] += "[]" + after
        spread = Template.__new__(Template)
        spread._set(constants, holes)
        return spread

    def fill(self, texts: tuple) -> bytes:
        """The text with each hole's text (in `holes` order) in its place."""
        return self._format % texts

    def fill_columns(self, columns: list, n: int) -> pa.Array:
        """The texts of `n` cases at once: each hole's texts a binary column (in `holes` order); null where a
        hole's text is null."""
        return fill_many([self], np.zeros(n, dtype=np.int64), columns)


def fill_many(templates: list[Template], which: np.ndarray, columns: list) -> pa.Array:
    """The texts of cases each filling its template, `templates[which[i]]` (templates with the same holes), each
    hole's texts a binary column over the cases; null where a hole's text is null."""
    constants = []
    for pieces in zip(*(template._bytes for template in templates)):
        if len(set(pieces)) == 1:
            constants.append(pa.scalar(pieces[0], pa.binary()))
        else:
            constants.append(pa.array(pieces, pa.binary()).take(arrow_np.indices(which)))
    if not columns:
        only = constants[0]
        return only if isinstance(only, pa.Array) else pa.repeat(only, len(which))
    parts = [constants[0]]
    for column, after in zip(columns, constants[1:]):
        parts += [column, after]
    return pc.binary_join_element_wise(*parts, _NOTHING)


_NOTHING = pa.scalar(b"", pa.binary())


class Instant:
    """A marker instant in a template's fields: the ISO 8601 hole of a finding field, or its prose hole."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def iso(self) -> str:
        return whole("iso:" + self.name)


class TemplateView(Shown):
    """The fields as an explanation reads them while a template is made: an instant marker shows as its prose
    hole; reading a marker itself (not through `show`) makes the template impossible. `shown` collects the
    names shown, so that the caller treats them as instants."""

    __slots__ = ("shown",)

    def __init__(self, fields: dict, labels: dict, tz, shown: set) -> None:
        super().__init__(fields, labels, tz)
        self.shown = shown

    def __getattr__(self, name: str):
        value = super().__getattr__(name)
        if isinstance(value, Instant):
            raise Untemplatable(f"the explanation reads {name} itself")
        return value

    def show(self, name: str) -> str | None:
        self.shown.add(name)
        value = self.fields.get(name)
        if isinstance(value, Instant):
            return inside("prose:" + name)
        return super().show(name)
