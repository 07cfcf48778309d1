"""Findings of a partition as arrays (status codes, instants in µs) and their Arrow form, one row per case."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from ..judge.status import BREACHED, CASE_STATUSES, NO_INSTANT, NOT_APPLICABLE, STATUSES, \
    at_risk as in_warning_window, case_status_codes
from .calendar_np import NumpyCalendar
from .columns import CASE_ID
from .tabular import CATEGORY, INCOMPLETE, action_type, finding_type, schema
from . import arrow_np

NONE = NO_INSTANT


class RuleResult:
    """Column arrays of one rule's findings over a partition (policykit.judge.status codes; instants in µs)."""

    def __init__(self, groups: int) -> None:
        self.status = np.full(groups, NOT_APPLICABLE, dtype=np.int8)
        self.trigger = np.full(groups, NONE)
        self.due = np.full(groups, NONE)
        self.fulfilled = np.full(groups, NONE)
        self.not_before = np.full(groups, NONE)
        self.late = np.full(groups, -1)
        self.unit: str | None = None
        self.action_due = np.full(groups, NONE)  # the due of the rule's action, where one is owed
        self.owing = np.zeros(groups, dtype=bool)  # the case's to-do list has this rule's action (SPEC §9)
        self.overdue = np.zeros(groups, dtype=bool)  # breached by time alone, the event still owed
        self.expects: str | None = None
        self.before: str | None = None  # an order rule's later event, for its pending step's action


def count(stats, results: list[RuleResult], table: pa.Table, compiled) -> None:
    """Add the cases' statuses, incomplete cases, breached rules and lateness to `stats`."""
    stats.cases += table.num_rows
    status = table.column("status").combine_chunks()  # assemble's codes into CASE_STATUSES: counted as integers
    numbers = np.bincount(status.indices.to_numpy(), minlength=len(status.dictionary))
    for name, number in zip(status.dictionary.to_pylist(), numbers.tolist()):
        if number:
            stats.by_status[name] += number
    stats.incomplete_cases += table.num_rows - table.column("incomplete").null_count
    for rule, r in zip(compiled.rules, results):
        breached = r.status == BREACHED
        if breached.any():
            stats.breached_rules[rule.rule.id] += int(breached.sum())
        late = breached & (r.late >= 0)
        if late.any() and r.unit:
            values, counts = np.unique(r.late[late], return_counts=True)
            bucket = stats.lateness.setdefault(r.unit, Counter())
            for v, c in zip(values.tolist(), counts.tolist()):
                bucket[v] += c


def _instants(micros: np.ndarray, tz: str) -> pa.Array:
    """Typed timestamps (microseconds: instants keep their precision, SPEC §4) in the policy's zone; NONE is null."""
    mask = micros == NONE
    return arrow_np.array(np.where(mask, 0, micros), pa.timestamp("us", tz=tz), mask=mask)


def _constant(values: list, count: int) -> pa.Array:
    """`values` repeated `count` times, as a string column built in Arrow (no Python objects per row)."""
    labels = list(dict.fromkeys(v for v in values if v is not None))
    codes = np.array([labels.index(v) if v is not None else 0 for v in values], dtype=np.int32)
    missing = np.array([v is None for v in values])
    return pa.DictionaryArray.from_arrays(arrow_np.array(np.tile(codes, count), pa.int32(),
                                                         mask=np.tile(missing, count) if missing.any() else None),
                                          pa.array(labels, pa.string()))


def _coded(codes: np.ndarray, labels: list, mask: np.ndarray | None = None) -> pa.Array:
    """String column from small integer codes into `labels`."""
    indices = arrow_np.array(codes, pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, pa.string()))


def assemble(policy, compiled, p, results, compensation, rejected, as_of_us, verdict_reading,
             action_rows: ActionRows) -> pa.Table:
    """The cases as a table in `tabular.schema`: findings and required actions (`action_rows`) nested; a case
    with rejected rows is marked incomplete and undetermined (SPEC §10)."""
    g, rules = p.groups, len(results)
    tz = policy.calendar.timezone
    def flat(attr: str) -> np.ndarray:  # each case's findings in rule order (none for a policy without rules)
        return np.stack([getattr(r, attr) for r in results], axis=1).ravel() if rules else np.zeros(0, np.int64)

    status_codes = np.stack([r.status for r in results], axis=1) if rules else np.zeros((g, 0), np.int8)
    late = flat("late")
    units = [r.unit for r in results]
    has_late = late >= 0
    unit_names = sorted({u for u in units if u})
    unit_codes = np.tile(np.array([unit_names.index(u) if u else 0 for u in units], dtype=np.int64), g)
    findings = pa.StructArray.from_arrays([
        _constant([r.rule.id for r in compiled.rules], g),
        _constant([r.rule.kind for r in compiled.rules], g),
        _coded(status_codes.ravel() - 1, list(STATUSES)),
        _instants(flat("trigger"), tz), _instants(flat("due"), tz), _instants(flat("fulfilled"), tz),
        _instants(flat("not_before"), tz),
        arrow_np.array(late, pa.int64(), mask=~has_late),
        _coded(unit_codes, unit_names or [""], mask=~has_late),
        _constant([r.kind.constant(r).get("reading") for r in compiled.rules], g),
    ], fields=list(finding_type(tz)))
    finding_lists = pa.ListArray.from_arrays(arrow_np.array(np.arange(g + 1) * rules, pa.int32()), findings)
    actions = _actions(action_rows, g, tz)
    codes, comp_table = compensation
    combos = sorted(comp_table)
    combo_index = np.searchsorted(np.array(combos), codes)
    comp_status = _coded(combo_index, [comp_table[c].status for c in combos])
    unknown_lists = pa.array([list(comp_table[c].unknown_facts) for c in combos], pa.list_(CATEGORY))
    comp_unknown = unknown_lists.take(arrow_np.indices(combo_index))
    case_codes = case_status_codes(status_codes.T)
    incomplete = rejected > 0
    case_codes[incomplete] = CASE_STATUSES.index("undetermined")
    as_of_column = arrow_np.array(np.full(g, as_of_us), pa.timestamp("us", tz=tz))
    case_ids = p.table.column(CASE_ID).take(arrow_np.indices(p.starts))
    marks = pa.StructArray.from_arrays([arrow_np.array(rejected, pa.int64())], fields=list(INCOMPLETE),
                                       mask=arrow_np.array(~incomplete, pa.bool_()))
    return pa.Table.from_arrays([
        case_ids.combine_chunks() if isinstance(case_ids, pa.ChunkedArray) else case_ids,
        _coded(case_codes, list(CASE_STATUSES)),
        _constant([policy.id], g), _constant([policy.version], g), as_of_column,
        _constant([verdict_reading], g), comp_status, comp_unknown,
        finding_lists, actions, marks], schema=schema(tz))


class ActionRows:
    """SPEC §9 required actions of a partition's cases as arrays, one row per action, sorted by case then in the
    to-do list's order (overdue first, then by due, open-ended last, then rule id): `owing` lists the rules
    that can owe one (compiled rule, result), `rule` numbers into it."""

    def __init__(self, compiled, results, groups: int, cal: NumpyCalendar, as_of_us: int, settings) -> None:
        parts: list[tuple] = []
        at_risk = settings.at_risk
        self.owing = [(rule, r) for rule, r in zip(compiled.rules, results) if r.expects is not None]
        # each owing rule by its number: the rule id's rank orders ties
        rank = np.argsort(np.argsort(np.array([rule.rule.id for rule, _ in self.owing], dtype=object),
                                     kind="stable"), kind="stable") if self.owing else np.zeros(0, np.int64)
        for number, (_, r) in enumerate(self.owing):
            owed = np.flatnonzero(r.owing)
            if not len(owed):
                continue
            overdue = r.overdue[owed]
            due = r.action_due[owed]
            trigger = r.trigger[owed]
            has_due = (due != NONE) & ~overdue
            risk = np.zeros(len(owed), dtype=bool)
            if has_due.any():
                d, t = due[has_due], trigger[has_due]
                left = cal.working_days_left(np.full(len(d), as_of_us), d)
                risk[has_due] = in_warning_window(t, d, as_of_us, left, at_risk.fraction, at_risk.working_days)
            parts.append((owed, due, np.full(len(owed), number, dtype=np.int64), risk, overdue))
        case, due, rule, risk, overdue = (np.concatenate(column) for column in zip(*parts)) if parts else \
            (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, bool))
        order = np.lexsort((rank[rule], due, ~overdue, case))
        self.case, self.due, self.rule, self.risk, self.overdue = (a[order] for a in (case, due, rule, risk, overdue))
        self.offsets = np.r_[0, np.cumsum(np.bincount(self.case, minlength=groups))]


def _actions(rows: ActionRows, g: int, tz: str) -> pa.Array:
    """The required actions of each case as a list column."""
    if not len(rows.case):
        return pa.ListArray.from_arrays(pa.array(np.zeros(g + 1, np.int32)), pa.array([], action_type(tz)))
    owing, rule = rows.owing, rows.rule
    values = pa.StructArray.from_arrays([_labels(rule, [r.expects for _, r in owing]), _instants(rows.due, tz),
                                         _labels(rule, [rule.rule.id for rule, _ in owing]),
                                         arrow_np.array(rows.risk, pa.bool_()), arrow_np.array(rows.overdue, pa.bool_()),
                                         _labels(rule, [r.before for _, r in owing])],
                                        fields=list(action_type(tz)))
    return pa.ListArray.from_arrays(arrow_np.array(rows.offsets, pa.int32()), values)


def _labels(numbers: np.ndarray, labels: list) -> pa.Array:
    """A dictionary column of `labels[number]` for each number (null where the label is None)."""
    distinct = list(dict.fromkeys(v for v in labels if v is not None))
    codes = np.array([distinct.index(v) if v is not None else 0 for v in labels], dtype=np.int32)
    missing = np.array([v is None for v in labels])
    return _coded(codes[numbers], distinct or [""], mask=missing[numbers] if missing.any() else None)
