"""What a live session does besides judging: intake, the store (written first), the clock and its guard."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

from ..config import Settings, load_settings
from ..diagnostics import PolicykitError, Span
from ..engine import as_instant
from ..limits import Limits, current as current_limits
from ..loader import load_policy
from ..model import Policy
from ..timeparse import iso, zone
from .changes import Change, collector_paused
from .intake import Intake, case_key
from .ruleset import DurableClassifier
from .store import Store, open_store

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class SessionCore:
    """The plumbing of policykit.live.LiveSession (intake, store, clock); the judging is LiveSession's.

    `store`: None (nothing kept), a path (a SQLite file, held by this session alone until `shutdown()`) or a
    live.store.Store.  `future_tolerance`: how far an event may lie after the session's clock (default
    `limits.max_event_lead_seconds`, one day); a later one is refused (`event-too-far-ahead`), so that one
    mistyped year cannot move the clock and breach every pending deadline.  The tolerance guards a clock
    that was set from outside — `now=` or an `advance()` — since only then does the session know the present;
    a session driven by its events alone (a replay: its clock starts at the first event and follows the
    latest) takes gaps of any length, until its first `advance()`.  `limits`: the bounds in force (default
    `limits.current()`); `max_events_per_case` bounds each case's events.  `settings`: the configuration (the
    reading when `reading` is None, the at-risk window of the verdicts' required actions; default: read once,
    when the session starts)."""

    def __init__(self, policy: Policy | str, store: Any = None, now: dt.datetime | str | None = None,
                 reading: str | None = None, future_tolerance: dt.timedelta | None = None,
                 limits: Limits | None = None, settings: Settings | None = None) -> None:
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self.tz = zone(self.policy.calendar.timezone)
        self.now = instant_of(now, self.tz, "now") if now is not None else _EPOCH
        self.clock_started = now is not None  # else at the first advance, stored event or posted event
        self.clock_guarded = now is not None  # the present is known: events too far past it are refused
        self.limits = limits or current_limits()
        if future_tolerance is None:
            future_tolerance = dt.timedelta(seconds=self.limits.max_event_lead_seconds)
        if not isinstance(future_tolerance, dt.timedelta) or future_tolerance < dt.timedelta(0):
            raise ValueError(f"future_tolerance must be a timedelta of at least zero, not {future_tolerance!r}")
        self.future_tolerance = future_tolerance
        self._lead_us = future_tolerance // dt.timedelta(microseconds=1)
        # the configuration (the reading when none is given, the at-risk window) read once, here: every verdict
        # is judged with what the session's rules were compiled with, whatever the file says later
        self.settings = settings if settings is not None else load_settings()
        if reading is None:
            reading = self.settings.reading  # as evaluate() would resolve it
        self.reading = reading
        self.classifier = DurableClassifier(self.policy)
        self.intake = Intake(self.policy, self.tz, self.classifier)
        self.vocab = self.intake.vocab
        self.store = open_store(store)
        try:
            self.store.check_policy(self.policy.id)
            self._setup()
            if now is not None:  # a clock given is kept as an advance() is: a restart restores it
                with self._transaction() as kept:
                    kept.save_clock((self.now - _EPOCH) // dt.timedelta(microseconds=1))
            self._shared = getattr(self.store, "shared", False)
            if self._shared:
                self._share()
        except BaseException:
            if not isinstance(store, Store):  # opened here: released here, so that the file is not left held
                self.store.rollback()
                self.store.close()
            raise

    def _setup(self) -> None:
        """The judging's own state, and the store's acknowledged events restored into it."""
        raise NotImplementedError

    # --- feeding --------------------------------------------------------------------------------------------

    def post(self, case_id: str, event: dict, facts: dict[str, bool | None] | None = None) -> Change:
        """Add one event (acknowledged, i.e. committed, on return); what it changed on its case."""
        return self.post_many([(case_id, event, facts)])[0]

    def post_many(self, items: Iterable[tuple]) -> Sequence[Change]:
        """Add many events in one transaction (one acknowledgement); what each changed, in order: a read-only
        sequence (the columnar session builds each Change when it is read; `list()` it to keep them).

        Every event is checked before any is applied: a bad one raises PolicykitError and none is taken.
        The cyclic garbage collector is paused meanwhile (nothing here makes cycles; with 10^5 cases held, its
        passes over the session's objects cost as much as the judging)."""
        with collector_paused():
            return self._synced(self._post_many, True)(items)

    def _post_many(self, items: Iterable[tuple]) -> Sequence[Change]:
        raise NotImplementedError

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record facts of a case (compensation); committed on return (held in memory only once stored)."""
        case_id = case_key(case_id, ("case_id",))
        parsed = self.intake.facts(case_id, facts)
        self._synced(self._record_facts, True)(case_id, parsed)

    def _record_facts(self, case_id: str, parsed: dict) -> None:
        with self._transaction() as store:
            store.set_facts(case_id, dict(parsed))
        self._facts_held(case_id).update(parsed)

    @contextmanager
    def _transaction(self) -> Iterator[Store]:
        """The store writes of one call, then their commit (the acknowledgement); on any failure the store's
        transaction is rolled back and the error raised (a failed write is the store's `store-write-failed`),
        so the caller can leave its memory as it was."""
        try:
            yield self.store
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise

    def _too_far_ahead(self, case_id: str, at: dt.datetime, clock: dt.datetime) -> PolicykitError:
        """The error for an event later than the clock plus the tolerance (the session's state unchanged)."""
        return PolicykitError.single(
            "event-too-far-ahead", f"event at {iso(at, self.tz)} is more than {_duration(self.future_tolerance)} "
            f"after the session's clock {iso(clock, self.tz)}", Span(f"<live {case_id}>"), ("at",),
            hint="check the event's date; the tolerance is LiveSession(future_tolerance=...) or "
                 "POLICYKIT_MAX_EVENT_LEAD_SECONDS")

    def _too_many_events(self, case_id: str, count: int) -> PolicykitError:
        """The error for a post that would give a case more events than the limit (nothing of it taken)."""
        from ..limits import ENV_VARS

        bound = self.limits.max_events_per_case
        return PolicykitError.single("too-many-events", f"case would have {count} events; the limit is {bound}",
                                     Span(f"<live {case_id}>"),
                                     hint=f"close the case, or raise {ENV_VARS['max_events_per_case']} if it is "
                                          "genuine")

    # --- a store shared with other processes (PostgreSQL) ------------------------------------------------------

    def _share(self) -> None:
        """Make the reading and closing methods take in, first, what other processes acknowledged."""
        for name, write in (("advance", False), ("verdict", False), ("judgement", False), ("todo", False),
                            ("refresh", False), ("close", True)):
            setattr(self, name, self._synced(getattr(self, name), write))

    def refresh(self) -> None:
        """Take in what other processes acknowledged (a store shared through PostgreSQL); nothing otherwise."""

    def _synced(self, method, write: bool):
        """`method` run after catching up with the shared store; a write holds the store's write lock from the
        catch-up to its commit, and a failure rolls the store back (nothing acknowledged)."""
        if not self._shared:
            return method

        def run(*args, **kwargs):
            caught = self.store.catch_up(write)
            try:
                if caught:
                    self._take_stored(caught)
                return method(*args, **kwargs)
            except BaseException:
                if write:
                    self.store.rollback()
                raise
        return run

    def _take_stored(self, caught) -> None:
        """Take in events, facts and closures other processes acknowledged (live.pgstore.CaughtUp)."""
        raise NotImplementedError

    def _facts_held(self, case_id: str) -> dict:
        """The facts of a case held in memory (a case with facts and no events yet is held too)."""
        raise NotImplementedError

    def _clock_to(self, now: dt.datetime | str) -> dt.datetime:
        """advance()'s new clock, checked (an instant not before the session's clock) and stored, so that a
        restart on the same store restores it; a failed write raises store-write-failed, the clock unmoved."""
        instant = instant_of(now, self.tz, "advance")
        if self.clock_started and instant < self.now:  # a clock not started yet has no past to go back to
            raise PolicykitError.single("clock-went-back", f"advance() to {iso(instant, self.tz)}, before the "
                                        f"session's clock {iso(self.now, self.tz)}", Span("advance"))
        with self._transaction() as store:
            store.save_clock((instant - _EPOCH) // dt.timedelta(microseconds=1))
        self.clock_started = self.clock_guarded = True
        return instant

    def _stored_clock(self) -> None:
        """The clock a restart restores: the last advance() stored, when later than what the events set."""
        stored = self.store.load_clock()
        if stored is not None:
            instant = _EPOCH + dt.timedelta(microseconds=stored)
            if not self.clock_started or instant > self.now:
                self.now = instant
            self.clock_started = self.clock_guarded = True  # an advance() had told the present

    def shutdown(self) -> None:
        """Commit and release the store."""
        self.store.close()



def _duration(span: dt.timedelta) -> str:
    """A tolerance as people write it: '1 day', '6 hours', '90 seconds'."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        if seconds % size == 0 and seconds >= size or unit == "second":
            amount = seconds // size
            return f"{amount} {unit}{'' if amount == 1 else 's'}"
    return str(span)


def instant_of(value, tz, where: str) -> dt.datetime:
    """An injected clock value as an aware instant; text that is not one is a located input error."""
    try:
        return as_instant(value, tz)
    except (ValueError, TypeError) as exc:
        raise PolicykitError.single("invalid-date", str(exc), Span(where)) from None
