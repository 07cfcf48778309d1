"""LiveSession: feed events as they happen, learn what changed, advance an injected clock past deadlines."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any, Iterable, Sequence

from ..diagnostics import PolicykitError, Span
from ..engine import as_instant
from ..loader import load_policy
from ..model import Policy
from ..rules import compile_policy
from ..timeparse import iso, zone
from .changes import Change
from .intake import Intake, micros
from .ruleset import DurableClassifier
from .store import open_store

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
JUDGES = ("columnar", "fast", "reference")


class LiveSession:
    """A streaming evaluation of many open cases against one policy, with an injected clock.

    `judges` chooses how rules are judged, with the same results: "columnar" (the default where it applies: one
    policy version, the four built-in rule kinds) judges every event of a post_many at once with numpy;
    "fast" judges case by case (the default otherwise); "reference" one event at a time on a Context, the path
    the others are tested against.  `LiveSession(...)` returns the subclass doing the chosen judging."""

    def __new__(cls, policy: Policy | str, store: Any = None, now: dt.datetime | str | None = None,
                reading: str | None = None, judges: str | None = None) -> "LiveSession":
        if cls is not LiveSession:
            return super().__new__(cls)
        loaded = policy if isinstance(policy, Policy) else load_policy(policy)
        if judges is None:
            judges = "columnar" if columnar_applies(loaded) else "fast"
        if judges not in JUDGES:
            raise ValueError(f"judges must be one of {JUDGES}, not {judges!r}")
        if judges == "columnar":
            if not columnar_applies(loaded):
                raise ValueError(f"judges='columnar' needs one policy version and the built-in rule kinds; "
                                 f"policy '{loaded.id}' has {len(loaded.versions)} versions")
            from .columnar import ColumnarSession as chosen
        else:
            from .percase import PerCaseSession as chosen
        session = super().__new__(chosen)
        session._loaded = loaded
        return session

    def __init__(self, policy: Policy | str, store: Any = None, now: dt.datetime | str | None = None,
                 reading: str | None = None, judges: str | None = None) -> None:
        loaded = getattr(self, "_loaded", None)
        self.policy = loaded if loaded is not None else policy if isinstance(policy, Policy) else load_policy(policy)
        self.tz = zone(self.policy.calendar.timezone)
        self.now = instant_of(now, self.tz, "now") if now is not None else _EPOCH
        if reading is None:
            from ..config import load_settings

            reading = load_settings().reading  # as evaluate() would resolve it
        self.reading = reading
        self.judges = judges or ("columnar" if type(self).__name__ == "ColumnarSession" else "fast")
        self._single = compile_policy(self.policy, reading) if len(self.policy.versions) == 1 else None
        self.classifier = DurableClassifier(self.policy)
        self.intake = Intake(self.policy, self.tz, self.classifier)
        self.vocab = self.intake.vocab
        self.store = open_store(store)
        self.store.check_policy(self.policy.id)
        self._due_texts: dict[dt.datetime, tuple[int, str]] = {}
        self._setup()
        self._shared = getattr(self.store, "shared", False)
        if self._shared:
            self._share()

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
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._synced(self._post_many, True)(items)
        finally:
            if paused:
                gc.enable()

    def _post_many(self, items: Iterable[tuple]) -> Sequence[Change]:
        raise NotImplementedError

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record facts of a case (compensation); committed on return."""
        parsed = self.intake.facts(case_id, facts)
        self._synced(self._record_facts, True)(case_id, parsed)

    def _record_facts(self, case_id: str, parsed: dict) -> None:
        self._facts_held(case_id).update(parsed)
        self.store.set_facts(case_id, dict(parsed))
        self.store.commit()

    # --- a store shared with other processes (PostgreSQL) ------------------------------------------------------

    def _share(self) -> None:
        """Make the reading and closing methods take in, first, what other processes acknowledged."""
        for name, write in (("advance", False), ("verdict", False), ("judgement", False), ("close", True)):
            setattr(self, name, self._synced(getattr(self, name), write))

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
        """advance()'s new clock, checked: an instant not before the session's clock."""
        instant = instant_of(now, self.tz, "advance")
        if instant < self.now:
            raise PolicykitError.single("clock-went-back", f"advance() to {iso(instant, self.tz)}, before the "
                                        f"session's clock {iso(self.now, self.tz)}", Span("advance"))
        return instant

    def shutdown(self) -> None:
        """Commit and release the store."""
        self.store.close()

    def _due_text(self, due: dt.datetime) -> tuple[int, str]:
        """A due's microseconds and ISO text, remembered (a policy's dues fall on few distinct instants)."""
        known = self._due_texts.get(due)
        if known is None:
            if len(self._due_texts) > 100_000:
                self._due_texts.clear()
            known = self._due_texts[due] = (micros(due), iso(due, self.tz))
        return known


def columnar_applies(policy: Policy) -> bool:
    """Whether the columnar judging covers a policy: one version, only the four built-in rule kinds."""
    if len(policy.versions) != 1:
        return False
    from ..model import ChannelRule, DeadlineRule, ObligationRule, OrderRule

    try:
        import numpy  # noqa: F401  (the columnar judging's one extra need)
    except ImportError:
        return False
    return all(isinstance(rule, (DeadlineRule, OrderRule, ObligationRule, ChannelRule))
               for rule in policy.versions[0].rules)


def instant_of(value, tz, where: str) -> dt.datetime:
    """An injected clock value as an aware instant; text that is not one is a located input error."""
    try:
        return as_instant(value, tz)
    except (ValueError, TypeError) as exc:
        raise PolicykitError.single("invalid-date", str(exc), Span(where)) from None
