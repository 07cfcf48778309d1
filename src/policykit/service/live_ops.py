"""What the session endpoints do with a held LiveSession: post events, advance, verdicts, the to-do list."""

from __future__ import annotations

import datetime as dt
import time

from ..diagnostics import Diagnostic, PolicykitError
from ..live.intake import at_position
from .checking import Decision, instant_in
from .decisions import DecisionLog
from .errors import ServiceError
from .sessions import Held

def describe(held: Held) -> dict:
    """The session's description (`{name, policy, now, open_cases}`), what other processes acknowledged taken in
    first (a shared PostgreSQL store: its cases held count them too)."""
    held.session.refresh()
    return held.describe()


def post_events(held: Held, events: list[dict]) -> list[dict]:
    """Post `events` in one acknowledgement; one answer per event, in order (nothing is taken if one is bad)."""
    session = held.session
    items = []
    for position, event in enumerate(events):
        body = dict(event)
        case_id = body.pop("case_id", None)
        if case_id is None:
            raise PolicykitError([Diagnostic("missing-key", "every event needs a 'case_id' text",
                                             path=("events", position))])
        # a case id (a text, or an integer as a case file's) and an event id are checked and keyed by the session
        # as the library keys them (live.intake.case_key, posted_id): trimmed, digits, no NUL
        try:
            session.intake.check(str(case_id), {k: v for k, v in body.items() if k != "id"})
        except PolicykitError as exc:
            raise at_position(exc, position, keep_span=False) from None
        items.append((case_id, body))
    changes = session.post_many(items)
    return [{"case_id": change.case_id, "event_id": change.event_id, "duplicate": change.duplicate,
             "changes": change.findings, "new_actions": change.new_actions} for change in changes]


def advance(held: Held, now: str) -> list[dict]:
    """Move the clock; the deadlines that passed, per case."""
    try:
        passed = held.session.advance(instant_in(now, held.session.tz, "now"))
    except PolicykitError as exc:  # clock-went-back: the request's `now` is what went back
        raise PolicykitError([Diagnostic(d.code, d.message, None, d.path or ("now",), d.hint)
                              for d in exc.diagnostics]) from None
    return [{"case_id": change.case_id, "changes": change.findings} for change in passed]


def case_verdict(held: Held, case_id: str, log: DecisionLog) -> Decision:
    """The verdict of a held case now, with a decision id and provenance (logged); 404 for an unknown case."""
    try:
        verdict = held.session.verdict(case_id)
    except KeyError:
        raise ServiceError.of(404, "unknown-case", "no open case with this id in the session") from None
    return Decision(verdict, None, held.session.policy, log)


def actions(held: Held, due_before: str | None) -> list[dict]:
    """Required actions across open cases: overdue first, then by due (open-ended last), case, rule — each as the
    case's verdict lists it, judged over the session's columns (LiveSession.todo), not a verdict per case.

    `due_before` is inclusive; actions without a due are listed only when it is absent."""
    session = held.session
    limit = inclusive_limit(due_before, session.tz) if due_before else None

    def stop() -> None:
        if held.deadline is not None and time.monotonic() > held.deadline:
            # answered 503 already: the session's lock is let go rather than held for the rest of the work
            raise ServiceError.of(503, "timeout", "the request took longer than the time limit")

    return session.todo(limit, stop)


def inclusive_limit(text: str, tz: dt.tzinfo) -> dt.datetime:
    """`due_before` as the last instant it includes: an instant as written, a date (ISO or Hijri, no time of
    day) to the end of that local day, since every due falls at 23:59:59 local (the start of the day, as an
    `at` reads it, left out every action due that very day)."""
    instant = instant_in(text, tz, "due_before")
    if ":" in text or "T" in text.upper():  # a time of day is written (T09, 09:00)
        return instant
    local = instant.astimezone(tz)
    return dt.datetime(local.year, local.month, local.day, 23, 59, 59, 999_999, tzinfo=tz)
