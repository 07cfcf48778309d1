"""`evaluate(policy, case, as_of, reading)`: the reference evaluation of one case (SPEC §7); time only from as_of."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .calendar import WorkCalendar
from .case import Case
from .compensation import assess
from .config import AtRisk, Settings, load_settings
from .counting import arabic_digits
from .findings_text import event_label
from .judge.compiled import CompiledPolicy, compile_policy
from .judge.scalar import Outcome, judge
from .judge.status import action_order, at_risk as in_warning_window, case_status
from .judge.table import micros
from .matching import Context
from .timeparse import in_years, iso, parse_instant, zone
from .verdict import ClauseRef, Note, RequiredAction, Text, Verdict
from .vocabulary import CHANNEL_ATTRIBUTES, CHANNELS

if TYPE_CHECKING:  # only read: a policy record (policykit.records) serves as well
    from .model import Policy

def evaluate(policy: Policy, case: Case, as_of: dt.datetime | str, reading: str | None = None, *,
             at_risk: AtRisk | None = None, settings: Settings | None = None) -> Verdict:
    """Judge `case` against the version of `policy` in force at its first event, as things stood at `as_of`.

    `reading` (intended/literal) and `at_risk` default to the configuration (POLICYKIT_READING, policykit.toml),
    then to each deadline's own default reading.  `settings`: that configuration as a caller read it once (a
    service, a live session), so that a later change of the file is not half taken; default: read here.
    """
    if reading is None or at_risk is None:
        settings = settings if settings is not None else load_settings()
        reading = reading if reading is not None else settings.reading
        at_risk = at_risk if at_risk is not None else settings.at_risk
    version = version_for(policy, case, as_of)
    compiled = compile_policy(version, reading)
    calendar = compiled.calendar
    instant = as_instant(as_of, calendar.tz)
    seen = tuple(e for e in case.events if e.at <= instant)
    ctx = Context(seen, instant, calendar, compiled.labels)
    outcomes = [judge(rule, ctx) for rule in compiled.rules]
    findings = [o.finding for o in outcomes]
    used = sorted({f.reading for f in findings if f.reading})
    return Verdict.trusted(
        case_id=case.case_id, policy=version.id, policy_version=version.version, as_of=iso(instant, calendar.tz),
        reading=reading or (used[0] if len(used) == 1 else None),
        status=case_status([f.status for f in findings]), findings=findings,
        required_actions=required_actions(outcomes, compiled, instant, at_risk),
        compensation=assess(version.compensation, case.facts),
        notes=notes(version, case, instant),
    )


def as_instant(as_of: dt.datetime | str, tz: dt.tzinfo) -> dt.datetime:
    """`as_of` as an aware instant; text and naive datetimes are local to `tz`.  Years outside 1900-2200 are
    refused (TimeFormatError), as in text: datetime.max would overflow the due-date arithmetic."""
    if isinstance(as_of, str):
        return parse_instant(as_of, tz)
    if isinstance(as_of, dt.datetime):
        return in_years(as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=tz))
    if isinstance(as_of, dt.date):
        return in_years(dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=tz))
    raise TypeError(f"as_of must be a datetime or ISO string, not {type(as_of).__name__}")


def version_for(policy: Policy, case: Case, as_of: dt.datetime | str) -> Policy:
    """The version in force on the local date of the case's first event (of as_of when it has none)."""
    tz = zone(policy.calendar.timezone)
    first = case.first_event
    instant = first.at if first is not None else as_instant(as_of, tz)
    return policy.in_force_on(instant.astimezone(tz).date())


def required_actions(outcomes: list[Outcome], compiled: CompiledPolicy, as_of: dt.datetime,
                     at_risk: AtRisk) -> list[RequiredAction]:
    """SPEC §9: one action per obligation still owed (pending, or a deadline overdue with its event not yet
    happened), in policykit.judge.status's order."""
    tz = compiled.calendar.tz
    actions: list[tuple[tuple, RequiredAction]] = []
    for outcome in outcomes:
        if outcome.expects is None or not (outcome.finding.status == "pending" or outcome.overdue):
            continue
        finding = outcome.finding
        actions.append((action_order(outcome.overdue, micros(outcome.due) if outcome.due else None, finding.rule),
                        action(finding, outcome.expects, iso(outcome.due, tz) if outcome.due else None,
                               outcome.overdue, outcome.before, compiled.labels,
                               at_risk=not outcome.overdue and is_at_risk(outcome.trigger, outcome.due, as_of,
                                                                          compiled.calendar, at_risk))))
    return [item for _, item in sorted(actions, key=lambda item: item[0])]


def action(finding, event: str, due: str | None, overdue: bool, before: str | None, labels: dict,
           at_risk: bool) -> RequiredAction:
    """The action owed for `finding` (anything with its rule, label and clause): `event` by `due` (ISO 8601)."""
    ar, en = event_label(event, labels)
    return RequiredAction.trusted(
        event=event, due=due, rule=finding.rule,
        label=Text.trusted(ar=f"{ar} — {finding.label.ar}", en=f"{en} — {finding.label.en}"),
        clause=ClauseRef.trusted(ref=finding.clause.ref, text_ar=finding.clause.text_ar),
        overdue=overdue, before=before, at_risk=at_risk)


def is_at_risk(trigger: dt.datetime | None, due: dt.datetime | None, as_of: dt.datetime,
               calendar: WorkCalendar, at_risk: AtRisk) -> bool:
    """SPEC §9's warning window (policykit.judge.status.at_risk) for one action; never without a due."""
    if due is None or trigger is None:
        return False
    return bool(in_warning_window(micros(trigger), micros(due), micros(as_of), calendar.working_days_left(as_of, due),
                                  at_risk.fraction, at_risk.working_days))


def notes(policy: Policy, case: Case, as_of: dt.datetime) -> list[Note]:
    """Observations that do not change the status: channels the policy does not offer, events after as_of."""
    offered = offered_channels(policy)
    out: list[Note] = []
    for event in case.events:  # in time order, so that notes do not depend on how the file was ordered
        for name in sorted(CHANNEL_ATTRIBUTES & set(event.attrs)):
            value = event.attrs[name]
            if offered and value not in offered:
                out.append(channel_note(event.index, value))
    later = sorted(e.index for e in case.events if e.at > as_of)
    if later:
        out.append(later_note(later))
    return out


def offered_channels(policy: Policy) -> set[str]:
    """The channels a policy offers (none listed: every channel is accepted, and no note is made)."""
    if not policy.channels:
        return set()
    return {c.id for c in policy.channels} | {d.id for d in policy.extra_channels}


def channel_note(event_index: int, value: str) -> Note:
    """The note of an event whose channel the policy does not offer."""
    ar, en = CHANNELS.get(value, {"ar": value, "en": value}).values()
    return Note.trusted(code="channel-not-offered", event_index=event_index, message=Text.trusted(
        ar=f"القناة «{ar}» ليست من قنوات هذه السياسة.",
        en=f"The channel '{en}' ({value}) is not one this policy offers."))


def later_note(later: list[int]) -> Note:
    """The note listing events after as_of (by index), which the verdict does not take into account."""
    listed = ", ".join(f"#{i}" for i in later)
    numbers = "، ".join(arabic_digits(i) for i in later)
    return Note.trusted(code="events-after-as-of", event_index=later[0], message=Text.trusted(
        ar=f"أحداث بعد لحظة التقييم لم تُحتسب (الأحداث رقم {numbers}).",
        en=f"Events after as_of were not taken into account: {listed}."))
