"""Each compiled rule as a closure over a case's event columns (live.state): the live.judge statuses without
building Events, a Context or Hits per call.  Mirrors live.judge (hence policykit.rules) branch for branch;
tests/batch_live/test_live_fast.py holds sessions using these equal to sessions using live.judge."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from ..matching import Context
from ..rules import ChannelCheck, CompiledPolicy, DeadlineCheck, ObligationCheck, OrderCheck
from .judge import Judgement, due_on, judge_function
from .state import Columns

FAST_KINDS = (DeadlineCheck, OrderCheck, ObligationCheck, ChannelCheck)  # each not_applicable unless its
# first pattern (trigger, then, when, event) matches an event, which a case without matching events lacks
FastJudge = Callable[[Columns, dt.datetime], Judgement]


def find(cols: Columns, event_type: str, where: tuple, start: int, stop: int) -> tuple[int, bool]:
    """(position of the first match in [start, stop) or -1, whether an undecidable candidate came before it)."""
    types = cols.types
    if event_type not in types:  # a scan in C: most patterns looked for are absent from a case
        return -1, False
    unknown = False
    for position in range(start, stop):
        if types[position] != event_type:
            continue
        if not where:
            return position, unknown
        attrs = cols.attrs[position]
        for name, value in where:
            actual = attrs.get(name)
            if actual is None:
                unknown = True
                break
            if actual != value:
                break
        else:
            return position, unknown
    return -1, unknown


def closed_after(cols: Columns, position: int) -> int:
    """Position of the first case_closed event after `position`, or -1."""
    types = cols.types
    if "case_closed" not in types:
        return -1
    for index in range(position + 1, len(types)):
        if types[index] == "case_closed":
            return index
    return -1


def fast_judge(check, compiled: CompiledPolicy) -> FastJudge:
    """The closure judging `check` on event columns; unknown kinds go through live.judge with a Context."""
    if isinstance(check, DeadlineCheck):
        return _deadline(check, compiled)
    if isinstance(check, OrderCheck):
        return _order(check)
    if isinstance(check, ObligationCheck):
        return _obligation(check)
    if isinstance(check, ChannelCheck):
        return _channel(check)
    return context_judge(check, compiled)


def context_judge(check, compiled: CompiledPolicy) -> FastJudge:
    """The reference path: live.judge's function for the kind, on a Context built per call."""
    function, calendar, labels = judge_function(check), compiled.calendar, compiled.labels

    def judge(cols, now):
        return function(check, Context(cols.events(), now, calendar, labels))
    return judge


def _deadline(check: DeadlineCheck, compiled: CompiledPolicy) -> FastJudge:
    trigger_type, trigger_where = check.trigger.event, check.trigger.where
    done_type, done_where = check.fulfilled_by.event, check.fulfilled_by.where
    amount, unit, bound, calendar = check.rule.period.amount, check.rule.period.unit, check.bound, compiled.calendar
    # due_on's answer per trigger instant (POSIX seconds: unlike datetime equality, exact across zones and folds),
    # one lookup instead of a time-zone conversion per judgement
    dues: dict[float, dt.datetime] = {}

    def judge(cols, now):
        count = len(cols.types)
        start, unknown = find(cols, trigger_type, trigger_where, 0, count)
        if unknown:
            return "undetermined", None, None
        if start < 0:
            return "not_applicable", None, None
        done, unknown = find(cols, done_type, done_where, start + 1, count)
        if unknown:
            return "undetermined", None, None
        closed = closed_after(cols, start)
        ats = cols.ats
        due = None
        if bound == "at_most":
            trigger = ats[start]
            instant = trigger.timestamp()
            due = dues.get(instant)
            if due is None:
                if len(dues) > 100_000:
                    dues.clear()
                due = dues[instant] = due_on(calendar, trigger, amount, unit)
            if done >= 0:
                return ("met" if ats[done] <= due else "breached"), due, None
            stop = ats[closed] if closed >= 0 else now
            if stop > due:
                return "breached", due, None
        elif done >= 0:
            if bound == "at_least":
                earliest = calendar.not_before(ats[start], amount, unit)
                return ("breached" if ats[done] < earliest else "met"), None, None
            return "met", None, None
        if closed >= 0:
            return "breached", due, None
        return "pending", due, done_type
    return judge


def _order(check: OrderCheck) -> FastJudge:
    first_type, first_where = check.first.event, check.first.where
    then_type, then_where = check.then.event, check.then.where

    def judge(cols, now):
        count = len(cols.types)
        then, unknown = find(cols, then_type, then_where, 0, count)
        if unknown:
            return "undetermined", None, None
        if then < 0:  # neither step yet on an open case: the earlier one is owed (SPEC §9)
            first, unknown = find(cols, first_type, first_where, 0, count)
            if first < 0 and unknown:
                return "undetermined", None, None
            if first >= 0 or closed_after(cols, -1) >= 0:
                return "not_applicable", None, None
            return "pending", None, first_type
        first, unknown = find(cols, first_type, first_where, 0, then)
        if first >= 0:
            return "met", None, None
        return ("undetermined" if unknown else "breached"), None, None
    return judge


def _obligation(check: ObligationCheck) -> FastJudge:
    when_type, when_where = check.when.event, check.when.where
    require_type, require_where = check.require.event, check.require.where
    before = check.before

    def judge(cols, now):
        count = len(cols.types)
        start, unknown = find(cols, when_type, when_where, 0, count)
        if unknown:
            return "undetermined", None, None
        if start < 0:
            return "not_applicable", None, None
        done, done_unknown = find(cols, require_type, require_where, start + 1, count)
        limit = find(cols, before.event, before.where, start + 1, count)[0] if before is not None else -1
        if done >= 0 and (limit < 0 or done < limit):
            return "met", None, None
        if done_unknown:
            return "undetermined", None, None
        if limit >= 0 or closed_after(cols, start) >= 0:
            return "breached", None, None
        return "pending", None, require_type
    return judge


def _channel(check: ChannelCheck) -> FastJudge:
    rule = check.rule
    event_type, event_where = check.event.event, check.event.where
    reference_type, agreed_name, used_name = rule.must_equal_event, rule.must_equal_attribute, rule.attribute

    def judge(cols, now):
        count = len(cols.types)
        hit, unknown = find(cols, event_type, event_where, 0, count)
        if unknown:
            return "undetermined", None, None
        if hit < 0:
            return "not_applicable", None, None
        reference, _ = find(cols, reference_type, (), 0, count)
        agreed = cols.attrs[reference].get(agreed_name) if reference >= 0 else None
        if agreed is None:
            return "not_applicable", None, None
        used = cols.attrs[hit].get(used_name)
        if used is None:
            return "undetermined", None, None
        return ("met" if used == agreed else "breached"), None, None
    return judge
