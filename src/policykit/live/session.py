"""LiveSession: feed events as they happen, learn what changed, advance an injected clock past deadlines."""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..case import Case, Event, Vocabulary, case_from_data
from ..diagnostics import PolicykitError, Span
from ..engine import as_instant, evaluate
from ..loader import load_policy
from ..model import Policy
from ..matching import Context
from ..rules import compile_policy
from ..timeparse import TimeFormatError, iso, parse_instant, zone
from ..vocabulary import CHANNEL_ATTRIBUTES, EVENT_ATTRIBUTES, EVENTS
from ..verdict import Verdict
from .judge import judge_function
from .ruleset import DurableClassifier
from .store import open_store

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _micros(instant: dt.datetime) -> int:
    seconds = instant.timestamp()
    if seconds < 0:
        return (instant - _EPOCH) // dt.timedelta(microseconds=1)
    return int(seconds) * 1_000_000 + instant.microsecond


@dataclass
class Change:
    """What one post (or advance) changed on one case."""

    case_id: str
    event_id: str | None = None
    duplicate: bool = False
    findings: list[dict] = field(default_factory=list)
    new_actions: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"case_id": self.case_id, "event_id": self.event_id, "duplicate": self.duplicate,
                "findings": self.findings, "new_actions": self.new_actions}


@dataclass
class _CaseState:
    """A case's compact state: its events in time order, facts, and the last judgement of each rule."""

    events: list[Event] = field(default_factory=list)
    facts: dict[str, bool | None] = field(default_factory=dict)
    event_ids: set[str] = field(default_factory=set)
    judged: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    stale: bool = True


class LiveSession:
    """A streaming evaluation of many open cases against one policy, with an injected clock."""

    def __init__(self, policy: Policy | str, store: Any = None, now: dt.datetime | str | None = None,
                 reading: str | None = None) -> None:
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self.tz = zone(self.policy.calendar.timezone)
        self.vocab = Vocabulary.of(self.policy)
        self.now = _instant(now, self.tz, "now") if now is not None else _EPOCH
        if reading is None:
            from ..config import load_settings

            reading = load_settings().reading  # as evaluate() would resolve it
        self.reading = reading
        self._single = compile_policy(self.policy, reading) if len(self.policy.versions) == 1 else None
        self.classifier = DurableClassifier(self.policy)
        self.store = open_store(store)
        self.store.check_policy(self.policy.id)
        self.cases: dict[str, _CaseState] = {}
        self._closed: set[str] = set()
        self._dues: list[tuple[int, str, str]] = []
        self._plans: dict[int, list] = {}
        self._restore()

    # --- feeding --------------------------------------------------------------------------------------------

    def post(self, case_id: str, event: dict, facts: dict[str, bool | None] | None = None) -> Change:
        """Add one event (acknowledged, i.e. committed, on return); what it changed on its case."""
        return self.post_many([(case_id, event, facts)])[0]

    def post_many(self, items: Iterable[tuple]) -> list[Change]:
        """Add many events in one transaction (one acknowledgement); what each changed.

        Every event is checked before any is applied: a bad one raises PolicykitError and none is taken."""
        checked = []
        for item in items:
            case_id, event, facts = (*item, None)[:3] if len(item) == 2 else item
            case_id = str(case_id)
            parsed_facts = None
            if facts:
                parsed_facts = dict(case_from_data({"case_id": case_id, "events": [], "facts": facts},
                                                   self.policy).facts)
            checked.append((case_id, event, self._event(case_id, event), parsed_facts))
        changes, rows = [], []
        for case_id, event, new, facts in checked:
            changes.append(self._apply(case_id, event, new, facts, rows))
        self.store.add_events(rows)
        self.store.commit()
        return changes

    def _apply(self, case_id: str, event: dict, new: Event, facts: dict | None, rows: list) -> Change:
        state = self.cases.get(case_id)
        if state is None:
            state = self.cases[case_id] = _CaseState()
            if case_id in self._closed:
                self._closed.discard(case_id)
                for _, event_id, kind, at_us, attrs in self.store.reopen(case_id):
                    self._restore_event(state, event_id, kind, at_us, attrs)
                for fact_case, fact, value in self.store.load_facts():
                    if fact_case == case_id:
                        state.facts[fact] = value
        event_id = str(event.get("id") or _content_id(new))
        # open cases hold every acknowledged id in memory (closed ones are reloaded above)
        if event_id in state.event_ids:
            return Change(case_id, event_id, duplicate=True)
        state.event_ids.add(event_id)
        if facts:
            state.facts.update(facts)
            self.store.set_facts(case_id, facts)
        if state.stale and state.events:
            # a case restored from the store: judge what it had, so the change reported is this event's alone
            self._rejudge(case_id, state, None, Change(case_id))
        new = Event(len(state.events), new.type, new.at, new.attrs)
        _insert(state.events, new)
        rows.append((case_id, event_id, new.type, _micros(new.at), dict(new.attrs)))
        if new.at > self.now:
            self.now = new.at  # an event has happened, so the clock is at least at its instant
        affected = self.classifier.affected(new.type, new.attrs)
        change = Change(case_id, event_id)
        self._rejudge(case_id, state, affected if not state.stale else None, change)
        return change

    def _event(self, case_id: str, event: dict, index: int = 0) -> Event:
        """The event, checked against the policy's vocabulary; anything off gets the case loader's located error."""
        kind, at = event.get("type"), event.get("at")
        attrs = {k: v for k, v in event.items() if k != "type" and k != "at" and k != "id"}
        if isinstance(kind, str) and kind in self.vocab.events and isinstance(at, str) and (
                not attrs or self._valid_attrs(kind, attrs)):
            try:
                return Event(index, kind, parse_instant(at, self.tz), attrs)
            except TimeFormatError:
                pass
        payload = {k: v for k, v in event.items() if k != "id"}
        parsed = case_from_data({"case_id": case_id, "events": [payload]}, self.policy, name=f"<live {case_id}>")
        found = parsed.events[0]
        return Event(index, found.type, found.at, found.attrs)

    def _valid_attrs(self, kind: str, attrs: dict) -> bool:
        allowed = EVENT_ATTRIBUTES.get(kind, {}) if kind in EVENTS else {"channel": None}
        for key, value in attrs.items():
            if not isinstance(value, str) or key not in allowed:
                return False
            if key in CHANNEL_ATTRIBUTES:
                if value not in self.vocab.channels:
                    return False
            elif allowed[key] is not None and value not in allowed[key]:
                return False
        return True

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record facts of a case (compensation); committed on return."""
        state = self.cases.setdefault(case_id, _CaseState())
        parsed = case_from_data({"case_id": case_id, "events": [], "facts": facts}, self.policy)
        state.facts.update(parsed.facts)
        self.store.set_facts(case_id, dict(parsed.facts))
        self.store.commit()

    # --- time -----------------------------------------------------------------------------------------------

    def advance(self, now: dt.datetime | str) -> list[Change]:
        """Move the clock to `now`; the findings whose due passed in between, with what changed."""
        instant = _instant(now, self.tz, "advance")
        if instant < self.now:
            raise PolicykitError.single("clock-went-back", f"advance() to {iso(instant, self.tz)}, before the "
                                        f"session's clock {iso(self.now, self.tz)}", Span("advance"))
        self.now = instant
        for case_id, state in self.cases.items():
            if state.stale:
                self._rejudge(case_id, state, None, Change(case_id))
        limit = _micros(instant)
        out: dict[str, Change] = {}
        while self._dues and self._dues[0][0] < limit:
            _, case_id, rule_id = heapq.heappop(self._dues)
            state = self.cases.get(case_id)
            if state is None:
                continue
            change = out.setdefault(case_id, Change(case_id))
            self._rejudge(case_id, state, {rule_id}, change)
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
        self.cases.pop(case_id, None)
        self._closed.add(case_id)
        self.store.close_case(case_id)
        self.store.commit()
        return verdict

    def shutdown(self) -> None:
        """Commit and release the store."""
        self.store.close()

    def judgement(self, case_id: str) -> dict[str, str]:
        """The incrementally maintained status of each rule of a case (what post/advance reported)."""
        state = self.cases[case_id]
        if state.stale:
            self._rejudge(case_id, state, None, Change(case_id))
        return {rule_id: judged[0] for rule_id, judged in state.judged.items()}

    @property
    def open_cases(self) -> int:
        """How many cases are held."""
        return len(self.cases)

    # --- internals ------------------------------------------------------------------------------------------

    def _case(self, case_id: str, state: _CaseState) -> Case:
        return Case(case_id=case_id, events=tuple(state.events), facts=dict(state.facts))

    def _rejudge(self, case_id: str, state: _CaseState, rule_ids: set[str] | None, change: Change) -> None:
        """Re-judge the rules that may have changed, with policykit.rules' semantics (live.judge)."""
        events = state.events
        if self._single is not None:
            compiled = self._single
        else:
            version = self.policy.in_force_on(events[0].at.astimezone(self.tz).date() if events else
                                              self.now.astimezone(self.tz).date())
            compiled = compile_policy(version, self.reading)
        seen = events if not events or events[-1].at <= self.now else [e for e in events if e.at <= self.now]
        ctx = Context(seen, self.now, compiled.calendar, compiled.labels)
        cached = self._plans.get(id(compiled))
        if cached is None or cached[0] is not compiled:
            cached = self._plans[id(compiled)] = (compiled, [(check.rule.id, judge_function(check), check)
                                                             for check in compiled.rules])
        plan = cached[1]
        if rule_ids is not None:
            plan = [step for step in plan if step[0] in rule_ids or step[0] not in state.judged]
        for rule_id, function, check in plan:
            status, due, expects = function(check, ctx)
            before = state.judged.get(rule_id)
            state.judged[rule_id] = (status, due, expects)
            if due is not None and status == "pending":
                heapq.heappush(self._dues, (_micros(due), case_id, rule_id))
            if before is not None and before[0] == status and before[1] == due:
                continue
            if before is None and status == "not_applicable":
                continue
            due_text = iso(due, self.tz) if due is not None else None
            change.findings.append({"rule": rule_id, "from": before[0] if before else None, "to": status,
                                    "due": due_text})
            if status == "pending" and expects and (before is None or before[0] != "pending"):
                change.new_actions.append({"event": expects, "rule": rule_id, "due": due_text})
        state.stale = False

    def _restore_event(self, state: _CaseState, event_id: str, kind: str, at_us: int, attrs: dict) -> None:
        state.event_ids.add(event_id)
        state.stale = True
        at = _EPOCH + dt.timedelta(microseconds=at_us)
        _insert(state.events, Event(index=len(state.events), type=kind, at=at, attrs=attrs))
        if at > self.now:
            self.now = at

    def _restore(self) -> None:
        """Reload every acknowledged event of the open cases from the store."""
        closed = self._closed = self.store.load_closed()
        for case_id, event_id, kind, at_us, attrs in self.store.load():
            if case_id in closed:
                continue
            self._restore_event(self.cases.setdefault(case_id, _CaseState()), event_id, kind, at_us, attrs)
        for case_id, fact, value in self.store.load_facts():
            if case_id in self.cases:
                self.cases[case_id].facts[fact] = value


def _instant(value, tz, where: str) -> dt.datetime:
    """An injected clock value as an aware instant; text that is not one is a located input error."""
    try:
        return as_instant(value, tz)
    except (ValueError, TypeError) as exc:
        raise PolicykitError.single("invalid-date", str(exc), Span(where)) from None


def _insert(events: list[Event], new: Event) -> None:
    """Keep events ordered by instant, ties in arrival (file) order."""
    position = len(events)
    while position and events[position - 1].at > new.at:
        position -= 1
    events.insert(position, new)


def _content_id(event: Event) -> str:
    """A stable id from an event's content, for events posted without one."""
    attrs = event.attrs
    shown = sorted(attrs.items()) if len(attrs) > 1 else list(attrs.items())
    text = f"{event.type}|{_micros(event.at)}|{shown!r}"
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
