"""Each case's finding of one rule as JSON text, from the branch the columns chose: per branch and per value of
what its explanation reads (lateness, channels), the finding made once by `judge.scalar.finding` with marker
instants and evidence, then filled case by case with the instants' ISO 8601 and prose texts."""

from __future__ import annotations

import re

import numpy as np

from ..judge.columns import INSTANT_FIELDS
from ..judge.scalar import finding
from ..judge.status import NO_INSTANT
from ..judge.table import instant, prose
from ..timeparse import iso
from ..verdict import json_bytes, json_text
from .json_template import SAFE, Instant, Template, TemplateView, Untemplatable, whole


class Memo(dict):
    """A dict that works out a missing value with `make` (and keeps it): `memo[key]`."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


class Texts:
    """The texts of instants (µs) and of evidence lists, each worked out once per partition: `iso` as `finding`
    wants it; the JSON (UTF-8) of `quoted` ISO 8601, `prose` as explanations show it, and `evidence` lists."""

    def __init__(self, tz) -> None:
        self.iso = Memo(lambda micros: iso(instant(micros), tz))
        self.quoted = Memo(lambda micros: f'"{iso(instant(micros), tz)}"'.encode())
        self.prose = Memo(lambda micros: prose(micros, tz).encode())
        # the distinct event indices of a tuple (-1: none), ascending
        self.evidence = Memo(lambda indices: json_bytes(sorted({i for i in indices if i >= 0})))

    def safe(self) -> bool:
        """Whether every instant's text went into JSON as it is rightly: none needs escaping (they never do;
        checked all the same, once for all of them)."""
        return bool(_QUOTED.fullmatch(b"".join(self.quoted.values()))
                    and SAFE.fullmatch(b"".join(self.prose.values())))


_QUOTED = re.compile(b'(?:"%s")*' % SAFE.pattern)


_PACKED = 1 << 21


def _values(value, cases: np.ndarray) -> list:
    """A field's value for each of `cases`: its elements when it is an array over cases, else itself."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value[cases].tolist()
    return [value] * len(cases)


def _present(value, cases: np.ndarray) -> list[bool]:
    """Whether an instant field is there for each of `cases`."""
    if isinstance(value, np.ndarray) and value.ndim:
        return (value[cases] != NO_INSTANT).tolist()
    return [value is not None and value != NO_INSTANT] * len(cases)


class BranchTexts:
    """The findings of one branch of a rule: templates by what varies besides instants and evidence."""

    def __init__(self, r, number: int, compiled, texts: Texts, reference) -> None:
        self.r, self.number, self.branch, self.made = r, number, r.branches[number], r.made[number]
        self.compiled, self.texts, self.reference = compiled, texts, reference
        self.instants = [name for name in self.made if name in INSTANT_FIELDS]
        self.templates: dict[tuple, Template | None] = {}

    @property
    def others(self) -> list[str]:
        """The fields whose values are part of a template (all but instants and evidence)."""
        return [name for name in self.made if name not in self.instants and name != "evidence"]

    def findings(self, cases: np.ndarray) -> list[bytes | None]:
        """The finding JSON (UTF-8) of each case (None: a case whose template could not be made)."""
        while True:
            try:
                return self._findings(cases)
            except _Discovered:  # an explanation shows an instant not yet known as one: start over with it
                self.templates.clear()

    def _findings(self, cases: np.ndarray) -> list[bytes | None]:
        columns = [_present(self.made[name], cases) for name in self.instants] + \
            [_values(self.made[name], cases) for name in self.others]
        try:
            keys = list(zip(*columns)) if columns else [()] * len(cases)
            groups: dict[tuple, list[int]] = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)
        except TypeError:  # a value that cannot be a key (a list): every case object by object
            return [None] * len(cases)
        out: list[bytes | None] = [None] * len(cases)
        for key, where in groups.items():
            if key not in self.templates:
                self.templates[key] = self._template(key, int(cases[where[0]]))
            template = self.templates[key]
            if template is None:
                continue
            chosen = cases[where]
            try:
                filled = [template.fill(holes) for holes in zip(*self._holes(template, chosen))] \
                    if template.holes else [template.fill(())] * len(where)
            except Untemplatable:
                continue
            for i, text in zip(where, filled):
                out[i] = text
        return out

    def _holes(self, template: Template, cases: np.ndarray) -> list[list[bytes]]:
        """Each hole's text for each case, in the template's hole order."""
        texts, made, columns = self.texts, self.made, {}
        for hole in dict.fromkeys(template.holes):
            if hole == "evidence":
                columns[hole] = self._evidence(cases)
                continue
            form, name = hole.split(":", 1)
            values = _values(made[name], cases)
            columns[hole] = list(map((texts.quoted if form == "iso" else texts.prose).__getitem__, values))
        return [columns[hole] for hole in template.holes]

    def _evidence(self, cases: np.ndarray) -> list[bytes]:
        """Each case's evidence list, from its hits' rows (event indices, absent hits left out)."""
        index = self.reference.event_index
        rows = np.stack([hit.row[cases] for hit in self.made["evidence"]], axis=1)
        found = rows != NO_INSTANT
        indices = np.where(found, index[np.where(found, rows, 0)], -1)
        if indices.shape[1] <= 3 and indices.max(initial=0) < _PACKED - 1:
            # each case's indices packed in one integer (21 bits each): distinct sets found in one flat sort
            packed = ((indices + 1) << (np.arange(indices.shape[1]) * 21)).sum(axis=1)
            _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
            distinct = indices[first]
        else:
            distinct, inverse = np.unique(indices, axis=0, return_inverse=True)
        texts = list(map(self.texts.evidence.__getitem__, map(tuple, distinct.tolist())))
        return [texts[i] for i in inverse.reshape(-1).tolist()]

    def _template(self, key: tuple, case: int) -> Template | None:
        """The template of the findings with these values (made from `case`'s), or None when it cannot be made or
        does not give `case`'s finding as the object path writes it."""
        r, branch = self.r, self.branch
        present = dict(zip(self.instants, key))
        fields = {name: Instant(name) if present[name] else NO_INSTANT for name in self.instants}
        fields.update(zip(self.others, key[len(self.instants):]))
        shown: set[str] = set()
        try:
            made = finding(r.rule, self.compiled.calendar.tz, self.compiled.labels, branch.status, fields,
                           branch.explain, whole("evidence") if "evidence" in self.made else [], Instant.iso,
                           lambda f, labels, tz: TemplateView(f, labels, tz, shown))
            template = Template(json_text(made))
        except (Untemplatable, AttributeError, TypeError, ValueError):
            return None
        new = [name for name in shown if name in self.made and name not in self.instants and name != "evidence"]
        if new:
            self.instants += new
            raise _Discovered
        try:
            filled = template.fill(tuple(zip(*self._holes(template, np.array([case]))))[0]) if template.holes \
                else template.fill(())
        except Untemplatable:
            return None
        return template if filled == self.reference.finding_text(r, self.number, case).encode() else None


class _Discovered(Exception):
    """A template showed instants the branch did not know as instants."""
