"""A partition's verdicts as `policykit check`'s JSON, one line per case in UTF-8, from the decisions the columns
made: each finding written and explained by the scalar backend's `finding`, once per branch and per value of
what its explanation reads, then filled case by case (policykit.batch.finding_texts); the to-do list by
`engine.action`, compensation and notes as the engine makes them, the line from a `Verdict` made once with
holes.  A case no template serves is written from its result objects, as `evaluate()` would write them."""

from __future__ import annotations

import datetime as dt
import json
import threading
from types import SimpleNamespace

import numpy as np
import pyarrow as pa

from ..engine import action, channel_note, later_note, offered_channels, required_actions
from ..judge import columns
from ..judge.scalar import Outcome, finding, rule_texts
from ..judge.status import CASE_STATUSES, NO_INSTANT, UNDETERMINED, case_status, case_status_codes
from ..judge.table import instant
from ..timeparse import iso
from ..verdict import Verdict, json_bytes, json_text
from ..vocabulary import CHANNEL_ATTRIBUTES
from .columns import CASE_ID, LINE
from . import arrow_np
from .finding_texts import BranchTexts, Texts, placed
from .findings_np import ActionRows
from .json_template import Template, Untemplatable, whole
from .line_runs import LineRuns, quoted_ids
from .reference import cases_of, incomplete, judge

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def json_lines(version, compiled, p, results, compensation, rejected: np.ndarray, as_of: dt.datetime, job,
               settings, verdict_reading, actions: ActionRows) -> list:
    """The cases' verdict JSON lines (SPEC §7, §10) in UTF-8, in case order, as pieces of bytes whose
    concatenation is the lines (a piece holds one line or a run of them): from templates filled column by column
    (policykit.batch.finding_texts), a case no template serves from its result objects, and a case with an
    undetermined finding by `evaluate()` whole, since what would decide it names the events the columns do not
    keep."""
    tz = compiled.calendar.tz
    statuses = np.stack([r.status for r in results]) if results else np.zeros((0, p.groups), np.int8)
    scalar = (statuses == UNDETERMINED).any(axis=0)
    texts = Texts(tz, compiled.calendar.timezone)
    objects = _Objects(version, compiled, p, results, compensation, rejected, as_of, settings, verdict_reading,
                       texts)
    lines: list[bytes | None] = [None] * p.groups
    runs = LineRuns(p.groups)
    candidates = np.flatnonzero(~scalar & (rejected == 0))
    head = _head(version, objects.as_of_text, verdict_reading, len(results))
    if head is not None and len(candidates):
        branches: dict[tuple[int, int], BranchTexts] = {}
        texts.learn_results(results, candidates)
        to_do = _action_lists(actions, compiled, texts)
        codes, combos = compensation
        known = {code: json_bytes(result) for code, result in combos.items()}
        statuses_text = pa.array(_STATUS_TEXTS, pa.binary())
        ids = quoted_ids(p.table.column(CASE_ID).take(arrow_np.indices(p.starts)), objects.case_ids)
        # a slice of cases at a time: its findings' texts are dropped once its lines are made
        for start in range(0, len(candidates), _SLICE):
            part = candidates[start:start + _SLICE]
            findings = [_rule_texts(k, r, part, compiled, texts, objects, branches) for k, r in enumerate(results)]
            served = np.ones(len(part), dtype=bool)
            for column in findings:
                served &= column.is_valid().to_numpy(zero_copy_only=False)
            cases = part[served]
            rows, every = arrow_np.indices(np.flatnonzero(served)), bool(served.all())
            listed = cases.tolist()
            holes = {"case_id": ids.take(arrow_np.indices(cases)),
                     "status": statuses_text.take(arrow_np.indices(case_status_codes(statuses[:, cases]))),
                     **{("findings", k): column if every else column.take(rows) for k, column in enumerate(findings)},
                     # None (an action no template serves): the line is null, written from the objects below
                     "required_actions": pa.array([to_do[g] for g in listed], pa.binary()),
                     "compensation": pa.array([known[code] for code in codes[cases].tolist()], pa.binary()),
                     "notes": pa.array([json_bytes(objects.notes(g)) if objects.noted[g] else b"[]" for g in listed],
                                       pa.binary())}
            runs.add(cases, head.fill_columns([holes[hole] for hole in head.holes], len(cases)))
        if not texts.safe():
            runs = LineRuns(p.groups)
    for g in np.flatnonzero(~scalar & ~runs.made).tolist():
        lines[g] = objects.line(g).encode()
    slow = np.flatnonzero(scalar)
    if len(slow):
        for g, (verdict, _) in zip(slow.tolist(), judge(version, cases_of(p.table, p.bounds, job.attributes,
                                                                            job.facts, slow), as_of, job.settings)):
            lines[g] = verdict_line(verdict, int(rejected[g])).encode()
    return runs.pieces(lines)


_STATUS_TEXTS = [json_bytes(name) for name in CASE_STATUSES]


def _head(version, as_of_text: str, reading, rules: int) -> Template | None:
    """The verdict line's template (with its newline): its constant fields, with holes for the rest, one for
    each of the `rules` findings (None: none can be made)."""
    try:
        return Template(json_text(Verdict.trusted(
            case_id=whole("case_id"), policy=version.id, policy_version=version.version, as_of=as_of_text,
            reading=reading, status=whole("status"), findings=whole("findings"),
            required_actions=whole("required_actions"), compensation=whole("compensation"),
            notes=whole("notes"))) + "\n").spread("findings", rules)
    except Untemplatable:
        return None


_SLICE = 8192


def _rule_texts(k: int, r, cases: np.ndarray, compiled, texts: Texts, objects,
                branches: dict[tuple[int, int], BranchTexts]) -> pa.Array:
    """The finding JSON of rule number k for each of `cases`, a binary column (null where no template serves);
    `branches` keeps each branch's templates from one slice of cases to the next."""
    chosen = r.chosen[cases]
    pieces, wheres = [], []
    for number in np.unique(chosen).tolist():
        where = np.flatnonzero(chosen == number)
        made = branches.get((k, number))
        if made is None:
            made = branches[(k, number)] = BranchTexts(r, number, compiled, texts, objects,
                                                       _kept(compiled, objects.as_of))
        pieces.append(made.findings(cases[where]))
        wheres.append(where)
    return placed(pieces, wheres, len(cases))


_KEPT = threading.local()  # per thread: two runs at once in one process never share a template being made


def _kept(compiled, as_of: dt.datetime) -> dict:
    """The branch templates kept for a compiled policy version and an as_of (what a template may depend on besides
    its key: the query's `now`), across the partitions a thread judges."""
    kept: dict[tuple, tuple[object, dict]] = _KEPT.__dict__.setdefault("versions", {})
    key = (id(compiled), as_of)
    known = kept.get(key)
    if known is None or known[0] is not compiled:
        if len(kept) > 64:
            kept.clear()
        known = kept[key] = (compiled, {})
    return known[1]


def _action_lists(actions: ActionRows, compiled, texts: Texts) -> list[bytes | None]:
    """Each case's to-do list as JSON: an action's text from `engine.action` once per rule, lateness and risk,
    with the due filled in (None: a list with an action no template serves)."""
    templates: dict[tuple, Template | None] = {}
    items: list[bytes | None] = []
    for number, overdue, risk, due in zip(actions.rule.tolist(), actions.overdue.tolist(), actions.risk.tolist(),
                                          actions.due.tolist()):
        dated = due != NO_INSTANT
        key = (number, overdue, risk, dated)
        if key not in templates:
            rule, r = actions.owing[number]
            label, clause = rule_texts(rule.rule)
            owner = SimpleNamespace(rule=rule.rule.id, label=label, clause=clause)
            made = action(owner, r.expects, whole("iso:due") if dated else None, overdue, r.before,
                          compiled.labels, risk)
            try:
                templates[key] = Template(json_text(made))
            except Untemplatable:
                templates[key] = None
        template = templates[key]
        try:
            items.append(None if template is None else template.fill((texts.quoted[due],) if dated else ()))
        except Untemplatable:
            items.append(None)
    offsets = actions.offsets.tolist()
    out: list[bytes | None] = []
    for g in range(len(offsets) - 1):
        mine = items[offsets[g]:offsets[g + 1]]
        out.append(b"[]" if not mine else None if None in mine else b"[" + b",".join(mine) + b"]")
    return out


class _Objects:
    """The verdict of a case from result objects: `Finding`s by `judge.scalar.finding`, the to-do list by
    `engine.required_actions` (cases no template serves: rejected rows, a finding whose template cannot be
    made), and what the templates check their first case against."""

    def __init__(self, version, compiled, p, results, compensation, rejected, as_of, settings, verdict_reading,
                 texts: Texts) -> None:
        self.version, self.compiled, self.p, self.results = version, compiled, p, results
        self.compensation, self.rejected, self.as_of, self.settings = compensation, rejected, as_of, settings
        self.verdict_reading, self.texts = verdict_reading, texts
        self.event_index = _event_index(p)
        self._odd = _odd_channels(version, p)  # each channel column's rows naming one the policy does not offer
        self.noted = _noted(p, as_of, self._odd)
        self._notes: dict[int, list] | None = None
        self.case_ids = p.table.column(CASE_ID).take(p.starts).to_pylist()
        self.as_of_text = iso(as_of, compiled.calendar.tz)
        self._same: dict[tuple[int, int], Outcome] = {}  # the outcome of a branch without fields: one for all
        for r in results:
            r.fixed = [b.fields is None and b.due is None and not isinstance(b.overdue, np.ndarray)
                       for b in r.branches]

    def outcome(self, r, number: int, g: int) -> Outcome:
        """Case g's outcome of rule r, whose branch is `number`."""
        if r.fixed[number]:
            key = (id(r), number)
            known = self._same.get(key)
            if known is None:
                known = self._same[key] = _outcome(r, number, g, {}, self.event_index, self.compiled, self.texts)
            return known
        return _outcome(r, number, g, columns.case_fields(r.made, number, g), self.event_index, self.compiled,
                        self.texts)

    def finding_text(self, r, number: int, g: int) -> str:
        """Case g's finding of rule r as JSON."""
        return json_text(self.outcome(r, number, g).finding)

    def notes(self, g: int) -> list:
        """Case g's notes."""
        if self._notes is None:
            self._notes = _all_notes(self.p, self.event_index, self.as_of, self._odd)
        return self._notes.get(g, [])

    def line(self, g: int) -> str:
        """Case g's verdict line."""
        compiled, version, codes, combos = self.compiled, self.version, *self.compensation
        outcomes = [self.outcome(r, int(r.chosen[g]), g) for r in self.results]
        found = [outcome.finding for outcome in outcomes]
        verdict = Verdict.trusted(
            case_id=self.case_ids[g], policy=version.id, policy_version=version.version, as_of=self.as_of_text,
            reading=self.verdict_reading, status=case_status([f.status for f in found]), findings=found,
            required_actions=required_actions(outcomes, compiled, self.as_of, self.settings.at_risk),
            compensation=combos[int(codes[g])], notes=self.notes(g) if self.noted[g] else [])
        return verdict_line(verdict, int(self.rejected[g]))


def _outcome(r, branch: int, g: int, fields: dict, event_index: np.ndarray, compiled, texts: Texts) -> Outcome:
    """Case g's finding of one rule (with what its to-do list needs), from its branch and fields."""
    chosen = r.branches[branch]
    evidence = sorted({int(event_index[hit.row[g]]) for hit in fields.get("evidence", ()) if hit.row[g] != NO_INSTANT})
    due = chosen.due[g] if isinstance(chosen.due, np.ndarray) else chosen.due
    overdue = chosen.overdue[g] if isinstance(chosen.overdue, np.ndarray) else chosen.overdue
    made = finding(r.rule, compiled.calendar.tz, compiled.labels, chosen.status, fields, chosen.explain, evidence,
                   texts.iso.__getitem__)
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


def _all_notes(p, event_index: np.ndarray, as_of: dt.datetime, odd_channels: list) -> dict[int, list]:
    """Each noted case's notes, as engine.notes writes them, from its rows (in time order): the rows that give
    one are found in numpy, only those are read one by one."""
    later = ~p.placeholder & (p.at > (as_of - _EPOCH) // dt.timedelta(microseconds=1))
    flagged = later.copy()
    channels = []
    for name, odd in odd_channels:
        channels.append((p.column(name), odd))
        flagged |= odd
    out: dict[int, list] = {}
    after: dict[int, list[int]] = {}
    for row in np.flatnonzero(flagged).tolist():
        g = int(p.gid[row])
        mine = out.setdefault(g, [])
        for values, odd in channels:
            if odd[row]:
                mine.append(channel_note(int(event_index[row]), values[row]))
        if later[row]:
            after.setdefault(g, []).append(int(event_index[row]))
    for g, indices in after.items():
        out[g].append(later_note(sorted(indices)))
    return out


def _event_index(p) -> np.ndarray:
    """Each row's Event.index: its rank in file order among its case's rows that are events."""
    line = p.table.column(LINE).to_numpy()
    order = np.lexsort((line, p.placeholder, p.gid))  # per case, events by line, placeholders last
    rank = np.empty(p.n, dtype=np.int64)
    rank[order] = np.arange(p.n) - p.starts[p.gid[order]]
    return rank


def _noted(p, as_of: dt.datetime, odd_channels: list) -> np.ndarray:
    """Cases with a note (a channel the policy does not offer, events after as_of): `engine.notes` writes them."""
    rows = ~p.placeholder & (p.at > (as_of - _EPOCH) // dt.timedelta(microseconds=1))
    for _, odd in odd_channels:
        rows |= odd
    return np.bitwise_or.reduceat(rows, p.starts) if p.n else np.zeros(p.groups, dtype=bool)


def _odd_channels(version, p) -> list[tuple[str, np.ndarray]]:
    """Each channel attribute of the log, with its event rows naming a channel the policy does not offer (none
    when the policy names no channels): each distinct value tested once, by its code."""
    offered = offered_channels(version)
    if not offered:
        return []
    out = []
    for name in sorted(CHANNEL_ATTRIBUTES & set(p.table.column_names)):
        _, codes, labels, _ = p.codes(name)
        odd = np.array([label is not None and label not in offered for label in labels.tolist()], dtype=bool)
        out.append((name, odd[codes] & ~p.placeholder))
    return out
