"""A partition's verdicts as `policykit check`'s JSON, one line per case, from the decisions the columns made:
each finding written and explained by the scalar backend's `finding` from its branch and fields, the to-do list,
compensation and notes by the engine's own functions."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from ..engine import channel_note, later_note, offered_channels, required_actions
from ..judge import columns
from ..judge.scalar import Outcome, finding
from ..judge.status import NO_INSTANT, UNDETERMINED, case_status
from ..judge.table import instant
from ..timeparse import iso
from ..verdict import Verdict
from ..vocabulary import CHANNEL_ATTRIBUTES
from .columns import CASE_ID, LINE
from .reference import cases_of, incomplete, judge

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def json_lines(version, compiled, p, results, compensation, rejected: np.ndarray, as_of: dt.datetime, job,
               settings, verdict_reading) -> list[str]:
    """Each case's verdict JSON line (SPEC §7, §10); a case with an undetermined finding is judged by
    `evaluate()` whole, since what would decide it names the events the columns do not keep."""
    tz = compiled.calendar.tz
    codes, combos = compensation
    event_index = _event_index(p)
    noted = _noted(version, p, as_of)
    statuses = np.stack([r.status for r in results]) if results else np.zeros((0, p.groups), np.int8)
    scalar = (statuses == UNDETERMINED).any(axis=0)
    texts: dict[int, str] = {}

    def shown(micros) -> str:
        text = texts.get(micros)
        if text is None:
            text = texts[micros] = iso(instant(micros), tz)
        return text

    case_ids = p.table.column(CASE_ID).take(p.starts).to_pylist()
    as_of_text = iso(as_of, tz)
    lines: list[str | None] = [None] * p.groups
    same: dict[tuple[int, int], Outcome] = {}  # the outcome of a branch without fields: one for every case
    for r in results:
        r.fixed = [b.fields is None and b.due is None and not isinstance(b.overdue, np.ndarray) for b in r.branches]
    for g in np.flatnonzero(~scalar).tolist():
        outcomes = []
        for k, r in enumerate(results):
            branch = int(r.chosen[g])
            if r.fixed[branch]:
                known = same.get((k, branch))
                if known is None:
                    known = same[(k, branch)] = _outcome(r, branch, g, {}, event_index, tz, compiled, shown)
                outcomes.append(known)
                continue
            outcomes.append(_outcome(r, branch, g, columns.case_fields(r.made, branch, g), event_index, tz,
                                     compiled, shown))
        found = [outcome.finding for outcome in outcomes]
        verdict = Verdict.trusted(
            case_id=case_ids[g], policy=version.id, policy_version=version.version, as_of=as_of_text,
            reading=verdict_reading, status=case_status([f.status for f in found]), findings=found,
            required_actions=required_actions(outcomes, compiled, as_of, settings.at_risk),
            compensation=combos[int(codes[g])], notes=_notes(version, p, g, event_index, as_of) if noted[g] else [])
        lines[g] = verdict_line(verdict, int(rejected[g]))
    slow = np.flatnonzero(scalar)
    if len(slow):
        for g, (verdict, _) in zip(slow.tolist(), judge(version, cases_of(p.table, p.bounds, job.attributes,
                                                                            job.facts, slow), as_of, job.reading)):
            lines[g] = verdict_line(verdict, int(rejected[g]))
    return lines


def _outcome(r, branch: int, g: int, fields: dict, event_index: np.ndarray, tz, compiled, shown) -> Outcome:
    """Case g's finding of one rule (with what its to-do list needs), from its branch and fields."""
    chosen = r.branches[branch]
    evidence = sorted({int(event_index[hit.row[g]]) for hit in fields.get("evidence", ()) if hit.row[g] != NO_INSTANT})
    due = chosen.due[g] if isinstance(chosen.due, np.ndarray) else chosen.due
    overdue = chosen.overdue[g] if isinstance(chosen.overdue, np.ndarray) else chosen.overdue
    made = finding(r.rule, tz, compiled.labels, chosen.status, fields, chosen.explain, evidence, shown)
    if chosen.owes is None:  # the instants only serve the to-do list
        return Outcome(made)
    return Outcome(made, chosen.owes, instant(fields.get("trigger_at")), instant(due), bool(overdue), chosen.before)


def verdict_line(verdict: Verdict, rejected: int) -> str:
    """The JSONL line of a verdict, as `Verdict.to_json_line` writes it; a case with rejected rows is listed
    incomplete and undetermined (SPEC §10)."""
    if not rejected:
        return verdict.to_json_line() + "\n"
    data = verdict.to_json_dict()
    data["status"], data["incomplete"] = "undetermined", incomplete(rejected)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def _notes(version, p, g: int, event_index: np.ndarray, as_of: dt.datetime) -> list:
    """A case's notes, as engine.notes writes them, from its rows (in time order)."""
    offered = offered_channels(version)
    names = sorted(CHANNEL_ATTRIBUTES & set(p.table.column_names))
    out, later = [], []
    as_of_us = (as_of - _EPOCH) // dt.timedelta(microseconds=1)
    for row in range(int(p.bounds[g]), int(p.bounds[g + 1])):
        if p.placeholder[row]:
            continue
        for name in names:
            value = p.column(name)[row]
            if offered and value is not None and value not in offered:
                out.append(channel_note(int(event_index[row]), value))
        if p.at[row] > as_of_us:
            later.append(int(event_index[row]))
    if later:
        out.append(later_note(sorted(later)))
    return out


def _event_index(p) -> np.ndarray:
    """Each row's Event.index: its rank in file order among its case's rows that are events."""
    line = p.table.column(LINE).to_numpy()
    order = np.lexsort((line, p.placeholder, p.gid))  # per case, events by line, placeholders last
    rank = np.empty(p.n, dtype=np.int64)
    rank[order] = np.arange(p.n) - p.starts[p.gid[order]]
    return rank


def _noted(version, p, as_of: dt.datetime) -> np.ndarray:
    """Cases with a note (a channel the policy does not offer, events after as_of): `engine.notes` writes them."""
    rows = ~p.placeholder & (p.at > (as_of - _EPOCH) // dt.timedelta(microseconds=1))
    offered = offered_channels(version)
    if offered:
        for name in sorted(CHANNEL_ATTRIBUTES & set(p.table.column_names)):
            values = p.column(name)
            present = ~np.equal(values, None) & ~p.placeholder
            rows |= present & ~np.isin(values, list(offered))
    return np.bitwise_or.reduceat(rows, p.starts) if p.n else np.zeros(p.groups, dtype=bool)
