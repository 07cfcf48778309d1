"""The four rule kinds judged for many cases at once, on blocks of event columns: live.fastjudge's statuses,
branch for branch, with numpy (tests/batch_live/test_live_columnar.py holds the two equal)."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import numpy as np

from ..rules import ChannelCheck, CompiledPolicy, DeadlineCheck, ObligationCheck, OrderCheck

# status codes of the judged-state arrays; NONE: never judged
NONE, NOT_APPLICABLE, UNDETERMINED, PENDING, MET, BREACHED = range(6)
STATUS = (None, "not_applicable", "undetermined", "pending", "met", "breached")
NO_DUE = np.iinfo(np.int64).min
LATEST = np.iinfo(np.int64).max  # the instant of a padding cell: sorts after every event
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_DAY_US = 86_400_000_000


class Block:
    """Event columns of R cases (one row each), in time order, ties in arrival order; padding cells have shape 0
    and instant LATEST.  `now` is each row's clock."""

    __slots__ = ("shapes", "ats", "now", "_patterns", "_cols")

    def __init__(self, shapes: np.ndarray, ats: np.ndarray, now: np.ndarray) -> None:
        self.shapes, self.ats, self.now = shapes, ats, now
        self._patterns: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self._cols = np.arange(shapes.shape[1])

    def rows(self, chosen: np.ndarray) -> "Block":
        """The block of some of these rows."""
        return Block(self.shapes[chosen], self.ats[chosen], self.now[chosen])

    def matches(self, patterns: "Patterns", key: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Each cell's (match, undecidable) for a pattern; None when no shape is undecidable for it."""
        found = self._patterns.get(key)
        if found is None:
            maybe = patterns.maybe[key]
            found = self._patterns[key] = (patterns.hits[key][self.shapes],
                                           maybe[self.shapes] if maybe is not None else None)
        return found

    def find(self, m: tuple[np.ndarray, np.ndarray | None], lo: np.ndarray | None = None,
             hi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(first match in [lo, hi) or -1, whether an undecidable cell came before it): fastjudge.find per row."""
        hit, maybe = m  # shared by every find on this block: never changed in place
        if lo is not None or hi is not None:
            inside = self._cols >= lo[:, None] if lo is not None else None
            if hi is not None:
                below = self._cols < hi[:, None]
                inside = below if inside is None else inside & below
            hit = hit & inside
            if maybe is not None:
                maybe = maybe & inside
        found = hit.any(axis=1)
        position = np.where(found, hit.argmax(axis=1), -1)
        if maybe is None or not maybe.any():
            return position, np.zeros(len(position), dtype=bool)
        limit = np.where(found, position, hit.shape[1])
        return position, (maybe & (self._cols < limit[:, None])).any(axis=1)

    def at(self, position: np.ndarray) -> np.ndarray:
        """The instant at each row's position (any value where the position is -1)."""
        return np.take_along_axis(self.ats, np.maximum(position, 0)[:, None], axis=1)[:, 0]

    def shape_at(self, position: np.ndarray) -> np.ndarray:
        """The shape code at each row's position, 0 where the position is -1."""
        codes = np.take_along_axis(self.shapes, np.maximum(position, 0)[:, None], axis=1)[:, 0]
        return np.where(position >= 0, codes, 0)


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
    """fastjudge.find's view of one event: 1 matches, 2 undecidable (a needed attribute missing), 0 not."""
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


def vector_judges(compiled: CompiledPolicy, patterns: Patterns,
                  dues: "Dues") -> list[tuple[str, VectorJudge, str | None]]:
    """(rule id, judge, event a pending finding expects) for each rule; None when a kind has no vector judge."""
    closed = patterns.pattern("case_closed", ())
    out = []
    for check in compiled.rules:
        if isinstance(check, DeadlineCheck):
            out.append((check.rule.id, _deadline(check, patterns, closed, dues), check.fulfilled_by.event))
        elif isinstance(check, OrderCheck):
            out.append((check.rule.id, _order(check, patterns, closed), check.first.event))
        elif isinstance(check, ObligationCheck):
            out.append((check.rule.id, _obligation(check, patterns, closed), check.require.event))
        elif isinstance(check, ChannelCheck):
            out.append((check.rule.id, _channel(check, patterns), None))
        else:
            raise TypeError(f"no vector judge for {type(check).__name__}")
    return out


def _select(conditions: list, codes: list, default: int) -> np.ndarray:
    return np.select(conditions, [np.int8(code) for code in codes], np.int8(default)).astype(np.int8)


def _deadline(check: DeadlineCheck, patterns: Patterns, closed: int, dues: "Dues") -> VectorJudge:
    trigger = patterns.pattern(check.trigger.event, check.trigger.where)
    done_key = patterns.pattern(check.fulfilled_by.event, check.fulfilled_by.where)
    amount, unit, bound = check.rule.period.amount, check.rule.period.unit, check.bound

    def judge(b: Block) -> Judged:
        start, unknown = b.find(b.matches(patterns, trigger))
        after = start + 1
        done, done_unknown = b.find(b.matches(patterns, done_key), lo=after)
        closing = b.find(b.matches(patterns, closed), lo=after)[0]
        started = start >= 0
        has_done, has_closed = done >= 0, closing >= 0
        done_at = b.at(done)
        no_due = np.full(len(start), NO_DUE, dtype=np.int64)
        if bound == "at_most":
            judged = started & ~unknown & ~done_unknown
            due = dues.due(b.at(start), judged, amount, unit)
            stop = np.where(has_closed, b.at(closing), b.now)
            status = _select([unknown, ~started, done_unknown, has_done & (done_at <= due), has_done, stop > due,
                              has_closed], [UNDETERMINED, NOT_APPLICABLE, UNDETERMINED, MET, BREACHED, BREACHED,
                                            BREACHED], PENDING)
            return status, np.where(judged, due, no_due)
        early = np.zeros(len(start), dtype=bool)
        if bound == "at_least":
            earliest = dues.not_before(b.at(start), started & ~unknown & ~done_unknown & has_done, amount, unit)
            early = has_done & (done_at < earliest)
        status = _select([unknown, ~started, done_unknown, early, has_done, has_closed],
                         [UNDETERMINED, NOT_APPLICABLE, UNDETERMINED, BREACHED, MET, BREACHED], PENDING)
        return status, no_due
    return judge


def _order(check: OrderCheck, patterns: Patterns, closed: int) -> VectorJudge:
    first_key = patterns.pattern(check.first.event, check.first.where)
    then_key = patterns.pattern(check.then.event, check.then.where)

    def judge(b: Block) -> Judged:
        then, unknown = b.find(b.matches(patterns, then_key))
        # before the later step, the earlier one anywhere (neither yet on an open case: it is owed, SPEC §9)
        limit = np.where(then >= 0, then, b.shapes.shape[1])
        first, first_unknown = b.find(b.matches(patterns, first_key), hi=limit)
        closing = b.find(b.matches(patterns, closed))[0]
        waiting = then < 0
        status = _select([unknown, waiting & (first >= 0), waiting & first_unknown, waiting & (closing >= 0), waiting,
                          first >= 0, first_unknown],
                         [UNDETERMINED, NOT_APPLICABLE, UNDETERMINED, NOT_APPLICABLE, PENDING, MET, UNDETERMINED],
                         BREACHED)
        return status, np.full(len(then), NO_DUE, dtype=np.int64)
    return judge


def _obligation(check: ObligationCheck, patterns: Patterns, closed: int) -> VectorJudge:
    when_key = patterns.pattern(check.when.event, check.when.where)
    require_key = patterns.pattern(check.require.event, check.require.where)
    before_key = patterns.pattern(check.before.event, check.before.where) if check.before is not None else None

    def judge(b: Block) -> Judged:
        start, unknown = b.find(b.matches(patterns, when_key))
        after = start + 1
        done, done_unknown = b.find(b.matches(patterns, require_key), lo=after)
        if before_key is not None:
            limit = b.find(b.matches(patterns, before_key), lo=after)[0]
        else:
            limit = np.full(len(start), -1)
        closing = b.find(b.matches(patterns, closed), lo=after)[0]
        status = _select([unknown, start < 0, (done >= 0) & ((limit < 0) | (done < limit)), done_unknown,
                          (limit >= 0) | (closing >= 0)],
                         [UNDETERMINED, NOT_APPLICABLE, MET, UNDETERMINED, BREACHED], PENDING)
        return status, np.full(len(start), NO_DUE, dtype=np.int64)
    return judge


def _channel(check: ChannelCheck, patterns: Patterns) -> VectorJudge:
    rule = check.rule
    event_key = patterns.pattern(check.event.event, check.event.where)
    reference_key = patterns.pattern(rule.must_equal_event, ())
    agreed_key, used_key = patterns.attribute(rule.must_equal_attribute), patterns.attribute(rule.attribute)

    def judge(b: Block) -> Judged:
        hit, unknown = b.find(b.matches(patterns, event_key))
        reference = b.find(b.matches(patterns, reference_key))[0]
        agreed = np.where(reference >= 0, patterns.values[agreed_key][b.shape_at(reference)], -1)
        used = patterns.values[used_key][b.shape_at(hit)]
        status = _select([unknown, hit < 0, agreed < 0, used < 0, used == agreed],
                         [UNDETERMINED, NOT_APPLICABLE, NOT_APPLICABLE, UNDETERMINED, MET], BREACHED)
        return status, np.full(len(hit), NO_DUE, dtype=np.int64)
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
