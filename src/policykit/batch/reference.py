"""The reference path: each case of a grouped partition built as a Case and judged by `evaluate()`."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import numpy as np
import pyarrow as pa

from ..case import Case, Event
from ..config import Settings
from ..engine import evaluate
from ..verdict import Verdict
from .columns import CASE_ID, LINE, TYPE
from .normalize import AT_US, REJECTED

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def case_bounds(codes: np.ndarray) -> np.ndarray:
    """Start offsets of each run of equal codes, plus the end (codes grouped)."""
    if len(codes) == 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return np.r_[starts, len(codes)]


def cases_of(table: pa.Table, bounds: np.ndarray, attributes: tuple[str, ...], facts: tuple[str, ...],
             rows: np.ndarray | None = None) -> Iterator[tuple[Case, list[tuple[int, str]]]]:
    """(Case, rejects) for each group (all, or only group numbers in `rows`); a contradicting fact is rejected, and
    is then unknown for its case."""
    data = {name: table.column(name).to_pylist() for name in (CASE_ID, TYPE, LINE, *attributes, *facts)}
    at_us = table.column(AT_US).to_numpy()
    placeholder = table.column(REJECTED).to_numpy(zero_copy_only=False)
    groups = range(len(bounds) - 1) if rows is None else rows
    for g in groups:
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        # events are grouped and time-sorted; the case's file order is the order of the log's lines; a rejected
        # row kept for its case (SPEC §10) is no event
        order = sorted((i for i in range(lo, hi) if not placeholder[i]), key=lambda i: data[LINE][i])
        index_of = {row: index for index, row in enumerate(order)}
        events = []
        for i in range(lo, hi):
            if placeholder[i]:
                continue
            attrs = {a: data[a][i] for a in attributes if data[a][i] is not None}
            at = _EPOCH + dt.timedelta(microseconds=int(at_us[i]))
            events.append(Event(index=index_of[i], type=data[TYPE][i], at=at, attrs=attrs))
        case_facts: dict[str, bool | None] = {}
        contradicted: set[str] = set()
        rejects = []
        for i in order:
            for fact in facts:
                value = data[fact][i]
                if value is None:
                    continue
                if case_facts.get(fact) is None:
                    case_facts[fact] = value
                elif case_facts[fact] != value:
                    rejects.append((data[LINE][i], f"fact '{fact}' contradicts an earlier row of this case"))
                    contradicted.add(fact)
        for fact in contradicted:  # which of its values is true cannot be told: unknown, never guessed
            del case_facts[fact]
        yield Case(case_id=data[CASE_ID][lo], events=tuple(events), facts=case_facts), rejects


def rejected_counts(table: pa.Table, bounds: np.ndarray) -> np.ndarray:
    """Per group, how many of its rows were rejected (kept as placeholders by normalise)."""
    if len(bounds) < 2:
        return np.zeros(0, dtype=np.int64)
    flags = table.column(REJECTED).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.add.reduceat(flags, bounds[:-1]) if len(flags) else np.zeros(len(bounds) - 1, dtype=np.int64)


def incomplete(rejected: int) -> dict | None:
    """SPEC §10: the `incomplete` member of a case with rejected rows (None when none was)."""
    return {"rejected_rows": int(rejected)} if rejected else None


def mark_incomplete(row: dict, rejected: int) -> dict:
    """A verdict row (tabular or JSON) of a case with `rejected` rows rejected: listed, undetermined (SPEC §10)."""
    row["incomplete"] = incomplete(rejected)
    if rejected:
        row["status"] = "undetermined"
    return row


def judge(policy, cases: Iterator[tuple[Case, list]], as_of: dt.datetime,
          settings: Settings) -> Iterator[tuple[Verdict, list]]:
    """The reference verdict of each case under the run's configuration (`Job.settings`)."""
    for case, rejects in cases:
        yield evaluate(policy, case, as_of, settings.reading, at_risk=settings.at_risk), rejects
