"""The columnar fast path: every rule kind as comparisons of first-occurrence positions and numpy business-day
arithmetic over a whole partition.  Cases it cannot decide exactly (missing pattern attributes, contradicting
facts) are sent to `evaluate()`; a differential test holds it equal to `evaluate()` case by case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from ..compensation import assess
from ..config import load_settings
from ..rules import ChannelCheck, DeadlineCheck, Matcher, ObligationCheck, OrderCheck, compile_policy
from .calendar_np import NumpyCalendar
from .columns import LINE, TYPE
from .normalize import AT_US, REJECTED
from .reference import rejected_counts
from .findings_np import BREACHED, MET, NONE, PENDING, SECOND, UNDETERMINED, RuleResult, assemble, count
from .tabular import rows_table, verdict_row

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

class Partition:
    """A grouped partition as numpy arrays, with first-occurrence queries per case."""

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
        types = table.column(TYPE).combine_chunks().dictionary_encode()
        self._type_codes = types.indices.to_numpy(zero_copy_only=False)
        self._type_index = {v: i for i, v in enumerate(types.dictionary.to_pylist())}
        self._columns: dict[str, np.ndarray] = {}
        self.unknown = np.zeros(self.groups, dtype=bool)

    def column(self, name: str) -> np.ndarray:
        """An attribute column as an object array (None where absent)."""
        if name not in self._columns:
            self._columns[name] = np.asarray(self.table.column(name).to_numpy(zero_copy_only=False), dtype=object)
        return self._columns[name]

    def is_type(self, event: str) -> np.ndarray:
        """Rows of this event type."""
        code = self._type_index.get(event)
        return np.zeros(self.n, bool) if code is None else self._type_codes == code

    def matches(self, matcher: Matcher) -> np.ndarray:
        """Seen rows matching `matcher`; cases with a row that lacks a needed attribute are marked unknown."""
        rows = self.is_type(matcher.event) & self.seen
        for name, value in matcher.where:
            values = self.column(name)
            missing = rows & np.equal(values, None)
            if missing.any():
                self.unknown[self.gid[missing]] = True
            rows = rows & (values == value)
        return rows

    def first(self, rows: np.ndarray, after: np.ndarray | None = None,
              before: np.ndarray | None = None) -> np.ndarray:
        """Per case, the global row index of the first row in `rows` strictly between positions; NONE if none."""
        cond = rows
        if after is not None:
            cond = cond & (self.pos > after[self.gid])
        if before is not None:
            cond = cond & (self.pos < before[self.gid])
        idx = np.where(cond, np.arange(self.n), NONE)
        return np.minimum.reduceat(idx, self.starts) if self.n else np.zeros(0, np.int64)

    def position(self, first: np.ndarray) -> np.ndarray:
        """Positions within the case of first-occurrence rows (NONE stays NONE)."""
        found = first != NONE
        out = np.full(len(first), NONE)
        out[found] = first[found] - self.starts[found]
        return out

    def at_of(self, first: np.ndarray) -> np.ndarray:
        """Instants (µs) of first-occurrence rows (NONE stays NONE)."""
        out = np.full(len(first), NONE)
        found = first != NONE
        out[found] = self.at[first[found]]
        return out


def _deadline(check: DeadlineCheck, p: Partition, cal: NumpyCalendar, as_of_us: int) -> RuleResult:
    r = RuleResult(p.groups)
    trig = p.first(p.matches(check.trigger))
    triggered = trig != NONE
    tpos = p.position(trig)
    done = p.first(p.matches(check.fulfilled_by), after=tpos)
    closed = p.first(p.is_type("case_closed") & p.seen, after=tpos)
    start, done_at = p.at_of(trig), p.at_of(done)
    has_done, has_closed = done != NONE, closed != NONE
    r.trigger[triggered] = start[triggered]
    period = check.rule.period
    r.expects = check.fulfilled_by.event
    r.status[triggered] = PENDING
    r.status[triggered & ~has_done & has_closed] = BREACHED
    if check.bound == "at_most":
        due = cal.due(np.where(triggered, start, 0), period.amount, period.unit)
        r.due[triggered] = due[triggered]
        met = triggered & has_done & (done_at <= due)
        late = triggered & has_done & ~met
        # a closed case stops the clock: lateness runs to the closure, not to as_of (as rules.py)
        stop = np.where(has_closed, p.at_of(closed), as_of_us)
        overdue = triggered & ~has_done & (stop > due)
        r.overdue = overdue & ~has_closed  # still owed: SPEC §9
        r.status[met] = MET
        r.status[late | overdue] = BREACHED
        r.fulfilled[has_done & triggered] = done_at[has_done & triggered]
        r.late[late] = cal.late_by(due[late], done_at[late], period.unit)
        r.late[overdue] = cal.late_by(due[overdue], stop[overdue], period.unit)
        return r
    r.fulfilled[has_done & triggered] = done_at[has_done & triggered]
    if check.bound == "at_least":
        earliest = cal.not_before(np.where(triggered, start, 0), period.amount, period.unit)
        r.not_before[triggered] = earliest[triggered]
        r.status[triggered & has_done] = np.where(done_at < earliest, BREACHED, MET)[triggered & has_done]
    else:
        r.status[triggered & has_done] = MET
    return r


def _order(check: OrderCheck, p: Partition) -> RuleResult:
    r = RuleResult(p.groups)
    then = p.first(p.matches(check.then))
    happened = then != NONE
    first = p.first(p.matches(check.first), before=p.position(then))
    in_order = happened & (first != NONE)
    r.status[happened] = BREACHED
    r.status[in_order] = MET
    r.trigger[in_order] = p.at_of(first)[in_order]
    r.fulfilled[happened] = p.at_of(then)[happened]
    # neither step yet on an open case: the earlier one is owed before the later (SPEC §9)
    closed = p.first(p.is_type("case_closed") & p.seen) != NONE
    r.status[~happened & ~closed & (first == NONE)] = PENDING
    r.expects, r.before = check.first.event, check.then.event
    return r


def _obligation(check: ObligationCheck, p: Partition) -> RuleResult:
    r = RuleResult(p.groups)
    cond = p.first(p.matches(check.when))
    arisen = cond != NONE
    cpos = p.position(cond)
    done = p.first(p.matches(check.require), after=cpos)
    limit = p.first(p.matches(check.before), after=cpos) if check.before else np.full(p.groups, NONE)
    closed = p.first(p.is_type("case_closed") & p.seen, after=cpos)
    has_done, has_limit = done != NONE, limit != NONE
    met = arisen & has_done & (~has_limit | (done < limit))
    r.expects = check.require.event
    r.trigger[arisen] = p.at_of(cond)[arisen]
    r.status[arisen] = PENDING
    r.status[arisen & (closed != NONE)] = BREACHED
    r.status[arisen & has_limit] = BREACHED
    r.status[met] = MET
    with_done = arisen & has_done & (met | has_limit)
    r.fulfilled[with_done] = p.at_of(done)[with_done]
    return r


def _channel(check: ChannelCheck, p: Partition) -> RuleResult:
    r = RuleResult(p.groups)
    rule = check.rule
    hit = p.first(p.matches(check.event))
    ref = p.first(p.is_type(rule.must_equal_event) & p.seen)
    agreed = np.full(p.groups, None, dtype=object)
    has_ref = ref != NONE
    agreed[has_ref] = p.column(rule.must_equal_attribute)[ref[has_ref]]
    used = np.full(p.groups, None, dtype=object)
    has_hit = hit != NONE
    used[has_hit] = p.column(rule.attribute)[hit[has_hit]]
    applies = has_hit & np.not_equal(agreed, None)
    r.status[applies] = np.where(np.equal(used, None), UNDETERMINED, np.where(used == agreed, MET, BREACHED))[applies]
    r.trigger[applies] = p.at_of(ref)[applies]
    r.fulfilled[applies] = p.at_of(hit)[applies]
    return r


def columnar_verdicts(policy, table: pa.Table, bounds: np.ndarray, job, stats, rejects) -> pa.Table | None:
    """Tabular verdicts of a grouped partition, or None when this policy needs the reference path throughout."""
    if len(policy.versions) > 1:
        return None
    settings = load_settings()
    reading = job.reading if job.reading is not None else settings.reading
    compiled = compile_policy(policy, reading)
    as_of = dt.datetime.fromisoformat(job.as_of)
    as_of_us = (as_of - _EPOCH) // dt.timedelta(microseconds=1)  # exact, before 1970 too
    p = Partition(table, bounds, as_of_us)
    if p.groups == 0:
        return rows_table([], policy.calendar.timezone)
    events = p.at[~p.placeholder]  # rejected rows kept for their case (SPEC §10) are no events
    cal = NumpyCalendar.for_range(compiled.calendar, events.min(initial=as_of_us), max(events.max(initial=0), as_of_us))
    results = []
    for check in compiled.rules:
        if isinstance(check, DeadlineCheck):
            results.append(_deadline(check, p, cal, as_of_us))
        elif isinstance(check, OrderCheck):
            results.append(_order(check, p))
        elif isinstance(check, ObligationCheck):
            results.append(_obligation(check, p))
        elif isinstance(check, ChannelCheck):
            results.append(_channel(check, p))
        else:
            return None
    compensation, contradicted = _compensation(policy, p, job.facts)
    rejected = rejected_counts(table, bounds)
    fallback = p.unknown | contradicted | (rejected > 0)  # incomplete cases (SPEC §10) take the reference path
    fast = ~fallback
    used = sorted({c.reading for c in compiled.rules if isinstance(c, DeadlineCheck)})
    verdict_reading = reading or (used[0] if len(used) == 1 else None)
    fast_table = assemble(policy, compiled, p, results, compensation, fast, cal, as_of, as_of_us,
                           verdict_reading, settings)
    count(stats, results, fast, compiled, cal)
    stats.events = table.num_rows - int(rejected.sum())
    if not fallback.any():
        return fast_table
    from .reference import cases_of, judge, mark_incomplete

    slow_rows = []
    slow = np.flatnonzero(fallback)
    for count_rejected, (verdict, bad) in zip(rejected[slow].tolist(), judge(
            policy, cases_of(table, bounds, job.attributes, job.facts, slow), as_of, job.reading)):
        row = mark_incomplete(verdict_row(verdict), count_rejected)
        slow_rows.append(row)
        stats.add_verdict_row(row)
        rejects.extend(bad)
    stats.fallback_cases += len(slow_rows)
    return pa.concat_tables([fast_table, rows_table(slow_rows, policy.calendar.timezone)])


def _compensation(policy, p: Partition, facts: tuple[str, ...]):
    """Per case (status, unknown facts) via `assess` on each distinct combination of facts; contradicting cases."""
    contradicted = np.zeros(p.groups, dtype=bool)
    codes = np.zeros(p.groups, dtype=np.int64)
    names = list(facts)
    for k, fact in enumerate(names):
        column = p.table.column(fact)
        if column.null_count == len(column):
            codes = codes * 3
            continue
        values = column.cast(pa.int64()).fill_null(-1).to_numpy()
        line = p.table.column(LINE).to_numpy()
        # the case's value is its first non-empty cell in file order; another value later is a contradiction
        known = values >= 0
        first_line = np.where(known, line, NONE)
        first = np.minimum.reduceat(first_line, p.starts)
        chosen = np.full(p.groups, -1)
        hit = known & (line == first[p.gid])
        chosen[p.gid[hit]] = values[hit]
        lo = np.maximum.reduceat(np.where(known, values, -1), p.starts)
        hi_min = np.minimum.reduceat(np.where(known, values, 2), p.starts)
        contradicted |= (lo >= 0) & (hi_min != lo)
        codes = codes * 3 + (chosen + 1)
    table: dict[int, tuple[str, list[str]]] = {}
    for code in np.unique(codes).tolist():
        digits, rest = [], code
        for _ in names:
            digits.append(rest % 3)
            rest //= 3
        digits.reverse()
        facts_map = {n: (None if d == 0 else d == 2) for n, d in zip(names, digits) if d != 0}
        result = assess(policy.compensation, facts_map)
        table[code] = (result.status, list(result.unknown_facts))
    return (codes, table), contradicted


