"""A live session's backend: each rule kind's decision table (policykit.judge) run for many cases at once, on
blocks of event columns (one row per case)."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import numpy as np

from ..judge import columns
from ..judge.compiled import CompiledPolicy
from ..judge.scalar import ScalarQuery
from ..judge.status import NO_INSTANT as NO_DUE, NOT_APPLICABLE
from ..matching import Context, Matcher
LATEST = np.iinfo(np.int64).max  # the instant of a padding cell: sorts after every event
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_DAY_US = 86_400_000_000


class Block:
    """Event columns of R cases (one row each), in time order, ties in arrival order; padding cells have shape 0
    and instant LATEST.  `now` is each row's clock."""

    __slots__ = ("shapes", "ats", "now", "_patterns", "_firsts", "_cols", "_rows")

    def __init__(self, shapes: np.ndarray, ats: np.ndarray, now: np.ndarray) -> None:
        self.shapes, self.ats, self.now = shapes, ats, now
        self._patterns: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self._firsts: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self._cols = np.arange(shapes.shape[1])
        self._rows = np.arange(shapes.shape[0])

    def rows(self, chosen: np.ndarray) -> "Block":
        """The block of some of these rows."""
        return Block(self.shapes[chosen], self.ats[chosen], self.now[chosen])

    def matches(self, patterns: "Patterns", key: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Each cell's (match, undecidable) for a pattern; None when no shape is undecidable for it."""
        found = self._patterns.get(key)
        if found is None:
            maybe = patterns.maybe[key]
            # take(), not indexing: about twice as fast for a small table and a large matrix of codes
            found = self._patterns[key] = (patterns.hits[key].take(self.shapes),
                                           maybe.take(self.shapes) if maybe is not None else None)
        return found

    def first(self, patterns: "Patterns", key: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Per row, a pattern's first match (-1: none) and first undecidable cell (the width: none; None when no
        shape is undecidable for it), remembered for every rule that asks."""
        found = self._firsts.get(key)
        if found is None:
            hit, maybe = self.matches(patterns, key)
            first = hit.argmax(axis=1)  # 0 where a row has no match: told apart by the cell itself
            early = None
            if maybe is not None:
                early = maybe.argmax(axis=1)
                early = np.where(maybe[self._rows, early], early, hit.shape[1])
            found = self._firsts[key] = (np.where(hit[self._rows, first], first, -1), early)
        return found

    def find(self, m: tuple[np.ndarray, np.ndarray | None], lo: np.ndarray | None = None,
             hi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(first match in [lo, hi) or -1, whether an undecidable cell came before it), per row."""
        hit, maybe = m  # shared by every find on this block: never changed in place
        if lo is not None or hi is not None:
            inside = self._cols >= lo[:, None] if lo is not None else None
            if hi is not None:
                below = self._cols < hi[:, None]
                inside = below if inside is None else inside & below
            hit = hit & inside
            if maybe is not None:
                maybe = maybe & inside
        first = hit.argmax(axis=1)  # 0 where a row has no match: told apart by the cell itself
        found = hit[self._rows, first]
        position = np.where(found, first, -1)
        if maybe is None:
            return position, np.zeros(len(position), dtype=bool)
        limit = np.where(found, first, hit.shape[1])
        early = maybe.argmax(axis=1)  # the first undecidable cell, if any, must come before the match
        return position, maybe[self._rows, early] & (early < limit)

    def last(self, m: tuple[np.ndarray, np.ndarray | None], hi: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
        """(last match before hi or -1, whether an undecidable cell came after it), per row."""
        hit, maybe = m  # shared by every search on this block: never changed in place
        if hi is not None:
            below = self._cols < hi[:, None]
            hit = hit & below
            if maybe is not None:
                maybe = maybe & below
        end = hit.shape[1] - 1
        last = end - hit[:, ::-1].argmax(axis=1)  # the width - 1 where a row has no match: told apart by the cell
        position = np.where(hit[self._rows, last], last, -1)
        if maybe is None:
            return position, np.zeros(len(position), dtype=bool)
        late = end - maybe[:, ::-1].argmax(axis=1)  # the last undecidable cell, if any, must come after the match
        return position, maybe[self._rows, late] & (late > position)

    def at(self, position: np.ndarray) -> np.ndarray:
        """The instant at each row's position (any value where the position is -1)."""
        return self.ats[self._rows, np.maximum(position, 0)]

    def shape_at(self, position: np.ndarray) -> np.ndarray:
        """The shape code at each row's position, 0 where the position is -1."""
        return np.where(position >= 0, self.shapes[self._rows, np.maximum(position, 0)], 0)


Judged = tuple[np.ndarray, np.ndarray]  # status codes, dues (µs, NO_DUE)


class Patterns:
    """Per event pattern, its match (0/1/2) for every shape code; per attribute, each shape's value as a code."""

    def __init__(self) -> None:
        self.patterns: list[tuple[str, tuple]] = []
        self.attributes: list[str] = []
        self.hits: list[np.ndarray] = []
        self.maybe: list[np.ndarray | None] = []
        self.values: list[np.ndarray] = []
        self._value_codes: dict[str, int] = {}
        self.size = 0

    def pattern(self, event_type: str, where: tuple) -> int:
        """The key of a pattern (the same for equal patterns)."""
        return _index_of(self.patterns, (event_type, tuple(where)))

    def attribute(self, name: str) -> int:
        """The key of an attribute whose values are compared."""
        return _index_of(self.attributes, name)

    def grow(self, shapes: list) -> None:
        """Tables covering every shape code of `shapes` (index = code; shapes[0] is the padding, None)."""
        if len(shapes) <= self.size and len(self.hits) == len(self.patterns):
            return
        tables = [np.array([0] + [_match(shape, event_type, where) for shape in shapes[1:]], dtype=np.int8)
                  for event_type, where in self.patterns]
        self.hits = [table == 1 for table in tables]
        self.maybe = [table == 2 if (table == 2).any() else None for table in tables]
        self.values = [np.array([-1] + [self._value(shape.attrs.get(name)) for shape in shapes[1:]], dtype=np.int32)
                       for name in self.attributes]
        self.size = len(shapes)

    def _value(self, value: str | None) -> int:
        return -1 if value is None else self._value_codes.setdefault(value, len(self._value_codes))


def _index_of(items: list, item) -> int:
    """The position of `item` in `items`, appended if absent (a policy has a few dozen patterns at most)."""
    if item not in items:
        items.append(item)
    return items.index(item)


def _match(shape, event_type: str, where: tuple) -> int:
    """One event against a pattern: 1 matches, 2 undecidable (a needed attribute missing), 0 not."""
    if shape.kind != event_type:
        return 0
    for name, value in where:
        actual = shape.attrs.get(name)
        if actual is None:
            return 2
        if actual != value:
            return 0
    return 1


VectorJudge = Callable[[Block], Judged]


class BlockHits:
    """Per row, the first cell matching a pattern in a range (-1: none), and whether an undecidable cell came
    before it; with `make`, both are found when first asked (a table may name a search only in what its
    findings' explanations say, which a live session never asks)."""

    __slots__ = ("_position", "_unknown", "_make", "_found", "_block", "_absent", "_known", "_at")

    def __init__(self, block: Block, position: np.ndarray | None = None, unknown: np.ndarray | None = None,
                 make: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self._position, self._unknown, self._make, self._block = position, unknown, make, block
        self._found = self._absent = self._known = self._at = None  # made when a table asks (most ask few of them)

    def _made(self) -> None:
        self._position, self._unknown = self._make()
        self._make = None

    @property
    def position(self) -> np.ndarray:
        if self._make is not None:
            self._made()
        return self._position

    @property
    def unknown(self) -> np.ndarray:
        if self._make is not None:
            self._made()
        return self._unknown

    @property
    def found(self) -> np.ndarray:
        if self._found is None:
            self._found = self.position >= 0
        return self._found

    @property
    def absent(self) -> np.ndarray:
        if self._absent is None:
            self._absent = ~self.found
        return self._absent

    @property
    def known(self) -> np.ndarray:
        if self._known is None:
            self._known = ~self.unknown
        return self._known

    @property
    def at(self) -> np.ndarray:
        """The instant of each row's hit (NO_DUE where none)."""
        if self._at is None:
            self._at = np.where(self.found, self._block.at(self.position), NO_DUE)
        return self._at


class BlockQuery:
    """The questions a kind's decision table asks (policykit.judge), answered for every row of a block."""

    def __init__(self, block: Block, patterns: "Patterns", dues: "Dues") -> None:
        self.block, self.patterns, self.dues = block, patterns, dues
        self.now = block.now
        self._width = block.shapes.shape[1]

    def find(self, matcher: Matcher, after: BlockHits | None = None, before: BlockHits | None = None) -> BlockHits:
        """Per row, the first cell matching `matcher` after `after` (none after an absent one), before `before`;
        searched when first asked."""
        return BlockHits(self.block, make=lambda: self._find(matcher, after, before))

    def _find(self, matcher: Matcher, after: BlockHits | None, before: BlockHits | None
              ) -> tuple[np.ndarray, np.ndarray]:
        b = self.block
        hi = np.where(before.found, before.position, self._width) if before is not None else None
        key = self.patterns.pattern(matcher.event, matcher.where)
        if after is None:  # from the first cell: the pattern's first match and first undecidable cell, shared
            first, early = b.first(self.patterns, key)
            if hi is None:
                return first, (early < np.where(first >= 0, first, self._width) if early is not None else
                               np.zeros(len(first), dtype=bool))
            found = (first >= 0) & (first < hi)
            unknown = early < np.where(found, first, hi) if early is not None else np.zeros(len(first), dtype=bool)
            return np.where(found, first, -1), unknown
        position, unknown = b.find(b.matches(self.patterns, key), lo=after.position + 1, hi=hi)
        return np.where(after.found, position, -1), unknown & after.found

    def last(self, matcher: Matcher, before: BlockHits | None = None) -> BlockHits:
        """Per row, the last cell matching `matcher` before `before` (anywhere where it is absent), and whether an
        undecidable cell came after it; searched when first asked."""
        def search() -> tuple[np.ndarray, np.ndarray]:
            hi = np.where(before.found, before.position, self._width) if before is not None else None
            return self.block.last(self.block.matches(self.patterns, self.patterns.pattern(matcher.event,
                                                                                          matcher.where)), hi)
        return BlockHits(self.block, make=search)

    def closed(self, after: BlockHits | None = None) -> BlockHits:
        return self.find(_CLOSED, after)

    def nothing(self) -> BlockHits:
        rows = len(self.now)
        return BlockHits(self.block, np.full(rows, -1), np.zeros(rows, dtype=bool))

    def due(self, hit: BlockHits, amount: int, unit: str) -> np.ndarray:
        return self.dues.due(hit.at, hit.found, amount, unit)

    def not_before(self, hit: BlockHits, amount: int, unit: str) -> np.ndarray:
        return self.dues.not_before(hit.at, hit.found, amount, unit)

    @staticmethod
    def pick(condition, then, otherwise):
        return np.where(condition, then, otherwise)

    def value(self, hit: BlockHits, attribute: str) -> np.ndarray:
        """Each row's hit's attribute as a value code (-1: absent)."""
        codes = self.patterns.values[self.patterns.attribute(attribute)][self.block.shape_at(hit.position)]
        return np.where(hit.found, codes, -1)

    @staticmethod
    def none(values: np.ndarray) -> np.ndarray:
        return values < 0

    # a live session reports statuses and dues: what a finding's fields and explanation need is not asked here
    late_by = missing = lacking = staticmethod(lambda *args: None)


_CLOSED = Matcher("case_closed")


def register_patterns(compiled: CompiledPolicy, patterns: "Patterns") -> None:
    """Every pattern and compared attribute the rules' tables look at, known before the first block is judged."""
    patterns.pattern("case_closed", ())
    for rule in compiled.rules:
        for matcher in rule.patterns.values():
            patterns.pattern(matcher.event, matcher.where)
    recorder = _Recorder(empty_query(compiled), patterns)
    for rule in compiled.rules:
        rule.kind.decide(rule, recorder)


def empty_query(compiled: CompiledPolicy) -> ScalarQuery:
    """The scalar query of a case with no event: a rule's table run on it tells what the rule can owe."""
    return ScalarQuery(Context((), _EPOCH, compiled.calendar, compiled.labels))


class _Recorder:
    """A scalar query that also registers the attributes a table compares (channel values)."""

    def __init__(self, q: ScalarQuery, patterns: "Patterns") -> None:
        self._q, self._patterns = q, patterns

    def value(self, hit, attribute: str):
        self._patterns.attribute(attribute)
        return self._q.value(hit, attribute)

    def __getattr__(self, name: str):
        return getattr(self._q, name)


def vector_judges(compiled: CompiledPolicy, patterns: Patterns,
                  dues: "Dues") -> list[tuple[str, VectorJudge, str | None, bool]]:
    """(rule id, judge, event a pending finding expects, whether a case's first event must judge it) for each
    rule: the last is true for a rule that is not `not_applicable` on a case none of whose events it matches (an
    order rule owes its earlier step from the first event on), found by running its table on no event."""
    register_patterns(compiled, patterns)
    empty = empty_query(compiled)
    out = []
    for rule in compiled.rules:
        branches = rule.kind.decide(rule, empty)
        expects, _ = columns.owes(branches)
        untouched = next(branch.status for branch in branches if branch.when)
        out.append((rule.rule.id, _judge(rule, patterns, dues), expects, untouched != NOT_APPLICABLE))
    return out


def _judge(rule, patterns: Patterns, dues: "Dues") -> VectorJudge:
    def judge(b: Block) -> Judged:
        branches = rule.kind.decide(rule, BlockQuery(b, patterns, dues))
        chosen = columns.chosen_branches(branches, len(b.now))
        return columns.statuses(branches, chosen), columns.dues(branches, chosen)
    return judge


class Dues:
    """Due instants (µs) of periods after trigger instants: the calendar's own answer per local date (a due depends
    on the trigger's date only), remembered per date."""

    def __init__(self, calendar) -> None:
        from ..batch.zone_np import zone_columns

        self.calendar, self.tz = calendar, calendar.tz
        self.zone = zone_columns(calendar.timezone)  # local dates from the tz database, as calendar.local_date
        self._known: dict[tuple, int] = {}

    def due(self, triggers: np.ndarray, wanted: np.ndarray, amount: int, unit: str) -> np.ndarray:
        """calendar.due of each wanted trigger (NO_DUE elsewhere)."""
        return self._per_date(triggers, wanted, ("due", amount, unit),
                              lambda day: self.calendar.due(_noon(day, self.tz), amount, unit))

    def not_before(self, triggers: np.ndarray, wanted: np.ndarray, amount: int, unit: str) -> np.ndarray:
        """calendar.not_before of each wanted trigger (NO_DUE elsewhere)."""
        return self._per_date(triggers, wanted, ("not_before", amount, unit),
                              lambda day: self.calendar.not_before(_noon(day, self.tz), amount, unit))

    def _per_date(self, triggers: np.ndarray, wanted: np.ndarray, what: tuple, compute) -> np.ndarray:
        out = np.full(len(triggers), NO_DUE, dtype=np.int64)
        if not wanted.any():
            return out
        chosen = triggers[wanted]
        days = self.zone.local_day(chosen).astype(np.int64)  # local dates as day numbers
        unique, inverse = np.unique(days, return_inverse=True)
        known = self._known
        values = []
        for day in unique.tolist():
            key = (what, day)
            value = known.get(key)
            if value is None:
                if len(known) > 100_000:
                    known.clear()
                value = known[key] = _micros(compute(day))
            values.append(value)
        out[wanted] = np.array(values, dtype=np.int64)[inverse]
        return out


def _noon(day: int, tz) -> dt.datetime:
    """Noon local of a day number (days since 1970-01-01): an instant on that local date."""
    date = dt.date.fromordinal(day + 719_163)
    return dt.datetime(date.year, date.month, date.day, 12, tzinfo=tz)


def _micros(instant: dt.datetime) -> int:
    return (instant - _EPOCH) // dt.timedelta(microseconds=1)
