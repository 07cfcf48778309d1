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
from .intake import Intake, content_id, micros
from .ruleset import DurableClassifier
from .store import open_store

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
JUDGES = ("columnar", "fast", "reference")
CODE_BITS = 20  # a content key packs an instant (µs) and a shape code below 2**CODE_BITS into one int
CODE_MASK = (1 << CODE_BITS) - 1


class Change:
    """What one post (or advance) changed on one case.

    An event posted without an id is known by its content (type, instant, attributes); its id text
    (live.intake.content_id) is made when `event_id` is first read."""

    __slots__ = ("case_id", "_event_id", "duplicate", "findings", "new_actions", "_shapes")

    def __init__(self, case_id: str, event_id: "str | int | tuple | None" = None, duplicate: bool = False,
                 findings: list[dict] | None = None, new_actions: list[dict] | None = None,
                 shapes: list | None = None) -> None:
        self.case_id, self._event_id, self.duplicate = case_id, event_id, duplicate
        self.findings: list[dict] = [] if findings is None else findings
        self.new_actions: list[dict] = [] if new_actions is None else new_actions
        self._shapes = shapes  # a columnar session's shapes, which an int content key is read with

    @property
    def event_id(self) -> str | None:
        """The event's id: the one posted, else its content id."""
        key = self._event_id
        if type(key) is int:  # (instant << CODE_BITS) | shape code
            shape = self._shapes[key & CODE_MASK]
            key = self._event_id = content_id(shape.kind, key >> CODE_BITS, shape.shown)
        elif type(key) is tuple:  # (type, instant, attributes text)
            key = self._event_id = content_id(*key)
        return key

    @event_id.setter
    def event_id(self, value: str | None) -> None:
        self._event_id = value

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"case_id": self.case_id, "event_id": self.event_id, "duplicate": self.duplicate,
                "findings": self.findings, "new_actions": self.new_actions}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Change) and self.to_dict() == other.to_dict()

    __hash__ = None  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Change(case_id={self.case_id!r}, event_id={self.event_id!r}, duplicate={self.duplicate!r}, "
                f"findings={self.findings!r}, new_actions={self.new_actions!r})")


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
            return self._post_many(items)
        finally:
            if paused:
                gc.enable()

    def _post_many(self, items: Iterable[tuple]) -> Sequence[Change]:
        raise NotImplementedError

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
