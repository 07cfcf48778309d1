"""The status of one compiled rule on one case without building its Finding: what a live post needs to know
whether something changed.  Mirrors policykit.rules branch for branch (status, due, expected event); the
hypothesis differential test holds it equal to evaluate()."""

from __future__ import annotations

import datetime as dt

from ..matching import Context
from ..rules import ChannelCheck, DeadlineCheck, ObligationCheck, OrderCheck

Judgement = tuple[str, dt.datetime | None, str | None]  # status, due, expected event


def judge_function(check):
    """The judge for a compiled rule's kind (chosen once per rule, not per event)."""
    for kind, function in _JUDGES:
        if isinstance(check, kind):
            return function
    return _generic


def _generic(check, ctx: Context) -> Judgement:
    outcome = check.check(ctx)
    return outcome.finding.status, outcome.due, outcome.expects


def _deadline(check: DeadlineCheck, ctx: Context) -> Judgement:
    trig = ctx.find(check.trigger)
    if trig.unknown:
        return "undetermined", None, None
    if trig.event is None:
        return "not_applicable", None, None
    ful = ctx.find(check.fulfilled_by, after=trig.position)
    if ful.unknown:
        return "undetermined", None, None
    done, closed = ful.event, ctx.closed_after(trig.position)
    period = check.rule.period
    due = None
    if check.bound == "at_most":
        due = _due(ctx, trig.event.at, period.amount, period.unit)
        if done is not None:
            return ("met" if done.at <= due else "breached"), due, None
        stop = closed.at if closed is not None else ctx.as_of
        if stop > due:
            return "breached", due, None
    elif done is not None:
        if check.bound == "at_least":
            earliest = ctx.calendar.not_before(trig.event.at, period.amount, period.unit)
            return ("breached" if done.at < earliest else "met"), None, None
        return "met", None, None
    if closed is not None:
        return "breached", due, None
    return "pending", due, check.fulfilled_by.event


_DUES: dict[tuple, dt.datetime] = {}


def _due(ctx: Context, trigger: dt.datetime, amount: int, unit: str) -> dt.datetime:
    return due_on(ctx.calendar, trigger, amount, unit)


def due_on(calendar, trigger: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """calendar.due, remembered per (calendar, trigger's local date, period): dues depend on the date only."""
    key = (id(calendar), trigger.astimezone(calendar.tz).date(), amount, unit)
    due = _DUES.get(key)
    if due is None:
        if len(_DUES) > 100_000:
            _DUES.clear()
        due = _DUES[key] = calendar.due(trigger, amount, unit)
    return due


def _order(check: OrderCheck, ctx: Context) -> Judgement:
    then = ctx.find(check.then)
    if then.unknown:
        return "undetermined", None, None
    if then.event is None:  # neither step yet on an open case: the earlier one is owed (SPEC §9)
        first = ctx.find(check.first)
        if first.event is None and first.unknown:
            return "undetermined", None, None
        if first.event is not None or ctx.closed_after(-1) is not None:
            return "not_applicable", None, None
        return "pending", None, check.first.event
    first = ctx.find(check.first, before=then.position)
    if first.event is not None:
        return "met", None, None
    return ("undetermined" if first.unknown else "breached"), None, None


def _obligation(check: ObligationCheck, ctx: Context) -> Judgement:
    cond = ctx.find(check.when)
    if cond.unknown:
        return "undetermined", None, None
    if cond.event is None:
        return "not_applicable", None, None
    done = ctx.find(check.require, after=cond.position)
    limit = ctx.find(check.before, after=cond.position) if check.before else None
    limit_event = limit.event if limit is not None else None
    if done.event is not None and (limit_event is None or done.position < limit.position):
        return "met", None, None
    if done.unknown:
        return "undetermined", None, None
    if limit_event is not None or ctx.closed_after(cond.position) is not None:
        return "breached", None, None
    return "pending", None, check.require.event


def _channel(check: ChannelCheck, ctx: Context) -> Judgement:
    rule = check.rule
    hit = ctx.find(check.event)
    if hit.unknown:
        return "undetermined", None, None
    if hit.event is None:
        return "not_applicable", None, None
    from ..matching import Matcher

    reference = ctx.find(Matcher(rule.must_equal_event)).event
    agreed = reference.get(rule.must_equal_attribute) if reference else None
    if agreed is None:
        return "not_applicable", None, None
    used = hit.event.get(rule.attribute)
    if used is None:
        return "undetermined", None, None
    return ("met" if used == agreed else "breached"), None, None


_JUDGES = ((DeadlineCheck, _deadline), (OrderCheck, _order), (ObligationCheck, _obligation),
           (ChannelCheck, _channel))
