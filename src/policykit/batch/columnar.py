"""Batch's backend: each rule kind's decision table (policykit.judge) run over a whole partition, its queries
answered with first-occurrence positions and numpy business-day arithmetic; the scenario corpus and the
differential tests hold it equal to `evaluate()` case by case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..compensation import assess
from ..judge import columns
from ..judge.compiled import compile_policy
from ..matching import Matcher
from .calendar_np import NumpyCalendar
from .columns import LINE, TYPE
from .normalize import AT_US, REJECTED
from .reference import rejected_counts
from .findings_np import NONE, ActionRows, RuleResult, assemble, count
from .tabular import rows_table

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

class Partition:
    """A grouped partition as numpy arrays, with first-occurrence queries per case.

    Queries work on the sorted row numbers of one event type (a few per case), never on masks over every row;
    attributes are compared as dictionary codes, not as Python strings."""

    def __init__(self, table: pa.Table, bounds: np.ndarray, as_of_us: int) -> None:
        self.table = table
        self.n = table.num_rows
        self.bounds = bounds
        self.starts = bounds[:-1]
        self.groups = len(bounds) - 1
        self.gid = np.repeat(np.arange(self.groups), np.diff(bounds))
        self.pos = np.arange(self.n) - self.starts[self.gid]
        self.at = table.column(AT_US).to_numpy()
        self.placeholder = table.column(REJECTED).to_numpy(zero_copy_only=False)
        self.seen = (self.at <= as_of_us) & ~self.placeholder
        types, codes = _encoded(table.column(TYPE))
        # the seen rows of each type in row order: a stable sort of the codes, cut where they change
        seen_rows = np.flatnonzero(self.seen)
        seen_codes = codes[seen_rows].astype(np.int16 if len(types) < 2**15 else np.int64)  # int16: a radix sort
        order = seen_rows[np.argsort(seen_codes, kind="stable")]
        ends = np.cumsum(np.bincount(seen_codes, minlength=len(types)))
        self._type_rows = {name: order[end - count:end]
                           for name, end, count in zip(types, ends.tolist(), np.diff(np.r_[0, ends]).tolist())}
        self._codes: dict[str, tuple[dict, np.ndarray, np.ndarray]] = {}
        self._columns: dict[str, np.ndarray] = {}

    def column(self, name: str) -> np.ndarray:
        """An attribute column as an object array (None where absent)."""
        if name not in self._columns:
            # from the codes: a chunked dictionary column's to_numpy loses its nulls (pyarrow 18-26)
            _, codes, labels, _ = self.codes(name)
            self._columns[name] = labels[codes]
        return self._columns[name]

    def codes(self, name: str) -> tuple[dict, np.ndarray, np.ndarray, int]:
        """An attribute column as codes: the code of each value, the codes, the values by code as an object array
        (None for the code of absent values), and that code (-1 when no value is absent)."""
        if name not in self._codes:
            labels, codes = _encoded(self.table.column(name))
            absent = labels.index(None) if None in labels else -1
            self._codes[name] = ({v: i for i, v in enumerate(labels) if v is not None}, codes,
                                 np.array(labels + [None], dtype=object), absent)
        return self._codes[name]

    def candidates(self, matcher: Matcher) -> tuple[np.ndarray, np.ndarray]:
        """Row numbers of seen rows matching `matcher`, and of seen rows of its type lacking an attribute it needs
        (undecidable); both ascending."""
        rows = self._type_rows.get(matcher.event, _NO_ROWS)
        maybe = []
        for name, value in matcher.where:
            index, codes, _, absent = self.codes(name)
            mine = codes[rows]
            maybe.append(rows[mine == absent])
            rows = rows[mine == index.get(value, -2)]
        undecidable = maybe[0] if len(maybe) == 1 else np.unique(np.concatenate(maybe)) if maybe else _NO_ROWS
        return rows, undecidable

    def first(self, rows: np.ndarray, after: np.ndarray | None = None,
              before: np.ndarray | None = None) -> np.ndarray:
        """Per case, the global row index of the first of `rows` (ascending row numbers) strictly between
        positions; NONE if none."""
        group = self.gid[rows]
        if after is not None or before is not None:
            keep = np.ones(len(rows), dtype=bool)
            pos = self.pos[rows]
            if after is not None:
                keep &= pos > after[group]
            if before is not None:
                keep &= pos < before[group]
            rows, group = rows[keep], group[keep]
        out = np.full(self.groups, NONE)
        if len(rows):
            lead = np.r_[True, group[1:] != group[:-1]]
            out[group[lead]] = rows[lead]
        return out

    def last(self, rows: np.ndarray, before: np.ndarray | None = None) -> np.ndarray:
        """Per case, the global row index of the last of `rows` (ascending row numbers) before a position; NONE
        if none."""
        group = self.gid[rows]
        if before is not None:
            keep = self.pos[rows] < before[group]
            rows, group = rows[keep], group[keep]
        out = np.full(self.groups, NONE)
        if len(rows):
            tail = np.r_[group[1:] != group[:-1], True]
            out[group[tail]] = rows[tail]
        return out

    def position(self, first: np.ndarray) -> np.ndarray:
        """Positions within the case of first-occurrence rows (NONE stays NONE)."""
        found = first != NONE
        return np.where(found, first - self.starts, NONE)

    def at_of(self, first: np.ndarray) -> np.ndarray:
        """Instants (µs) of first-occurrence rows (NONE stays NONE)."""
        found = first != NONE
        return np.where(found, self.at[np.where(found, first, 0)], NONE)


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _encoded(column) -> tuple[list, np.ndarray]:
    """A string column's distinct values (None among them when a row is null) and each row's code into them."""
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(
            [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in column.chunks])
    if pa.types.is_dictionary(column.type):
        labels = column.dictionary.to_pylist()
        if len(set(labels)) == len(labels) and None not in labels:  # normalise's columns: their codes as they are
            if column.null_count == 0:
                return labels, column.indices.to_numpy().astype(np.int64)
            codes = column.indices.cast(pa.int64()).fill_null(len(labels)).to_numpy()
            return labels + [None], codes
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy()


class Hits:
    """Per case, the first row matching a pattern in a range (NONE: none), and whether an undecidable row came
    before it; positions and instants worked out when first asked for (many hits need neither)."""

    __slots__ = ("p", "row", "unknown", "found", "absent", "known", "_position", "_at")

    def __init__(self, p: Partition, row: np.ndarray, unknown: np.ndarray) -> None:
        self.p, self.row, self.unknown = p, row, unknown
        self.found = row != NONE
        self.absent, self.known = ~self.found, ~unknown
        self._position = self._at = None

    @property
    def position(self) -> np.ndarray:
        if self._position is None:
            self._position = self.p.position(self.row)
        return self._position

    @property
    def at(self) -> np.ndarray:
        if self._at is None:
            self._at = self.p.at_of(self.row)
        return self._at


class PartitionQuery:
    """The questions a kind's decision table asks (policykit.judge), answered for every case of a partition."""

    def __init__(self, p: Partition, cal: NumpyCalendar, as_of_us: int) -> None:
        self.p, self.cal, self.now = p, cal, as_of_us
        self._nothing = Hits(p, np.full(p.groups, NONE), np.zeros(p.groups, dtype=bool))
        self._found: dict[tuple, Hits] = {}

    def find(self, matcher: Matcher, after: Hits | None = None, before: Hits | None = None) -> Hits:
        """Per case, the first row matching `matcher` after `after` (none after an absent one), before `before`."""
        key = (matcher, id(after), id(before))
        known = self._found.get(key)
        if known is None:
            p = self.p
            rows, maybe = p.candidates(matcher)
            lo = after.position if after is not None else None
            hi = np.where(before.found, before.position, NONE) if before is not None else None
            first = p.first(rows, lo, hi)
            blocked = p.first(maybe, lo, hi) < first if len(maybe) else np.zeros(p.groups, dtype=bool)
            known = self._found[key] = Hits(p, first, blocked)
        return known

    def last(self, matcher: Matcher, before: Hits | None = None) -> Hits:
        """Per case, the last row matching `matcher` before `before` (anywhere where it is absent), and whether an
        undecidable row came after it (before `before`)."""
        key = (matcher, "last", id(before))
        known = self._found.get(key)
        if known is None:
            p = self.p
            rows, maybe = p.candidates(matcher)
            hi = np.where(before.found, before.position, NONE) if before is not None else None
            last = p.last(rows, hi)
            if len(maybe):
                late = p.last(maybe, hi)
                blocked = (late != NONE) & ((last == NONE) | (late > last))
            else:
                blocked = np.zeros(p.groups, dtype=bool)
            known = self._found[key] = Hits(p, last, blocked)
        return known

    def closed(self, after: Hits | None = None) -> Hits:
        """Per case, the first case_closed after `after`."""
        return self.find(_CLOSED, after)

    def nothing(self) -> Hits:
        return self._nothing

    def due(self, hit: Hits, amount: int, unit: str) -> np.ndarray:
        return np.where(hit.found, self.cal.due(np.where(hit.found, hit.at, 0), amount, unit), NONE)

    def not_before(self, hit: Hits, amount: int, unit: str) -> np.ndarray:
        return np.where(hit.found, self.cal.not_before(np.where(hit.found, hit.at, 0), amount, unit), NONE)

    def late_by(self, due: np.ndarray, at: np.ndarray, unit: str) -> np.ndarray:
        """Units late where `at` is after `due` (both present), else -1."""
        late = (due != NONE) & (at != NONE) & (at > due)
        out = np.full(len(due), -1, dtype=np.int64)
        if late.any():
            out[late] = self.cal.late_by(due[late], at[late], unit)
        return out

    @staticmethod
    def pick(condition, then, otherwise):
        return np.where(condition, then, otherwise)

    def value(self, hit: Hits, attribute: str) -> np.ndarray:
        """An attribute of each case's hit (None where absent)."""
        _, codes, values, _ = self.p.codes(attribute)
        return values[np.where(hit.found, codes[np.where(hit.found, hit.row, 0)], -1)]  # values[-1] is None

    @staticmethod
    def none(values: np.ndarray) -> np.ndarray:
        return np.equal(values, None)

    @staticmethod
    def missing(hit: Hits) -> None:
        return None  # what would decide is told by the scalar backend (policykit.judge.scalar)

    lacking = staticmethod(lambda hit, event_type, attribute: None)


_CLOSED = Matcher("case_closed")


def _judged(compiled_rule, q: PartitionQuery, groups: int) -> RuleResult:
    """One rule's findings over the partition: its kind's decision table run on columns."""
    branches = compiled_rule.kind.decide(compiled_rule, q)
    chosen = columns.chosen_branches(branches, groups)
    r = RuleResult(groups)
    r.status = columns.statuses(branches, chosen)
    r.rule, r.branches, r.chosen, r.made = compiled_rule, branches, chosen, columns.made(branches, chosen)
    found = columns.fields(r.made, chosen)
    r.trigger, r.due, r.fulfilled, r.not_before, r.late = (found[name] for name in (*columns.INSTANT_FIELDS, "late"))
    r.unit = found["unit"]
    r.action_due = columns.dues(branches, chosen)
    r.overdue = columns.overdue(branches, chosen)
    r.owing = columns.owing(branches, chosen)
    r.expects, r.before = columns.owes(branches)
    return r


def columnar_verdicts(policy, table: pa.Table, bounds: np.ndarray, job, stats, rejects) -> pa.Table | list:
    """The verdicts of a grouped partition — a table in the tabular layout, or for JSONL output the verdict
    JSON lines in UTF-8 as a list of byte pieces (their concatenation is the lines) — each version's cases (by the
    local date of their first event) judged by policykit.judge's decision tables over columns, in the partition's
    case order."""
    as_of = dt.datetime.fromisoformat(job.as_of)
    as_of_us = (as_of - _EPOCH) // dt.timedelta(microseconds=1)  # exact, before 1970 too
    rejected = rejected_counts(table, bounds)
    stats.events = table.num_rows - int(rejected.sum())
    jsonl = job.out_format == "jsonl"
    if len(bounds) < 2:
        return [] if jsonl else rows_table([], policy.calendar.timezone)
    versions = _versions(policy, table, bounds, as_of_us)
    if len(policy.versions) == 1 or (versions == versions[0]).all():
        out, lines = _judge_version(policy.versions[int(versions[0])], table, bounds, rejected, job, stats,
                                    rejects, as_of, as_of_us)
        return lines if jsonl else out
    parts, texts, order = [], [], []
    for number in np.unique(versions).tolist():
        groups = np.flatnonzero(versions == number)
        rows = np.concatenate([np.arange(bounds[g], bounds[g + 1]) for g in groups])
        sizes = np.diff(bounds)[groups]
        out, lines = _judge_version(policy.versions[number], table.take(pa.array(rows)),
                                    np.r_[0, np.cumsum(sizes)], rejected[groups], job, stats, rejects, as_of,
                                    as_of_us)
        parts.append(out)
        if lines:  # pieces holding runs of lines: one per case, to be put back in case order
            texts.extend(line + b"\n" for line in b"".join(lines).split(b"\n")[:-1])
        order.append(groups)
    back = np.argsort(np.concatenate(order), kind="stable")
    if jsonl:
        return [texts[i] for i in back.tolist()]
    return pa.concat_tables(parts).take(pa.array(back))


def _versions(policy, table: pa.Table, bounds: np.ndarray, as_of_us: int) -> np.ndarray:
    """Per case, the number of the version in force on the local date of its first event (of as_of without)."""
    if len(policy.versions) == 1:
        return np.zeros(len(bounds) - 1, dtype=np.int64)
    from .zone_np import zone_columns

    at = table.column(AT_US).to_numpy()
    placeholder = table.column(REJECTED).to_numpy(zero_copy_only=False)
    first = np.minimum.reduceat(np.where(placeholder, NONE, at), bounds[:-1])
    first = np.where(first == NONE, as_of_us, first)
    days = zone_columns(policy.calendar.timezone).local_day(first).astype("datetime64[D]")
    starts = [np.datetime64(v.effective_from, "D") if v.effective_from else None for v in policy.versions]
    out = np.zeros(len(first), dtype=np.int64)
    for number, start in enumerate(starts):  # the latest version whose effective_from is not after the date
        if number:
            out[days >= start if start is not None else slice(None)] = number
    return out


def _judge_version(version, table: pa.Table, bounds: np.ndarray, rejected: np.ndarray, job, stats, rejects,
                   as_of: dt.datetime, as_of_us: int) -> tuple[pa.Table, list | None]:
    """The verdicts of cases all judged under one policy version: the table, and for JSONL output the lines (byte
    pieces, see `columnar_verdicts`)."""
    settings, reading = job.settings, job.reading  # resolved where the run was planned (runner.plan)
    compiled = compile_policy(version, reading)
    p = Partition(table, bounds, as_of_us)
    events = p.at[~p.placeholder]  # rejected rows kept for their case (SPEC §10) are no events
    cal = NumpyCalendar.for_range(compiled.calendar, events.min(initial=as_of_us), max(events.max(initial=0), as_of_us))
    q = PartitionQuery(p, cal, as_of_us)
    results = [_judged(rule, q, p.groups) for rule in compiled.rules]
    compensation, contradictions, contradicted = _compensation(version, p, job.facts)
    rejects.extend(contradictions)
    rejected = rejected + contradicted  # a row whose fact was rejected leaves its case incomplete (SPEC §10)
    used = sorted({r.reading for r in compiled.rules if r.reading})
    verdict_reading = reading or (used[0] if len(used) == 1 else None)
    actions = ActionRows(compiled, results, p.groups, cal, as_of_us, settings)
    out = assemble(version, compiled, p, results, compensation, rejected, as_of_us, verdict_reading, actions)
    count(stats, results, out, compiled)
    if job.out_format != "jsonl":
        return out, None
    from .verdicts_json import json_lines

    return out, json_lines(version, compiled, p, results, compensation, rejected, as_of, job, settings,
                           verdict_reading, actions)


def _facts_of(code: int, names: list[str]) -> dict[str, bool | None]:
    """The facts behind a combination code (base 3 per fact, in `names` order: unknown, false, true)."""
    digits = []
    for _ in names:
        digits.append(code % 3)
        code //= 3
    digits.reverse()
    return {name: d == 2 for name, d in zip(names, digits) if d != 0}


def _compensation(policy, p: Partition, facts: tuple[str, ...]):
    """Per case (status, unknown facts) via `assess` on each distinct combination of facts; the rows whose fact
    contradicts the case's first value (rejected, as the reference path rejects them: the fact is then unknown
    for its case, never guessed); and per case how many of its rows were so rejected."""
    codes = np.zeros(p.groups, dtype=np.int64)
    names = list(facts)
    line = p.table.column(LINE).to_numpy()
    contradictions: list[tuple[int, int, str]] = []
    contradicting = np.zeros(p.n, dtype=bool)
    for fact in names:
        column = p.table.column(fact)
        if column.null_count == len(column):
            codes = codes * 3
            continue
        values = column.cast(pa.int64()).fill_null(-1).to_numpy()
        # the case's value is its first non-empty cell in file order; another value later is a contradiction
        known = (values >= 0) & ~p.placeholder
        first_line = np.where(known, line, NONE)
        first = np.minimum.reduceat(first_line, p.starts)
        chosen = np.full(p.groups, -1)
        hit = known & (line == first[p.gid])
        chosen[p.gid[hit]] = values[hit]
        against = known & (values != chosen[p.gid])
        for row_line in line[against].tolist():
            contradictions.append((row_line, len(contradictions), f"fact '{fact}' contradicts an earlier row of "
                                                                  "this case"))
        chosen[p.gid[against]] = -1
        contradicting |= against
        codes = codes * 3 + (chosen + 1)
    table = {code: assess(policy.compensation, _facts_of(code, names)) for code in np.unique(codes).tolist()}
    # in file order, a row's facts in their column order (as the reference path reports them)
    return ((codes, table), [(row_line, text) for row_line, _, text in sorted(contradictions)],
            np.bincount(p.gid[contradicting], minlength=p.groups))
