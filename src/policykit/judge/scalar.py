"""The pure-Python backend: a kind's decision table on one case (a Context), giving its Finding (no numpy)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..matching import Context, Matcher
from ..timeparse import iso
from ..verdict import ClauseRef, Finding, Text
from .status import NAMES, NO_INSTANT
from .table import Compiled, Shown, instant, micros


class Hit:
    """The first event matching a pattern in a range, and what undecidable candidates before it lacked."""

    __slots__ = ("event", "position", "lacks")

    def __init__(self, event=None, position: int = -1, lacks: tuple[str, ...] = ()) -> None:
        self.event, self.position, self.lacks = event, position, lacks

    @property
    def found(self) -> bool:
        return self.event is not None

    @property
    def absent(self) -> bool:
        return self.event is None

    @property
    def unknown(self) -> bool:
        return bool(self.lacks)

    @property
    def known(self) -> bool:
        return not self.lacks

    @property
    def at(self) -> int:
        return NO_INSTANT if self.event is None else micros(self.event.at)


_ABSENT = Hit()


class ScalarQuery:
    """The questions a decision table asks, answered on one case's events."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.now = micros(ctx.as_of)

    def find(self, matcher: Matcher, after: Hit | None = None, before: Hit | None = None) -> Hit:
        """The first event matching `matcher` after `after` (none after an absent one) and before `before`."""
        if after is not None and after.event is None:
            return _ABSENT
        events = self.ctx.events
        stop = before.position if before is not None and before.event is not None else len(events)
        lacks: list[str] = []
        for position in range((after.position + 1) if after is not None else 0, stop):
            result = matcher.test(events[position])
            if result is True:
                return Hit(events[position], position, tuple(lacks))
            if result is None:
                lacks.extend(matcher.missing(events[position]))
        return Hit(lacks=tuple(lacks))

    def last(self, matcher: Matcher, before: Hit | None = None) -> Hit:
        """The last event matching `matcher` before `before` (anywhere without it, or when it is absent), and what
        undecidable candidates after it (before `before`) lacked."""
        events = self.ctx.events
        stop = before.position if before is not None and before.event is not None else len(events)
        lacks: list[tuple[str, ...]] = []
        for position in range(stop - 1, -1, -1):
            result = matcher.test(events[position])
            if result is True:
                return Hit(events[position], position, tuple(name for names in reversed(lacks) for name in names))
            if result is None:
                lacks.append(tuple(matcher.missing(events[position])))
        return Hit(lacks=tuple(name for names in reversed(lacks) for name in names))

    def closed(self, after: Hit | None = None) -> Hit:
        """The first case_closed after `after` (anywhere without it)."""
        return self.find(_CLOSED, after=after)

    def nothing(self) -> Hit:
        """A pattern the rule does not give: never found."""
        return _ABSENT

    def due(self, hit: Hit, amount: int, unit: str) -> int:
        """The due of a period after the hit's instant (NO_INSTANT without it)."""
        return NO_INSTANT if hit.event is None else micros(self.ctx.calendar.due(hit.event.at, amount, unit))

    def not_before(self, hit: Hit, amount: int, unit: str) -> int:
        """The earliest compliant instant of an at-least period after the hit."""
        return NO_INSTANT if hit.event is None else micros(self.ctx.calendar.not_before(hit.event.at, amount, unit))

    def late_by(self, due: int, at: int, unit: str) -> int:
        """How many units `at` is after `due`."""
        return self.ctx.calendar.late_by(instant(due), instant(at), unit)

    @staticmethod
    def pick(condition: bool, then, otherwise):
        return then if condition else otherwise

    @staticmethod
    def value(hit: Hit, attribute: str):
        """An attribute of the hit's event (None when absent)."""
        return hit.event.get(attribute) if hit.event is not None else None

    @staticmethod
    def none(value) -> bool:
        return value is None

    @staticmethod
    def missing(hit: Hit) -> list[str]:
        """What would decide a hit blocked by undecidable candidates."""
        return list(hit.lacks)

    @staticmethod
    def lacking(hit: Hit, event_type: str, attribute: str) -> list[str]:
        """What would decide a found event that lacks an attribute."""
        return [f"{event_type}.{attribute} (event #{hit.event.index})"]


_CLOSED = Matcher("case_closed")


@dataclass(frozen=True)
class Outcome:
    """A finding plus what the to-do list needs (SPEC §9)."""

    finding: Finding
    expects: str | None = None
    trigger: dt.datetime | None = None
    due: dt.datetime | None = None
    overdue: bool = False
    """A deadline whose due passed at as_of without its event, on an open case: still owed (SPEC §9)."""
    before: str | None = None
    """For an order rule's pending step: the later event it must come before."""


_INSTANTS = ("trigger_at", "due", "fulfilled_at", "not_before")


def judge(r: Compiled, ctx: Context) -> Outcome:
    """The finding of one compiled rule on the case in `ctx`: the first branch of its table that holds."""
    q = ScalarQuery(ctx)
    for branch in r.kind.decide(r, q):
        if branch.when:
            break
    fields = branch.fields() if branch.fields is not None else {}
    evidence = sorted({hit.event.index for hit in fields.get("evidence", ()) if hit.event is not None})
    return Outcome(finding(r, ctx.calendar.tz, ctx.labels, branch.status, fields, branch.explain, evidence),
                   branch.owes, instant(fields.get("trigger_at")), instant(branch.due), bool(branch.overdue),
                   branch.before)


def finding(r: Compiled, tz: dt.tzinfo, labels: dict, status: int, fields: dict, explain,
            evidence: list[int], shown=None, view=Shown) -> Finding:
    """A Finding from a branch's status and fields (instants in µs), explained in both languages; every
    backend writes its findings here (`shown`: how an instant in µs reads as ISO 8601, remembered by a caller
    writing many; `view`: what the explanation reads the fields through, a Shown)."""
    extra = dict(r.kind.constant(r))
    for name in _INSTANTS:
        value = fields.get(name)
        if value is not None and value != NO_INSTANT:
            extra[name] = shown(value) if shown is not None else iso(instant(value), tz)
    late = fields.get("late")
    if late is not None and late >= 0:  # the columns mark "not late" with -1
        extra["late_by"] = {fields["unit"]: int(late)}
    if evidence:
        extra["evidence"] = evidence
    if fields.get("would_decide"):
        extra["would_decide"] = list(fields["would_decide"])
    label, clause = rule_texts(r.rule)
    return Finding(rule=r.rule.id, kind=r.rule.kind, status=NAMES[status], label=label, clause=clause,
                   explanation=explain(view(fields, labels, tz)), **extra)


_TEXTS: dict[int, tuple] = {}


def rule_texts(rule) -> tuple[Text, ClauseRef]:
    """A rule's label and clause as result objects, made once per rule (they are immutable)."""
    known = _TEXTS.get(id(rule))
    if known is None or known[0] is not rule:
        if len(_TEXTS) > 4096:
            _TEXTS.clear()
        known = _TEXTS[id(rule)] = (rule, Text.trusted(ar=rule.label.ar, en=rule.label.en),
                                    ClauseRef.trusted(ref=rule.clause.ref, text_ar=rule.clause.text_ar))
    return known[1], known[2]
