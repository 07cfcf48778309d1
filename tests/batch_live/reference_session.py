"""The reference live session of the tests: the protocol of policykit.live.LiveSession (what each post and
advance reports) kept per case and per event, each rule judged by the scalar backend (policykit.judge.scalar) on
a Context.  tests/batch_live/test_live_fast.py holds LiveSession equal to it."""

from __future__ import annotations

import datetime as dt
import heapq
from typing import Iterable, Mapping

from policykit.case import Case, Event
from policykit.engine import evaluate, required_actions
from policykit.judge.compiled import CompiledPolicy, compile_policy
from policykit.judge.scalar import ScalarQuery, judge
from policykit.judge.status import NAMES, NO_INSTANT, PENDING
from policykit.judge.table import instant
from policykit.live.changes import Change, ChangeList
from policykit.live.intake import content_id, micros as _micros, shown_attrs
from policykit.live.session import SessionCore
from policykit.live.store import stored_rows
from policykit.matching import Context
from policykit.timeparse import iso
from policykit.verdict import Verdict

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_DAWN = dt.datetime(1, 1, 2, tzinfo=dt.timezone.utc)


def judged(rule, ctx: Context) -> tuple[str, dt.datetime | None, str | None]:
    """(status, due, event expected while pending) of one rule: the first branch of its table that holds."""
    for branch in rule.kind.decide(rule, ScalarQuery(ctx)):
        if branch.when:
            break
    due = None if branch.due is None or branch.due == NO_INSTANT else instant(branch.due)
    return NAMES[branch.status], due, branch.owes if branch.status == PENDING else None


class Columns:
    """A case's events in time order (ties in arrival order); `order` is each event's arrival index."""

    def __init__(self) -> None:
        self.types: list[str] = []
        self.ats: list[dt.datetime] = []
        self.attrs: list[Mapping[str, str]] = []
        self.order: list[int] = []

    def add(self, event_type: str, at: dt.datetime, attrs: Mapping[str, str]) -> None:
        """Insert an arrival at its place in time (after any event at the same instant)."""
        position = len(self.ats)
        while position and self.ats[position - 1] > at:
            position -= 1
        self.types.insert(position, event_type)
        self.ats.insert(position, at)
        self.attrs.insert(position, attrs)
        self.order.insert(position, len(self.order))

    def events(self, now: dt.datetime | None = None) -> list[Event]:
        """The events (those at or before `now`) as Event objects, in time order."""
        return [Event(index, event_type, at, attrs)
                for event_type, at, attrs, index in zip(self.types, self.ats, self.attrs, self.order)
                if now is None or at <= now]


class CaseState:
    """A case's events, facts, acknowledged ids and the last judgement of each rule."""

    def __init__(self) -> None:
        self.columns = Columns()
        self.facts: dict[str, bool | None] = {}
        self.event_ids: dict[str, None] = {}
        self.judged: dict[str, tuple[str, dt.datetime | None, str | None]] = {}
        self.stale = True

    @property
    def events(self) -> list[Event]:
        return self.columns.events()


class ReferenceSession(SessionCore):
    """One event at a time: the rules it can change re-judged on its own case (all of them on a case's first
    event or after a restore)."""

    def _due_text(self, due: dt.datetime) -> tuple[int, str]:
        """A due's microseconds and ISO text, remembered."""
        known = self._due_texts.get(due)
        if known is None:
            known = self._due_texts[due] = (_micros(due), iso(due, self.tz))
        return known

    def _setup(self) -> None:
        self._due_texts: dict[dt.datetime, tuple[int, str]] = {}
        self.cases: dict[str, CaseState] = {}
        self._closed: set[str] = set()
        self._dues: list[tuple[int, str, str]] = []
        self._restore()

    # --- feeding --------------------------------------------------------------------------------------------

    def _post_many(self, items: Iterable[tuple]) -> ChangeList:
        """Check every event, find which are new, store them, and only then take and judge them: a bad event or
        a failed store write leaves memory as it was."""
        check, facts_of, checked = self.intake.check, self.intake.facts, []
        for item in items:
            if len(item) == 2:
                case_id, event = item
                facts = None
            else:
                case_id, event, facts = item
            if type(case_id) is not str:
                case_id = str(case_id)
            checked.append((case_id, event, check(case_id, event), facts_of(case_id, facts) if facts else None))
        fresh: dict[str, tuple[CaseState, dt.datetime | None]] = {}  # cases not held, reopened ones with history
        taken: dict[str, dict[str, None]] = {}  # per case, the ids this call takes
        plan: list[tuple] = []
        rows: list = []
        clock, lead, limit = (self.now if self.clock_started else None), self.future_tolerance, \
            self.limits.max_events_per_case
        for case_id, event, new, facts in checked:
            state = self.cases.get(case_id)
            if state is None:
                known = fresh.get(case_id)
                if known is None:
                    known = fresh[case_id] = self._fresh(case_id)
                    if clock is not None and known[1] is not None and known[1] > clock:
                        clock = known[1]
                state = known[0]
            kind, at, attrs, shape = new
            at_us = _micros(at)
            given = event.get("id")
            event_id = str(given) if given else content_id(kind, at_us, shape.shown)
            mine = taken.setdefault(case_id, {})
            # open cases hold every acknowledged id in memory (closed ones are read back in _fresh)
            if event_id in state.event_ids or event_id in mine:
                plan.append((case_id, state, event_id, None, None))
                continue
            if clock is None or at > clock:
                if self.clock_guarded and clock is not None and at - clock > lead:
                    raise self._too_far_ahead(case_id, at, clock)
                clock = at
            if len(state.event_ids) + len(mine) >= limit:
                raise self._too_many_events(case_id, len(state.event_ids) + len(mine) + 1)
            mine[event_id] = None
            rows.append((case_id, event_id if given else None, kind, at_us, shape.stored))
            plan.append((case_id, state, event_id, new, facts))
        with self._transaction() as store:  # stored first: memory takes the events once they are acknowledged
            for case_id in fresh:
                if case_id in self._closed:
                    store.reopen(case_id)
            for case_id, _, _, new, facts in plan:
                if new is not None and facts:
                    store.set_facts(case_id, facts)
            store.add_events(rows)
        for case_id, (state, latest) in fresh.items():
            self.cases[case_id] = state
            self._closed.discard(case_id)
            if latest is not None and latest > self.now:
                self.now = latest
        if rows and not self.clock_started:
            self.now = _DAWN  # a clock not started starts at the first event, whenever it is
        if rows:
            self.clock_started = True
        changes = ChangeList()
        apply = self._apply
        for case_id, state, event_id, new, facts in plan:
            changes.append(apply(case_id, state, event_id, new, facts))
        return changes

    def _apply(self, case_id: str, state: CaseState, event_id: str, new: tuple | None, facts: dict | None) -> Change:
        """Take one stored event (None: a duplicate) into its case and judge what it can change."""
        if new is None:
            return Change(case_id, event_id, True, [], [])
        kind, at, attrs, shape = new
        state.event_ids[event_id] = None
        if facts:
            state.facts.update(facts)
        columns = state.columns
        if state.stale and columns.types:
            # a case restored from the store: judge what it had, so the change reported is this event's alone
            self._rejudge(case_id, state, None, Change(case_id))
        before = self._version(state)
        columns.add(kind, at, attrs)
        if at > self.now:
            self.now = at  # an event has happened, so the clock is at least at its instant
        change = Change(case_id, event_id, False, [], [])
        # a late event that changes the version in force: the case is judged whole under the other version
        whole = state.stale or (before is not None and self._version(state) is not before)
        self._rejudge(case_id, state, None if whole else shape.affected, change)
        return change

    def _version(self, state: CaseState):
        """The version in force on the local date of the case's first event (None without events)."""
        ats = state.columns.ats
        return self.policy.in_force_on(ats[0].astimezone(self.tz).date()) if ats else None

    def _fresh(self, case_id: str) -> tuple[CaseState, dt.datetime | None]:
        """A state for a case not held, not yet held either: a closed case's comes with its stored history and
        facts (read only; the caller marks it open in the store).  With the latest instant of that history."""
        state, latest = CaseState(), None
        if case_id in self._closed:
            for _, event_id, kind, at_us, attrs in self.store.closed_events(case_id):
                at = self._restore_event(state, event_id, kind, at_us, attrs)
                if at is not None and (latest is None or at > latest):
                    latest = at
            for fact_case, fact, value in self.store.load_facts():
                if fact_case == case_id:
                    state.facts[fact] = value
        return state, latest

    def _facts_held(self, case_id: str) -> dict:
        return self.cases.setdefault(case_id, CaseState()).facts

    # --- time -----------------------------------------------------------------------------------------------

    def advance(self, now: dt.datetime | str) -> list[Change]:
        """Move the clock to `now`; the findings whose due passed in between, with what changed."""
        instant = self._clock_to(now)
        # cases restored from the store are judged as things stood before the clock moves, so that the dues
        # passing between then and `now` are reported below like any other
        for case_id, state in self.cases.items():
            if state.stale:
                self._rejudge(case_id, state, None, Change(case_id))
        self.now = instant
        limit = _micros(instant)
        out: dict[str, Change] = {}
        while self._dues and self._dues[0][0] < limit:
            _, case_id, rule_id = heapq.heappop(self._dues)
            held = self.cases.get(case_id)
            if held is None:
                continue
            change = out.setdefault(case_id, Change(case_id))
            self._rejudge(case_id, held, {rule_id}, change, passing=True)
        return [c for c in out.values() if c.findings]

    # --- results --------------------------------------------------------------------------------------------

    def verdict(self, case_id: str) -> Verdict:
        """The verdict of a case now: `evaluate()` itself on the case's events."""
        state = self.cases.get(case_id)
        if state is None:
            raise KeyError(case_id)
        return evaluate(self.policy, self._case(case_id, state), self.now, self.reading)

    def close(self, case_id: str) -> Verdict:
        """The case's final verdict; the case leaves memory (its events stay in the store)."""
        verdict = self.verdict(case_id)
        state = self.cases[case_id]
        with self._transaction() as store:
            store.close_case(case_id, stored_rows(case_id, list(state.event_ids), state.columns.events()))
        del self.cases[case_id]
        self._closed.add(case_id)
        return verdict

    def judgement(self, case_id: str) -> dict[str, str]:
        """The incrementally maintained status of each rule of a case (what post/advance reported)."""
        state = self.cases[case_id]
        if state.stale:
            self._rejudge(case_id, state, None, Change(case_id))
        out = {rule_id: judgement[0] for rule_id, judgement in state.judged.items()}
        passed = {rule_id for rule_id, (status, due, _) in state.judged.items()
                  if status == "pending" and due is not None and due < self.now}
        if passed:  # a due the clock has gone past: judged as things stand now (advance() still reports it)
            ats = state.columns.ats
            version = self.policy.in_force_on(ats[0].astimezone(self.tz).date() if ats else
                                              self.now.astimezone(self.tz).date())
            compiled = compile_policy(version, self.reading)
            ctx = Context(state.columns.events(self.now), self.now, compiled.calendar, compiled.labels)
            for rule in compiled.rules:
                if rule.rule.id in passed:
                    out[rule.rule.id] = judged(rule, ctx)[0]
        return out

    @property
    def open_cases(self) -> int:
        """How many cases are held."""
        return len(self.cases)

    # --- internals ------------------------------------------------------------------------------------------

    def _case(self, case_id: str, state: CaseState) -> Case:
        return Case(case_id=case_id, events=tuple(state.events), facts=dict(state.facts))

    def _rejudge(self, case_id: str, state: CaseState, rule_ids: set[str] | frozenset[str] | None,
                 change: Change, passing: bool = False) -> None:
        """Re-judge the rules that may have changed (and any not judged yet), with policykit.rules' semantics."""
        ats = state.columns.ats
        version = self.policy.in_force_on(ats[0].astimezone(self.tz).date() if ats else
                                          self.now.astimezone(self.tz).date())
        compiled: CompiledPolicy = compile_policy(version, self.reading)
        plan = [rule for rule in compiled.rules if rule_ids is None or rule.rule.id in rule_ids or
                rule.rule.id not in state.judged]
        self._run(case_id, state, plan, change, compiled, passing)

    def _run(self, case_id: str, state: CaseState, plan: list, change: Change, compiled: CompiledPolicy,
             passing: bool = False) -> None:
        """Judge each rule of `plan` on the case now; record what changed in `change`."""
        now, judgements = self.now, state.judged
        ctx = Context(state.columns.events(now), now, compiled.calendar, compiled.labels)
        due_texts, dues, push = self._due_texts, self._dues, heapq.heappush
        for rule in plan:
            rule_id = rule.rule.id
            judgement = judged(rule, ctx)
            status, due, expects = judgement
            before = judgements.get(rule_id)
            judgements[rule_id] = judgement
            if due is not None:
                due_us, due_text = due_texts.get(due) or self._due_text(due)
                if status == "pending":
                    push(dues, (due_us, case_id, rule_id))
            else:
                due_text = None
            if before is not None and before[0] == status and before[1] == due:
                continue
            if before is None and status == "not_applicable":
                continue
            change.findings.append({"rule": rule_id, "from": before[0] if before else None, "to": status,
                                    "due": due_text})
            if ((status == "pending" and expects and (before is None or before[0] != "pending")) or
                    # the due passed with the event still owed: it stays on the to-do list, overdue (SPEC §9)
                    (passing and status == "breached" and before is not None and before[0] == "pending" and
                     before[2])):
                # the new action as the case's verdict lists it now (engine.required_actions on this rule alone)
                listed = required_actions([judge(rule, ctx)], compiled, now, self.settings.at_risk)
                change.new_actions.extend(action.model_dump() for action in listed)
        state.stale = False

    def _restore_event(self, state: CaseState, event_id: str | None, kind: str, at_us: int,
                       attrs: dict) -> dt.datetime | None:
        """A stored event back into its case; its instant (None: stored twice, taken once)."""
        key = event_id or content_id(kind, at_us, shown_attrs(attrs))
        if key in state.event_ids:
            return None  # stored twice (two writers before a store was held by one session): taken once
        state.event_ids[key] = None
        state.stale = True
        at = _EPOCH + dt.timedelta(microseconds=at_us)
        state.columns.add(kind, at, attrs)
        return at

    def _take_stored(self, caught) -> None:
        """Others' acknowledgements: closed cases leave memory, reopened ones come back whole, events are added
        (their cases judged anew when next touched), facts recorded."""
        for case_id in caught.closed:
            self.cases.pop(case_id, None)
            self._closed.add(case_id)
        self._closed -= caught.reopened
        for case_id, event_id, kind, at_us, attrs in caught.events:
            self._restore_event(self.cases.setdefault(case_id, CaseState()), event_id, kind, at_us, attrs)
        for case_id, fact, value in caught.facts:
            self._facts_held(case_id)[fact] = value

    def _restore(self) -> None:
        """Reload every acknowledged event of the open cases from the store."""
        closed = self._closed = self.store.load_closed()
        for case_id, event_id, kind, at_us, attrs in self.store.load():
            if case_id in closed:
                continue
            at = self._restore_event(self.cases.setdefault(case_id, CaseState()), event_id, kind, at_us, attrs)
            if at is not None:
                self.clock_started = True  # a restart on the same store restores the clock (SPEC §11)
                if at > self.now:
                    self.now = at
        for case_id, fact, value in self.store.load_facts():
            if case_id in self.cases:
                self.cases[case_id].facts[fact] = value
        self._stored_clock()
