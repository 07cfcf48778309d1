"""Each case's finding of one rule as JSON text, from the branch the columns chose: per branch and per value of
what its explanation reads (lateness, channels), the finding made once by `judge.scalar.finding` with marker
instants and evidence, then filled case by case with the instants' ISO 8601 and prose texts."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..judge.columns import INSTANT_FIELDS
from ..judge.scalar import finding
from ..judge.status import NO_INSTANT
from ..judge.table import instant, prose
from ..timeparse import iso
from ..verdict import json_bytes, json_text
from . import arrow_np
from .json_template import SAFE, Instant, Template, TemplateView, Untemplatable, fill_many, whole


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
    wants it; the JSON (UTF-8) of `quoted` ISO 8601, `prose` as explanations show it, and `evidence` lists —
    one by one, and as columns (`column`) for the instants `learn` worked out at once."""

    def __init__(self, tz, timezone: str) -> None:
        self.timezone = timezone
        self.iso = Memo(lambda micros: iso(instant(micros), tz))
        self.quoted = Memo(lambda micros: f'"{iso(instant(micros), tz)}"'.encode())
        self.prose = Memo(lambda micros: prose(micros, tz).encode())
        # the distinct event indices of a tuple (-1: none), ascending
        self.evidence = Memo(lambda indices: json_bytes(sorted({i for i in indices if i >= 0})))
        self._known = np.zeros(0, dtype=np.int64)  # the instants learnt, ascending, and their texts in that order
        self._columns = {"iso": pa.array([], pa.binary()), "prose": pa.array([], pa.binary())}

    def learn_results(self, results, cases: np.ndarray) -> None:
        """`learn` the instants of each of `cases`' findings (those its branch gave), and the other `…_at`
        instants its branch's explanation may show (a closure's): any left out are learnt when first shown."""
        parts = [np.zeros(0, dtype=np.int64)] + [getattr(r, name)[cases] for r in results for name in _RESULT_INSTANTS]
        for r in results:
            chosen = r.chosen[cases]
            for number, made in enumerate(r.made):
                parts += [value[cases[chosen == number]] for name, value in made.items()
                          if name.endswith("_at") and name not in INSTANT_FIELDS and isinstance(value, np.ndarray)
                          and value.dtype.kind == "i"]
        self.learn(np.concatenate(parts))

    def learn(self, micros: np.ndarray) -> None:
        """Work out the quoted and prose texts of many instants at once, in Arrow and numpy
        (`flat_columns.iso_texts`, the CSV form's own): one by one they were a quarter of a JSONL worker's time."""
        micros = np.asarray(micros, dtype=np.int64)
        values = _distinct(micros[micros != NO_INSTANT])
        if len(self._known):
            values = values[~np.isin(values, self._known, assume_unique=True)]
        if not len(values):
            return
        from .flat_columns import iso_texts, prose_texts
        text = iso_texts(values, self.timezone)
        made = {"iso": pc.binary_join_element_wise('"', text, '"', "").cast(pa.binary()),
                "prose": prose_texts(text).cast(pa.binary())}
        if not len(self._known):  # `values` are ascending already
            self._known, self._columns = values, made
            return
        keys = np.concatenate([self._known, values])
        order = arrow_np.indices(np.argsort(keys, kind="stable"))
        self._known = np.sort(keys, kind="stable")
        self._columns = {form: pa.concat_arrays([self._columns[form], made[form]]).take(order) for form in made}

    def column(self, micros: np.ndarray, form: str) -> pa.Array:
        """The texts of instants (µs) as a binary column: quoted ISO 8601 (`form` "iso"), or prose ("prose": an
        absent instant is '-')."""
        micros = np.asarray(micros, dtype=np.int64)
        absent = micros == NO_INSTANT
        if absent.any():
            if form == "iso":
                raise Untemplatable("an absent instant in an ISO 8601 hole")
            if absent.all():
                return pa.repeat(pa.scalar(b"-", pa.binary()), len(micros))
        at = np.searchsorted(self._known, micros)
        if len(self._known) == 0 or not (self._known[np.minimum(at, len(self._known) - 1)] == micros)[~absent].all():
            self.learn(micros)
            at = np.searchsorted(self._known, micros)
        out = self._columns[form].take(arrow_np.indices(np.where(absent, 0, at)))
        if absent.any():
            out = pc.if_else(arrow_np.array(absent, pa.bool_()), pa.scalar(b"-", pa.binary()), out)
        return out

    def safe(self) -> bool:
        """Whether every instant's text went into JSON as it is rightly: none needs escaping (they never do;
        checked all the same, once for all of them)."""
        return bool(_QUOTED.fullmatch(b"".join(self.quoted.values()))
                    and SAFE.fullmatch(b"".join(self.prose.values()))
                    and _matches(self._columns["iso"], _QUOTED_ONE) and _matches(self._columns["prose"], _SAFE_ONE))


def _matches(column: pa.Array, pattern: str) -> bool:
    """Whether every text of a binary column matches `pattern` whole."""
    return bool(pc.all(pc.match_substring_regex(column.cast(pa.string()), pattern)).as_py() is not False)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending: sorted and compared with their neighbours (numpy 2's `np.unique` took 13×
    as long on a partition's 2.5 M instants)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def placed(pieces: list[pa.Array], wheres: list, n: int) -> pa.Array:
    """One binary column of `n` rows from pieces, each holding the rows `wheres[i]` in order (null elsewhere)."""
    if not pieces:
        return pa.nulls(n, pa.binary())
    if len(pieces) == 1 and len(wheres[0]) == n and (np.diff(wheres[0]) > 0).all():  # every row, in order
        return pieces[0]
    order = np.concatenate([np.asarray(where, dtype=np.int64) for where in wheres])
    at = np.full(n, -1, dtype=np.int64)
    at[order] = np.arange(len(order))
    return pa.concat_arrays(pieces).take(arrow_np.array(np.where(at >= 0, at, 0), pa.int64(), mask=at < 0))


# the per-case instants of a rule's result (batch.columnar), its finding's INSTANT_FIELDS
_RESULT_INSTANTS = ("trigger", "due", "fulfilled", "not_before")
_QUOTED = re.compile(b'(?:"%s")*' % SAFE.pattern)
_SAFE_ONE = "^" + SAFE.pattern.decode() + "$"
_QUOTED_ONE = '^"' + SAFE.pattern.decode() + '"$'


_PACKED = 1 << 21


def _values(value, cases: np.ndarray) -> list:
    """A field's value for each of `cases`: its elements when it is an array over cases, else itself."""
    if isinstance(value, np.ndarray) and value.ndim:
        return value[cases].tolist()
    return [value] * len(cases)


def _instants(value, cases: np.ndarray) -> np.ndarray:
    """An instant field's µs for each of `cases` (NO_INSTANT: absent); a field that is not one cannot be a hole."""
    if isinstance(value, np.ndarray) and value.ndim:
        if value.dtype.kind not in "iu":
            raise Untemplatable("an instant field that is not µs")
        return value[cases]
    if value is not None and not isinstance(value, (int, np.integer)):
        raise Untemplatable("an instant field that is not µs")
    return np.full(len(cases), NO_INSTANT if value is None else value, dtype=np.int64)


def _present(value, cases: np.ndarray) -> list[bool]:
    """Whether an instant field is there for each of `cases`."""
    if isinstance(value, np.ndarray) and value.ndim:
        return (value[cases] != NO_INSTANT).tolist()
    return [value is not None and value != NO_INSTANT] * len(cases)


class BranchTexts:
    """The findings of one branch of a rule: templates by what varies besides instants and evidence."""

    def __init__(self, r, number: int, compiled, texts: Texts, reference, kept: dict) -> None:
        self.r, self.number, self.branch, self.made = r, number, r.branches[number], r.made[number]
        self.compiled, self.texts, self.reference = compiled, texts, reference
        # the instants and templates of this branch, kept from one partition to the next (`kept`, one per compiled
        # policy version and as_of: an explanation may read the query's `now` besides its fields; what else it
        # could read of the partition would differ from case to case, which the first case's check would not
        # catch within a partition either)
        self.instants, self.templates = kept.setdefault(
            (r.rule.rule.id, number, tuple(self.made)), ([name for name in self.made if name in INSTANT_FIELDS], {}))

    @property
    def others(self) -> list[str]:
        """The fields whose values are part of a template (all but instants and evidence)."""
        return [name for name in self.made if name not in self.instants and name != "evidence"]

    def findings(self, cases: np.ndarray) -> pa.Array:
        """The finding JSON (UTF-8) of each case, a binary column (null: a case whose template could not be
        made)."""
        while True:
            try:
                return self._findings(cases)
            except _Discovered:  # an explanation shows an instant not yet known as one: start over with it
                self.templates.clear()

    def _findings(self, cases: np.ndarray) -> pa.Array:
        columns = [_present(self.made[name], cases) for name in self.instants] + \
            [_values(self.made[name], cases) for name in self.others]
        try:
            keys = list(zip(*columns)) if columns else [()] * len(cases)
            groups: dict[tuple, list[int]] = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)
        except TypeError:  # a value that cannot be a key (a list): every case object by object
            return pa.nulls(len(cases), pa.binary())
        # templates with the same holes are filled together (their constants taken per case): one pass per shape,
        # not per lateness or channel
        shapes: dict[tuple, tuple[list[Template], list[list[int]]]] = {}
        for key, where in groups.items():
            if key not in self.templates:
                self.templates[key] = self._template(key, int(cases[where[0]]))
            template = self.templates[key]
            if template is not None:
                alike = shapes.setdefault(template.holes, ([], []))
                alike[0].append(template)
                alike[1].append(where)
        pieces, wheres = [], []
        for templates, where_lists in shapes.values():
            where = np.concatenate([np.asarray(w, dtype=np.int64) for w in where_lists])
            which = np.repeat(np.arange(len(templates)), [len(w) for w in where_lists])
            try:
                pieces.append(fill_many(templates, which, self._holes(templates[0], cases[where])))
            except Untemplatable:
                continue
            wheres.append(where)
        return placed(pieces, wheres, len(cases))

    def _holes(self, template: Template, cases: np.ndarray) -> list[pa.Array]:
        """Each hole's texts for `cases` (binary columns), in the template's hole order."""
        texts, made, columns = self.texts, self.made, {}
        for hole in dict.fromkeys(template.holes):
            if hole == "evidence":
                columns[hole] = self._evidence(cases)
                continue
            form, name = hole.split(":", 1)
            columns[hole] = texts.column(_instants(made[name], cases), form)
        return [columns[hole] for hole in template.holes]

    def _evidence(self, cases: np.ndarray) -> pa.Array:
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
        return pa.array(texts, pa.binary()).take(arrow_np.indices(inverse.reshape(-1)))

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
        return template if self._serves(template, case) else None

    def _serves(self, template: Template | None, case: int) -> bool:
        """Whether `template` gives `case`'s finding exactly as the object path writes it."""
        if template is None:
            return False
        try:
            filled = template.fill_columns(self._holes(template, np.array([case])), 1)[0].as_py()
        except Untemplatable:
            return False
        return filled == self.reference.finding_text(self.r, self.number, case).encode()


class _Discovered(Exception):
    """A template showed instants the branch did not know as instants."""
