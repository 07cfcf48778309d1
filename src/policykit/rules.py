"""The compiled rule kinds (deadline, order, obligation, channel) and `compile_policy(policy, reading)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from . import findings_text as say
from .calendar import WorkCalendar, calendar_for
from .case import Event
from .matching import Context, Hit, Matcher
from .timeparse import iso
from .verdict import ClauseRef, Finding, Text

if TYPE_CHECKING:  # the models are only read: a policy record (policykit.records) serves as well
    from .model import ChannelRule, DeadlineRule, ObligationRule, OrderRule, Policy, RuleBase

READINGS = ("intended", "literal")


@dataclass(frozen=True)
class Outcome:
    """A finding plus what evaluate needs to derive a required action."""

    finding: Finding
    expects: str | None = None
    trigger: dt.datetime | None = None
    due: dt.datetime | None = None
    overdue: bool = False
    """A deadline whose due passed at as_of without its event, on an open case: still owed (SPEC §9)."""
    before: str | None = None
    """For an order rule's pending step: the later event it must come before."""


class CompiledRule(Protocol):
    """Every compiled rule kind: a model rule it came from and a check over one case."""

    rule: RuleBase

    def check(self, ctx: Context) -> Outcome:
        """The finding of this rule on the case in `ctx`."""
        ...


def _finding(rule: RuleBase, ctx: Context, status: str, explanation: Text, **extra) -> Finding:
    tz = ctx.calendar.tz
    for key in ("trigger_at", "due", "fulfilled_at", "not_before"):
        if isinstance(extra.get(key), dt.datetime):
            extra[key] = iso(extra[key], tz)
    return Finding.trusted(rule=rule.id, kind=rule.kind, status=status,
                           label=Text.trusted(ar=rule.label.ar, en=rule.label.en),
                           clause=ClauseRef.trusted(ref=rule.clause.ref, text_ar=rule.clause.text_ar),
                           explanation=explanation, **extra)


def _not_started(rule: RuleBase, ctx: Context, matcher: Matcher, hit: Hit, **extra) -> Outcome | None:
    """The outcome when the event a rule starts from cannot be told (undetermined) or did not occur (not
    applicable); None when it occurred and the rule must be judged."""
    if hit.unknown:
        return Outcome(_finding(rule, ctx, "undetermined", say.unknown(list(hit.unknown)),
                                would_decide=list(hit.unknown), **extra))
    if hit.event is None:
        return Outcome(_finding(rule, ctx, "not_applicable", say.not_triggered(ctx.label(matcher.event)), **extra))
    return None


def _evidence(*events: Event | None) -> list[int]:
    return sorted({e.index for e in events if e is not None})


@dataclass(frozen=True)
class DeadlineCheck:
    """The fulfilling event within (at_most) or not before (at_least) a period after the trigger."""

    rule: DeadlineRule
    trigger: Matcher
    fulfilled_by: Matcher
    reading: str
    bound: str | None

    def check(self, ctx: Context) -> Outcome:
        """Judge the deadline on one case."""
        rule, period = self.rule, self.rule.period
        common = {"reading": self.reading}
        trig = ctx.find(self.trigger)
        absent = _not_started(rule, ctx, self.trigger, trig, **common)
        if absent is not None:
            return absent
        start = trig.event
        ful = ctx.find(self.fulfilled_by, after=trig.position)
        if ful.unknown:
            return Outcome(_finding(rule, ctx, "undetermined", say.unknown(list(ful.unknown)), trigger_at=start.at,
                                    would_decide=list(ful.unknown), evidence=_evidence(start), **common))
        done, label = ful.event, ctx.label(self.fulfilled_by.event)
        closed = ctx.closed_after(trig.position)
        common.update(trigger_at=start.at)
        evidence = _evidence(start, done)
        if self.bound == "at_most":
            due = common["due"] = ctx.calendar.due(start.at, period.amount, period.unit)
            if done is not None:
                return self._by_due(ctx, done, due, label, evidence, common)
            # a closed case stops the clock: lateness is measured to the closure, not to as_of
            stop = closed.at if closed is not None else ctx.as_of
            if stop > due:
                late = ctx.calendar.late_by(due, stop, period.unit)
                text = say.deadline_overdue(label, ctx.show(due), late, period.unit)
                return Outcome(_finding(rule, ctx, "breached", text, late_by={period.unit: late},
                                        evidence=_evidence(start, closed), **common),
                               expects=self.fulfilled_by.event, trigger=start.at, due=due, overdue=closed is None)
        elif self.bound == "at_least":
            earliest = common["not_before"] = ctx.calendar.not_before(start.at, period.amount, period.unit)
            if done is not None:
                status, text = (("breached", say.too_early(label, ctx.show(done.at), ctx.show(earliest)))
                                if done.at < earliest else
                                ("met", say.after_minimum(label, ctx.show(done.at), ctx.show(earliest))))
                return Outcome(_finding(rule, ctx, status, text, fulfilled_at=done.at, evidence=evidence, **common))
        elif done is not None:
            return Outcome(_finding(rule, ctx, "met", say.unbounded_met(label, ctx.show(done.at)),
                                    fulfilled_at=done.at, evidence=evidence, **common))
        if closed is not None:
            return Outcome(_finding(rule, ctx, "breached", say.closed_unfulfilled(label, ctx.show(closed.at)),
                                    evidence=_evidence(start, closed), **common))
        due = common.get("due")
        return Outcome(_finding(rule, ctx, "pending", say.waiting(label, ctx.show(due) if due else None),
                                evidence=_evidence(start), **common),
                       expects=self.fulfilled_by.event, trigger=start.at, due=due)

    def _by_due(self, ctx: Context, done: Event, due: dt.datetime, label: tuple[str, str], evidence: list[int],
                common: dict) -> Outcome:
        """An upper bound with its fulfilling event: met at or before the due, else late by so many days."""
        unit = self.rule.period.unit
        if done.at <= due:
            text = say.deadline_met(label, ctx.show(done.at), ctx.show(due))
            return Outcome(_finding(self.rule, ctx, "met", text, fulfilled_at=done.at, evidence=evidence, **common))
        late = ctx.calendar.late_by(due, done.at, unit)
        text = say.deadline_late(label, ctx.show(done.at), ctx.show(due), late, unit)
        return Outcome(_finding(self.rule, ctx, "breached", text, fulfilled_at=done.at, late_by={unit: late},
                                evidence=evidence, **common))


@dataclass(frozen=True)
class OrderCheck:
    """`first` must have occurred before the first `then`; while neither has, on an open case, `first` is owed."""

    rule: OrderRule
    first: Matcher
    then: Matcher

    def check(self, ctx: Context) -> Outcome:
        """Judge the order on one case."""
        rule = self.rule
        then = ctx.find(self.then)
        labels = ctx.label(self.first.event), ctx.label(self.then.event)
        if not then.unknown and then.event is None:
            return self._awaited(ctx, labels)
        absent = _not_started(rule, ctx, self.then, then)
        if absent is not None:
            return absent
        first = ctx.find(self.first, before=then.position)
        if first.event is not None:
            return Outcome(_finding(rule, ctx, "met", say.in_order(*labels), trigger_at=first.event.at,
                                    fulfilled_at=then.event.at, evidence=_evidence(first.event, then.event)))
        if first.unknown:
            return Outcome(_finding(rule, ctx, "undetermined", say.unknown(list(first.unknown)),
                                    would_decide=list(first.unknown), evidence=_evidence(then.event)))
        later = ctx.find(self.first, after=then.position).event
        return Outcome(_finding(rule, ctx, "breached", say.out_of_order(*labels, later=later is not None),
                                fulfilled_at=then.event.at, evidence=_evidence(then.event, later)))

    def _awaited(self, ctx: Context, labels: tuple[tuple[str, str], tuple[str, str]]) -> Outcome:
        """`then` has not happened: the earlier step is owed while the case is open and it has not happened
        either (SPEC §9); otherwise nothing is owed."""
        rule = self.rule
        first = ctx.find(self.first)
        if first.event is None and first.unknown:
            return Outcome(_finding(rule, ctx, "undetermined", say.unknown(list(first.unknown)),
                                    would_decide=list(first.unknown)))
        closed = ctx.closed_after(-1)
        if first.event is not None or closed is not None:
            return Outcome(_finding(rule, ctx, "not_applicable", say.not_triggered(labels[1]),
                                    evidence=_evidence(closed)))
        return Outcome(_finding(rule, ctx, "pending", say.waiting_before(*labels)),
                       expects=self.first.event, before=self.then.event)


@dataclass(frozen=True)
class ObligationCheck:
    """Once `when` occurs, `require` is owed (before `before`, when given); case_closed ends the wait."""

    rule: ObligationRule
    when: Matcher
    require: Matcher
    before: Matcher | None

    def check(self, ctx: Context) -> Outcome:
        """Judge the obligation on one case."""
        rule = self.rule
        cond = ctx.find(self.when)
        absent = _not_started(rule, ctx, self.when, cond)
        if absent is not None:
            return absent
        start = cond.event
        done = ctx.find(self.require, after=cond.position)
        label = ctx.label(self.require.event)
        limit = ctx.find(self.before, after=cond.position) if self.before else Hit()
        if done.event is not None and (limit.event is None or done.position < limit.position):
            return Outcome(_finding(rule, ctx, "met", say.obligation_met(label, ctx.show(done.event.at)),
                                    trigger_at=start.at, fulfilled_at=done.event.at,
                                    evidence=_evidence(start, done.event)))
        if done.unknown:
            return Outcome(_finding(rule, ctx, "undetermined", say.unknown(list(done.unknown)), trigger_at=start.at,
                                    would_decide=list(done.unknown), evidence=_evidence(start)))
        if limit.event is not None:
            text = say.obligation_missed_before(label, ctx.label(self.before.event), ctx.show(limit.event.at))
            return Outcome(_finding(rule, ctx, "breached", text, trigger_at=start.at,
                                    fulfilled_at=done.event.at if done.event else None,
                                    evidence=_evidence(start, limit.event, done.event)))
        closed = ctx.closed_after(cond.position)
        if closed is not None:
            return Outcome(_finding(rule, ctx, "breached", say.closed_unfulfilled(label, ctx.show(closed.at)),
                                    trigger_at=start.at, evidence=_evidence(start, closed)))
        return Outcome(_finding(rule, ctx, "pending", say.waiting(label, None), trigger_at=start.at,
                                evidence=_evidence(start)),
                       expects=self.require.event, trigger=start.at)


@dataclass(frozen=True)
class ChannelCheck:
    """An event's channel must equal the value recorded on an earlier event, when one was recorded."""

    rule: ChannelRule
    event: Matcher

    def check(self, ctx: Context) -> Outcome:
        """Judge the channel constraint on one case."""
        rule = self.rule
        hit = ctx.find(self.event)
        absent = _not_started(rule, ctx, self.event, hit)
        if absent is not None:
            return absent
        reference = ctx.find(Matcher(rule.must_equal_event)).event
        agreed = reference.get(rule.must_equal_attribute) if reference else None
        if agreed is None:
            return Outcome(_finding(rule, ctx, "not_applicable",
                                    say.nothing_agreed(ctx.label(rule.must_equal_event), rule.must_equal_attribute),
                                    evidence=_evidence(reference)))
        used = hit.event.get(rule.attribute)
        evidence = _evidence(reference, hit.event)
        if used is None:
            need = [f"{self.event.event}.{rule.attribute} (event #{hit.event.index})"]
            return Outcome(_finding(rule, ctx, "undetermined", say.unknown(need), would_decide=need,
                                    trigger_at=reference.at, fulfilled_at=hit.event.at, evidence=evidence))
        status, text = ("met", say.channel_met(used)) if used == agreed else ("breached",
                                                                             say.channel_breached(used, agreed))
        return Outcome(_finding(rule, ctx, status, text, trigger_at=reference.at, fulfilled_at=hit.event.at,
                                evidence=evidence))


@dataclass(frozen=True)
class CompiledPolicy:
    """One policy version compiled under one reading: its rules, calendar and event labels."""

    policy: Policy
    reading: str | None
    rules: tuple[CompiledRule, ...]
    calendar: WorkCalendar
    labels: dict[str, dict[str, str]]


def compile_rule(rule: RuleBase, reading: str | None = None) -> CompiledRule:
    """One model rule as its compiled kind; deadlines take `reading` or their default reading."""
    kind = rule.kind  # the model's discriminator: records carry it too
    if kind == "deadline":
        name = reading if reading in rule.readings else rule.default_reading
        chosen = rule.readings.get(name)
        bound = chosen.bound if chosen is not None else rule.bound_as_written
        return DeadlineCheck(rule, Matcher.of(rule.trigger), Matcher.of(rule.fulfilled_by), name, bound)
    if kind == "order":
        return OrderCheck(rule, Matcher.of(rule.first), Matcher.of(rule.then))
    if kind == "obligation":
        return ObligationCheck(rule, Matcher.of(rule.when), Matcher.of(rule.require),
                               Matcher.of(rule.before) if rule.before else None)
    if kind == "channel":
        return ChannelCheck(rule, Matcher.of(rule.event))
    raise TypeError(f"no compiled form for rule kind {kind!r}")


_COMPILED: dict[tuple[int, str | None], tuple[Policy, CompiledPolicy]] = {}


def compile_policy(policy: Policy, reading: str | None = None) -> CompiledPolicy:
    """The compiled form of one policy version under `reading` (None: each deadline's default); cached."""
    if reading is not None and reading not in READINGS:
        raise ValueError(f"unknown reading '{reading}' (expected one of {', '.join(READINGS)})")
    key = (id(policy), reading)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is policy:
        return cached[1]
    labels = {d.id: {"ar": d.label.ar, "en": d.label.en} for d in policy.events}
    compiled = CompiledPolicy(policy, reading, tuple(compile_rule(r, reading) for r in policy.rules),
                              calendar_for(policy.calendar), labels)
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[key] = (policy, compiled)
    return compiled
