"""Checking posted events against a policy's vocabulary, with what is known per event shape remembered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import MappingProxyType
from typing import Any

from ..case import Case, Vocabulary, case_from_data
from ..diagnostics import Diagnostic, PolicykitError, Span
from ..model import Policy
from ..timeparse import MAX_YEAR, MIN_YEAR, TimeFormatError, parse_instant
from ..values import id_text
from ..vocabulary import CHANNEL_ATTRIBUTES, EVENT_ATTRIBUTES, EVENTS
from .ruleset import DurableClassifier

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_SHAPES_KEPT = 50_000  # distinct (type, attributes) pairs remembered; real streams use a few hundred


def micros(instant: dt.datetime) -> int:
    """Microseconds since the Unix epoch of an aware instant."""
    seconds = instant.timestamp()
    if seconds < 0:
        return (instant - _EPOCH) // dt.timedelta(microseconds=1)
    return int(seconds) * 1_000_000 + instant.microsecond


class Shape:
    """What follows from an event's type and attributes alone: the rules it can change, its id text, and its
    number in the session (its row in the pattern tables)."""

    __slots__ = ("kind", "affected", "shown", "attrs", "stored", "code")

    def __init__(self, kind: str, affected: frozenset[str], shown: str, attrs: dict) -> None:
        self.kind, self.affected, self.shown = kind, affected, shown  # shown: the attributes as the id writes them
        # one read-only mapping shared by every event of this shape: 10^5 cases hold ~10^6 events
        self.attrs = MappingProxyType(dict(attrs))
        self.stored = json.dumps(dict(attrs), ensure_ascii=False) if attrs else None  # as the store keeps them
        self.code = 0  # the session's number for this shape (0: none given yet)


_BLAKE2B_12 = hashlib.blake2b(digest_size=12)


def content_id(event_type: str, at_us: int, shown: str) -> str:
    """A stable id from an event's content, for events posted without one: blake2b (12 bytes) of its text."""
    digest = _BLAKE2B_12.copy()
    digest.update(f"{event_type}|{at_us}|{shown}".encode())
    return digest.hexdigest()


def shown_attrs(attrs: dict) -> str:
    """The attributes in the content id's notation (sorted when there are several)."""
    return repr(sorted(attrs.items()) if len(attrs) > 1 else list(attrs.items()))


class Intake:
    """Turns posted event mappings into (type, instant, attributes, shape); a bad one gets the case loader's
    located error.  Shapes that passed the vocabulary check are remembered, so a repeat costs one lookup."""

    def __init__(self, policy: Policy, tz: dt.tzinfo, classifier: DurableClassifier) -> None:
        self.policy, self.tz, self.classifier = policy, tz, classifier
        self.vocab = Vocabulary.of(policy)
        self._shapes: dict[tuple, Shape] = {}

    def check(self, case_id: str, event: dict) -> tuple[Any, dt.datetime, Any, Shape]:
        """The event, checked; raises PolicykitError (located) when anything is off."""
        kind, at = event.get("type"), event.get("at")
        if len(event) == 2 and kind is not None and at is not None:
            pairs: tuple = ()  # the common event: a type and an instant, nothing else
        else:
            pairs = tuple([(k, v) for k, v in event.items() if k != "type" and k != "at" and k != "id"])
        key: tuple | None
        shape: Shape | None
        try:
            key = (kind, pairs)
            shape = self._shapes.get(key)
        except TypeError:  # an unhashable attribute value: certainly invalid, let the loader say why
            key = shape = None
        if shape is None and key is not None and isinstance(kind, str) and kind in self.vocab.events:
            attrs = dict(pairs)
            if not attrs or self._valid_attrs(kind, attrs):
                shape = self._remember(key, kind, attrs)
        if shape is not None and type(at) is str:
            instant = self._instant(at)
            if instant is not None:
                return kind, instant, shape.attrs, shape
        return self._checked_by_loader(case_id, event)

    def _instant(self, text: str) -> dt.datetime | None:
        """parse_instant's result for `text`, or None when only parse_instant itself can tell (Hijri, spaces,
        errors): datetime.fromisoformat accepts no text that parse_instant reads otherwise."""
        try:
            instant = dt.datetime.fromisoformat(text)
        except ValueError:
            instant = None
        if instant is None or not MIN_YEAR <= instant.year <= MAX_YEAR:
            try:
                return parse_instant(text, self.tz)
            except TimeFormatError:
                return None
        return instant if instant.tzinfo is not None else instant.replace(tzinfo=self.tz)

    def _checked_by_loader(self, case_id: str, event: dict) -> tuple[str, dt.datetime, dict, Shape]:
        payload = {k: v for k, v in event.items() if k != "id"}
        parsed: Case = case_from_data({"case_id": case_id, "events": [payload]}, self.policy,
                                      name=f"<live {case_id}>")
        found = parsed.events[0]
        attrs = dict(found.attrs)
        return found.type, found.at, attrs, self._shape(found.type, attrs)

    def _remember(self, key: tuple, kind: str, attrs: dict) -> Shape:
        if len(self._shapes) >= _SHAPES_KEPT:
            self._shapes.clear()
        shape = self._shapes[key] = self._shape(kind, attrs)
        return shape

    def _shape(self, kind: str, attrs: dict) -> Shape:
        return Shape(kind, frozenset(self.classifier.affected(kind, attrs)), shown_attrs(attrs), attrs)

    def shape_of(self, kind: str, attrs: dict) -> Shape:
        """The shape of an event already checked (a stored one), remembered like posted ones."""
        key = (kind, tuple(attrs.items()))
        shape = self._shapes.get(key)
        return shape if shape is not None else self._remember(key, kind, dict(attrs))

    def _valid_attrs(self, kind: str, attrs: dict[str, Any]) -> bool:
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

    def facts(self, case_id: str, facts: dict) -> dict[str, bool | None]:
        """A case's facts, checked by the case loader."""
        return dict(case_from_data({"case_id": case_id, "events": [], "facts": facts}, self.policy,
                                   name=f"<live {case_id}>").facts)  # named as its events' errors are


def posted_item(item, position: int) -> tuple:
    """A post_many item as (case id, event, facts): `(case_id, event)` or `(case_id, event, facts)`, the case id a
    non-empty text (or an integer, as the case loader takes it) and the event a mapping; else a located
    wrong-type, never a value (None was posted as the case 'None', a list event was an AttributeError)."""
    size = len(item) if isinstance(item, (tuple, list)) else 0
    if size not in (2, 3):
        raise _posted_error("each posted item is (case_id, event) or (case_id, event, facts)", "events", position)
    case_id, event, facts = item if size == 3 else (*item, None)
    case_id = case_key(case_id, ("events", position, "case_id"))
    if type(event) is not dict:
        from collections.abc import Mapping

        if not isinstance(event, Mapping):
            raise _posted_error("an event must be a mapping of its type, at and attributes", "events", position)
        event = dict(event)
    return case_id, event, facts


def case_key(value, path: tuple) -> str:
    """A case id as the session keys it: a non-empty Unicode text without the spaces around it (as a case file's
    and a log's, policykit.values), or an integer as its digits; else wrong-type at `path`."""
    if type(value) is not str:
        if type(value) is not int:
            raise _posted_error("a case id must be a non-empty text", *path)
        value = str(value)
    value = id_text(value)
    if not value:
        raise _posted_error("a case id must be a non-empty text", *path)
    if not value.isascii() and not unicode_text(value):
        raise _posted_error("a case id must be Unicode text (it holds a lone surrogate)", *path)
    if "\x00" in value:
        raise _posted_error(NUL_HELD.format("a case id"), *path)
    return value


def posted_id(value, position: int) -> str | None:
    """A posted event's `id` as the session keys it: a text (an empty one is no id) or an integer as its digits;
    None when there is none.  Anything else is wrong-type (0 was taken as no id, a list as the id '[1]')."""
    if value is None:
        return None
    if type(value) is str:
        if not value.isascii() and not unicode_text(value):
            raise _posted_error("an event 'id' must be Unicode text (it holds a lone surrogate)", "events", position,
                                "id")
        if "\x00" in value:
            raise _posted_error(NUL_HELD.format("an event 'id'"), "events", position, "id")
        return value or None
    if type(value) is int:
        return str(value)
    raise _posted_error("an event 'id' must be a text", "events", position, "id")


# a NUL character: SQLite kept it, PostgreSQL's text refuses it (the post failed as a store write), so no store does
NUL_HELD = "{} must not hold a NUL character (no live store keeps one)"


def storable(text: str) -> bool:
    """Whether `text` (a case id, an event id) can be kept by every live store: Unicode that UTF-8 holds, no NUL."""
    return "\x00" not in text and (text.isascii() or unicode_text(text))


def unicode_text(text: str) -> bool:
    """Whether `text` is Unicode text that UTF-8 can hold (JSON lets a lone surrogate through; a store cannot)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _posted_error(message: str, *path) -> PolicykitError:
    return PolicykitError([Diagnostic("wrong-type", message, Span("<live>"), tuple(path))])


def at_position(error: PolicykitError, position: int, keep_span: bool = True) -> PolicykitError:
    """The intake's errors (located in a one-event case) located in the posted list instead: `events[position]`."""
    moved = []
    for d in error.diagnostics:
        path = d.path[2:] if d.path[:2] == ("events", 0) else d.path
        moved.append(Diagnostic(d.code, d.message, d.span if keep_span else None, ("events", position, *path), d.hint))
    return PolicykitError(moved)
