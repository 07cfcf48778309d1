"""The required actions (SPEC §9) of a columnar live session's held cases, found by running the rules' own decision
tables (policykit.judge) over the session's event columns: what `evaluate()` lists, without a verdict per case."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Callable

import numpy as np

from ..engine import action
from ..judge import columns
from ..judge.scalar import rule_texts
from ..judge.status import NO_INSTANT, action_order, at_risk as in_warning_window
from ..judge.table import instant
from ..timeparse import iso
from .vector import BlockQuery, empty_query


class Owed:
    """The actions owed on some rows, one entry per action, as arrays: each one's place in the rows asked about,
    version, rule (its number in that version's rules), overdue, due (µs, NO_INSTANT: open-ended) and at_risk."""

    __slots__ = ("place", "version", "rule", "overdue", "due", "risk")

    def __init__(self, parts: list[tuple[np.ndarray, ...]]) -> None:
        if parts:
            joined = [np.concatenate(column) for column in zip(*parts)]
        else:
            joined = [np.zeros(0, np.int64)] * 3 + [np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool)]
        self.place, self.version, self.rule, self.overdue, self.due, self.risk = joined

    def __len__(self) -> int:
        return len(self.place)


def owed(session, rows: np.ndarray, limits: np.ndarray, now: np.ndarray, stop: Callable[[], None] | None = None,
         wanted: np.ndarray | None = None) -> Owed:
    """The actions owed on each row's first `limits` arrivals at its `now` (µs), as `evaluate()` lists them: a rule
    owes one where its table's chosen branch owes (policykit.judge.columns.owing), at risk in the warning window.
    `wanted` (rows × the session's rule columns): only those rules of each row.  `stop()` is called between blocks
    (it raises to give up)."""
    parts: list[tuple[np.ndarray, ...]] = []
    at_risk = session.settings.at_risk
    session.patterns.grow(session.shapes)
    days_left: dict[tuple[int, int, int], int] = {}
    for positions, block in session.book.blocks(rows, limits, now):
        if stop is not None:
            stop()
        for version, picked in session._by_version(block):
            part = block if picked is None else block.rows(picked)
            at = positions if picked is None else positions[picked]
            compiled = session.versions[version]
            query = BlockQuery(part, session.patterns, session.dues_of[version])
            for number, (column, _) in enumerate(session.judges_of[version]):
                if wanted is not None and not wanted[at, column].any():
                    continue
                rule = compiled.rules[number]
                branches = rule.kind.decide(rule, query)
                chosen = columns.chosen_branches(branches, len(part.now))
                owing = columns.owing(branches, chosen)
                if wanted is not None:
                    owing &= wanted[at, column]
                where = np.flatnonzero(owing)
                if not len(where):
                    continue
                overdue = columns.overdue(branches, chosen)[where]
                due = columns.dues(branches, chosen)[where]
                trigger = columns.fields(columns.made(branches, chosen), chosen)["trigger_at"][where]
                clock = part.now[where]
                # as engine.is_at_risk: never overdue, never without a due or a trigger
                timed = np.flatnonzero(~overdue & (due != NO_INSTANT) & (trigger != NO_INSTANT))
                risk = np.zeros(len(where), dtype=bool)
                if len(timed):
                    left = np.array([_days_left(days_left, compiled.calendar, version, c, d) for c, d in
                                     zip(clock[timed].tolist(), due[timed].tolist())], dtype=np.int64)
                    risk[timed] = in_warning_window(trigger[timed], due[timed], clock[timed], left,
                                                    at_risk.fraction, at_risk.working_days)
                parts.append((at[where], np.full(len(where), version), np.full(len(where), number), overdue, due,
                              risk))
    return Owed(parts)


def _days_left(known: dict, calendar, version: int, now: int, due: int) -> int:
    """calendar.working_days_left(now, due), remembered (a to-do list has few distinct dues and clocks)."""
    key = (version, now, due)
    found = known.get(key)
    if found is None:
        found = known[key] = calendar.working_days_left(instant(now), instant(due))
    return found


class Actions:
    """Action objects as `evaluate()` writes them (`engine.action`, JSON form), made once per rule, overdue, risk
    and due of a session, and handed out as copies."""

    def __init__(self, session) -> None:
        self.session = session
        self._made: dict[tuple, dict] = {}

    def of(self, version: int, number: int, overdue: bool, due: int, risk: bool) -> dict:
        """The JSON form of one action (a fresh dict: a caller may change it)."""
        key = (version, number, overdue, due, risk)
        made = self._made.get(key)
        if made is None:
            compiled = self.session.versions[version]
            rule = compiled.rules[number]
            expects, before = columns.owes(rule.kind.decide(rule, empty_query(compiled)))
            label, clause = rule_texts(rule.rule)
            owner = SimpleNamespace(rule=rule.rule.id, label=label, clause=clause)
            shown = None if due == NO_INSTANT else iso(instant(due), compiled.calendar.tz)
            made = self._made[key] = action(owner, expects, shown, overdue, before, compiled.labels,
                                            risk).model_dump()
        return {**made, "label": dict(made["label"]), "clause": dict(made["clause"])}


def actions_at(session, rows: np.ndarray, limits: np.ndarray, now: np.ndarray,
               wanted: np.ndarray) -> dict[tuple[int, int], dict]:
    """For each row at its moment (its first `limits` arrivals at its `now`) and each rule column `wanted` there
    (rows × the session's rule columns): the action the case's verdict lists for that rule at that moment, as
    `to_do` writes it, by (place in the rows, rule column); a rule that owes none then is absent.  What a Change's
    new actions are."""
    found = owed(session, rows, limits, now, wanted=wanted)
    made, by = Actions(session), {}
    for place, version, number, overdue, due, risk in zip(*(getattr(found, name).tolist() for name in (
            "place", "version", "rule", "overdue", "due", "risk"))):
        by[(place, session.judges_of[version][number][0])] = made.of(version, number, overdue, due, risk)
    return by


def to_do(session, until: dt.datetime | None = None, stop: Callable[[], None] | None = None) -> list[dict]:
    """Every held case's required actions at the session's clock, `{"case_id", ...the action}`: overdue first, then
    by due (open-ended last), case id, rule id; with `until`, only those due at or before it."""
    book = session.book
    case_ids = list(book.index)
    rows = np.fromiter(book.index.values(), dtype=np.int64, count=len(case_ids))
    found = owed(session, rows, book.counts[rows], np.full(len(rows), session.now_us, dtype=np.int64), stop)
    keep = np.ones(len(found), dtype=bool)
    if until is not None:
        limit = (until - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)
        keep = (found.due != NO_INSTANT) & (found.due <= limit)
    made, entries = Actions(session), []
    rule_ids = [[rule.rule.id for rule in compiled.rules] for compiled in session.versions]
    for place, version, number, overdue, due, risk in zip(*(getattr(found, name)[keep].tolist() for name in (
            "place", "version", "rule", "overdue", "due", "risk"))):
        rule_id = rule_ids[version][number]
        order = action_order(overdue, None if due == NO_INSTANT else due, rule_id)
        entries.append(((order[0], order[1], case_ids[place], rule_id), version, number, overdue, due, risk, place))
        if stop is not None and len(entries) % 4096 == 0:
            stop()
    entries.sort(key=lambda entry: entry[0])
    return [{"case_id": case_ids[place], **made.of(version, number, overdue, due, risk)}
            for _, version, number, overdue, due, risk, place in entries]
